//! An account: cash and units on every chain, its open listings, its
//! trades, the dividends it received and the txs that name it; and the
//! same history as CSV.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use xcc_chain::Address;
use xcc_node_config::AppKind;
use xcc_proto::{currency::v1 as currency, security::v1 as security};

use super::securities::all_securities;
use super::{paths, PageError, View};
use crate::html::{self, esc, seg, table};
use crate::index::Trade;
use crate::Explorer;

/// Listing pages scanned for an account's own listings, per chain.
const LISTING_PAGES: usize = 10;
/// Txs listed, the latest first.
const TXS_LISTED: usize = 50;

struct Holdings {
    cash: Vec<(String, currency::Coin, u64)>,
    units: Vec<(String, String, security::QueryBalanceResponse)>,
    listings: Vec<(String, security::Listing)>,
    dividends: Vec<(String, currency::DividendReceipt)>,
    trades: Vec<Trade>,
}

async fn holdings(explorer: &Explorer, account: &str) -> Result<Holdings, PageError> {
    let mut cash = Vec::new();
    let mut dividends = Vec::new();
    for chain in explorer.chains.of_kind(AppKind::Currency) {
        let answer: currency::QueryBalancesResponse = chain
            .query(
                paths::CASH_BALANCES,
                &currency::QueryBalancesRequest {
                    account: account.to_owned(),
                    page: super::page_request(Vec::new(), 100),
                },
            )
            .await?;
        for coin in answer.balances {
            let reserved = chain
                .query::<_, currency::QueryBalanceResponse>(
                    "/xcc.currency.v1.Query/Balance",
                    &currency::QueryBalanceRequest {
                        denom: coin.denom.clone(),
                        account: account.to_owned(),
                    },
                )
                .await
                .map(|balance| balance.reserved)
                .unwrap_or_default();
            cash.push((chain.id.clone(), coin, reserved));
        }
        let received: currency::QueryDividendsReceivedResponse = chain
            .query(
                paths::DIVIDENDS_RECEIVED,
                &currency::QueryDividendsReceivedRequest {
                    account: account.to_owned(),
                    page: super::page_request(Vec::new(), 100),
                },
            )
            .await?;
        dividends.extend(received.receipts.into_iter().map(|r| (chain.id.clone(), r)));
    }
    let mut units = Vec::new();
    let mut listings = Vec::new();
    for chain in explorer.chains.of_kind(AppKind::Security) {
        for item in all_securities(chain).await? {
            let balance: security::QueryBalanceResponse = chain
                .query(
                    paths::SECURITY_BALANCE,
                    &security::QueryBalanceRequest {
                        symbol: item.symbol.clone(),
                        account: account.to_owned(),
                    },
                )
                .await?;
            if balance.amount + balance.pending_in > 0 {
                units.push((chain.id.clone(), item.symbol, balance));
            }
        }
        let mut key = Vec::new();
        for _ in 0..LISTING_PAGES {
            let answer: security::QueryListingsResponse = chain
                .query(
                    paths::LISTINGS,
                    &security::QueryListingsRequest {
                        symbol: String::new(),
                        page: super::page_request(key, 100),
                    },
                )
                .await?;
            listings.extend(
                answer
                    .listings
                    .into_iter()
                    .filter(|l| l.seller == account && !l.cancelled && l.units + l.reserved > 0)
                    .map(|l| (chain.id.clone(), l)),
            );
            key = answer.page.map(|p| p.next_key).unwrap_or_default();
            if key.is_empty() {
                break;
            }
        }
    }
    let trades = explorer
        .index()
        .trades_of(account)
        .into_iter()
        .cloned()
        .collect();
    Ok(Holdings {
        cash,
        units,
        listings,
        dividends,
        trades,
    })
}

fn address(text: &str) -> Result<String, PageError> {
    text.parse::<Address>()
        .map(|address| address.to_string())
        .map_err(|_| PageError::NotFound(format!("account {text}: not an address")))
}

pub async fn page(
    State(explorer): State<Explorer>,
    Path(account): Path<String>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let account = address(&account)?;
    let held = holdings(&explorer, &account).await?;
    let mut body = format!(
        "<h1>Account <span class=\"mono\">{}</span></h1><p>{}</p>",
        esc(&account),
        html::link(&format!("/account/{}/csv", seg(&account)), "history as CSV")
    );
    body.push_str("<h2>Cash</h2>");
    body.push_str(&table(
        &["chain", "denom", "amount", "reserved"],
        held.cash.iter().map(|(chain, coin, reserved)| {
            vec![
                html::chain(chain),
                esc(&coin.denom),
                coin.amount.to_string(),
                reserved.to_string(),
            ]
        }),
    ));
    body.push_str("<h2>Securities</h2>");
    body.push_str(&table(
        &["security", "units", "reserved", "incoming", "frozen"],
        held.units.iter().map(|(chain, symbol, balance)| {
            vec![
                html::security(chain, symbol),
                balance.amount.to_string(),
                balance.reserved.to_string(),
                balance.pending_in.to_string(),
                if balance.frozen { "frozen" } else { "" }.to_owned(),
            ]
        }),
    ));
    body.push_str("<h2>Open listings</h2>");
    body.push_str(&table(
        &["listing", "security", "units", "price per unit"],
        held.listings.iter().map(|(chain, listing)| {
            vec![
                listing.id.to_string(),
                html::security(chain, &listing.symbol),
                listing.units.to_string(),
                format!("{} {}", listing.price_per_unit, esc(&listing.denom)),
            ]
        }),
    ));
    body.push_str("<h2>Trades</h2>");
    body.push_str(&table(
        &[
            "height",
            "security",
            "side",
            "units",
            "price per unit",
            "counterparty",
            "cross-tx",
        ],
        held.trades.iter().rev().map(|trade| {
            let (side, counterparty) = if trade.seller == account {
                ("sold", &trade.buyer)
            } else {
                ("bought", &trade.seller)
            };
            vec![
                html::block(&trade.chain_id, trade.height),
                html::security(&trade.chain_id, &trade.symbol),
                side.to_owned(),
                trade.units.to_string(),
                format!("{} {}", trade.price_per_unit, esc(&trade.denom)),
                html::account(counterparty),
                html::cross_tx(&trade.cross_tx),
            ]
        }),
    ));
    body.push_str("<h2>Dividends received</h2>");
    body.push_str(&table(
        &["paid at", "security chain", "dividend", "amount"],
        held.dividends.iter().map(|(chain, receipt)| {
            vec![
                html::block(chain, receipt.paid_height),
                esc(&receipt.security_chain),
                receipt.dividend_id.to_string(),
                format!("{} {}", receipt.amount, esc(&receipt.denom)),
            ]
        }),
    ));
    body.push_str("<h2>Txs</h2>");
    let index = explorer.index();
    let txs: Vec<_> = index.txs_of(&account).collect();
    body.push_str(&super::tx::tx_table(txs.into_iter().rev().take(TXS_LISTED)));
    Ok(view.live(
        format!("Account {}", html::short(&account, 14)),
        &format!("/account/{}", seg(&account)),
        body,
    ))
}

/// One CSV field, quoted when it must be (RFC 4180), and never read as a
/// formula by a spreadsheet.
fn field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

pub async fn csv(
    State(explorer): State<Explorer>,
    Path(account): Path<String>,
) -> Result<impl IntoResponse, PageError> {
    let account = address(&account)?;
    let held = holdings(&explorer, &account).await?;
    let mut rows = vec![[
        "kind",
        "chain",
        "height",
        "asset",
        "amount",
        "price_per_unit",
        "counterparty",
        "reference",
    ]
    .map(str::to_owned)
    .to_vec()];
    for (chain, coin, _) in &held.cash {
        rows.push(vec![
            "cash".into(),
            chain.clone(),
            String::new(),
            coin.denom.clone(),
            coin.amount.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for (chain, symbol, balance) in &held.units {
        rows.push(vec![
            "units".into(),
            chain.clone(),
            String::new(),
            symbol.clone(),
            balance.amount.to_string(),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    for trade in &held.trades {
        let (kind, counterparty) = if trade.seller == account {
            ("sold", &trade.buyer)
        } else {
            ("bought", &trade.seller)
        };
        rows.push(vec![
            kind.into(),
            trade.chain_id.clone(),
            trade.height.to_string(),
            trade.symbol.clone(),
            trade.units.to_string(),
            format!("{} {}", trade.price_per_unit, trade.denom),
            counterparty.clone(),
            trade.cross_tx.clone(),
        ]);
    }
    for (chain, receipt) in &held.dividends {
        rows.push(vec![
            "dividend".into(),
            chain.clone(),
            receipt.paid_height.to_string(),
            receipt.denom.clone(),
            receipt.amount.to_string(),
            String::new(),
            receipt.security_chain.clone(),
            receipt.dividend_id.to_string(),
        ]);
    }
    let text: String = rows
        .iter()
        .map(|row| {
            let fields: Vec<String> = row.iter().map(|f| field(f)).collect();
            fields.join(",") + "\r\n"
        })
        .collect();
    let name = format!("attachment; filename=\"{}.csv\"", seg(&account));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
    }
}

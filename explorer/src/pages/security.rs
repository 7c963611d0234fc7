//! A security's page: the property, supply, holders against the cap (a
//! page of them, with their whitelist status), open listings, price and
//! volume history, trades and dividends.

use axum::extract::{Path, Query, State};
use serde::Deserialize;
use xcc_proto::security::v1 as security;

use super::{paths, PageError};
use crate::chart::price_history;
use crate::html::{self, esc, facts, seg, table};
use crate::Explorer;

/// Holders per page.
const HOLDERS_PAGE: u32 = 25;
/// Trades listed, the latest first.
const TRADES_LISTED: usize = 50;

#[derive(Debug, Default, Deserialize)]
pub struct SecurityView {
    #[serde(default)]
    fragment: Option<String>,
    /// Where the page of holders starts (hex of the chain's next key).
    #[serde(default)]
    after: Option<String>,
}

pub async fn page(
    State(explorer): State<Explorer>,
    Path((chain_id, symbol)): Path<(String, String)>,
    Query(view): Query<SecurityView>,
) -> Result<html::Rendered, PageError> {
    let chain = explorer.chains.get(&chain_id)?;
    let item: security::Security = chain
        .query(
            paths::SECURITY,
            &security::QuerySecurityRequest {
                symbol: symbol.clone(),
            },
        )
        .await
        .map_err(|_| PageError::NotFound(format!("security {symbol} on {chain_id}")))?;
    let after = view
        .after
        .as_deref()
        .and_then(|key| hex::decode(key).ok())
        .unwrap_or_default();
    let holders: security::QueryHoldersResponse = chain
        .query(
            paths::HOLDERS,
            &security::QueryHoldersRequest {
                symbol: symbol.clone(),
                page: super::page_request(after, HOLDERS_PAGE),
            },
        )
        .await?;
    let stats: security::TradeStats = chain
        .query(
            paths::TRADE_STATS,
            &security::QueryTradeStatsRequest {
                symbol: symbol.clone(),
            },
        )
        .await
        .unwrap_or_default();
    let listings: security::QueryListingsResponse = chain
        .query(
            paths::LISTINGS,
            &security::QueryListingsRequest {
                symbol: symbol.clone(),
                page: super::page_request(Vec::new(), 100),
            },
        )
        .await?;
    let dividends: security::QueryDividendsResponse = chain
        .query(
            paths::DIVIDENDS,
            &security::QueryDividendsRequest {
                symbol: symbol.clone(),
                page: super::page_request(Vec::new(), 100),
            },
        )
        .await?;
    let mut whitelist = Vec::new();
    for holding in &holders.holders {
        let status: Option<security::QueryWhitelistResponse> = chain
            .query(
                paths::WHITELIST,
                &security::QueryWhitelistRequest {
                    symbol: symbol.clone(),
                    account: holding.account.clone(),
                },
            )
            .await
            .ok();
        whitelist.push(status);
    }

    let property = item.property.clone().unwrap_or_default();
    let mut body = format!(
        "<h1>{} <small>{}</small></h1>",
        esc(&item.symbol),
        esc(&item.name)
    );
    body.push_str(&facts(&[
        (
            "name",
            format!("<span id=\"security-name\">{}</span>", esc(&item.name)),
        ),
        ("location", esc(&property.location)),
        ("jurisdiction", esc(&property.jurisdiction)),
        ("description", esc(&property.description)),
        (
            "valuation",
            format!("{} {}", property.valuation, esc(&property.valuation_denom)),
        ),
        (
            "documents",
            format!(
                "{} <span class=\"mono\">{}</span>",
                esc(&property.documents_uri),
                esc(&property.documents_sha256)
            ),
        ),
        ("issuer", html::account(&item.issuer)),
        ("registrar", html::account(&item.registrar)),
        ("total supply", item.total_supply.to_string()),
        (
            "holders",
            format!(
                "<span id=\"holder-count\">{}</span> of a cap of <span id=\"holder-cap\">{}</span> \
                 ({} slots reserved by prepared cross-txs)",
                holders.count, holders.holder_cap, item.reserved_slots
            ),
        ),
        (
            "registered at",
            html::block(&chain_id, item.registered_height),
        ),
        ("chain", html::chain(&chain_id)),
        (
            "trades",
            format!(
                "{} trades, {} units; last {} {} at height {}",
                stats.trades,
                stats.volume_units,
                stats.last_price,
                esc(&stats.last_denom),
                stats.last_height
            ),
        ),
    ]));

    let trades = explorer.index().trades(&symbol).to_vec();
    body.push_str("<h2>Price and volume</h2>");
    body.push_str(&price_history(&trades));

    body.push_str("<h2>Holders</h2>");
    body.push_str(&table(
        &["account", "units", "whitelisted"],
        holders
            .holders
            .iter()
            .zip(&whitelist)
            .map(|(holding, status)| {
                let listed = match status {
                    Some(s) if s.active => {
                        format!(
                            "<span class=\"ok\">until {}</span>",
                            super::time_ns(
                                u64::try_from(s.expires_at)
                                    .unwrap_or(0)
                                    .saturating_mul(1_000_000_000)
                            )
                        )
                    }
                    Some(s) if s.listed => "<span class=\"bad\">expired</span>".to_owned(),
                    Some(_) => "<span class=\"bad\">no</span>".to_owned(),
                    None => "?".to_owned(),
                };
                vec![
                    html::account(&holding.account),
                    holding.amount.to_string(),
                    listed,
                ]
            }),
    ));
    let base = format!("/security/{}/{}", seg(&chain_id), seg(&symbol));
    if let Some(next) = holders
        .page
        .as_ref()
        .filter(|page| !page.next_key.is_empty())
    {
        body.push_str(&html::link(
            &format!("{base}?after={}", hex::encode(&next.next_key)),
            "next holders →",
        ));
    }

    body.push_str("<h2>Open listings</h2>");
    body.push_str(&table(
        &[
            "listing",
            "seller",
            "units",
            "reserved",
            "price per unit",
            "height",
        ],
        listings
            .listings
            .iter()
            .filter(|listing| !listing.cancelled && listing.units + listing.reserved > 0)
            .map(|listing| {
                vec![
                    listing.id.to_string(),
                    html::account(&listing.seller),
                    listing.units.to_string(),
                    listing.reserved.to_string(),
                    format!("{} {}", listing.price_per_unit, esc(&listing.denom)),
                    html::block(&chain_id, listing.created_height),
                ]
            }),
    ));

    body.push_str("<h2>Trades</h2>");
    body.push_str(&table(
        &[
            "height",
            "time",
            "seller",
            "buyer",
            "units",
            "price per unit",
            "cross-tx",
        ],
        trades.iter().rev().take(TRADES_LISTED).map(|trade| {
            vec![
                html::block(&trade.chain_id, trade.height),
                esc(&trade.time),
                html::account(&trade.seller),
                html::account(&trade.buyer),
                trade.units.to_string(),
                format!("{} {}", trade.price_per_unit, esc(&trade.denom)),
                html::cross_tx(&trade.cross_tx),
            ]
        }),
    ));

    body.push_str("<h2>Dividends</h2>");
    body.push_str(&table(
        &[
            "dividend",
            "record height",
            "per unit (micros)",
            "denom",
            "payer",
            "status",
        ],
        dividends.dividends.iter().map(|dividend| {
            let status = security::DividendStatus::try_from(dividend.status)
                .map(|s| {
                    s.as_str_name()
                        .trim_start_matches("DIVIDEND_STATUS_")
                        .to_lowercase()
                })
                .unwrap_or_else(|_| dividend.status.to_string());
            vec![
                dividend.id.to_string(),
                html::block(&chain_id, dividend.record_height),
                dividend.amount_per_unit_micros.to_string(),
                esc(&dividend.denom),
                html::account(&dividend.payer),
                esc(&status),
            ]
        }),
    ));

    let path = match &view.after {
        Some(after) => format!("{base}?after={}", seg(after)),
        None => base,
    };
    let view = super::View {
        fragment: view.fragment,
    };
    Ok(view.live(format!("{} · {}", item.symbol, item.name), &path, body))
}

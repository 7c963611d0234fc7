//! `xcc dividend`: the issuer declares a dividend on the security chain;
//! the payer pays it with a cross-tx whose security leg reserves it and
//! returns the entitlements at the record height, and whose currency leg
//! (which depends on it) pays them. Every holder is paid or nobody is.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use xcc_chain::page::PageRequest;
use xcc_chain::xtx::signed_cross_tx;
use xcc_node_config::AppKind;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as pb;

use crate::keyring::Keyring;
use crate::query::{all_pages, chain_id, module_query, resolve_account};
use crate::rpc;
use crate::send::latest_height;
use crate::xtx::{coordinator, deadline_in, follow, random_salt, send_msgs, submit};

#[derive(Debug, Subcommand)]
pub enum DividendCommand {
    /// Declare a dividend (the issuer only): every holder at the record
    /// height is owed floor(units * amount-per-unit), paid by --payer.
    Declare {
        #[arg(long)]
        from: String,
        #[arg(long)]
        symbol: String,
        /// Cash per unit, with up to 6 decimals (e.g. 1.25).
        #[arg(long)]
        amount_per_unit: String,
        /// Who pays: an address or a key name.
        #[arg(long)]
        payer: String,
        #[arg(long, default_value = "usd")]
        denom: String,
        /// The height whose balances count; the last committed by default.
        #[arg(long)]
        record_height: Option<u64>,
    },
    /// Pay a declared dividend (the payer): one atomic payout cross-tx.
    Pay {
        #[arg(long)]
        from: String,
        #[arg(long)]
        dividend: u64,
        #[arg(long, default_value_t = 300)]
        deadline_secs: u64,
        /// Wait until the payout is done; exit non-zero unless it committed.
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
    },
    /// A dividend and, once paid, its payment on the currency chain.
    Status { dividend: u64 },
    /// Dividends declared, for one security or all.
    List {
        #[arg(long)]
        symbol: Option<String>,
    },
    /// The dividends an account was paid.
    Received { account: String },
}

/// "1.25" as millionths: 1,250,000.
pub fn parse_micros(text: &str) -> anyhow::Result<u64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if fraction.len() > 6 || (whole.is_empty() && fraction.is_empty()) {
        bail!("{text:?}: an amount with at most 6 decimals");
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().context("the whole part")?
    };
    let fraction: u64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").parse().context("the decimals")?
    };
    whole
        .checked_mul(1_000_000)
        .and_then(|w| w.checked_add(fraction))
        .filter(|micros| *micros > 0)
        .with_context(|| format!("{text:?} is not a positive amount"))
}

pub async fn run(home: &Path, keyring: &Keyring, command: DividendCommand) -> anyhow::Result<()> {
    let security_chain = chain_id(home, None, Some(AppKind::Security))?;
    let currency_chain = chain_id(home, None, Some(AppKind::Currency))?;
    let security = rpc::connect(home, &security_chain, None).await?;
    match command {
        DividendCommand::Declare {
            from,
            symbol,
            amount_per_unit,
            payer,
            denom,
            record_height,
        } => {
            let issuer = keyring.get(&from)?;
            let record_height = match record_height {
                Some(height) => height,
                None => latest_height(&security).await?,
            };
            let msg = to_any(&sec::MsgDeclareDividend {
                issuer: issuer.address().to_string(),
                symbol,
                record_height,
                amount_per_unit_micros: parse_micros(&amount_per_unit)?,
                payer: resolve_account(keyring, &payer)?.to_string(),
                denom,
                currency_chain,
            });
            let committed = send_msgs(&security, &security_chain, &issuer, vec![msg]).await?;
            println!("{}", serde_json::to_string_pretty(&committed)?);
        }
        DividendCommand::Pay {
            from,
            dividend,
            deadline_secs,
            wait,
            timeout_secs,
        } => {
            let payer = keyring.get(&from)?;
            let declared = load(&security, dividend).await?;
            let cross_tx = pb::CrossTx {
                legs: xcc_security::payout::legs(
                    &security_chain,
                    &declared,
                    &payer.address().to_string(),
                ),
                deadline_ns: deadline_in(&coordinator(home).await?, deadline_secs).await?,
                salt: random_salt(),
            };
            let id = submit(home, &payer, signed_cross_tx(cross_tx, &[&payer.key])).await?;
            follow(
                home,
                &id,
                wait,
                Duration::from_secs(timeout_secs),
                "the payout",
            )
            .await?;
        }
        DividendCommand::Status { dividend } => {
            let declared = load(&security, dividend).await?;
            let mut shown = dividend_json(&declared);
            if declared.status == sec::DividendStatus::Paid as i32 {
                let currency = rpc::connect(home, &declared.currency_chain, None).await?;
                let payment: cash::QueryDividendPaymentResponse = module_query(
                    &currency,
                    "/xcc.currency.v1.Query/DividendPayment",
                    &cash::QueryDividendPaymentRequest {
                        security_chain,
                        dividend_id: dividend,
                        // Only the payment is shown: the least page of
                        // receipts will do.
                        page: Some(PageRequest {
                            key: Vec::new(),
                            limit: 1,
                        }),
                    },
                    None,
                )
                .await?;
                shown["payment"] = serde_json::to_value(payment.payment)?;
            }
            println!("{}", serde_json::to_string_pretty(&shown)?);
        }
        DividendCommand::List { symbol } => {
            let symbol = symbol.unwrap_or_default();
            let all = all_pages(
                &security,
                "/xcc.security.v1.Query/Dividends",
                None,
                |page| sec::QueryDividendsRequest {
                    symbol: symbol.clone(),
                    page: Some(page),
                },
                |r: sec::QueryDividendsResponse| (r.dividends, r.page),
            )
            .await?;
            let shown: Vec<serde_json::Value> = all.iter().map(dividend_json).collect();
            println!("{}", serde_json::to_string_pretty(&shown)?);
        }
        DividendCommand::Received { account } => {
            let currency = rpc::connect(home, &currency_chain, None).await?;
            let account = resolve_account(keyring, &account)?.to_string();
            let receipts = all_pages(
                &currency,
                "/xcc.currency.v1.Query/DividendsReceived",
                None,
                |page| cash::QueryDividendsReceivedRequest {
                    account: account.clone(),
                    page: Some(page),
                },
                |r: cash::QueryDividendsReceivedResponse| (r.receipts, r.page),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&receipts)?);
        }
    }
    Ok(())
}

async fn load(security: &tendermint_rpc::HttpClient, id: u64) -> anyhow::Result<sec::Dividend> {
    module_query(
        security,
        "/xcc.security.v1.Query/Dividend",
        &sec::QueryDividendRequest { dividend_id: id },
        None,
    )
    .await
}

fn dividend_json(d: &sec::Dividend) -> serde_json::Value {
    let mut shown = serde_json::to_value(d).unwrap_or_default();
    shown["status"] = xcc_security::domain::status_name(d.status).into();
    shown["tx_id"] = hex::encode(&d.tx_id).into();
    shown
}

#[cfg(test)]
mod tests {
    use super::parse_micros;

    #[test]
    fn amounts_parse_to_millionths() {
        assert_eq!(parse_micros("1").unwrap(), 1_000_000);
        assert_eq!(parse_micros("1.25").unwrap(), 1_250_000);
        assert_eq!(parse_micros("0.000001").unwrap(), 1);
        assert_eq!(parse_micros(".5").unwrap(), 500_000);
        for bad in ["0", "0.0000001", "1.2.3", "x", "", "-1"] {
            assert!(parse_micros(bad).is_err(), "{bad}");
        }
    }
}

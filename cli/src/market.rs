//! `xcc market`: listings on the security chain. A seller lists units at a
//! price; a buyer fills a listing with a cross-tx that it alone signs (the
//! listing is the seller's authorization), paying on the currency chain.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context};
use clap::Subcommand;
use xcc_chain::xtx::signed_cross_tx;
use xcc_node_config::AppKind;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as pb;

use crate::keyring::Keyring;
use crate::query::{all_pages, chain_id, module_query};
use crate::rpc;
use crate::xtx::{coordinator, deadline_in, follow, random_salt, send_msgs, submit};

#[derive(Debug, Subcommand)]
pub enum MarketCommand {
    /// Put units up for sale; they stay reserved until sold or cancelled.
    List {
        #[arg(long)]
        from: String,
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        units: u64,
        /// Cash per unit.
        #[arg(long)]
        price_per_unit: u64,
        #[arg(long, default_value = "usd")]
        denom: String,
    },
    /// Withdraw what is left of a listing.
    Cancel {
        #[arg(long)]
        from: String,
        #[arg(long)]
        listing: u64,
    },
    /// Buy units of a listing: a cross-tx that fills it and pays the seller.
    Buy {
        #[arg(long)]
        from: String,
        #[arg(long)]
        listing: u64,
        /// How many units; all that are for sale by default.
        #[arg(long)]
        units: Option<u64>,
        #[arg(long, default_value_t = 300)]
        deadline_secs: u64,
        /// Wait until the purchase is done; exit non-zero unless it committed.
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 300)]
        timeout_secs: u64,
    },
    /// Open listings and the trades recorded, for one security or all.
    Show {
        #[arg(long)]
        symbol: Option<String>,
    },
}

pub async fn run(home: &Path, keyring: &Keyring, command: MarketCommand) -> anyhow::Result<()> {
    let security_chain = chain_id(home, None, Some(AppKind::Security))?;
    let security = rpc::connect(home, &security_chain, None).await?;
    match command {
        MarketCommand::List {
            from,
            symbol,
            units,
            price_per_unit,
            denom,
        } => {
            let seller = keyring.get(&from)?;
            let msg = to_any(&sec::MsgCreateListing {
                seller: seller.address().to_string(),
                symbol,
                units,
                price_per_unit,
                denom,
                currency_chain: chain_id(home, None, Some(AppKind::Currency))?,
            });
            let committed = send_msgs(&security, &security_chain, &seller, vec![msg]).await?;
            println!("{}", serde_json::to_string_pretty(&committed)?);
        }
        MarketCommand::Cancel { from, listing } => {
            let seller = keyring.get(&from)?;
            let msg = to_any(&sec::MsgCancelListing {
                seller: seller.address().to_string(),
                listing_id: listing,
            });
            let committed = send_msgs(&security, &security_chain, &seller, vec![msg]).await?;
            println!("{}", serde_json::to_string_pretty(&committed)?);
        }
        MarketCommand::Buy {
            from,
            listing,
            units,
            deadline_secs,
            wait,
            timeout_secs,
        } => {
            let buyer = keyring.get(&from)?;
            let offered: sec::Listing = module_query(
                &security,
                "/xcc.security.v1.Query/Listing",
                &sec::QueryListingRequest {
                    listing_id: listing,
                },
                None,
            )
            .await?;
            let units = units.unwrap_or(offered.units);
            if units == 0 || units > offered.units {
                bail!("listing {listing} has {} units for sale", offered.units);
            }
            let price = units
                .checked_mul(offered.price_per_unit)
                .context("the price overflows")?;
            let cross_tx = pb::CrossTx {
                legs: vec![
                    pb::Leg {
                        chain_id: security_chain.clone(),
                        msgs: vec![to_any(&sec::MsgFillListing {
                            buyer: buyer.address().to_string(),
                            listing_id: listing,
                            units,
                        })],
                        depends_on: None,
                    },
                    pb::Leg {
                        chain_id: offered.currency_chain.clone(),
                        msgs: vec![to_any(&cash::MsgTransfer {
                            from: buyer.address().to_string(),
                            to: offered.seller.clone(),
                            denom: offered.denom.clone(),
                            amount: price,
                        })],
                        depends_on: None,
                    },
                ],
                deadline_ns: deadline_in(&coordinator(home).await?, deadline_secs).await?,
                salt: random_salt(),
            };
            let id = submit(home, &buyer, signed_cross_tx(cross_tx, &[&buyer.key])).await?;
            follow(
                home,
                &id,
                wait,
                Duration::from_secs(timeout_secs),
                "the purchase",
            )
            .await?;
        }
        MarketCommand::Show { symbol } => {
            let listings = all_pages(
                &security,
                "/xcc.security.v1.Query/Listings",
                None,
                |page| sec::QueryListingsRequest {
                    symbol: symbol.clone().unwrap_or_default(),
                    page: Some(page),
                },
                |r: sec::QueryListingsResponse| (r.listings, r.page),
            )
            .await?;
            let mut trades = Vec::new();
            if let Some(symbol) = symbol {
                let stats: sec::TradeStats = module_query(
                    &security,
                    "/xcc.security.v1.Query/TradeStats",
                    &sec::QueryTradeStatsRequest { symbol },
                    None,
                )
                .await?;
                trades.push(stats);
            }
            let shown = serde_json::json!({ "listings": listings, "trades": trades });
            println!("{}", serde_json::to_string_pretty(&shown)?);
        }
    }
    Ok(())
}

//! `xcc swap`: a trade of security units for cash that both parties sign.
//! One party writes and signs an offer file; the other checks it,
//! countersigns and submits it to the coordinator, which commits both legs
//! or neither.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use clap::Subcommand;
use prost::Message;
use serde::{Deserialize, Serialize};
use xcc_chain::tx::signature;
use xcc_chain::xtx::{self, cross_tx_id, sign_bytes, signed_cross_tx};
use xcc_node_config::AppKind;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as pb;

use crate::keyring::Keyring;
use crate::query::{chain_id, resolve_account};
use crate::xtx::{coordinator, deadline_in, follow, random_salt, submit};

#[derive(Debug, Subcommand)]
pub enum SwapCommand {
    /// Write and sign an offer: --from delivers the units and --to pays
    /// (or the other way round with --buy).
    Offer {
        #[arg(long)]
        from: String,
        /// The counterparty: an address or a key name.
        #[arg(long)]
        to: String,
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        units: u64,
        /// The total cash paid for the units.
        #[arg(long)]
        price: u64,
        #[arg(long, default_value = "usd")]
        denom: String,
        /// --from buys the units instead of selling them.
        #[arg(long)]
        buy: bool,
        /// Seconds from now (the coordinator's clock) until the swap aborts
        /// unless both legs are prepared.
        #[arg(long, default_value_t = 300)]
        deadline_secs: u64,
        /// Where to write the offer.
        #[arg(long)]
        output: PathBuf,
    },
    /// Check an offer, countersign it and submit it to the coordinator.
    Accept {
        file: PathBuf,
        #[arg(long)]
        from: String,
        /// Wait until the swap is done and exit non-zero unless it committed.
        #[arg(long)]
        wait: bool,
        #[arg(long, default_value_t = 300)]
        timeout_secs: u64,
    },
    /// Show what an offer file asks for and who signed it.
    Show { file: PathBuf },
}

/// The offer file: the signed cross-tx, base64-encoded protobuf, and its id.
#[derive(Serialize, Deserialize)]
struct OfferFile {
    tx_id: String,
    signed_cross_tx: String,
}

pub async fn run(home: &Path, keyring: &Keyring, command: SwapCommand) -> anyhow::Result<()> {
    match command {
        SwapCommand::Offer {
            from,
            to,
            symbol,
            units,
            price,
            denom,
            buy,
            deadline_secs,
            output,
        } => {
            let me = keyring.get(&from)?;
            let other = resolve_account(keyring, &to)?;
            let (seller, buyer) = if buy {
                (other, me.address())
            } else {
                (me.address(), other)
            };
            let deadline_ns = deadline_in(&coordinator(home).await?, deadline_secs).await?;
            let cross_tx = pb::CrossTx {
                legs: vec![
                    pb::Leg {
                        chain_id: chain_id(home, None, Some(AppKind::Security))?,
                        msgs: vec![to_any(&sec::MsgTransfer {
                            from: seller.to_string(),
                            to: buyer.to_string(),
                            symbol,
                            amount: units,
                        })],
                        depends_on: None,
                    },
                    pb::Leg {
                        chain_id: chain_id(home, None, Some(AppKind::Currency))?,
                        msgs: vec![to_any(&cash::MsgTransfer {
                            from: buyer.to_string(),
                            to: seller.to_string(),
                            denom,
                            amount: price,
                        })],
                        depends_on: None,
                    },
                ],
                deadline_ns,
                salt: random_salt(),
            };
            let signed = signed_cross_tx(cross_tx, &[&me.key]);
            write_offer(&output, &signed)?;
            println!("{}", serde_json::to_string_pretty(&describe(&signed)?)?);
        }
        SwapCommand::Accept {
            file,
            from,
            wait,
            timeout_secs,
        } => {
            let me = keyring.get(&from)?;
            let mut signed = read_offer(&file)?;
            let cross_tx = signed
                .cross_tx
                .clone()
                .context("the offer holds no cross-tx")?;
            signed
                .signatures
                .push(signature(&me.key, &sign_bytes(&cross_tx)));
            xtx::verify(signed.clone()).context("the countersigned offer does not verify")?;
            let id = submit(home, &me, signed).await?;
            follow(
                home,
                &id,
                wait,
                Duration::from_secs(timeout_secs),
                "the swap",
            )
            .await?;
        }
        SwapCommand::Show { file } => {
            println!(
                "{}",
                serde_json::to_string_pretty(&describe(&read_offer(&file)?)?)?
            );
        }
    }
    Ok(())
}

fn write_offer(path: &Path, signed: &pb::SignedCrossTx) -> anyhow::Result<()> {
    let cross_tx = signed.cross_tx.as_ref().context("no cross-tx")?;
    let file = OfferFile {
        tx_id: hex::encode(cross_tx_id(cross_tx)),
        signed_cross_tx: base64::engine::general_purpose::STANDARD.encode(signed.encode_to_vec()),
    };
    std::fs::write(path, serde_json::to_string_pretty(&file)?)
        .with_context(|| format!("writing {}", path.display()))
}

fn read_offer(path: &Path) -> anyhow::Result<pb::SignedCrossTx> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let file: OfferFile = serde_json::from_str(&text).context("not an offer file")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(file.signed_cross_tx.trim())
        .context("the offer's cross-tx is not base64")?;
    let signed = pb::SignedCrossTx::decode(bytes.as_slice())
        .context("the offer's cross-tx is not a cross-tx")?;
    // Every signature it carries must verify; the id is recomputed, never trusted.
    xtx::verify(signed.clone()).context("the offer's signatures do not verify")?;
    Ok(signed)
}

/// What a cross-tx asks of each chain, in words, and who signed it.
pub fn describe(signed: &pb::SignedCrossTx) -> anyhow::Result<serde_json::Value> {
    let verified = xtx::verify(signed.clone())?;
    let legs: Vec<serde_json::Value> = verified
        .cross_tx
        .legs
        .iter()
        .map(|leg| {
            let msgs: Vec<String> = leg.msgs.iter().map(describe_msg).collect();
            serde_json::json!({ "chain_id": leg.chain_id, "messages": msgs })
        })
        .collect();
    Ok(serde_json::json!({
        "tx_id": hex::encode(verified.id),
        "deadline_ns": verified.cross_tx.deadline_ns,
        "legs": legs,
        "signed_by": verified.signers.iter().map(|s| s.address.to_string()).collect::<Vec<_>>(),
    }))
}

fn describe_msg(any: &xcc_proto::Any) -> String {
    use prost::Name;
    if any.type_url == sec::MsgTransfer::type_url() {
        if let Ok(m) = sec::MsgTransfer::decode(any.value.as_slice()) {
            return format!("{} {} units {} -> {}", m.amount, m.symbol, m.from, m.to);
        }
    } else if any.type_url == cash::MsgTransfer::type_url() {
        if let Ok(m) = cash::MsgTransfer::decode(any.value.as_slice()) {
            return format!("{} {} {} -> {}", m.amount, m.denom, m.from, m.to);
        }
    } else if any.type_url == sec::MsgFillListing::type_url() {
        if let Ok(m) = sec::MsgFillListing::decode(any.value.as_slice()) {
            return format!(
                "{} units of listing {} to {}",
                m.units, m.listing_id, m.buyer
            );
        }
    }
    any.type_url.clone()
}

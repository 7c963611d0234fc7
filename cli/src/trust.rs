//! `xcc bank` and `xcc trust`: the bank's offline tool that signs receipts
//! of payments, the admin's banks, and the receipts' use on the security
//! chain (platforms and bidders registered, powers and trust shown).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use prost::Message;
use xcc_node_config::AppKind;
use xcc_proto::trust::v1 as pb;
use xcc_proto::{to_any, Any};
use xcc_security::trust::receipt::{sign, PlatformKeys, Purpose, Receipt};

use crate::keyring::Keyring;
use crate::query::{all_pages, chain_id, module_query};
use crate::rpc;
use crate::xtx::send_msgs;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PurposeArg {
    Platform,
    Bidder,
    Guarantee,
}

impl From<PurposeArg> for Purpose {
    fn from(purpose: PurposeArg) -> Self {
        match purpose {
            PurposeArg::Platform => Purpose::PlatformRegistration,
            PurposeArg::Bidder => Purpose::BidderRegistration,
            PurposeArg::Guarantee => Purpose::Guarantee,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum BankCommand {
    /// Sign a receipt of a payment, offline, with the bank's key; writes
    /// the signed receipt (hex protobuf) to --output and prints it as JSON.
    SignReceipt {
        /// The bank's key in the keyring.
        #[arg(long)]
        bank: String,
        #[arg(long, value_enum)]
        purpose: PurposeArg,
        /// Unique among this bank's receipts.
        #[arg(long)]
        id: String,
        /// The payer's address.
        #[arg(long)]
        payer: String,
        #[arg(long)]
        platform: String,
        #[arg(long, default_value_t = 0)]
        lot: u64,
        #[arg(long)]
        amount: u64,
        #[arg(long, default_value = "usd")]
        denom: String,
        #[arg(long, default_value_t = 3_600)]
        expires_in_secs: u64,
        /// Platform registration: the platform validator's consensus key (hex).
        #[arg(long)]
        validator_key: Option<String>,
        /// Platform registration: the platform's operator address.
        #[arg(long)]
        operator: Option<String>,
        /// From a KYC agent's bank: whitelist the payer this long.
        #[arg(long, default_value_t = 0)]
        kyc_for_secs: u64,
        /// The chain the receipt is for; the security chain of client.toml by default.
        #[arg(long)]
        chain_id: Option<String>,
        #[arg(long)]
        output: PathBuf,
    },
    /// Register a bank's key (the chain's admin).
    Register {
        #[arg(long)]
        from: String,
        /// The bank's ed25519 public key (hex), or a key name in the keyring.
        #[arg(long)]
        bank: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value_t = 10 * 365 * 86_400)]
        valid_for_secs: u64,
    },
    /// Revoke a bank (the chain's admin): none of its receipts is taken after.
    Revoke {
        #[arg(long)]
        from: String,
        #[arg(long)]
        bank: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TrustCommand {
    /// Register a trading platform on its registration receipt (its operator).
    RegisterPlatform {
        #[arg(long)]
        from: String,
        #[arg(long)]
        receipt: PathBuf,
    },
    /// Register for a lot on a bidder-registration receipt (the payer).
    RegisterBidder {
        #[arg(long)]
        from: String,
        #[arg(long)]
        receipt: PathBuf,
    },
    /// Every platform with its power and fees.
    Platforms,
    /// Every registered bank.
    Banks,
    /// An epoch's powers (the latest by default).
    Epoch { number: Option<u64> },
    /// Each platform's share of a lot's registration fees.
    Lot { lot: u64 },
}

/// Now as the bank's clock has it, a minute back: a receipt is refused if
/// it is issued after the block time, and a bank's clock may run ahead.
fn issued_now_ns() -> anyhow::Result<u64> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .context("the clock is before 1970")?
        .saturating_sub(Duration::from_secs(60));
    u64::try_from(now.as_nanos()).context("the clock is out of range")
}

fn bank_key(keyring: &Keyring, text: &str) -> anyhow::Result<[u8; 32]> {
    if let Ok(named) = keyring.get(text) {
        return Ok(named.key.verification_key().to_bytes());
    }
    let bytes = hex::decode(text).context("--bank is a key name or a hex public key")?;
    bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("a bank key is 32 bytes"))
}

fn read_receipt(file: &Path) -> anyhow::Result<pb::SignedReceipt> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let bytes = hex::decode(text.trim()).context("a receipt file holds hex")?;
    pb::SignedReceipt::decode(bytes.as_slice()).context("not a signed receipt")
}

pub fn run_bank_offline(
    home: &Path,
    keyring: &Keyring,
    command: &BankCommand,
) -> anyhow::Result<bool> {
    let BankCommand::SignReceipt {
        bank,
        purpose,
        id,
        payer,
        platform,
        lot,
        amount,
        denom,
        expires_in_secs,
        validator_key,
        operator,
        kyc_for_secs,
        chain_id: chain,
        output,
    } = command
    else {
        return Ok(false);
    };
    let bank = keyring.get(bank)?;
    let chain = chain_id(home, chain.as_deref(), Some(AppKind::Security))?;
    let issued_at_ns = issued_now_ns()?;
    let later = |secs: u64| issued_at_ns.saturating_add(secs.saturating_mul(1_000_000_000));
    let purpose = Purpose::from(*purpose);
    let platform_keys = match (purpose, validator_key, operator) {
        (Purpose::PlatformRegistration, Some(key), Some(operator)) => Some(PlatformKeys {
            validator_key: hex::decode(key)
                .context("--validator-key is hex")?
                .try_into()
                .map_err(|_| anyhow::anyhow!("a validator key is 32 bytes"))?,
            operator: operator.parse().context("--operator")?,
        }),
        (Purpose::PlatformRegistration, _, _) => {
            bail!("a platform registration names --validator-key and --operator")
        }
        (_, None, None) => None,
        _ => bail!("only a platform registration names a validator key and an operator"),
    };
    let receipt = Receipt {
        bank: bank.key.verification_key().to_bytes(),
        id: id.clone(),
        purpose,
        payer: payer.parse().context("--payer")?,
        platform: platform.clone(),
        lot: *lot,
        amount: *amount,
        denom: denom.clone(),
        issued_at_ns,
        // The minute the issue time was set back is not taken from the validity.
        expires_at_ns: later(expires_in_secs.saturating_add(60)),
        platform_keys,
        kyc_expires_at_ns: if *kyc_for_secs == 0 {
            0
        } else {
            later(kyc_for_secs.saturating_add(60))
        },
    };
    // Refuse what the chain would refuse for its form, before signing.
    Receipt::from_proto(&receipt.to_proto()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let signed = sign(&bank.key, &chain, &receipt);
    std::fs::write(output, hex::encode(signed.encode_to_vec()))
        .with_context(|| format!("writing {}", output.display()))?;
    println!("{}", serde_json::to_string_pretty(&signed)?);
    Ok(true)
}

pub async fn run_bank(home: &Path, keyring: &Keyring, command: BankCommand) -> anyhow::Result<()> {
    if run_bank_offline(home, keyring, &command)? {
        return Ok(());
    }
    let (from, msg) = match command {
        BankCommand::Register {
            from,
            bank,
            name,
            valid_for_secs,
        } => {
            let now = issued_now_ns()?;
            let admin = keyring.get(&from)?.address().to_string();
            let bank = pb::Bank {
                key: bank_key(keyring, &bank)?.to_vec(),
                name,
                valid_from_ns: now,
                valid_until_ns: now.saturating_add(valid_for_secs.saturating_mul(1_000_000_000)),
                revoked: false,
                revoked_at_ns: 0,
            };
            let msg = to_any(&pb::MsgRegisterBank {
                admin,
                bank: Some(bank),
            });
            (from, msg)
        }
        BankCommand::Revoke { from, bank } => {
            let admin = keyring.get(&from)?.address().to_string();
            let msg = to_any(&pb::MsgRevokeBank {
                admin,
                key: bank_key(keyring, &bank)?.to_vec(),
            });
            (from, msg)
        }
        BankCommand::SignReceipt { .. } => unreachable!("signed offline above"),
    };
    send(home, keyring, &from, msg).await
}

async fn send(home: &Path, keyring: &Keyring, from: &str, msg: Any) -> anyhow::Result<()> {
    let chain = chain_id(home, None, Some(AppKind::Security))?;
    let client = rpc::connect(home, &chain, None).await?;
    let signer = keyring.get(from)?;
    let committed = send_msgs(&client, &chain, &signer, vec![msg]).await?;
    println!("{}", serde_json::to_string_pretty(&committed)?);
    Ok(())
}

async fn platforms(client: &tendermint_rpc::HttpClient) -> anyhow::Result<Vec<pb::Platform>> {
    all_pages(
        client,
        "/xcc.trust.v1.Query/Platforms",
        None,
        |page| pb::QueryPlatformsRequest { page: Some(page) },
        |r: pb::QueryPlatformsResponse| (r.platforms, r.page),
    )
    .await
}

/// Epoch `number`, or the latest with 0.
async fn epoch(client: &tendermint_rpc::HttpClient, number: u64) -> anyhow::Result<pb::Epoch> {
    module_query(
        client,
        "/xcc.trust.v1.Query/Epoch",
        &pb::QueryEpochRequest { number },
        None,
    )
    .await
}

async fn lot_shares(
    client: &tendermint_rpc::HttpClient,
    lot: u64,
) -> anyhow::Result<Vec<pb::LotShare>> {
    let trust: pb::QueryLotTrustResponse = module_query(
        client,
        "/xcc.trust.v1.Query/LotTrust",
        &pb::QueryLotTrustRequest { lot_id: lot },
        None,
    )
    .await?;
    Ok(trust.shares)
}

/// What `xcc query trust` shows: the platforms, the latest epoch (if one
/// ended) and, for `lot`, each platform's share of its fees.
pub async fn overview(
    client: &tendermint_rpc::HttpClient,
    lot: Option<u64>,
) -> anyhow::Result<serde_json::Value> {
    let latest = epoch(client, 0).await.ok();
    let mut json =
        serde_json::json!({ "platforms": platforms(client).await?, "latest_epoch": latest });
    if let Some(lot) = lot {
        json["lot_shares"] = serde_json::to_value(lot_shares(client, lot).await?)?;
    }
    Ok(json)
}

pub async fn run(home: &Path, keyring: &Keyring, command: TrustCommand) -> anyhow::Result<()> {
    let chain = chain_id(home, None, Some(AppKind::Security))?;
    let client = rpc::connect(home, &chain, None).await?;
    let json = match command {
        TrustCommand::RegisterPlatform { from, receipt } => {
            let submitter = keyring.get(&from)?.address().to_string();
            let msg = to_any(&pb::MsgRegisterPlatform {
                submitter,
                receipt: Some(read_receipt(&receipt)?),
            });
            return send(home, keyring, &from, msg).await;
        }
        TrustCommand::RegisterBidder { from, receipt } => {
            let submitter = keyring.get(&from)?.address().to_string();
            let msg = to_any(&pb::MsgRegisterBidder {
                submitter,
                receipt: Some(read_receipt(&receipt)?),
            });
            return send(home, keyring, &from, msg).await;
        }
        TrustCommand::Platforms => serde_json::to_value(platforms(&client).await?)?,
        TrustCommand::Banks => serde_json::to_value(
            all_pages(
                &client,
                "/xcc.trust.v1.Query/Banks",
                None,
                |page| pb::QueryBanksRequest { page: Some(page) },
                |r: pb::QueryBanksResponse| (r.banks, r.page),
            )
            .await?,
        )?,
        TrustCommand::Epoch { number } => {
            serde_json::to_value(epoch(&client, number.unwrap_or(0)).await?)?
        }
        TrustCommand::Lot { lot } => serde_json::to_value(lot_shares(&client, lot).await?)?,
    };
    println!("{}", serde_json::to_string_pretty(&json)?);
    Ok(())
}

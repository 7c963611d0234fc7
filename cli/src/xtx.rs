//! Cross-txs from the command line: submitting one to the coordinator,
//! reading its record, watching its timeline (`xcc xtx status|list`).

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use clap::Subcommand;
use tendermint_rpc::{Client, HttpClient};
use xcc_chain::tx::signed_tx;
use xcc_chain::xtx::cross_tx_id;
use xcc_node_config::AppKind;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::tx::v1 as tx_pb;
use xcc_proto::xtx::v1 as pb;
use xcc_proto::{to_any, Any};

use crate::keyring::NamedKey;
use crate::query::{all_pages, chain_id, module_query};
use crate::{rpc, send};

pub const CROSS_TX_QUERY: &str = "/xcc.coordinator.v1.Query/CrossTx";
pub const CROSS_TXS_QUERY: &str = "/xcc.coordinator.v1.Query/CrossTxs";

#[derive(Debug, Subcommand)]
pub enum XtxCommand {
    /// A cross-tx's phase, decision and timeline (each step with the height
    /// and time on the chain where it happened).
    Status {
        /// The cross-tx id (hex).
        id: String,
        /// Print the timeline as it grows until the cross-tx is done.
        #[arg(long)]
        watch: bool,
        /// Give up watching after this many seconds.
        #[arg(long, default_value_t = 300)]
        timeout_secs: u64,
    },
    /// Cross-txs the coordinator keeps, optionally only those in one phase.
    List {
        #[arg(long, value_parser = ["preparing", "decided", "done"])]
        phase: Option<String>,
    },
}

pub async fn run(home: &Path, command: XtxCommand) -> anyhow::Result<()> {
    let client = coordinator(home).await?;
    match command {
        XtxCommand::Status {
            id, watch: false, ..
        } => {
            let record = record(&client, &parse_id(&id)?).await?;
            println!("{}", serde_json::to_string_pretty(&record_json(&record))?);
        }
        XtxCommand::Status {
            id,
            watch: true,
            timeout_secs,
        } => {
            let record = watch(
                &client,
                &parse_id(&id)?,
                Duration::from_secs(timeout_secs),
                true,
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&record_json(&record))?);
        }
        XtxCommand::List { phase } => {
            let phase = match phase.as_deref() {
                Some("preparing") => coord::Phase::Preparing,
                Some("decided") => coord::Phase::Decided,
                Some("done") => coord::Phase::Done,
                _ => coord::Phase::Unspecified,
            };
            let records = all_pages(
                &client,
                CROSS_TXS_QUERY,
                None,
                |page| coord::QueryCrossTxsRequest {
                    phase: phase as i32,
                    page: Some(page),
                },
                |r: coord::QueryCrossTxsResponse| (r.records, r.page),
            )
            .await?;
            for record in &records {
                let summary = serde_json::json!({
                    "tx_id": hex::encode(&record.tx_id),
                    "phase": phase_name(record.phase),
                    "outcome": outcome(record),
                    "submitted_height": record.submitted_height,
                    "legs": record.legs.iter().map(|l| l.chain_id.clone()).collect::<Vec<_>>(),
                });
                println!("{summary}");
            }
        }
    }
    Ok(())
}

pub fn parse_id(text: &str) -> anyhow::Result<[u8; 32]> {
    let mut id = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut id).context("a cross-tx id is 64 hex digits")?;
    Ok(id)
}

/// A client of the testnet's coordinator chain.
pub async fn coordinator(home: &Path) -> anyhow::Result<HttpClient> {
    let chain = chain_id(home, None, Some(AppKind::Coordinator))?;
    rpc::connect(home, &chain, None).await
}

/// The coordinator's latest block time plus `secs`: a deadline on the
/// clock the coordinator judges it by.
pub async fn deadline_in(client: &HttpClient, secs: u64) -> anyhow::Result<u64> {
    let status = client.status().await.map_err(|e| anyhow!("status: {e}"))?;
    let now = u64::try_from(status.sync_info.latest_block_time.unix_timestamp_nanos())
        .map_err(|_| anyhow!("the coordinator's clock reads before 1970"))?;
    Ok(now.saturating_add(secs.saturating_mul(1_000_000_000)))
}

/// Salt that makes two otherwise equal cross-txs two different ids.
pub fn random_salt() -> Vec<u8> {
    use rand_core::RngCore;
    let mut salt = vec![0u8; 16];
    rand_core::OsRng.fill_bytes(&mut salt);
    salt
}

/// Submits a signed cross-tx to the coordinator, signed (as a tx) by
/// `submitter`; returns its id once intake accepted it.
pub async fn submit(
    home: &Path,
    submitter: &NamedKey,
    signed: pb::SignedCrossTx,
) -> anyhow::Result<[u8; 32]> {
    let cross_tx = signed
        .cross_tx
        .as_ref()
        .ok_or_else(|| anyhow!("no cross-tx"))?;
    let id = cross_tx_id(cross_tx);
    let chain = chain_id(home, None, Some(AppKind::Coordinator))?;
    let client = rpc::connect(home, &chain, None).await?;
    let msg = to_any(&coord::MsgSubmitCrossTx {
        submitter: submitter.address().to_string(),
        signed_cross_tx: Some(signed),
    });
    send_msgs(&client, &chain, submitter, vec![msg])
        .await
        .context("the coordinator refused the cross-tx")?;
    Ok(id)
}

/// Signs `msgs` as one tx of `signer` with the chain's nonce and waits for
/// its block.
pub async fn send_msgs(
    client: &HttpClient,
    chain_id: &str,
    signer: &NamedKey,
    msgs: Vec<Any>,
) -> anyhow::Result<send::Committed> {
    send::send_with_chain_nonce(client, &signer.address(), |nonce| {
        let body = tx_pb::TxBody {
            chain_id: chain_id.to_owned(),
            nonce,
            msgs: msgs.clone(),
            timeout_height: 0,
            memo: String::new(),
        };
        signed_tx(body, &[&signer.key])
    })
    .await
}

pub async fn record(client: &HttpClient, id: &[u8; 32]) -> anyhow::Result<coord::CrossTxRecord> {
    module_query(
        client,
        CROSS_TX_QUERY,
        &coord::QueryCrossTxRequest { tx_id: id.to_vec() },
        None,
    )
    .await
}

/// Polls the record until the cross-tx is done, printing timeline entries
/// as they appear when `print` is set.
pub async fn watch(
    client: &HttpClient,
    id: &[u8; 32],
    timeout: Duration,
    print: bool,
) -> anyhow::Result<coord::CrossTxRecord> {
    let give_up = Instant::now() + timeout;
    let mut shown = 0;
    loop {
        // A coordinator node restarting answers nothing for a moment.
        if let Ok(record) = record(client, id).await {
            if print {
                for entry in record.timeline.iter().skip(shown) {
                    eprintln!("{}", timeline_line(entry));
                }
            }
            shown = record.timeline.len();
            if record.phase == coord::Phase::Done as i32 {
                return Ok(record);
            }
        }
        if Instant::now() > give_up {
            bail!(
                "cross-tx {} is not done after {} s",
                hex::encode(id),
                timeout.as_secs()
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Prints the cross-tx's id, then, with `wait`, its timeline until it is
/// done and its final record; fails unless it committed. `what` names it in
/// the error ("the swap aborted: ...").
pub async fn follow(
    home: &Path,
    id: &[u8; 32],
    wait: bool,
    timeout: Duration,
    what: &str,
) -> anyhow::Result<()> {
    println!("{}", hex::encode(id));
    if !wait {
        return Ok(());
    }
    let record = watch(&coordinator(home).await?, id, timeout, true).await?;
    println!("{}", serde_json::to_string_pretty(&record_json(&record))?);
    if !record.commit {
        bail!("{what} {}", outcome(&record));
    }
    Ok(())
}

fn timeline_line(entry: &coord::TimelineEntry) -> String {
    let mut line = format!(
        "{:<18} {:<15} height {:<6} {}",
        entry.step,
        entry.chain_id,
        entry.height,
        time_text(entry.time_ns)
    );
    if !entry.detail.is_empty() {
        line.push_str("  ");
        line.push_str(&entry.detail);
    }
    line
}

fn time_text(time_ns: u64) -> String {
    let time = i64::try_from(time_ns / 1_000_000_000)
        .ok()
        .zip(u32::try_from(time_ns % 1_000_000_000).ok())
        .and_then(|(secs, nanos)| tendermint::Time::from_unix_timestamp(secs, nanos).ok());
    time.map_or_else(|| time_ns.to_string(), |t| t.to_rfc3339())
}

pub fn phase_name(phase: i32) -> &'static str {
    match coord::Phase::try_from(phase) {
        Ok(coord::Phase::Preparing) => "preparing",
        Ok(coord::Phase::Decided) => "decided",
        Ok(coord::Phase::Done) => "done",
        _ => "unknown",
    }
}

/// "committed", "aborted: <why>" or "undecided".
pub fn outcome(record: &coord::CrossTxRecord) -> String {
    if !record.decided {
        return "undecided".into();
    }
    if record.commit {
        return "committed".into();
    }
    let why = record
        .timeline
        .iter()
        .rev()
        .find(|t| t.step == "decided")
        .map(|t| t.detail.trim_start_matches("abort: ").to_owned())
        .unwrap_or_default();
    format!("aborted: {why}")
}

pub fn record_json(record: &coord::CrossTxRecord) -> serde_json::Value {
    let legs: Vec<serde_json::Value> = record
        .legs
        .iter()
        .enumerate()
        .map(|(index, leg)| {
            let state = coord::LegState::try_from(leg.state)
                .map(|s| {
                    s.as_str_name()
                        .trim_start_matches("LEG_STATE_")
                        .to_lowercase()
                })
                .unwrap_or_default();
            serde_json::json!({
                "leg": index,
                "chain_id": leg.chain_id,
                "depends_on": leg.depends_on,
                "state": state,
                "reason": leg.reason,
                "result_bytes": leg.result_bytes,
                "prepare_packet": leg.prepare_sequence,
                "decision_packet": leg.decision_sequence,
                "decision_acked": leg.decision_acked,
                "decision_fault": leg.decision_fault,
            })
        })
        .collect();
    let timeline: Vec<serde_json::Value> = record
        .timeline
        .iter()
        .map(|t| {
            serde_json::json!({
                "step": t.step,
                "chain_id": t.chain_id,
                "height": t.height,
                "time": time_text(t.time_ns),
                "detail": t.detail,
            })
        })
        .collect();
    serde_json::json!({
        "tx_id": hex::encode(&record.tx_id),
        "phase": phase_name(record.phase),
        "outcome": outcome(record),
        "deadline": time_text(record.deadline_ns),
        "submitter": record.submitter,
        "legs": legs,
        "timeline": timeline,
    })
}

/// A participant's leg record as JSON.
pub fn leg_json(leg: &pb::LegRecord) -> serde_json::Value {
    let status = pb::LegStatus::try_from(leg.status)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("LEG_STATUS_")
                .to_lowercase()
        })
        .unwrap_or_default();
    let point = |p: &Option<pb::ChainPoint>| {
        p.as_ref()
            .map(|p| serde_json::json!({ "height": p.height, "time": time_text(p.time_ns) }))
    };
    serde_json::json!({
        "tx_id": hex::encode(&leg.tx_id),
        "leg": leg.leg_index,
        "status": status,
        "reason": leg.reason,
        "prepared_at": point(&leg.prepared_at),
        "decided_at": point(&leg.decided_at),
    })
}

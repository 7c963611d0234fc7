//! Swap throughput and latency on the three chains, with an in-process
//! relayer, beside same-chain transfers measured on the same testnet.
//! Latencies come from the cross-tx timelines (block times of the chains
//! where each step happened), so polling adds nothing to them.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ed25519_consensus::SigningKey;
use prost::Message;
use tendermint_rpc::HttpClient;
use xcc_chain::tx::signed_tx;
use xcc_chain::xtx::signed_cross_tx;
use xcc_chain::Address;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::xtx::v1 as xtx_pb;
use xcc_proto::{currency::v1 as currency, security::v1 as security, to_any, tx::v1 as pb};
use xcc_relayer::{Relayer, RelayerOptions, DEFAULT_KEY};

use super::{broadcast_batches, transfers, while_relaying, ScratchNet};
use crate::keyring::{Keyring, NamedKey};
use crate::rpc::http_client;
use crate::send::latest_height;
use crate::testnet::init::{COORDINATOR_CHAIN, CURRENCY_CHAIN, DEMO_SECURITY, SECURITY_CHAIN};
use crate::xtx::{deadline_in, random_salt, record, send_msgs};

const RUN_LIMIT: Duration = Duration::from_secs(900);
const CHAINS: [&str; 3] = [COORDINATOR_CHAIN, SECURITY_CHAIN, CURRENCY_CHAIN];

pub struct Settings {
    pub swaps: usize,
    pub submitters: usize,
    pub latency_samples: usize,
    pub transfers: usize,
    pub block_time_ms: u64,
}

struct Figures {
    validators: usize,
    swaps_per_sec: f64,
    loaded: Latencies,
    unloaded: Latencies,
    transfers_per_sec: f64,
    /// The slowest chain's mean block interval during the swaps, in ms.
    interval_ms: f64,
}

/// p50 and p99 of submission-to-settlement (the last participant commits)
/// and submission-to-done (the coordinator has every ack), in ms.
pub(super) struct Latencies {
    pub settled: (f64, f64),
    pub done: (f64, f64),
}

fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    (at(0.50), at(0.99))
}

impl Latencies {
    pub fn of(records: &[coord::CrossTxRecord]) -> anyhow::Result<Self> {
        let mut settled = Vec::new();
        let mut done = Vec::new();
        for record in records {
            let at = |step: &str| {
                record
                    .timeline
                    .iter()
                    .filter(|t| t.step == step)
                    .map(|t| t.time_ns)
                    .max()
            };
            let (Some(start), Some(last_commit), Some(end)) =
                (at("submitted"), at("committed"), at("done"))
            else {
                bail!("cross-tx {} did not commit", hex::encode(&record.tx_id));
            };
            settled.push(last_commit.saturating_sub(start) as f64 / 1e6);
            done.push(end.saturating_sub(start) as f64 / 1e6);
        }
        Ok(Latencies {
            settled: percentiles(settled),
            done: percentiles(done),
        })
    }

    pub fn describe(&self, interval_ms: f64) -> String {
        let (s50, s99) = self.settled;
        let (d50, d99) = self.done;
        format!(
            "settled p50 {s50:.0} ms = {:.1} intervals, p99 {s99:.0} ms = {:.1}; done p50 {d50:.0} ms = {:.1}, p99 {d99:.0} ms = {:.1}",
            s50 / interval_ms,
            s99 / interval_ms,
            d50 / interval_ms,
            d99 / interval_ms
        )
    }
}

pub async fn run(validator_counts: &[usize], settings: &Settings) -> anyhow::Result<()> {
    if settings.swaps == 0 || settings.submitters == 0 || settings.latency_samples == 0 {
        bail!("need swaps, submitters and latency samples");
    }
    if settings.swaps + settings.latency_samples > 800 {
        bail!("the issuer sells one unit per swap and has 900: ask for fewer swaps");
    }
    let mut all = Vec::new();
    for &validators in validator_counts {
        let f = one_run(validators, settings).await?;
        println!(
            "swaps: {validators} validator(s) per chain: {} swaps at {:.1} swaps/s; same-chain transfers {:.0} tx/s ({:.1}x the swap rate); slowest chain's block interval {:.0} ms",
            settings.swaps, f.swaps_per_sec, f.transfers_per_sec, f.transfers_per_sec / f.swaps_per_sec, f.interval_ms
        );
        println!(
            "  {} swaps at once: {}",
            settings.swaps,
            f.loaded.describe(f.interval_ms)
        );
        println!(
            "  one at a time ({} swaps): {}",
            settings.latency_samples,
            f.unloaded.describe(f.interval_ms)
        );
        all.push(f);
    }
    if let Some(baseline) = all.first() {
        for f in &all[1..] {
            println!(
                "ratio {} vs {} validator(s): {:.2}x swaps/s, {:.2}x transfers/s, {:.2}x unloaded settle p50",
                f.validators,
                baseline.validators,
                f.swaps_per_sec / baseline.swaps_per_sec,
                f.transfers_per_sec / baseline.transfers_per_sec,
                f.unloaded.settled.0 / baseline.unloaded.settled.0
            );
        }
    }
    Ok(())
}

/// The issuer sells one unit to bob for one usd: a swap both sign.
fn one_swap(issuer: &NamedKey, bob: &NamedKey, deadline_ns: u64) -> xtx_pb::SignedCrossTx {
    let cross_tx = xtx_pb::CrossTx {
        legs: vec![
            xtx_pb::Leg {
                chain_id: SECURITY_CHAIN.into(),
                msgs: vec![to_any(&security::MsgTransfer {
                    from: issuer.address().to_string(),
                    to: bob.address().to_string(),
                    symbol: DEMO_SECURITY.into(),
                    amount: 1,
                })],
                depends_on: None,
            },
            xtx_pb::Leg {
                chain_id: CURRENCY_CHAIN.into(),
                msgs: vec![to_any(&currency::MsgTransfer {
                    from: bob.address().to_string(),
                    to: issuer.address().to_string(),
                    denom: "usd".into(),
                    amount: 1,
                })],
                depends_on: None,
            },
        ],
        deadline_ns,
        salt: random_salt(),
    };
    signed_cross_tx(cross_tx, &[&issuer.key, &bob.key])
}

pub(super) fn submission(
    submitter: &SigningKey,
    nonce: u64,
    signed: xtx_pb::SignedCrossTx,
) -> pb::Tx {
    let msg = to_any(&coord::MsgSubmitCrossTx {
        submitter: Address::from_public_key(&submitter.verification_key()).to_string(),
        signed_cross_tx: Some(signed),
    });
    let body = pb::TxBody {
        chain_id: COORDINATOR_CHAIN.into(),
        nonce,
        msgs: vec![msg],
        timeout_height: 0,
        memo: String::new(),
    };
    signed_tx(body, &[submitter])
}

/// `samples` swaps of the issuer's HARB to bob, each submitted once the
/// one before is done; their records.
pub(super) async fn one_at_a_time(
    coordinator: &HttpClient,
    issuer: &NamedKey,
    bob: &NamedKey,
    samples: usize,
) -> anyhow::Result<Vec<coord::CrossTxRecord>> {
    let mut records = Vec::new();
    for _ in 0..samples {
        let signed = one_swap(issuer, bob, deadline_in(coordinator, 600).await?);
        records.push(submit_and_wait(coordinator, bob, signed).await?);
    }
    Ok(records)
}

/// Submits a signed cross-tx from `submitter` and waits until it is done.
pub(super) async fn submit_and_wait(
    coordinator: &HttpClient,
    submitter: &NamedKey,
    signed: xtx_pb::SignedCrossTx,
) -> anyhow::Result<coord::CrossTxRecord> {
    let id = xcc_chain::xtx::cross_tx_id(signed.cross_tx.as_ref().context("cross-tx")?);
    let msg = to_any(&coord::MsgSubmitCrossTx {
        submitter: submitter.address().to_string(),
        signed_cross_tx: Some(signed),
    });
    send_msgs(coordinator, COORDINATOR_CHAIN, submitter, vec![msg]).await?;
    wait_done(coordinator, &id).await
}

pub(super) async fn wait_done(
    client: &HttpClient,
    id: &[u8; 32],
) -> anyhow::Result<coord::CrossTxRecord> {
    let give_up = Instant::now() + RUN_LIMIT;
    loop {
        // Not found until the block with its submission commits.
        if let Ok(r) = record(client, id).await {
            if r.phase == coord::Phase::Done as i32 {
                return Ok(r);
            }
        }
        if Instant::now() > give_up {
            bail!("cross-tx {} not done in time", hex::encode(id));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(super) async fn heights(clients: &[HttpClient]) -> anyhow::Result<Vec<u64>> {
    let mut heights = Vec::new();
    for client in clients {
        heights.push(latest_height(client).await?);
    }
    Ok(heights)
}

async fn one_run(validators: usize, settings: &Settings) -> anyhow::Result<Figures> {
    let net = ScratchNet::start(&CHAINS, validators, settings.block_time_ms).await?;
    let transfers = transfers::measure(&net, settings.transfers, 16).await?;
    let keyring = Keyring::open(net.home())?;
    let (issuer, bob) = (keyring.get("issuer")?, keyring.get("bob")?);
    let relayer = Relayer::from_home(net.home(), DEFAULT_KEY, RelayerOptions::default())?;
    let clients: Vec<HttpClient> = CHAINS
        .iter()
        .map(|chain| http_client(&net.client.chains[*chain].rpc[0]))
        .collect::<Result<_, _>>()?;
    let coordinator = clients[0].clone();

    let measured = async {
        // One at a time: latency without contention.
        let unloaded = one_at_a_time(&coordinator, &issuer, &bob, settings.latency_samples).await?;

        // Many at once, pre-signed by several submitters before the clock starts.
        let deadline = deadline_in(&coordinator, 600).await?;
        let submitters: Vec<SigningKey> = (0..settings.submitters)
            .map(|_| SigningKey::new(rand_core::OsRng))
            .collect();
        let mut ids = Vec::new();
        let mut batches: Vec<Vec<Vec<u8>>> = vec![Vec::new(); submitters.len()];
        for index in 0..settings.swaps {
            let signed = one_swap(&issuer, &bob, deadline);
            ids.push(xcc_chain::xtx::cross_tx_id(
                signed.cross_tx.as_ref().context("cross-tx")?,
            ));
            let which = index % submitters.len();
            let nonce = batches[which].len() as u64;
            batches[which].push(submission(&submitters[which], nonce, signed).encode_to_vec());
        }
        let start_heights = heights(&clients).await?;
        let started = Instant::now();
        broadcast_batches(
            batches
                .into_iter()
                .map(|batch| (coordinator.clone(), batch))
                .collect(),
        )
        .await?;
        let mut loaded = Vec::new();
        for id in &ids {
            loaded.push(wait_done(&coordinator, id).await?);
        }
        let seconds = started.elapsed().as_secs_f64();
        let end_heights = heights(&clients).await?;
        let interval_ms = start_heights
            .iter()
            .zip(&end_heights)
            .map(|(start, end)| seconds * 1000.0 / end.saturating_sub(*start).max(1) as f64)
            .fold(0.0, f64::max);
        anyhow::Ok(Figures {
            validators,
            swaps_per_sec: settings.swaps as f64 / seconds,
            loaded: Latencies::of(&loaded)?,
            unloaded: Latencies::of(&unloaded)?,
            transfers_per_sec: transfers.tx_per_sec,
            interval_ms,
        })
    };
    let figures = while_relaying(&relayer, measured).await;
    drop(net);
    figures
}

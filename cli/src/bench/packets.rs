//! Packet throughput and latency: pings from the security chain to the
//! currency chain, carried by an in-process relayer. Each run first commits
//! all its pings, so the clock measures relaying alone.

use std::time::{Duration, Instant};

use anyhow::bail;
use tendermint_rpc::HttpClient;
use xcc_chain::tx::signed_tx;
use xcc_proto::{ibc::v1 as ibc, ping::v1 as ping, to_any, tx::v1 as pb};
use xcc_relayer::{chains_from_home, Relayer, RelayerOptions};

use super::{while_relaying, ScratchNet};
use crate::keyring::{Keyring, NamedKey};
use crate::query::module_query;
use crate::rpc::http_client;
use crate::send::{broadcast_and_wait, latest_height, next_nonce};
use crate::testnet::init::{CURRENCY_CHAIN, SECURITY_CHAIN};

/// How long one run may take before the benchmark gives up.
const RUN_LIMIT: Duration = Duration::from_secs(900);

struct Endpoints {
    source: HttpClient,
    dest: HttpClient,
}

impl Endpoints {
    async fn received(&self) -> anyhow::Result<u64> {
        let request = ping::QueryReceivedRequest {
            source_chain: SECURITY_CHAIN.to_owned(),
        };
        let received: ping::Received =
            module_query(&self.dest, "/xcc.ping.v1.Query/Received", &request, None).await?;
        Ok(received.count)
    }

    async fn pending(&self) -> anyhow::Result<usize> {
        let request = ibc::QueryPendingPacketsRequest {
            dest_chain: CURRENCY_CHAIN.to_owned(),
            limit: 0,
        };
        let pending: ibc::QueryPendingPacketsResponse = module_query(
            &self.source,
            "/xcc.ibc.v1.Query/PendingPackets",
            &request,
            None,
        )
        .await?;
        Ok(pending.packets.len())
    }

    /// Commits one tx of `count` pings from `sender`.
    async fn ping(&self, sender: &NamedKey, count: usize) -> anyhow::Result<()> {
        let msg = to_any(&ping::MsgPing {
            sender: sender.address().to_string(),
            dest_chain: CURRENCY_CHAIN.to_owned(),
            message: "bench".to_owned(),
            timeout_ns: 3_600 * 1_000_000_000,
        });
        let body = pb::TxBody {
            chain_id: SECURITY_CHAIN.to_owned(),
            nonce: next_nonce(&self.source, &sender.address()).await?,
            msgs: vec![msg; count],
            timeout_height: 0,
            memo: String::new(),
        };
        broadcast_and_wait(&self.source, &signed_tx(body, &[&sender.key])).await?;
        Ok(())
    }

    /// Waits until `condition` holds, polling every 20 ms.
    async fn wait(
        &self,
        what: &str,
        deadline: Instant,
        condition: impl AsyncFn(&Self) -> anyhow::Result<bool>,
    ) -> anyhow::Result<()> {
        while !condition(self).await? {
            if Instant::now() > deadline {
                bail!("{what} did not happen in time");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

struct Figures {
    batch_size: usize,
    received_per_sec: f64,
    settled_per_sec: f64,
}

pub async fn run(
    batch_sizes: &[usize],
    packets: usize,
    latency_samples: usize,
    validators: usize,
    block_time_ms: u64,
) -> anyhow::Result<()> {
    if packets == 0 || batch_sizes.is_empty() {
        bail!("need some packets and at least one batch size");
    }
    let net =
        ScratchNet::start(&[SECURITY_CHAIN, CURRENCY_CHAIN], validators, block_time_ms).await?;
    let keyring = Keyring::open(net.home())?;
    let alice = keyring.get("alice")?;
    let relayer_key = keyring.get(xcc_relayer::DEFAULT_KEY)?.key;
    let chains = chains_from_home(net.home())?;
    let endpoints = Endpoints {
        source: http_client(&net.client.chains[SECURITY_CHAIN].rpc[0])?,
        dest: http_client(&net.client.chains[CURRENCY_CHAIN].rpc[0])?,
    };
    let relayer_with = |batch_size| {
        let options = RelayerOptions {
            batch_size,
            ..RelayerOptions::default()
        };
        Relayer::new(chains.clone(), relayer_key.clone(), options)
    };

    let mut all = Vec::new();
    for &batch_size in batch_sizes {
        endpoints.ping(&alice, packets).await?;
        let before = endpoints.received().await?;
        let target = before + packets as u64;
        let relayer = relayer_with(batch_size)?;
        let started = Instant::now();
        let deadline = started + RUN_LIMIT;
        let figures = {
            let measured = async {
                endpoints
                    .wait("receiving every ping", deadline, async |e| {
                        Ok(e.received().await? >= target)
                    })
                    .await?;
                let received = started.elapsed().as_secs_f64();
                endpoints
                    .wait("acknowledging every ping", deadline, async |e| {
                        Ok(e.pending().await? == 0)
                    })
                    .await?;
                let settled = started.elapsed().as_secs_f64();
                anyhow::Ok(Figures {
                    batch_size,
                    received_per_sec: packets as f64 / received,
                    settled_per_sec: packets as f64 / settled,
                })
            };
            while_relaying(&relayer, measured).await?
        };
        if endpoints.received().await? != target {
            bail!("a ping was received twice");
        }
        println!(
            "packets: batch size {batch_size}: {packets} pings received at {:.0}/s, acknowledged back at {:.0}/s",
            figures.received_per_sec, figures.settled_per_sec
        );
        all.push(figures);
    }
    if let Some(baseline) = all.first() {
        for f in &all[1..] {
            println!(
                "ratio batch {} vs batch {}: {:.2}x received/s, {:.2}x acknowledged/s",
                f.batch_size,
                baseline.batch_size,
                f.received_per_sec / baseline.received_per_sec,
                f.settled_per_sec / baseline.settled_per_sec
            );
        }
    }

    if latency_samples > 0 {
        let relayer = relayer_with(RelayerOptions::default().batch_size)?;
        let measured = async {
            let mut hops = Vec::new();
            for _ in 0..latency_samples {
                let target = endpoints.received().await? + 1;
                endpoints.ping(&alice, 1).await?;
                let committed = Instant::now();
                let dest_height = latest_height(&endpoints.dest).await?;
                endpoints
                    .wait("receiving the ping", committed + RUN_LIMIT, async |e| {
                        Ok(e.received().await? >= target)
                    })
                    .await?;
                let seconds = committed.elapsed().as_secs_f64();
                let dest_blocks = latest_height(&endpoints.dest)
                    .await?
                    .saturating_sub(dest_height);
                hops.push((seconds, dest_blocks));
            }
            anyhow::Ok(hops)
        };
        let hops = while_relaying(&relayer, measured).await;
        let mut hops = hops?;
        hops.sort_by(|a, b| a.0.total_cmp(&b.0));
        let interval = block_time_ms as f64 / 1000.0;
        let (median, worst) = (hops[hops.len() / 2], hops[hops.len() - 1]);
        println!(
            "latency of one hop (commit on {SECURITY_CHAIN} to receipt on {CURRENCY_CHAIN}), {latency_samples} pings: median {:.2} s = {:.1} block intervals ({} blocks of the destination), worst {:.2} s = {:.1} intervals",
            median.0,
            median.0 / interval,
            median.1,
            worst.0,
            worst.0 / interval
        );
    }
    drop(net);
    Ok(())
}

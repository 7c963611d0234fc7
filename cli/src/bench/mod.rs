//! `xcc bench`: figures from real local testnets, each started in a scratch
//! directory and stopped when the run ends. Build with `--release` first.

mod auction;
mod catchup;
mod dividend;
mod explorer;
mod packets;
mod queries;
mod swaps;
mod transfers;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::read_toml;
use xcc_testnet::TestnetManifest;

use crate::testnet::{init, process, status};

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Committed currency transfers per second and blocks per second, for
    /// each validator count (the first is the baseline of the ratios).
    Transfers {
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        validators: Vec<usize>,
        /// Transfers to commit in each run.
        #[arg(long, default_value_t = 2000)]
        txs: usize,
        /// Accounts sending them, each with its own run of nonces.
        #[arg(long, default_value_t = 16)]
        senders: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
    },
    /// The time a validator that was down while the chain grew by `blocks`
    /// takes to catch up after a restart.
    Catchup {
        #[arg(long, default_value_t = 1000)]
        blocks: u64,
        #[arg(long, default_value_t = 4)]
        validators: usize,
        #[arg(long, default_value_t = 20)]
        block_time: u64,
    },
    /// Pings relayed per second between two chains by an in-process relayer,
    /// for each batch size (the first is the baseline of the ratios), and
    /// the latency of one hop in block intervals.
    Packets {
        #[arg(long, value_delimiter = ',', default_value = "1,10,100")]
        batch_sizes: Vec<usize>,
        /// Pings to relay with each batch size.
        #[arg(long, default_value_t = 300)]
        packets: usize,
        /// Single pings timed from commit on the source to receipt.
        #[arg(long, default_value_t = 10)]
        latency_samples: usize,
        #[arg(long, default_value_t = 1)]
        validators: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
    },
    /// One atomic dividend payout to every holder of a security of
    /// `holders` holders: its time in seconds and in blocks.
    Dividend {
        #[arg(long, default_value_t = 10_000)]
        holders: usize,
        #[arg(long, default_value_t = 1)]
        validators: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
    },
    /// The explorer's page render times (p50, p95, max over `requests`
    /// fetches) with a security of `holders` holders and `trades` trades
    /// recorded, against a security with three holders and none.
    Explorer {
        #[arg(long, default_value_t = 10_000)]
        holders: usize,
        #[arg(long, default_value_t = 10_000)]
        trades: usize,
        #[arg(long, default_value_t = 100)]
        requests: usize,
    },
    /// The block interval of a chain idle and while another process floods
    /// one validator's RPC with heavy queries and websocket subscriptions.
    Queries {
        #[arg(long, default_value_t = 4)]
        validators: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
        /// Concurrent query loops.
        #[arg(long, default_value_t = 32)]
        clients: usize,
        /// Websocket clients, each subscribed to blocks and txs.
        #[arg(long, default_value_t = 50)]
        subscribers: usize,
        /// Blocks each measurement spans.
        #[arg(long, default_value_t = 50)]
        window_blocks: u64,
    },
    /// Auctions: qualifications of `bidders` at once, bids per second on one
    /// English lot they all bid on, and a lot's settlement latency one at a
    /// time (in ms and block intervals), beside the same testnet's transfers
    /// per second and a swap's latency.
    Auction {
        #[arg(long, default_value_t = 100)]
        bidders: usize,
        /// Bids to commit, the bidders in turn, each the best plus the step.
        #[arg(long, default_value_t = 1000)]
        bids: usize,
        /// Lots settled one at a time, and as many swaps.
        #[arg(long, default_value_t = 10)]
        settlements: usize,
        /// Same-chain transfers committed in the same run.
        #[arg(long, default_value_t = 2000)]
        transfers: usize,
        #[arg(long, default_value_t = 1)]
        validators: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
    },
    /// Swaps per second and swap latency (p50, p99, in ms and in block
    /// intervals of the slowest chain) on the three chains with an
    /// in-process relayer, beside same-chain transfers per second measured
    /// on the same testnet, for each validator count (the first is the
    /// baseline of the ratios).
    Swap {
        #[arg(long, value_delimiter = ',', default_value = "1,4")]
        validators: Vec<usize>,
        /// Swaps submitted at once in each run.
        #[arg(long, default_value_t = 200)]
        swaps: usize,
        /// Accounts submitting them, each with its own run of nonces.
        #[arg(long, default_value_t = 8)]
        submitters: usize,
        /// Swaps run one at a time first, for latency without contention.
        #[arg(long, default_value_t = 20)]
        latency_samples: usize,
        /// Same-chain transfers committed in the same run.
        #[arg(long, default_value_t = 2000)]
        transfers: usize,
        #[arg(long, default_value_t = 200)]
        block_time: u64,
    },
}

pub async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Transfers {
            validators,
            txs,
            senders,
            block_time,
        } => transfers::run(&validators, txs, senders, block_time).await,
        BenchCommand::Catchup {
            blocks,
            validators,
            block_time,
        } => catchup::run(blocks, validators, block_time).await,
        BenchCommand::Dividend {
            holders,
            validators,
            block_time,
        } => dividend::run(holders, validators, block_time).await,
        BenchCommand::Explorer {
            holders,
            trades,
            requests,
        } => {
            explorer::run(&explorer::Settings {
                holders,
                trades,
                requests,
            })
            .await
        }
        BenchCommand::Queries {
            validators,
            block_time,
            clients,
            subscribers,
            window_blocks,
        } => {
            queries::run(queries::Flood {
                validators,
                block_time_ms: block_time,
                clients,
                subscribers,
                window_blocks,
            })
            .await
        }
        BenchCommand::Swap {
            validators,
            swaps,
            submitters,
            latency_samples,
            transfers,
            block_time,
        } => {
            let settings = swaps::Settings {
                swaps,
                submitters,
                latency_samples,
                transfers,
                block_time_ms: block_time,
            };
            swaps::run(&validators, &settings).await
        }
        BenchCommand::Auction {
            bidders,
            bids,
            settlements,
            transfers,
            validators,
            block_time,
        } => {
            auction::run(&auction::Settings {
                validators,
                bidders,
                bids,
                settlements,
                transfers,
                block_time_ms: block_time,
            })
            .await
        }
        BenchCommand::Packets {
            batch_sizes,
            packets,
            latency_samples,
            validators,
            block_time,
        } => {
            packets::run(
                &batch_sizes,
                packets,
                latency_samples,
                validators,
                block_time,
            )
            .await
        }
    }
}

/// Runs `work` while `relayer` relays, and stops the relayer when the work
/// ends, whether it succeeded or not.
pub async fn while_relaying<T>(
    relayer: &xcc_relayer::Relayer,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = relayer.run(async {
        let _ = stopped.await;
    });
    let measured = async {
        let outcome = work.await;
        let _ = stop.send(());
        outcome
    };
    let (outcome, ()) = tokio::join!(measured, running);
    outcome
}

/// How xcc-node's RPC says it has too many requests in flight, and how its
/// mempool says it is full: both are back-pressure, the tx taken later.
const SERVER_BUSY: &str = "Server busy";
const MEMPOOL_FULL: &str = "mempool is full";

/// Broadcasts each batch of signed txs in order through its client, the
/// batches at once; returns when every tx has passed CheckTx.
pub async fn broadcast_batches(
    batches: Vec<(tendermint_rpc::HttpClient, Vec<Vec<u8>>)>,
) -> anyhow::Result<()> {
    use tendermint_rpc::Client;
    let mut tasks = Vec::new();
    for (client, batch) in batches {
        tasks.push(tokio::spawn(async move {
            for tx in batch {
                let response = loop {
                    match client.broadcast_tx_sync(tx.clone()).await {
                        // The node's back-pressure: it takes the tx a moment later.
                        Err(e)
                            if [SERVER_BUSY, MEMPOOL_FULL]
                                .iter()
                                .any(|busy| e.to_string().contains(busy)) =>
                        {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        outcome => break outcome.map_err(|e| anyhow::anyhow!("broadcast: {e}"))?,
                    }
                };
                if response.code.is_err() {
                    anyhow::bail!("refused: {}", response.log);
                }
            }
            Ok(())
        }));
    }
    for task in tasks {
        task.await.map_err(|e| anyhow::anyhow!("{e}"))??;
    }
    Ok(())
}

/// A testnet of some chains in a scratch directory, stopped and removed on drop.
pub struct ScratchNet {
    pub dir: PathBuf,
    pub manifest: TestnetManifest,
    pub client: ClientConfig,
}

impl ScratchNet {
    pub async fn start(
        chain_ids: &[&str],
        validators: usize,
        block_time_ms: u64,
    ) -> anyhow::Result<Self> {
        Self::start_with_holders(
            chain_ids,
            validators,
            block_time_ms,
            init::GenesisHolders::default(),
        )
        .await
    }

    /// `start`, with a security of `holders` one-unit holders.
    pub async fn start_with_holders(
        chain_ids: &[&str],
        validators: usize,
        block_time_ms: u64,
        holders: init::GenesisHolders,
    ) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!(
            "xcc-bench-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        let plan = xcc_testnet::TestnetPlan {
            validators,
            block_time_ms,
            trusting_period_secs: None,
            network: xcc_testnet::Network::Loopback { base_port: None },
        };
        let manifest = init::init_with_holders(
            &dir,
            plan,
            &chain_ids.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
            holders,
        )?;
        let client = read_toml(&dir.join(CLIENT_CONFIG_FILE))?;
        let net = ScratchNet {
            dir,
            manifest,
            client,
        };
        process::start(&process::nodes(&net.dir, &net.manifest.nodes))?;
        status::wait_for_blocks(&net.manifest.nodes, Duration::from_secs(180))
            .await
            .context("the bench testnet did not start")?;
        Ok(net)
    }

    pub fn home(&self) -> &Path {
        &self.dir
    }
}

impl Drop for ScratchNet {
    fn drop(&mut self) {
        if let Err(error) = process::stop(&process::nodes(&self.dir, &self.manifest.nodes), true) {
            eprintln!("warning: stopping the bench testnet: {error:#}");
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

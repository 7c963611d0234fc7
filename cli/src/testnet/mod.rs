//! `xcc testnet`: a local multi-validator testnet of the three chains, run
//! as background processes.

pub mod init;
pub mod process;
pub mod status;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use clap::Subcommand;
use xcc_node_config::read_toml;
use xcc_testnet::{TestnetManifest, TestnetNode, MANIFEST_FILE};

#[derive(Debug, Subcommand)]
pub enum TestnetCommand {
    /// Write every validator's home, the genesis of each chain, the CLI
    /// config and the keys registrar, issuer, bank, alice, bob, operator and
    /// relayer.
    Init {
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// Target time between blocks, in milliseconds.
        #[arg(long, default_value_t = 1000)]
        block_time: u64,
        /// First port to use (two per node); free ports are picked when
        /// absent. With --compose: the host port of the first chain's
        /// published RPC (26657 by default; the next chains take the next
        /// ports).
        #[arg(long)]
        base_port: Option<u16>,
        /// Lay the nodes out for the compose testnet (`docker-compose.yml`):
        /// each in its own container at its own address on the standard
        /// ports, the relayer's home in <home>/relayer, the same validator
        /// for CometBFT in each node's config/cometbft, and a client.toml for
        /// this host that reaches one published validator RPC per chain.
        #[arg(long)]
        compose: bool,
        /// Only these chains (by chain id); all three by default.
        #[arg(long = "chain")]
        chains: Vec<String>,
        /// The trusting period of the light clients between the chains, in
        /// seconds (two weeks by default); short ones try client expiry.
        #[arg(long)]
        trusting_period: Option<u64>,
        /// Also register MANY, a security held by this many accounts (one
        /// unit each), to try payouts to many holders.
        #[arg(long, default_value_t = 0)]
        holders: usize,
        /// How many holders one page of a dividend payout carries (5,000 by
        /// default, at most 10,000).
        #[arg(long)]
        dividend_page_holders: Option<u32>,
        /// Make the security chain's last N validators trading platforms,
        /// their power following the fees of their bank receipts.
        #[arg(long, default_value_t = 0)]
        trust_platforms: usize,
        /// Proof of trust's epoch, in blocks (0: the set never changes by fees).
        #[arg(long, default_value_t = 0)]
        trust_epoch_blocks: u64,
    },
    /// Start the nodes and the relayer in the background; returns once every
    /// chain commits blocks.
    Start {
        /// Only this node (its moniker, e.g. currency-1-node2).
        #[arg(long, conflicts_with = "relayer")]
        node: Option<String>,
        /// Only this chain's nodes (e.g. every coordinator-1 validator).
        #[arg(long, conflicts_with_all = ["relayer", "node"])]
        chain: Option<String>,
        /// Only the relayer.
        #[arg(long)]
        relayer: bool,
        /// The nodes without the relayer.
        #[arg(long, conflicts_with_all = ["relayer", "node"])]
        no_relayer: bool,
        /// Without the explorer (started with the whole testnet otherwise).
        #[arg(long)]
        no_explorer: bool,
        /// How long to wait for blocks, in seconds.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Print every node's chain, RPC URL, process and latest height.
    Status,
    /// Stop the relayer and the nodes (SIGTERM, then SIGKILL after a grace
    /// period).
    Stop {
        /// Only this node (its moniker).
        #[arg(long, conflicts_with = "relayer")]
        node: Option<String>,
        /// Only this chain's nodes.
        #[arg(long, conflicts_with_all = ["relayer", "node"])]
        chain: Option<String>,
        /// Only the relayer.
        #[arg(long)]
        relayer: bool,
        /// Send SIGKILL at once, as a crash would.
        #[arg(long)]
        kill: bool,
    },
}

pub async fn run(home: &Path, command: TestnetCommand) -> anyhow::Result<()> {
    match command {
        TestnetCommand::Init {
            validators,
            block_time,
            base_port,
            compose,
            chains,
            trusting_period,
            holders,
            dividend_page_holders,
            trust_platforms,
            trust_epoch_blocks,
        } => init::init_and_report(
            home,
            xcc_testnet::TestnetPlan {
                validators,
                block_time_ms: block_time,
                trusting_period_secs: trusting_period,
                network: init::network(compose, base_port),
            },
            &chains,
            init::GenesisHolders {
                count: holders,
                dividend_page_holders,
                trust: init::TrustPlan {
                    platforms: trust_platforms,
                    epoch_blocks: trust_epoch_blocks,
                },
            },
        ),
        TestnetCommand::Start {
            node,
            chain,
            relayer,
            no_relayer,
            no_explorer,
            timeout,
        } => {
            let manifest = manifest(home)?;
            if !relayer {
                let nodes = select(&manifest, node.as_deref(), chain.as_deref())?;
                let started = process::start(&process::nodes(home, &nodes))?;
                status::wait_for_blocks(&nodes, Duration::from_secs(timeout))
                    .await
                    .context("the nodes did not commit blocks; see node.log in each node's home")?;
                println!("started {started} node(s); every chain commits blocks");
            }
            let some_nodes = node.is_some() || chain.is_some();
            if relayer || (!some_nodes && !no_relayer && relays_anything(&manifest)) {
                let service = process::Service::relayer(home);
                let started = process::start(std::slice::from_ref(&service))?;
                println!(
                    "relayer {}; its log is {}",
                    if started > 0 {
                        "started"
                    } else {
                        "already running"
                    },
                    service.log_file().display()
                );
            }
            if let (Some(listen), false) =
                (&manifest.explorer, some_nodes || relayer || no_explorer)
            {
                let service = process::Service::explorer(home, listen);
                process::start(std::slice::from_ref(&service))?;
                status::wait_for_explorer(listen, Duration::from_secs(timeout))
                    .await
                    .with_context(|| {
                        format!(
                            "the explorer did not answer; see {}",
                            service.log_file().display()
                        )
                    })?;
                println!("explorer: http://{listen}");
            }
            Ok(())
        }
        TestnetCommand::Status => status::print(home, &manifest(home)?).await,
        TestnetCommand::Stop {
            node,
            chain,
            relayer,
            kill,
        } => {
            let manifest = manifest(home)?;
            let mut services = Vec::new();
            if node.is_none() && chain.is_none() {
                services.push(process::Service::relayer(home));
                if let (Some(listen), false) = (&manifest.explorer, relayer) {
                    services.push(process::Service::explorer(home, listen));
                }
            }
            if !relayer {
                let nodes = select(&manifest, node.as_deref(), chain.as_deref())?;
                services.extend(process::nodes(home, &nodes));
            }
            let stopped = process::stop(&services, kill)?;
            println!("stopped {stopped} process(es)");
            Ok(())
        }
    }
}

/// A relayer has work only between two chains or more.
fn relays_anything(manifest: &TestnetManifest) -> bool {
    let chains: std::collections::BTreeSet<&str> =
        manifest.nodes.iter().map(|n| n.chain_id.as_str()).collect();
    chains.len() > 1
}

fn manifest(home: &Path) -> anyhow::Result<TestnetManifest> {
    read_toml(&home.join(MANIFEST_FILE)).with_context(|| {
        format!(
            "no testnet in {}; run `xcc testnet init` first",
            home.display()
        )
    })
}

/// The nodes of the testnet, or only the one named `moniker`, or only
/// those of `chain`.
pub fn select(
    manifest: &TestnetManifest,
    moniker: Option<&str>,
    chain: Option<&str>,
) -> anyhow::Result<Vec<TestnetNode>> {
    let nodes: Vec<TestnetNode> = manifest
        .nodes
        .iter()
        .filter(|n| moniker.is_none_or(|m| n.moniker == m))
        .filter(|n| chain.is_none_or(|c| n.chain_id == c))
        .cloned()
        .collect();
    match (moniker, chain, nodes.is_empty()) {
        (Some(m), _, true) => anyhow::bail!("the testnet has no node {m:?}"),
        (_, Some(c), true) => anyhow::bail!("the testnet has no chain {c:?}"),
        _ => Ok(nodes),
    }
}

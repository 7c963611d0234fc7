//! `xcc-node start --home DIR`: runs one validator of an XCC chain.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use xcc_node_config::NodeHome;

#[derive(Debug, Parser)]
#[command(
    name = "xcc-node",
    version,
    about = "A CometBFT-compatible node for XCC chains, on Malachite"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the node whose config, genesis and key are in DIR.
    Start {
        #[arg(long)]
        home: PathBuf,
        /// Serve Prometheus metrics at http://ADDR/metrics.
        #[arg(long)]
        metrics: Option<std::net::SocketAddr>,
    },
    /// Exit 0 when the node at DIR answers on its RPC and has committed a
    /// block (a container health check).
    Health {
        #[arg(long)]
        home: PathBuf,
        /// How long to wait for the RPC, in seconds.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                "info,libp2p=warn,informalsystems_malachitebft=warn,arc_malachitebft=warn".into()
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    match Cli::parse().command {
        Command::Start { home, metrics } => xcc_node::node::run(NodeHome::new(home), metrics).await,
        Command::Health { home, timeout } => {
            let timeout = std::time::Duration::from_secs(timeout);
            let height = xcc_node::health::check(&NodeHome::new(home), timeout).await?;
            println!("healthy at height {height}");
            Ok(())
        }
    }
}

//! `xcc-explorer --home DIR --listen ADDR`: follows every chain that
//! `DIR/client.toml` names and serves the explorer's pages.
//! `xcc-explorer --health --listen ADDR` asks a running explorer whether it
//! sees every chain (for container health checks, which have no curl).

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Parser;
use tracing_subscriber::EnvFilter;
use xcc_explorer::chains::Chains;
use xcc_explorer::Explorer;

#[derive(Debug, Parser)]
#[command(name = "xcc-explorer", version, about)]
struct Args {
    /// A home with a `client.toml` (a testnet's directory is one).
    #[arg(long, env = "XCC_HOME", required_unless_present = "health")]
    home: Option<PathBuf>,
    /// Where to serve the pages.
    #[arg(long, default_value = "127.0.0.1:26680")]
    listen: SocketAddr,
    /// Serve nothing: exit 0 if the explorer at --listen sees every chain.
    #[arg(long)]
    health: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    if args.health {
        return health(args.listen).await;
    }
    let home = args.home.context("--home is required")?;
    let chains = Chains::from_home(&home)?;
    let explorer = Explorer::start(chains);
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("listening on {}", args.listen))?;
    let address = listener.local_addr()?;
    // The line scripts and tests wait for.
    println!("explorer listening on http://{address}");
    tracing::info!(%address, "explorer listening");
    axum::serve(listener, explorer.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn health(address: SocketAddr) -> anyhow::Result<()> {
    let answer = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        xcc_explorer::probe::get(address, "/health"),
    )
    .await
    .with_context(|| format!("{address} did not answer in 5 s"))?
    .with_context(|| format!("asking {address}"))?;
    if answer.status != 200 {
        bail!("{address} answered {}: {}", answer.status, answer.body);
    }
    println!("{}", answer.body);
    Ok(())
}

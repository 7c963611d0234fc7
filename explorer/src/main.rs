//! `xcc-explorer --home DIR --listen ADDR`: follows every chain that
//! `DIR/client.toml` names and serves the explorer's pages.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;
use xcc_explorer::chains::Chains;
use xcc_explorer::Explorer;

#[derive(Debug, Parser)]
#[command(name = "xcc-explorer", version, about)]
struct Args {
    /// A home with a `client.toml` (a testnet's directory is one).
    #[arg(long, env = "XCC_HOME")]
    home: PathBuf,
    /// Where to serve the pages.
    #[arg(long, default_value = "127.0.0.1:26680")]
    listen: SocketAddr,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let chains = Chains::from_home(&args.home)?;
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

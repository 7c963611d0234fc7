//! `xcc-app`: serves one XCC chain app over the ABCI socket protocol, so that a
//! CometBFT v0.38 node can run it unchanged.

use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Parser;
use tower_abci::v038::Server;
use xcc_app::{modules, AppKind};
use xcc_chain::abci::AbciApp;
use xcc_chain::genesis::GenesisDoc;
use xcc_chain::{App, AppConfig};
use xcc_store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "xcc-app",
    version,
    about = "Serve an XCC chain app over ABCI (CometBFT v0.38)"
)]
struct Args {
    /// Which chain's app to serve: security, currency or coordinator.
    chain: AppKind,
    /// Directory of the app's state (`data/state.redb`).
    #[arg(long)]
    home: PathBuf,
    /// Where to listen: tcp://HOST:PORT or unix://PATH.
    #[arg(long, default_value = "tcp://127.0.0.1:26658")]
    abci: String,
    /// A CometBFT genesis file: InitChain is checked against it, and its
    /// `app_state` is used when InitChain carries none.
    #[arg(long)]
    genesis: Option<PathBuf>,
    /// Keep this many recent heights of state (0: every height); older
    /// ones are pruned, except those the chain's rules still read.
    #[arg(long, default_value_t = xcc_node_config::DEFAULT_KEEP_RECENT)]
    keep_recent: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();

    let data = args.home.join("data");
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let store = Store::open(&data.join("state.redb")).context("opening the state store")?;
    let config = AppConfig {
        keep_recent: (args.keep_recent > 0).then_some(args.keep_recent),
        ..AppConfig::default()
    };
    let app = App::new(store, config, modules(args.chain)).context("opening the app")?;
    let info = app.info()?;
    tracing::info!(chain = ?args.chain, height = info.last_block_height, "app ready");

    let mut abci = AbciApp::new(app);
    if let Some(path) = &args.genesis {
        abci = abci.with_genesis(GenesisDoc::read(path)?);
    }
    let server = Server::builder()
        .consensus(abci.clone())
        .mempool(abci.clone())
        .info(abci.clone())
        .snapshot(abci)
        .finish()
        .context("building the ABCI server")?;

    let result = if let Some(addr) = args.abci.strip_prefix("tcp://") {
        server.listen_tcp(addr.to_owned()).await
    } else if let Some(path) = args.abci.strip_prefix("unix://") {
        server.listen_unix(path).await
    } else {
        bail!(
            "--abci must be tcp://HOST:PORT or unix://PATH, got {:?}",
            args.abci
        );
    };
    result.map_err(|e| anyhow::anyhow!("ABCI server: {e}"))
}

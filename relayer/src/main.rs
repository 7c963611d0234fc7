//! `xcc-relayer start`: relays between the chains of a home's `client.toml`
//! with a key of its keyring, and serves metrics.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use tokio::signal::unix::{signal, SignalKind};
use tracing_subscriber::EnvFilter;
use xcc_relayer::{metrics_addr_file, Relayer, RelayerOptions, DEFAULT_KEY};

#[derive(Debug, Parser)]
#[command(
    name = "xcc-relayer",
    version,
    about = "Relays proven packets between XCC chains"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Relay until SIGTERM or ctrl-c.
    Start(StartArgs),
    /// Exit 0 when the relayer of this home and key serves its metrics (a
    /// container health check).
    Health(HealthArgs),
}

#[derive(Debug, Args)]
struct StartArgs {
    /// The home: chains and RPC endpoints in <home>/client.toml, keys in
    /// <home>/keyring (the `xcc` CLI's home; a testnet's directory is one).
    #[arg(long, env = "XCC_HOME", default_value_os_t = default_home())]
    home: PathBuf,
    /// The key that signs the relayer's txs on every chain.
    #[arg(long, default_value = DEFAULT_KEY)]
    key: String,
    /// Where to serve Prometheus metrics (GET /metrics); port 0 picks one.
    #[arg(long, default_value = "127.0.0.1:0")]
    metrics: SocketAddr,
    /// The most packets (or acks, or timeouts) per tx.
    #[arg(long, default_value_t = RelayerOptions::default().batch_size)]
    batch_size: usize,
    /// A full reconciliation from state at least every this many blocks.
    #[arg(long, default_value_t = RelayerOptions::default().reconcile_every_blocks)]
    reconcile_every_blocks: u64,
    /// Deliver only to this chain (repeat for several): receives to it,
    /// acknowledgements and timeouts back to it. Every chain by default.
    #[arg(long = "deliver-to", value_name = "CHAIN_ID")]
    deliver_to: Vec<String>,
    /// Update a light client with no packet to carry once this fraction of
    /// its trusting period has passed since its latest header.
    #[arg(long, default_value_t = RelayerOptions::default().refresh_rate)]
    refresh_rate: f64,
}

#[derive(Debug, Args)]
struct HealthArgs {
    #[arg(long, env = "XCC_HOME", default_value_os_t = default_home())]
    home: PathBuf,
    #[arg(long, default_value = DEFAULT_KEY)]
    key: String,
    /// How long to wait for an answer, in seconds.
    #[arg(long, default_value_t = 3)]
    timeout: u64,
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".xcc")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Start(args) => start(args).await,
        Command::Health(args) => health(args).await,
    }
}

async fn start(args: StartArgs) -> anyhow::Result<()> {
    let options = RelayerOptions {
        batch_size: args.batch_size,
        reconcile_every_blocks: args.reconcile_every_blocks,
        refresh_rate: args.refresh_rate,
        deliver_to: (!args.deliver_to.is_empty()).then(|| args.deliver_to.into_iter().collect()),
        ..RelayerOptions::default()
    };
    let relayer = Relayer::from_home(&args.home, &args.key, options)
        .with_context(|| format!("starting the relayer from {}", args.home.display()))?;
    let server = relayer.serve_metrics(args.metrics).await?;
    tracing::info!(addr = %server.addr(), "serving metrics at /metrics");
    let addr_file = metrics_addr_file(&args.home, &args.key);
    if let Some(dir) = addr_file.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&addr_file, server.addr().to_string())
        .with_context(|| format!("writing {}", addr_file.display()))?;

    let mut terminate = signal(SignalKind::terminate()).context("listening for SIGTERM")?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = terminate.recv() => {}
        }
    };
    relayer.run(shutdown).await;
    drop(server);
    Ok(())
}

/// GET /metrics from the address the running relayer wrote.
async fn health(args: HealthArgs) -> anyhow::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr_file = metrics_addr_file(&args.home, &args.key);
    let text = std::fs::read_to_string(&addr_file)
        .with_context(|| format!("reading {} (is the relayer running?)", addr_file.display()))?;
    let mut addr: SocketAddr = text
        .trim()
        .parse()
        .with_context(|| format!("parsing {}", addr_file.display()))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let probe = async {
        let mut stream = tokio::net::TcpStream::connect(addr).await?;
        stream
            .write_all(b"GET /metrics HTTP/1.0\r\nHost: relayer\r\n\r\n")
            .await?;
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).await?;
        Ok::<_, std::io::Error>(head)
    };
    let head = tokio::time::timeout(std::time::Duration::from_secs(args.timeout), probe)
        .await
        .with_context(|| format!("no answer from {addr} within {} s", args.timeout))?
        .with_context(|| format!("asking {addr} for metrics"))?;
    // "HTTP/1.x 200"
    anyhow::ensure!(
        head.ends_with(b" 200"),
        "{addr} answered {:?}",
        String::from_utf8_lossy(&head)
    );
    println!("healthy: metrics at {addr}");
    Ok(())
}

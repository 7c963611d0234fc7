//! `xcc`: keys, transactions and queries for XCC chains.

mod auction;
mod audit;
mod bench;
mod demo;
mod dividend;
mod ibc;
mod keyring;
mod market;
mod msgs;
mod query;
mod rpc;
mod send;
mod swap;
mod testnet;
mod trust;
mod txfile;
mod verify;
mod xtx;

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::{Args, Parser, Subcommand};
use ed25519_consensus::SigningKey;
use xcc_chain::tx::{add_signature, decode_and_verify, signed_tx, DEFAULT_MAX_TX_BYTES};
use xcc_node_config::AppKind;
use xcc_proto::tx::v1 as pb;

use keyring::Keyring;
use msgs::{CurrencyTx, SecurityTx, ValidatorsTx};

#[derive(Debug, Parser)]
#[command(
    name = "xcc",
    version,
    about = "Keys, transactions and queries for XCC chains"
)]
struct Cli {
    /// The CLI's home: keys live in <home>/keyring, chain endpoints in
    /// <home>/client.toml (a testnet's directory is such a home).
    #[arg(long, global = true, env = "XCC_HOME", default_value_os_t = default_home())]
    home: PathBuf,
    #[command(subcommand)]
    command: Command,
}

fn default_home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default()
        .join(".xcc")
}

// Parsed once per run: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
enum Command {
    /// Manage keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Build, sign and inspect txs.
    #[command(subcommand)]
    Tx(TxCommand),
    /// Query a chain.
    Query(query::QueryArgs),
    /// A local testnet of every chain, several validators each.
    #[command(subcommand)]
    Testnet(testnet::TestnetCommand),
    /// The whole system in one command: a fresh 4-validator testnet of every
    /// chain with the explorer, a listing, a swap and a dividend payout; it
    /// runs until Ctrl-C, then stops everything.
    Demo(demo::DemoArgs),
    /// Trade units for cash with a counterparty, both signing one cross-tx.
    #[command(subcommand)]
    Swap(swap::SwapCommand),
    /// Listings on the security chain: list, cancel, buy, show.
    #[command(subcommand)]
    Market(market::MarketCommand),
    /// Dividends: declare, pay atomically to every holder, status, list, received.
    #[command(subcommand)]
    Dividend(dividend::DividendCommand),
    /// Auctions of units: create, qualify, bid, take, commit, reveal, close,
    /// settle, cancel, show, list.
    #[command(subcommand)]
    Auction(auction::AuctionCommand),
    /// A bank's receipts of payments (signed offline) and the chain's banks.
    #[command(subcommand)]
    Bank(trust::BankCommand),
    /// Proof of trust: platforms and bidders registered on bank receipts,
    /// each platform's power and each lot's trust.
    #[command(subcommand)]
    Trust(trust::TrustCommand),
    /// Cross-txs on the coordinator chain: status (with its timeline), list.
    #[command(subcommand)]
    Xtx(xtx::XtxCommand),
    /// Check every chain of the testnet at --home against the invariants:
    /// atomicity, conservation, compliance, no reservation left behind,
    /// auctions, and proof of trust recomputed from the receipts.
    Audit {
        /// Only proof of trust, from the security chain alone.
        #[arg(long)]
        trust: bool,
    },
    /// Benchmarks on scratch local testnets.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
}

#[derive(Debug, Subcommand)]
enum KeysCommand {
    /// Create a new key, or recover one from a hex secret read on stdin.
    Add {
        name: String,
        #[arg(long)]
        recover: bool,
    },
    /// List keys with their addresses.
    List,
    /// Show a key's address (and public key).
    Show {
        name: String,
        /// Print the address only.
        #[arg(long)]
        address: bool,
    },
    /// Print a key's hex secret. Anyone who has it controls the account.
    Export { name: String },
    /// Import a key from a file holding its hex secret ('-' reads stdin).
    Import { name: String, file: PathBuf },
}

#[derive(Debug, Args)]
struct TxOptions {
    /// The signing key (the sender: its nonce goes in the tx).
    #[arg(long)]
    from: String,
    /// The chain; by default the testnet's chain of the module.
    #[arg(long)]
    chain_id: Option<String>,
    /// The sender's account nonce; asked of the chain when absent.
    #[arg(long)]
    nonce: Option<u64>,
    /// An RPC URL to use instead of the endpoints in client.toml.
    #[arg(long)]
    node: Option<String>,
    /// Refuse the tx after this height (0: never).
    #[arg(long, default_value_t = 0)]
    timeout_height: u64,
    #[arg(long, default_value = "")]
    memo: String,
    /// Write the signed tx to a file (or stdout) instead of sending it.
    #[arg(long)]
    generate_only: bool,
    /// Where --generate-only writes the tx; stdout by default.
    #[arg(long)]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum TxCommand {
    /// A security chain tx.
    Security {
        #[command(flatten)]
        options: TxOptions,
        #[command(subcommand)]
        msg: SecurityTx,
    },
    /// A currency chain tx.
    Currency {
        #[command(flatten)]
        options: TxOptions,
        #[command(subcommand)]
        msg: CurrencyTx,
    },
    /// A validator admin tx (any chain; needs --chain-id).
    Validators {
        #[command(flatten)]
        options: TxOptions,
        #[command(subcommand)]
        msg: ValidatorsTx,
    },
    /// A packet-layer admin tx (needs --chain-id, the chain whose light
    /// client it changes).
    Ibc {
        #[command(flatten)]
        options: TxOptions,
        #[command(subcommand)]
        msg: ibc::IbcTx,
    },
    /// Ping another chain through the packet layer (needs --chain-id, the
    /// sending chain); the pong comes back once a relayer carried both ways.
    Ping {
        #[command(flatten)]
        options: TxOptions,
        /// The chain to ping.
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "ping")]
        message: String,
        /// The packet times out this many seconds after its block.
        #[arg(long, default_value_t = 600)]
        timeout_secs: u64,
        /// Send this many pings in the one tx.
        #[arg(long, default_value_t = 1)]
        count: usize,
    },
    /// Add a signature to a tx file (e.g. the registrar countersigning a registration).
    Sign {
        file: PathBuf,
        #[arg(long)]
        from: String,
        /// Where to write the signed tx; the input file by default.
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// Decode a tx file and check its signatures.
    Show { file: PathBuf },
    /// Send a signed tx file (e.g. a countersigned registration) and wait for its block.
    Broadcast {
        file: PathBuf,
        /// An RPC URL to use instead of the endpoints in client.toml.
        #[arg(long)]
        node: Option<String>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Keys(command) => keys(&Keyring::open(&cli.home)?, command),
        Command::Tx(command) => tx(&cli.home, &Keyring::open(&cli.home)?, command).await,
        Command::Query(args) => query::run(&cli.home, &Keyring::open(&cli.home)?, args).await,
        Command::Testnet(command) => testnet::run(&cli.home, command).await,
        Command::Demo(args) => demo::run(args).await,
        Command::Swap(command) => swap::run(&cli.home, &Keyring::open(&cli.home)?, command).await,
        Command::Market(command) => {
            market::run(&cli.home, &Keyring::open(&cli.home)?, command).await
        }
        Command::Dividend(command) => {
            dividend::run(&cli.home, &Keyring::open(&cli.home)?, command).await
        }
        Command::Auction(command) => {
            auction::run(&cli.home, &Keyring::open(&cli.home)?, command).await
        }
        Command::Bank(command) => {
            trust::run_bank(&cli.home, &Keyring::open(&cli.home)?, command).await
        }
        Command::Trust(command) => trust::run(&cli.home, &Keyring::open(&cli.home)?, command).await,
        Command::Xtx(command) => xtx::run(&cli.home, command).await,
        Command::Audit { trust } => audit::run(&cli.home, trust).await,
        Command::Bench(command) => bench::run(command).await,
    }
}

fn keys(keyring: &Keyring, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Add { name, recover } => {
            let key = if recover {
                let mut secret = String::new();
                std::io::stdin().read_to_string(&mut secret)?;
                keyring::parse_secret(&secret)?
            } else {
                SigningKey::new(rand_core::OsRng)
            };
            let named = keyring.add(&name, key)?;
            println!("{}", named.address());
        }
        KeysCommand::List => {
            for named in keyring.list()? {
                println!("{}\t{}", named.name, named.address());
            }
        }
        KeysCommand::Show { name, address } => {
            let named = keyring.get(&name)?;
            if address {
                println!("{}", named.address());
            } else {
                let shown = serde_json::json!({
                    "name": named.name,
                    "address": named.address().to_string(),
                    "public_key": hex::encode(named.key.verification_key().as_bytes()),
                });
                println!("{}", serde_json::to_string_pretty(&shown)?);
            }
        }
        KeysCommand::Export { name } => {
            eprintln!("warning: whoever holds this secret controls {name}");
            println!("{}", hex::encode(keyring.get(&name)?.key.as_bytes()));
        }
        KeysCommand::Import { name, file } => {
            let secret = if file.as_os_str() == "-" {
                let mut secret = String::new();
                std::io::stdin().read_to_string(&mut secret)?;
                secret
            } else {
                std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?
            };
            println!(
                "{}",
                keyring
                    .add(&name, keyring::parse_secret(&secret)?)?
                    .address()
            );
        }
    }
    Ok(())
}

async fn tx(home: &std::path::Path, keyring: &Keyring, command: TxCommand) -> anyhow::Result<()> {
    type Build = Box<dyn Fn(xcc_chain::Address) -> Vec<xcc_proto::Any>>;
    let (options, kind, build): (TxOptions, Option<AppKind>, Build) = match command {
        TxCommand::Security { options, msg } => (
            options,
            Some(AppKind::Security),
            Box::new(move |signer| vec![msg.to_any(signer)]),
        ),
        TxCommand::Currency { options, msg } => (
            options,
            Some(AppKind::Currency),
            Box::new(move |signer| vec![msg.to_any(signer)]),
        ),
        TxCommand::Validators { options, msg } => (
            options,
            None,
            Box::new(move |signer| vec![msg.to_any(signer)]),
        ),
        TxCommand::Ibc { options, msg } => {
            let prepared = msg.prepare(home).await?;
            (
                options,
                None,
                Box::new(move |signer| vec![prepared.to_any(signer)]),
            )
        }
        TxCommand::Ping {
            options,
            to,
            message,
            timeout_secs,
            count,
        } => (
            options,
            None,
            Box::new(move |signer| {
                let ping = xcc_proto::to_any(&xcc_proto::ping::v1::MsgPing {
                    sender: signer.to_string(),
                    dest_chain: to.clone(),
                    message: message.clone(),
                    timeout_ns: timeout_secs.saturating_mul(1_000_000_000),
                });
                vec![ping; count]
            }),
        ),
        TxCommand::Sign { file, from, output } => {
            let mut tx = txfile::read(&file)?;
            add_signature(&mut tx, &keyring.get(&from)?.key)?;
            return txfile::write(&tx, Some(output.as_deref().unwrap_or(&file)));
        }
        TxCommand::Show { file } => return show(&txfile::read(&file)?),
        TxCommand::Broadcast { file, node } => {
            let tx = txfile::read(&file)?;
            let chain_id = txfile::to_file(&tx).chain_id;
            let client = rpc::connect(home, &chain_id, node.as_deref()).await?;
            return print_committed(&send::broadcast_and_wait(&client, &tx).await?);
        }
    };
    let signer = keyring.get(&options.from)?;
    let chain_id = query::chain_id(home, options.chain_id.as_deref(), kind)?;
    // Offline signing needs no chain at all once the nonce is given.
    let client = match (options.generate_only, options.nonce) {
        (true, Some(_)) => None,
        _ => Some(rpc::connect(home, &chain_id, options.node.as_deref()).await?),
    };
    let body = |nonce| pb::TxBody {
        chain_id: chain_id.clone(),
        nonce,
        msgs: build(signer.address()),
        timeout_height: options.timeout_height,
        memo: options.memo.clone(),
    };
    let sign = |nonce| signed_tx(body(nonce), &[&signer.key]);
    match (client, options.nonce) {
        (Some(client), None) if !options.generate_only => {
            print_committed(&send::send_with_chain_nonce(&client, &signer.address(), sign).await?)
        }
        (Some(client), Some(nonce)) if !options.generate_only => {
            print_committed(&send::broadcast_and_wait(&client, &sign(nonce)).await?)
        }
        (Some(client), None) => {
            let nonce = send::next_nonce(&client, &signer.address()).await?;
            txfile::write(&sign(nonce), options.output.as_deref())
        }
        (_, Some(nonce)) => txfile::write(&sign(nonce), options.output.as_deref()),
        (None, None) => bail!("--nonce is needed when no chain can be reached"),
    }
}

fn print_committed(committed: &send::Committed) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(committed)?);
    Ok(())
}

fn show(tx: &pb::Tx) -> anyhow::Result<()> {
    let file = txfile::to_file(tx);
    let chain_id = file.chain_id.clone();
    let bytes = prost::Message::encode_to_vec(tx);
    let verdict = match decode_and_verify(&bytes, &chain_id, DEFAULT_MAX_TX_BYTES) {
        Ok(_) => "every signature verifies".to_owned(),
        Err(e) => format!("invalid: {e}"),
    };
    let shown = serde_json::json!({
        "chain_id": file.chain_id,
        "nonce": file.nonce,
        "messages": file.messages,
        "signers": file.signers,
        "signatures": verdict,
    });
    println!("{}", serde_json::to_string_pretty(&shown)?);
    Ok(())
}

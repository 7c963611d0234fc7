//! One currency chain of `xcc-node` processes, for the node's own
//! interfaces: homes written by `xcc_testnet::generate` in a temporary
//! directory, one child process per validator (logs in `<home>/node.log`),
//! every child killed when the `CurrencyChain` is dropped, also when a test
//! panics.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use ed25519_consensus::SigningKey;
use serde_json::json;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient, Url, WebSocketClient};
use xcc_chain::Address;
use xcc_node_config::{AppKind, NodeHome};
use xcc_proto::currency::v1::MsgTransfer;
use xcc_proto::tx::v1::TxBody;
use xcc_testnet::{ChainSpec, Network, TestnetPlan};

use crate::binaries::{binary, spawn_logged, Spawned};
use crate::wait::WAIT;

pub const CHAIN_ID: &str = "currency-1";
pub const DENOM: &str = "usd";
/// The faucet's balance at genesis.
pub const FAUCET_BALANCE: u64 = 1_000_000;

pub struct Node {
    pub home: PathBuf,
    /// `http://127.0.0.1:<port>`
    pub rpc: String,
    /// `http://127.0.0.1:<port>/metrics`, from the node's config.
    pub metrics: Option<String>,
    process: Option<Spawned>,
}

impl Node {
    pub fn log_file(&self) -> PathBuf {
        self.home.join("node.log")
    }

    pub fn http(&self) -> HttpClient {
        let url: Url = self.rpc.parse().expect("generated RPC URLs parse");
        HttpClient::builder(url.try_into().expect("an http URL"))
            .compat_mode(CompatMode::V0_38)
            .build()
            .expect("building an HTTP client")
    }

    pub fn ws_url(&self) -> String {
        format!("{}/websocket", self.rpc.replacen("http://", "ws://", 1))
    }

    /// A websocket client; its driver runs on a task of its own.
    pub async fn websocket(&self) -> WebSocketClient {
        let url: Url = self.ws_url().parse().expect("websocket URL parses");
        let (client, driver) = WebSocketClient::builder(url.try_into().expect("a ws URL"))
            .compat_mode(CompatMode::V0_38)
            .build()
            .await
            .expect("connecting the websocket client");
        tokio::spawn(async move {
            let _ = driver.run().await;
        });
        client
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        self.process.as_mut().is_some_and(Spawned::is_running)
    }
}

pub struct CurrencyChain {
    pub nodes: Vec<Node>,
    /// Holds all of `usd` at genesis and is its mint authority.
    pub faucet: SigningKey,
    // Dropped after the children are killed (see `Drop`).
    dir: tempfile::TempDir,
}

pub fn address(key: &SigningKey) -> Address {
    Address::from_public_key(&key.verification_key())
}

pub fn new_key() -> SigningKey {
    SigningKey::new(rand_core::OsRng)
}

impl CurrencyChain {
    /// Writes a `validators`-node currency chain and starts every node.
    pub fn start(validators: usize) -> CurrencyChain {
        let dir = tempfile::tempdir().expect("creating a temporary directory");
        let faucet = new_key();
        let faucet_address = address(&faucet).to_string();
        let app_state = json!({ "currency": { "denoms": [{
            "denom": DENOM,
            "mint_authority": faucet_address,
            "balances": [{ "account": faucet_address, "amount": FAUCET_BALANCE }],
        }]}});
        let plan = TestnetPlan {
            validators,
            block_time_ms: 150,
            trusting_period_secs: None,
            network: Network::Loopback { base_port: None },
        };
        let chain = ChainSpec {
            chain_id: CHAIN_ID.into(),
            app: AppKind::Currency,
            app_state,
        };
        let (manifest, _) =
            xcc_testnet::generate(dir.path(), &plan, &[chain]).expect("writing the testnet");

        let mut testnet = CurrencyChain {
            nodes: Vec::new(),
            faucet,
            dir,
        };
        for planned in &manifest.nodes {
            let home = testnet.dir.path().join(&planned.home);
            // Planned testnets serve metrics, on a port of their own.
            let metrics = NodeHome::new(home.clone())
                .read_config()
                .expect("the node's config")
                .instrumentation
                .prometheus_listen_addr
                .map(|addr| format!("http://{addr}/metrics"));
            let process = spawn(&home);
            testnet.nodes.push(Node {
                home,
                rpc: planned.rpc.clone(),
                metrics,
                process: Some(process),
            });
        }
        testnet
    }

    pub fn home(&self, index: usize) -> NodeHome {
        NodeHome::new(self.nodes[index].home.clone())
    }

    /// Waits until `node` reports a latest block at `height` or above, and
    /// returns the height it reported. Gives up only when the chain makes
    /// no progress for [`WAIT`]: on a loaded machine blocks can be slow.
    pub async fn wait_for_height(&self, node: usize, height: u64) -> u64 {
        let client = self.nodes[node].http();
        let mut seen = 0;
        let mut deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let latest = match client.status().await {
                Ok(status) => status.sync_info.latest_block_height.value(),
                Err(_) => 0,
            };
            if latest >= height {
                return latest;
            }
            if latest > seen {
                seen = latest;
                deadline = tokio::time::Instant::now() + WAIT;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "node {node} stuck at height {seen} for {WAIT:?}, waiting for {height}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Prints the end of every node's log (`Drop` does this on a panic).
    pub fn dump_logs(&self) {
        for node in &self.nodes {
            let log = std::fs::read_to_string(node.log_file()).unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            let tail = &lines[lines.len().saturating_sub(60)..];
            eprintln!("--- {} ---\n{}", node.log_file().display(), tail.join("\n"));
        }
    }
}

impl Drop for CurrencyChain {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_logs();
        }
        for node in &mut self.nodes {
            node.process.take();
        }
    }
}

fn spawn(home: &std::path::Path) -> Spawned {
    let mut command = Command::new(binary("xcc-node"));
    command.arg("start").arg("--home").arg(home).env(
        "RUST_LOG",
        "info,libp2p=warn,informalsystems_malachitebft=warn,arc_malachitebft=warn",
    );
    spawn_logged(command, &home.join("node.log"))
}

/// A signed currency transfer, encoded for `broadcast_tx_*`.
pub fn transfer_tx(from: &SigningKey, nonce: u64, to: &Address, amount: u64) -> Vec<u8> {
    let msg = MsgTransfer {
        from: address(from).to_string(),
        to: to.to_string(),
        denom: DENOM.into(),
        amount,
    };
    let body = TxBody {
        chain_id: CHAIN_ID.into(),
        nonce,
        msgs: vec![xcc_proto::to_any(&msg)],
        timeout_height: 0,
        memo: String::new(),
    };
    let tx = xcc_chain::tx::signed_tx(body, &[from]);
    prost::Message::encode_to_vec(&tx)
}

/// The store key of an account's balance (big-endian u64; absent when 0).
pub fn balance_key(account: &Address) -> Vec<u8> {
    let denom = DENOM.parse().expect("the test denom is valid");
    xcc_currency::state_key::balance(account, &denom)
}

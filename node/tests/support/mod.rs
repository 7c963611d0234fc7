//! A local currency chain of `xcc-node` processes for integration tests:
//! homes written by `xcc_testnet::generate` in a temporary directory,
//! one child process per validator (logs in `<home>/node.log`), every child
//! killed when the `Testnet` is dropped, also when a test panics.

#![allow(dead_code)] // each test binary uses its own part of the harness

use std::fs::File;
use std::future::Future;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
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

pub const CHAIN_ID: &str = "currency-1";
pub const DENOM: &str = "usd";
/// The faucet's balance at genesis.
pub const FAUCET_BALANCE: u64 = 1_000_000;
/// Long enough for a loaded 2-core machine to build, start and elect.
pub const WAIT: Duration = Duration::from_secs(60);

pub struct Node {
    pub home: PathBuf,
    /// `http://127.0.0.1:<port>`
    pub rpc: String,
    child: Option<Child>,
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
        match self.child.as_mut() {
            Some(child) => matches!(child.try_wait(), Ok(None)),
            None => false,
        }
    }
}

pub struct Testnet {
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

impl Testnet {
    /// Writes a `validators`-node currency chain and starts every node.
    pub fn start(validators: usize) -> Testnet {
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

        let mut testnet = Testnet {
            nodes: Vec::new(),
            faucet,
            dir,
        };
        for planned in &manifest.nodes {
            let home = testnet.dir.path().join(&planned.home);
            let child = spawn(&home);
            testnet.nodes.push(Node {
                home,
                rpc: planned.rpc.clone(),
                child: Some(child),
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

impl Drop for Testnet {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.dump_logs();
        }
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn spawn(home: &std::path::Path) -> Child {
    let log = File::create(home.join("node.log")).expect("creating the node log");
    let log_err = log.try_clone().expect("cloning the log handle");
    Command::new(env!("CARGO_BIN_EXE_xcc-node"))
        .arg("start")
        .arg("--home")
        .arg(home)
        .env(
            "RUST_LOG",
            "info,libp2p=warn,informalsystems_malachitebft=warn,arc_malachitebft=warn",
        )
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .spawn()
        .expect("spawning xcc-node")
}

/// Polls `check` until it yields a value, for at most [`WAIT`]; panics
/// naming `what` if it never did.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("gave up waiting for {what} after {WAIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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

/// A POST of `body` to the node's JSON-RPC endpoint with a bare TCP
/// connection, so the body can be anything; returns the response JSON.
pub async fn raw_post(rpc: &str, body: &str) -> serde_json::Value {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = rpc.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host)
        .await
        .expect("connecting to the RPC port");
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("sending");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.expect("reading");
    let text = String::from_utf8_lossy(&response);
    let (_, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    serde_json::from_str(body).expect("a JSON response body")
}

/// A minimal websocket client over a bare TCP connection, for sending what
/// no well-behaved client would (broken JSON, bad queries).
pub struct RawSocket {
    stream: tokio::net::TcpStream,
}

impl RawSocket {
    pub async fn connect(rpc: &str) -> RawSocket {
        match Self::try_connect(rpc).await {
            Ok(socket) => socket,
            Err(head) => panic!("no upgrade: {head}"),
        }
    }

    /// The socket, or the head of the HTTP response that refused it.
    pub async fn try_connect(rpc: &str) -> Result<RawSocket, String> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let host = rpc.trim_start_matches("http://");
        let mut stream = tokio::net::TcpStream::connect(host)
            .await
            .expect("connecting to the RPC port");
        let request = format!(
            "GET /websocket HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n\
             Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
             Sec-WebSocket-Version: 13\r\n\r\n"
        );
        stream.write_all(request.as_bytes()).await.expect("sending");
        // Read the handshake response byte by byte so no frame is consumed.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            head.push(stream.read_u8().await.expect("reading the handshake"));
        }
        let head = String::from_utf8_lossy(&head).into_owned();
        if !head.starts_with("HTTP/1.1 101") {
            return Err(head);
        }
        Ok(RawSocket { stream })
    }

    /// Sends one masked text frame (clients must mask; a zero mask is valid).
    pub async fn send(&mut self, text: &str) {
        use tokio::io::AsyncWriteExt;
        let payload = text.as_bytes();
        let mut frame = vec![0x81];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        frame.extend_from_slice(&[0, 0, 0, 0]);
        frame.extend_from_slice(payload);
        self.stream
            .write_all(&frame)
            .await
            .expect("sending a frame");
    }

    /// The next text message, as JSON.
    pub async fn recv(&mut self) -> serde_json::Value {
        use tokio::io::AsyncReadExt;
        loop {
            let opcode = self.stream.read_u8().await.expect("reading a frame") & 0x0f;
            let len = match self.stream.read_u8().await.expect("reading a frame") & 0x7f {
                126 => u64::from(self.stream.read_u16().await.expect("reading a frame")),
                127 => self.stream.read_u64().await.expect("reading a frame"),
                n => u64::from(n),
            };
            let mut payload = vec![0; len as usize];
            self.stream
                .read_exact(&mut payload)
                .await
                .expect("reading a frame");
            if opcode == 0x1 {
                return serde_json::from_slice(&payload).expect("a JSON message");
            }
        }
    }

    /// Sends a request and returns the next message, its answer.
    pub async fn call(&mut self, text: &str) -> serde_json::Value {
        self.send(text).await;
        tokio::time::timeout(WAIT, self.recv())
            .await
            .expect("an answer in time")
    }
}

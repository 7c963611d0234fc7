//! A local testnet driven through the `xcc` binary, as a user drives it.
//! Every node is killed when the `Testnet` is dropped, panics included.

#![allow(dead_code)]

pub mod xtx;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient};
use xcc_home::ClientConfig;
use xcc_node_config::read_toml;
use xcc_testnet::TestnetManifest;

/// Generous: a debug build on a busy 2-core machine.
pub const WAIT: Duration = Duration::from_secs(120);

pub fn xcc(home: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xcc"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .expect("run xcc")
}

pub fn ok(home: &Path, args: &[&str]) -> String {
    let out = xcc(home, args);
    assert!(
        out.status.success(),
        "xcc {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

pub fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(home, args)).expect("xcc prints JSON")
}

pub struct Testnet {
    pub dir: tempfile::TempDir,
    pub manifest: TestnetManifest,
    pub client: ClientConfig,
}

impl Testnet {
    /// `xcc testnet init` and `start` with `validators` per chain.
    pub fn start(chains: &[&str], validators: usize, block_time_ms: u64) -> Testnet {
        Self::start_with(chains, validators, block_time_ms, &[])
    }

    /// As `start`, passing `start_args` to `xcc testnet start`.
    pub fn start_with(
        chains: &[&str],
        validators: usize,
        block_time_ms: u64,
        start_args: &[&str],
    ) -> Testnet {
        Self::start_with_init(chains, validators, block_time_ms, &[], start_args)
    }

    /// As `start_with`, passing `init_args` to `xcc testnet init` too.
    pub fn start_with_init(
        chains: &[&str],
        validators: usize,
        block_time_ms: u64,
        init_args: &[&str],
        start_args: &[&str],
    ) -> Testnet {
        // `xcc testnet start` runs the xcc-node beside xcc, which cargo builds
        // only when the node package is part of the test run.
        for program in ["xcc-node", "xcc-relayer"] {
            let binary = sibling_binary(program);
            assert!(
                binary.is_file(),
                "{} is missing: run `cargo test --workspace` (or `cargo build -p {program}` first)",
                binary.display()
            );
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let mut args = vec![
            "testnet".to_owned(),
            "init".to_owned(),
            "--validators".to_owned(),
            validators.to_string(),
            "--block-time".to_owned(),
            block_time_ms.to_string(),
        ];
        for chain in chains {
            args.extend(["--chain".to_owned(), (*chain).to_owned()]);
        }
        args.extend(init_args.iter().map(|arg| arg.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        ok(dir.path(), &args);
        let manifest = read_toml(&dir.path().join("testnet.toml")).expect("manifest");
        let client = read_toml(&dir.path().join("client.toml")).expect("client config");
        let testnet = Testnet {
            dir,
            manifest,
            client,
        };
        let mut args = vec!["testnet", "start", "--timeout", "180"];
        args.extend(start_args);
        ok(testnet.home(), &args);
        testnet
    }

    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    pub fn xcc(&self, args: &[&str]) -> String {
        ok(self.home(), args)
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        json(self.home(), args)
    }

    pub fn address(&self, key: &str) -> String {
        self.xcc(&["keys", "show", key, "--address"])
            .trim()
            .to_owned()
    }

    /// The RPC URLs of a chain's nodes, in node order.
    pub fn rpc(&self, chain_id: &str) -> Vec<String> {
        self.client.chains[chain_id].rpc.clone()
    }

    pub fn moniker(&self, chain_id: &str, index: usize) -> String {
        format!("{chain_id}-node{index}")
    }

    pub fn kill(&self, moniker: &str) {
        self.xcc(&["testnet", "stop", "--node", moniker, "--kill"]);
    }

    pub fn restart(&self, moniker: &str) {
        self.xcc(&["testnet", "start", "--node", moniker, "--timeout", "180"]);
    }

    pub fn node_log(&self, chain_id: &str, index: usize) -> PathBuf {
        self.home()
            .join(chain_id)
            .join(format!("node{index}"))
            .join("node.log")
    }
}

/// A binary cargo built beside `xcc` (when its package is in the test run).
pub fn sibling_binary(program: &str) -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_xcc")).with_file_name(program)
}

/// A process of the test, killed (SIGKILL) when dropped.
pub struct Spawned(pub std::process::Child);

impl Spawned {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Testnet {
    /// An `xcc-relayer` of this testnet signing with `key`, its output in
    /// `<testnet>/relayer/<key>.log`.
    pub fn spawn_relayer(&self, key: &str, args: &[&str]) -> Spawned {
        let dir = self.home().join("relayer");
        std::fs::create_dir_all(&dir).expect("relayer dir");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(format!("{key}.log")))
            .expect("relayer log");
        let child = Command::new(sibling_binary("xcc-relayer"))
            .args(["start", "--home"])
            .arg(self.home())
            .args(["--key", key])
            .args(args)
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("spawn xcc-relayer");
        Spawned(child)
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        let _ = xcc(self.home(), &["testnet", "stop", "--kill"]);
    }
}

pub fn client(url: &str) -> HttpClient {
    HttpClient::builder(url.parse().expect("RPC URL"))
        .compat_mode(CompatMode::V0_38)
        .build()
        .expect("RPC client")
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The node's latest height, `None` while it does not answer.
pub async fn height(url: &str) -> Option<u64> {
    let status = tokio::time::timeout(Duration::from_secs(5), client(url).status())
        .await
        .ok()?
        .ok()?;
    Some(status.sync_info.latest_block_height.value())
}

/// Waits until the node reports at least `target`.
pub async fn wait_for_height(url: &str, target: u64) -> u64 {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(h) = height(url).await {
            if h >= target {
                return h;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not reach height {target} within {WAIT:?} (at {:?})",
            height(url).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The hash of the block each node committed at `height`.
pub async fn block_hash(url: &str, height: u64) -> tendermint::Hash {
    client(url)
        .commit(tendermint::block::Height::try_from(height).expect("height"))
        .await
        .expect("commit")
        .signed_header
        .header
        .hash()
}

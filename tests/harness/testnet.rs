//! A local testnet of the three chains driven through the `xcc` binary, as
//! a user drives it. Every node is killed when the `Testnet` is dropped,
//! panics included.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use xcc_home::ClientConfig;
use xcc_node_config::{read_toml, NodeHome};
use xcc_testnet::TestnetManifest;

use crate::binaries::{binary, spawn_logged, Spawned};

pub fn xcc(home: &Path, args: &[&str]) -> Output {
    Command::new(binary("xcc"))
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
    /// The explorer is left out: only [`Testnet::start_with_explorer`]
    /// starts it.
    pub fn start_with_init(
        chains: &[&str],
        validators: usize,
        block_time_ms: u64,
        init_args: &[&str],
        start_args: &[&str],
    ) -> Testnet {
        let mut start_args = start_args.to_vec();
        start_args.push("--no-explorer");
        Self::launch(chains, validators, block_time_ms, init_args, &start_args)
    }

    /// `xcc testnet init` and `start` with the explorer, as a user gets it.
    pub fn start_with_explorer(chains: &[&str], validators: usize, block_time_ms: u64) -> Testnet {
        Self::launch(chains, validators, block_time_ms, &[], &[])
    }

    /// The explorer's URL, if the testnet has one.
    pub fn explorer_url(&self) -> Option<String> {
        self.manifest
            .explorer
            .as_ref()
            .map(|listen| format!("http://{listen}"))
    }

    fn launch(
        chains: &[&str],
        validators: usize,
        block_time_ms: u64,
        init_args: &[&str],
        start_args: &[&str],
    ) -> Testnet {
        // `xcc testnet start` runs the other binaries beside xcc.
        for program in ["xcc-node", "xcc-relayer", "xcc-explorer"] {
            binary(program);
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

    /// Every node's Prometheus address (`[instrumentation]` of its config;
    /// planned testnets give each node one), with its chain.
    pub fn metrics_addresses(&self) -> Vec<(String, String)> {
        self.manifest
            .nodes
            .iter()
            .filter_map(|node| {
                let config = NodeHome::new(self.home().join(&node.home))
                    .read_config()
                    .expect("the node's config");
                let address = config.instrumentation.prometheus_listen_addr?;
                Some((node.chain_id.clone(), address.to_string()))
            })
            .collect()
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

    /// A registration of `symbol` by `issuer`, written unsigned by the
    /// registrar to `<testnet>/register-<symbol>.json`; returns its path.
    pub fn registration_file(
        &self,
        issuer: &str,
        symbol: &str,
        name: &str,
        (total_supply, holder_cap): (u64, u32),
    ) -> String {
        let file = self.home().join(format!("register-{symbol}.json"));
        let file = file.to_str().expect("utf-8 path").to_owned();
        let registrar = self.address("registrar");
        let (supply, cap) = (total_supply.to_string(), holder_cap.to_string());
        self.xcc(&[
            "tx",
            "security",
            "--from",
            issuer,
            "--generate-only",
            "--output",
            &file,
            "register",
            "--registrar",
            &registrar,
            "--symbol",
            symbol,
            "--name",
            name,
            "--total-supply",
            &supply,
            "--holder-cap",
            &cap,
        ]);
        file
    }

    /// The consensus public key (base64) of validator `index` of `chain`.
    pub fn consensus_key(&self, chain: &str, index: usize) -> String {
        use base64::Engine as _;
        let path = self
            .home()
            .join(chain)
            .join(format!("node{index}"))
            .join("config/priv_validator_key.json");
        let key = xcc_node_config::PrivValidatorKey::read(&path).expect("validator key");
        base64::engine::general_purpose::STANDARD.encode(key.public_key())
    }

    pub fn node_log(&self, chain_id: &str, index: usize) -> PathBuf {
        self.home()
            .join(chain_id)
            .join(format!("node{index}"))
            .join("node.log")
    }
}

impl Testnet {
    /// An `xcc-relayer` of this testnet signing with `key`, its output in
    /// `<testnet>/relayer/<key>.log`.
    pub fn spawn_relayer(&self, key: &str, args: &[&str]) -> Spawned {
        let dir = self.home().join("relayer");
        std::fs::create_dir_all(&dir).expect("relayer dir");
        let mut command = Command::new(binary("xcc-relayer"));
        command
            .args(["start", "--home"])
            .arg(self.home())
            .args(["--key", key])
            .args(args);
        spawn_logged(command, &dir.join(format!("{key}.log")))
    }
}

impl Drop for Testnet {
    fn drop(&mut self) {
        let _ = xcc(self.home(), &["testnet", "stop", "--kill"]);
    }
}

//! The same validator, laid out for a CometBFT v0.38 node: its own home
//! (`config/config.toml`, `genesis.json`, `priv_validator_key.json`,
//! `node_key.json`, `data/priv_validator_state.json`) whose app is an
//! `xcc-app` ABCI server. A containers testnet writes one into each
//! `xcc-node` home's config directory, for the CometBFT variant of the
//! compose testnet (which copies it to the node's volume on first start).

use std::path::Path;

use base64::Engine as _;

use xcc_node_config::{ConfigError, PrivValidatorKey};

use crate::plan::{CONTAINER_P2P_PORT, CONTAINER_RPC_PORT};

/// Where, inside a node's config directory, its CometBFT home is.
pub const COMETBFT_HOME: &str = "cometbft";

pub struct CometNode<'a> {
    pub moniker: &'a str,
    pub validator_key: &'a PrivValidatorKey,
    /// The p2p identity; CometBFT's node id is its address.
    pub node_key: &'a PrivValidatorKey,
    /// `id@host:port` of every other validator.
    pub persistent_peers: Vec<String>,
    /// The ABCI server, e.g. `tcp://security-1-node0-app:26658`.
    pub proxy_app: String,
    pub block_time_ms: u64,
    pub timeout_propose_ms: u64,
    pub genesis: &'a tendermint::Genesis,
}

/// CometBFT's node id: the hex address of the p2p key.
pub fn node_id(node_key: &PrivValidatorKey) -> String {
    hex::encode(node_key.address())
}

pub fn write_home(root: &Path, node: &CometNode<'_>) -> Result<(), ConfigError> {
    let config = root.join("config");
    let data = root.join("data");
    for dir in [&config, &data] {
        std::fs::create_dir_all(dir).map_err(|source| ConfigError::io(dir, source))?;
    }
    write(&config.join("config.toml"), &config_toml(node)?)?;
    let genesis = serde_json::to_string_pretty(node.genesis)
        .map_err(|e| ConfigError::parse(&config.join("genesis.json"), e))?;
    write(&config.join("genesis.json"), &genesis)?;
    node.validator_key
        .write(&config.join("priv_validator_key.json"))?;
    write(&config.join("node_key.json"), &node_key_json(node.node_key))?;
    // CometBFT refuses to start without a signing state; nothing signed yet.
    write(
        &data.join("priv_validator_state.json"),
        r#"{"height":"0","round":0,"step":0}"#,
    )
}

/// Only what differs from CometBFT's defaults; it fills in the rest.
#[derive(serde::Serialize)]
struct ConfigToml {
    proxy_app: String,
    moniker: String,
    rpc: Listen,
    p2p: P2p,
    consensus: Consensus,
}

#[derive(serde::Serialize)]
struct Listen {
    laddr: String,
}

#[derive(serde::Serialize)]
struct P2p {
    laddr: String,
    persistent_peers: String,
    // Containers have private addresses, several behind one bridge.
    addr_book_strict: bool,
    allow_duplicate_ip: bool,
    pex: bool,
}

#[derive(serde::Serialize)]
struct Consensus {
    timeout_propose: String,
    timeout_commit: String,
}

fn config_toml(node: &CometNode<'_>) -> Result<String, ConfigError> {
    let config = ConfigToml {
        proxy_app: node.proxy_app.clone(),
        moniker: node.moniker.to_owned(),
        rpc: Listen {
            laddr: format!("tcp://0.0.0.0:{CONTAINER_RPC_PORT}"),
        },
        p2p: P2p {
            laddr: format!("tcp://0.0.0.0:{CONTAINER_P2P_PORT}"),
            persistent_peers: node.persistent_peers.join(","),
            addr_book_strict: false,
            allow_duplicate_ip: true,
            pex: false,
        },
        consensus: Consensus {
            timeout_propose: format!("{}ms", node.timeout_propose_ms),
            timeout_commit: format!("{}ms", node.block_time_ms),
        },
    };
    toml::to_string_pretty(&config).map_err(|e| ConfigError::Invalid(e.to_string()))
}

fn node_key_json(key: &PrivValidatorKey) -> String {
    let mut secret = key.signing_key().to_bytes().to_vec();
    secret.extend_from_slice(&key.public_key());
    serde_json::json!({
        "priv_key": {
            "type": "tendermint/PrivKeyEd25519",
            "value": base64::engine::general_purpose::STANDARD.encode(secret),
        }
    })
    .to_string()
}

fn write(path: &Path, text: &str) -> Result<(), ConfigError> {
    std::fs::write(path, text).map_err(|source| ConfigError::io(path, source))
}

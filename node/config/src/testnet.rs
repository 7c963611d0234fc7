use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::AppKind;

/// `<testnet>/client.toml`: what the `xcc` CLI needs to reach each chain.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClientConfig {
    pub chains: BTreeMap<String, ChainEndpoints>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChainEndpoints {
    pub app: AppKind,
    /// RPC URLs of the chain's nodes, e.g. `http://127.0.0.1:26657`.
    pub rpc: Vec<String>,
    /// The chain's genesis file (relative paths from the config's directory):
    /// the trust root for proven queries.
    #[serde(default)]
    pub genesis: Option<PathBuf>,
}

/// `<testnet>/testnet.toml`: every node of a local testnet.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TestnetManifest {
    pub nodes: Vec<TestnetNode>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TestnetNode {
    pub chain_id: String,
    pub moniker: String,
    /// The node's home, relative to the testnet directory.
    pub home: PathBuf,
    pub rpc: String,
}

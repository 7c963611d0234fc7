use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Where in a testnet's directory its manifest is.
pub const MANIFEST_FILE: &str = "testnet.toml";

/// `<testnet>/testnet.toml`: every node of a local testnet, which
/// `xcc testnet start|status|stop` read.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TestnetManifest {
    /// Where `xcc testnet start` serves the explorer (`host:port`); none
    /// for the compose testnet, whose explorer is a container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explorer: Option<String>,
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

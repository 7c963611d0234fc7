use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use xcc_node_config::AppKind;

/// Where in a home the chains' endpoints are.
pub const CLIENT_CONFIG_FILE: &str = "client.toml";

/// `<home>/client.toml`: what the `xcc` CLI and the relayer need to reach
/// each chain.
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

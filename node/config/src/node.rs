use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

/// Which chain app a node hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppKind {
    Security,
    Currency,
    Coordinator,
}

impl std::str::FromStr for AppKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "security" => Ok(AppKind::Security),
            "currency" => Ok(AppKind::Currency),
            "coordinator" => Ok(AppKind::Coordinator),
            other => Err(format!(
                "{other:?} is no chain kind: security, currency or coordinator"
            )),
        }
    }
}

impl AppKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Security => "security",
            AppKind::Currency => "currency",
            AppKind::Coordinator => "coordinator",
        }
    }
}

/// `config/config.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NodeConfig {
    pub moniker: String,
    pub app: AppKind,
    pub consensus: ConsensusSection,
    pub rpc: RpcSection,
    #[serde(default)]
    pub mempool: MempoolSection,
    #[serde(default)]
    pub state: StateSection,
    #[serde(default)]
    pub instrumentation: InstrumentationSection,
}

/// CometBFT's `[instrumentation]`: where Prometheus metrics are served.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InstrumentationSection {
    /// None: no metrics (`xcc-node start --metrics ADDR` serves them too).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus_listen_addr: Option<SocketAddr>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConsensusSection {
    /// libp2p listen address, e.g. `/ip4/127.0.0.1/tcp/27000`.
    pub listen_addr: String,
    /// libp2p addresses of the other validators.
    #[serde(default)]
    pub persistent_peers: Vec<String>,
    /// Target time between blocks.
    #[serde(default = "default_block_time_ms")]
    pub block_time_ms: u64,
    /// Round timeouts (propose; prevote and precommit are half of it).
    #[serde(default = "default_timeout_propose_ms")]
    pub timeout_propose_ms: u64,
}

fn default_block_time_ms() -> u64 {
    1000
}

fn default_timeout_propose_ms() -> u64 {
    3000
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RpcSection {
    /// Where the CometBFT JSON-RPC server listens.
    pub laddr: SocketAddr,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MempoolSection {
    /// Most txs held at once.
    pub max_txs: usize,
    /// Most bytes held at once.
    pub max_bytes: usize,
    /// Largest tx accepted.
    pub max_tx_bytes: usize,
    /// Most tx bytes in one block.
    pub max_block_tx_bytes: usize,
    /// RPC URLs of the other nodes, to which accepted txs are forwarded.
    #[serde(default)]
    pub broadcast_peers: Vec<String>,
}

impl Default for MempoolSection {
    fn default() -> Self {
        MempoolSection {
            max_txs: 5000,
            max_bytes: 64 << 20,
            max_tx_bytes: 1 << 20,
            max_block_tx_bytes: 4 << 20,
            broadcast_peers: Vec::new(),
        }
    }
}

/// The recent heights of app state a node keeps unless told otherwise:
/// the Cosmos SDK's default pruning (three weeks of 5-second blocks).
pub const DEFAULT_KEEP_RECENT: u64 = 362_880;

fn default_keep_recent() -> u64 {
    DEFAULT_KEEP_RECENT
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StateSection {
    /// Keep this many recent heights of app state, 0 for every height. A
    /// node always keeps the heights the chain's rules still read (the
    /// record heights of dividends), whatever this says.
    #[serde(default = "default_keep_recent")]
    pub keep_recent: u64,
}

impl Default for StateSection {
    fn default() -> Self {
        StateSection {
            keep_recent: DEFAULT_KEEP_RECENT,
        }
    }
}

impl StateSection {
    /// What the app prunes to: `None` keeps everything.
    pub fn keep_recent(&self) -> Option<u64> {
        (self.keep_recent > 0).then_some(self.keep_recent)
    }
}

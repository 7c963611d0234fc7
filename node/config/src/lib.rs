//! The files an `xcc-node` reads, in CometBFT's layout: `config/config.toml`,
//! `config/genesis.json` (CometBFT format), `config/priv_validator_key.json`
//! (CometBFT format) and `data/`. The `xcc` CLI writes them for a testnet.

mod cometbft;
mod error;
mod generate;
mod home;
mod key;
pub mod keyring;
mod node;
mod testnet;

pub use cometbft::COMETBFT_HOME;
pub use error::ConfigError;
pub use generate::{
    consensus_params, generate, ChainSpec, ContainerNetwork, Network, TestnetPlan,
    CLIENT_CONFIG_FILE, CONTAINER_ABCI_PORT, CONTAINER_P2P_PORT, CONTAINER_RPC_PORT, MANIFEST_FILE,
    RELAYER_HOME,
};
pub use home::NodeHome;
pub use key::PrivValidatorKey;
pub use node::{AppKind, ConsensusSection, MempoolSection, NodeConfig, RpcSection, StateSection};
pub use testnet::{ChainEndpoints, ClientConfig, TestnetManifest, TestnetNode};

/// Reads a TOML file into `T`.
pub fn read_toml<T: serde::de::DeserializeOwned>(path: &std::path::Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::io(path, source))?;
    toml::from_str(&text).map_err(|e| ConfigError::parse(path, e))
}

/// Writes `value` as TOML to `path`.
pub fn write_toml<T: serde::Serialize>(
    path: &std::path::Path,
    value: &T,
) -> Result<(), ConfigError> {
    let text = toml::to_string_pretty(value).map_err(|e| ConfigError::parse(path, e))?;
    std::fs::write(path, text).map_err(|source| ConfigError::io(path, source))
}

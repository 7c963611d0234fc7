//! The files an `xcc-node` reads, in CometBFT's layout: `config/config.toml`,
//! `config/genesis.json` (CometBFT format), `config/priv_validator_key.json`
//! (CometBFT format) and `data/`. `xcc-testnet` writes them for a testnet.

mod consensus;
mod error;
mod home;
mod key;
mod node;

pub use consensus::consensus_params;
pub use error::ConfigError;
pub use home::NodeHome;
pub use key::PrivValidatorKey;
pub use node::{
    AppKind, ConsensusSection, InstrumentationSection, MempoolSection, NodeConfig, RpcSection,
    StateSection, DEFAULT_KEEP_RECENT,
};

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

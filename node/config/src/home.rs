use std::path::{Path, PathBuf};

use crate::{read_toml, ConfigError, NodeConfig, PrivValidatorKey};

/// A node's home directory.
#[derive(Clone, Debug)]
pub struct NodeHome {
    root: PathBuf,
}

impl NodeHome {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        NodeHome { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn config_dir(&self) -> PathBuf {
        self.root.join("config")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    pub fn genesis_file(&self) -> PathBuf {
        self.config_dir().join("genesis.json")
    }

    pub fn key_file(&self) -> PathBuf {
        self.config_dir().join("priv_validator_key.json")
    }

    /// Where a node started in the background writes its process id.
    pub fn pid_file(&self) -> PathBuf {
        self.root.join("node.pid")
    }

    pub fn log_file(&self) -> PathBuf {
        self.root.join("node.log")
    }

    pub fn read_config(&self) -> Result<NodeConfig, ConfigError> {
        read_toml(&self.config_file())
    }

    pub fn read_key(&self) -> Result<PrivValidatorKey, ConfigError> {
        PrivValidatorKey::read(&self.key_file())
    }

    pub fn read_genesis(&self) -> Result<tendermint::Genesis, ConfigError> {
        let path = self.genesis_file();
        let text =
            std::fs::read_to_string(&path).map_err(|source| ConfigError::io(&path, source))?;
        serde_json::from_str(&text).map_err(|e| ConfigError::parse(&path, e))
    }
}

//! What the relayer reads from a home: the chains and their RPC endpoints
//! from `client.toml`, and its key from the keyring.

use std::path::Path;

use ed25519_consensus::SigningKey;
use xcc_home::keyring::Keyring;
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::read_toml;

use crate::RelayerError;

/// The key name the relayer signs with unless told otherwise.
pub const DEFAULT_KEY: &str = "relayer";

/// One chain the relayer serves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainConfig {
    pub chain_id: String,
    /// RPC URLs of the chain's nodes, tried in turn.
    pub rpc: Vec<String>,
}

/// Every chain `<home>/client.toml` names, in chain-id order.
pub fn chains_from_home(home: &Path) -> Result<Vec<ChainConfig>, RelayerError> {
    let config: ClientConfig = read_toml(&home.join(CLIENT_CONFIG_FILE))?;
    let chains: Vec<ChainConfig> = config
        .chains
        .into_iter()
        .map(|(chain_id, endpoints)| ChainConfig {
            chain_id,
            rpc: endpoints.rpc,
        })
        .collect();
    check_chains(&chains)?;
    Ok(chains)
}

pub(crate) fn check_chains(chains: &[ChainConfig]) -> Result<(), RelayerError> {
    if chains.len() < 2 {
        return Err(RelayerError::Invalid(format!(
            "a relayer needs at least two chains; {} configured",
            chains.len()
        )));
    }
    for (i, chain) in chains.iter().enumerate() {
        if chain.rpc.is_empty() {
            return Err(RelayerError::Invalid(format!(
                "chain {} has no RPC endpoint",
                chain.chain_id
            )));
        }
        if chains[..i].iter().any(|c| c.chain_id == chain.chain_id) {
            return Err(RelayerError::Invalid(format!(
                "chain {} is configured twice",
                chain.chain_id
            )));
        }
    }
    Ok(())
}

/// The relayer's signing key, `<home>/keyring/<name>.json`.
pub fn signing_key(home: &Path, name: &str) -> Result<SigningKey, RelayerError> {
    Ok(Keyring::open(home)?.get(name)?.key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(id: &str, rpc: &[&str]) -> ChainConfig {
        ChainConfig {
            chain_id: id.to_owned(),
            rpc: rpc.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn needs_two_distinct_reachable_chains() {
        assert!(check_chains(&[chain("a", &["http://x"])]).is_err());
        assert!(check_chains(&[chain("a", &["http://x"]), chain("b", &[])]).is_err());
        assert!(check_chains(&[chain("a", &["http://x"]), chain("a", &["http://y"])]).is_err());
        assert!(check_chains(&[chain("a", &["http://x"]), chain("b", &["http://y"])]).is_ok());
    }
}

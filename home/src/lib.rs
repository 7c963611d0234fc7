//! A user's home, which the `xcc` CLI and the relayer share: account keys
//! under `keyring/` and the chains to reach in `client.toml`. A testnet's
//! directory is one (`xcc-testnet` writes both).

mod client;
pub mod keyring;

pub use client::{ChainEndpoints, ClientConfig, CLIENT_CONFIG_FILE};
pub use keyring::{Keyring, KeyringError, NamedKey};

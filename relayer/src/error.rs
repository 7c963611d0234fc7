//! What can go wrong while relaying. Chain errors are never fatal to the
//! relayer: the supervisor logs them, counts them and tries again.

use xcc_home::keyring::KeyringError;
use xcc_node_config::ConfigError;

#[derive(Debug, thiserror::Error)]
pub enum RelayerError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("the relayer's key: {0}")]
    Key(#[from] KeyringError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// No endpoint of the chain answered.
    #[error("{chain}: {message}")]
    Unreachable { chain: String, message: String },
    #[error("{chain}: query {path} failed (code {code}): {log}")]
    Query {
        chain: String,
        path: String,
        code: u32,
        log: String,
    },
    /// Frozen or expired: only the chain's admin can revive it.
    #[error("{chain}'s light client of {client_id} is {status} (latest height {height}); the chain's admin can recover it with `xcc tx ibc recover-client`")]
    ClientUnusable {
        chain: String,
        client_id: String,
        status: &'static str,
        height: u64,
    },
    /// No chain of headers verifies from the client's trusted state.
    #[error("{chain}: cannot verify a header for {client_id}: {message}")]
    Unverifiable {
        chain: String,
        client_id: String,
        message: String,
    },
    /// The node answered something the relayer cannot use.
    #[error("{chain}: {message}")]
    BadAnswer { chain: String, message: String },
    /// CheckTx refused the tx: it is in no block.
    #[error("{chain}: the tx was refused ({codespace} code {code}): {log}")]
    Refused {
        chain: String,
        codespace: String,
        code: u32,
        log: String,
    },
    /// The tx is in a block but failed there: none of its messages applied.
    #[error("{chain}: the tx failed in block {height} ({codespace} code {code}): {log}")]
    FailedInBlock {
        chain: String,
        height: u64,
        codespace: String,
        code: u32,
        log: String,
    },
    #[error("the metrics server on {addr}: {source}")]
    Metrics {
        addr: String,
        source: std::io::Error,
    },
}

impl RelayerError {
    pub(crate) fn bad_answer(chain: &str, message: impl Into<String>) -> Self {
        RelayerError::BadAnswer {
            chain: chain.to_owned(),
            message: message.into(),
        }
    }

    /// Whether the chain judged the tx itself (as opposed to the chain
    /// being out of reach): splitting a batch can then help.
    pub fn is_tx_rejection(&self) -> bool {
        matches!(
            self,
            RelayerError::Refused { .. } | RelayerError::FailedInBlock { .. }
        )
    }
}

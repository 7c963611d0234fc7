//! Errors as ABCI sees them: a codespace, a non-zero code and a log line.

use crate::state::StateError;
use crate::tx::TxError;

/// Codespace of errors raised by the chain framework itself.
pub const CHAIN_CODESPACE: &str = "xcc";

/// Codes of the chain framework, stable across releases.
pub mod code {
    pub const INTERNAL: u32 = 1;
    pub const TX_DECODE: u32 = 2;
    pub const WRONG_CHAIN_ID: u32 = 3;
    pub const TX_TOO_LARGE: u32 = 4;
    pub const UNAUTHORIZED: u32 = 5;
    pub const INVALID_NONCE: u32 = 6;
    pub const UNKNOWN_MESSAGE: u32 = 7;
    pub const INVALID_MESSAGE: u32 = 8;
    pub const TX_TIMED_OUT: u32 = 9;
    pub const NOT_FOUND: u32 = 10;
    pub const INVALID_QUERY: u32 = 11;
    pub const UNKNOWN_QUERY_PATH: u32 = 12;
}

/// A failed tx or message, reported to the client; the tx changed nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{log}")]
pub struct ExecError {
    pub codespace: &'static str,
    pub code: u32,
    pub log: String,
}

impl ExecError {
    pub fn new(codespace: &'static str, code: u32, log: impl Into<String>) -> Self {
        ExecError {
            codespace,
            code,
            log: log.into(),
        }
    }

    pub fn invalid_msg(log: impl Into<String>) -> Self {
        Self::new(CHAIN_CODESPACE, code::INVALID_MESSAGE, log)
    }

    pub fn unauthorized(log: impl Into<String>) -> Self {
        Self::new(CHAIN_CODESPACE, code::UNAUTHORIZED, log)
    }
}

impl From<TxError> for ExecError {
    fn from(error: TxError) -> Self {
        let code = match &error {
            TxError::Oversized { .. } => code::TX_TOO_LARGE,
            TxError::Malformed(_) | TxError::NonCanonical | TxError::NoMessages => code::TX_DECODE,
            TxError::WrongChainId { .. } => code::WRONG_CHAIN_ID,
            TxError::Unsigned
            | TxError::BadPublicKey { .. }
            | TxError::BadSignature { .. }
            | TxError::DuplicateSigner(_) => code::UNAUTHORIZED,
        };
        ExecError::new(CHAIN_CODESPACE, code, error.to_string())
    }
}

impl From<StateError> for ExecError {
    fn from(error: StateError) -> Self {
        ExecError::new(CHAIN_CODESPACE, code::INTERNAL, error.to_string())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("unknown query path {0:?}")]
    UnknownPath(String),
    #[error("invalid query: {0}")]
    Invalid(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("height {0} is not available")]
    HeightUnavailable(u64),
    #[error(transparent)]
    State(#[from] StateError),
}

impl QueryError {
    pub fn code(&self) -> u32 {
        match self {
            QueryError::UnknownPath(_) => code::UNKNOWN_QUERY_PATH,
            QueryError::Invalid(_) => code::INVALID_QUERY,
            QueryError::NotFound(_) | QueryError::HeightUnavailable(_) => code::NOT_FOUND,
            QueryError::State(_) => code::INTERNAL,
        }
    }
}

/// Decodes a protobuf query request.
pub fn decode_request<M: prost::Message + Default>(bytes: &[u8]) -> Result<M, QueryError> {
    M::decode(bytes).map_err(|e| QueryError::Invalid(e.to_string()))
}

/// A field of a query request (an address, a symbol, a denom) parsed into
/// its type; what does not parse is an invalid request.
pub fn parse_request_field<T>(value: &str) -> Result<T, QueryError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| QueryError::Invalid(e.to_string()))
}

//! The packet layer's error codes (codespace `ibc`), stable across releases.

use crate::error::ExecError;

pub const CODESPACE: &str = "ibc";

pub mod code {
    pub const CLIENT_NOT_FOUND: u32 = 1;
    pub const CLIENT_FROZEN: u32 = 2;
    pub const CLIENT_EXPIRED: u32 = 3;
    pub const INVALID_HEADER: u32 = 4;
    pub const CONSENSUS_STATE_NOT_FOUND: u32 = 5;
    pub const INVALID_PROOF: u32 = 6;
    pub const PACKET_TIMED_OUT: u32 = 7;
    pub const UNKNOWN_PORT: u32 = 8;
    pub const INVALID_PACKET: u32 = 9;
    pub const TIMEOUT_NOT_REACHED: u32 = 10;
    pub const CLIENT_ACTIVE: u32 = 11;
}

pub fn error(code: u32, log: impl Into<String>) -> ExecError {
    ExecError::new(CODESPACE, code, log)
}

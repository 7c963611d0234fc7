//! Every key the validators module owns.

/// The account allowed to change validator powers (bech32 text).
pub const ADMIN: &[u8] = b"validators/admin";

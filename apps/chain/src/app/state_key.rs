//! Keys the app itself owns (not any module).

/// The chain id, written at genesis.
pub const CHAIN_ID: &[u8] = b"chain/chain_id";
/// The last finalized block's height and time, as `BlockInfo` (two big-endian u64s).
pub const LAST_BLOCK: &[u8] = b"chain/last_block";

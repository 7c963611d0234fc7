//! Every key the participant side of two-phase commit owns.

/// The coordinator chain whose packets this chain accepts.
pub const COORDINATOR: &[u8] = b"xtx/coordinator";

/// The record of a cross-tx's leg on this chain (one leg per chain).
pub fn leg(tx_id: &[u8; 32]) -> Vec<u8> {
    format!("xtx/legs/{}", hex::encode(tx_id)).into_bytes()
}

pub fn all_legs() -> &'static [u8] {
    b"xtx/legs/"
}

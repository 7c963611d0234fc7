//! Every key the participant side of two-phase commit owns.

use super::LegId;

/// The coordinator chain whose packets this chain accepts.
pub const COORDINATOR: &[u8] = b"xtx/coordinator";

/// The record of one leg of a cross-tx on this chain; a cross-tx may have
/// several legs here, each with its own record.
pub fn leg(tx_id: &[u8; 32], leg_index: u32) -> Vec<u8> {
    format!("xtx/legs/{}/{leg_index:02}", hex::encode(tx_id)).into_bytes()
}

/// The records of every leg of a cross-tx on this chain.
pub fn legs_of(tx_id: &[u8; 32]) -> Vec<u8> {
    format!("xtx/legs/{}/", hex::encode(tx_id)).into_bytes()
}

pub fn all_legs() -> &'static [u8] {
    b"xtx/legs/"
}

/// How long a finished leg's record is kept past its cross-tx's deadline
/// (genesis), big-endian seconds.
pub const LEG_RETENTION: &[u8] = b"xtx/leg_retention_secs";

/// A finished leg (committed, aborted, refused, or a tombstone), by its
/// cross-tx's deadline: pruned once the retention has passed.
pub fn prune(deadline_ns: u64, leg: &LegId) -> Vec<u8> {
    format!(
        "xtx/prune/{deadline_ns:020}/{}/{:02}",
        hex::encode(leg.tx_id),
        leg.leg_index
    )
    .into_bytes()
}

pub fn all_prunes() -> &'static [u8] {
    b"xtx/prune/"
}

/// The deadline and the leg of a prune index key.
pub fn prune_entry(key: &[u8]) -> Option<(u64, LegId)> {
    let rest = std::str::from_utf8(key.strip_prefix(all_prunes())?).ok()?;
    let mut parts = rest.split('/');
    let deadline_ns = parts.next()?.parse().ok()?;
    let mut tx_id = [0u8; 32];
    hex::decode_to_slice(parts.next()?, &mut tx_id).ok()?;
    let leg_index = parts.next()?.parse().ok()?;
    Some((deadline_ns, LegId { tx_id, leg_index }))
}

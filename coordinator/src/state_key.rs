//! Every key the coordinator owns. Tx ids are hex; heights and times are
//! zero-padded so that prefix scans return them in order.

pub const PARAMS: &[u8] = b"coordinator/params";

pub fn record(tx_id: &[u8; 32]) -> Vec<u8> {
    format!("coordinator/xtx/{}", hex::encode(tx_id)).into_bytes()
}

pub fn all_records() -> &'static [u8] {
    b"coordinator/xtx/"
}

/// A leg's OK result, written once when it votes and pruned with the
/// record: kept apart so the record, rewritten at every step, stays small.
pub fn leg_result(tx_id: &[u8; 32], leg: u32) -> Vec<u8> {
    format!("coordinator/results/{}/{leg:02}", hex::encode(tx_id)).into_bytes()
}

/// A cross-tx still preparing, by deadline.
pub fn deadline(deadline_ns: u64, tx_id: &[u8; 32]) -> Vec<u8> {
    format!(
        "coordinator/deadlines/{deadline_ns:020}/{}",
        hex::encode(tx_id)
    )
    .into_bytes()
}

pub fn all_deadlines() -> &'static [u8] {
    b"coordinator/deadlines/"
}

/// A finished cross-tx, by the height its record is pruned at.
pub fn prune(height: u64, tx_id: &[u8; 32]) -> Vec<u8> {
    format!("coordinator/prune/{height:020}/{}", hex::encode(tx_id)).into_bytes()
}

/// The finished cross-txs due for pruning at `height`.
pub fn prunes_at(height: u64) -> Vec<u8> {
    format!("coordinator/prune/{height:020}/").into_bytes()
}

pub fn all_prunes() -> &'static [u8] {
    b"coordinator/prune/"
}

/// The zero-padded number and the tx id of an index key under `prefix`.
pub fn index_entry(prefix: &[u8], key: &[u8]) -> Option<(u64, [u8; 32])> {
    let rest = std::str::from_utf8(key.strip_prefix(prefix)?).ok()?;
    let (number, id) = rest.split_once('/')?;
    let mut tx_id = [0u8; 32];
    hex::decode_to_slice(id, &mut tx_id).ok()?;
    Some((number.parse().ok()?, tx_id))
}

//! Every key the auction module owns. Ids and sequences are zero-padded,
//! so keys sort in numeric order.

pub const NEXT_LOT: &[u8] = b"auction/next_lot";

pub fn lot(id: u64) -> Vec<u8> {
    format!("auction/lots/{id:020}").into_bytes()
}

pub fn all_lots() -> &'static [u8] {
    b"auction/lots/"
}

/// One step of a lot's history.
pub fn event(lot: u64, seq: u64) -> Vec<u8> {
    format!("auction/history/{lot:020}/{seq:020}").into_bytes()
}

pub fn history(lot: u64) -> Vec<u8> {
    format!("auction/history/{lot:020}/").into_bytes()
}

/// How many steps a lot's history has.
pub fn history_len(lot: u64) -> Vec<u8> {
    format!("auction/history_len/{lot:020}").into_bytes()
}

/// A bidder's qualification a prepared cross-tx holds, by leg: committed,
/// it qualifies the bidder; released, it is forgotten.
pub fn qualifying(tx_id: &[u8; 32], leg_index: u32) -> Vec<u8> {
    format!("auction/qualifying/{}/{leg_index:02}", hex::encode(tx_id)).into_bytes()
}

/// The settlement a prepared cross-tx holds, by leg: the lot and the units'
/// movement to the winner.
pub fn settling(tx_id: &[u8; 32], leg_index: u32) -> Vec<u8> {
    format!("auction/settling/{}/{leg_index:02}", hex::encode(tx_id)).into_bytes()
}

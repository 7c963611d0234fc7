//! Every key the packet layer and its light clients own. Sequences and
//! heights are zero-padded decimals, so keys sort in numeric order and a
//! relayer can read them.

fn padded(number: u64) -> String {
    format!("{number:020}")
}

pub fn client_state(client_id: &str) -> Vec<u8> {
    format!("ibc/clients/{client_id}/state").into_bytes()
}

pub fn consensus_state(client_id: &str, height: u64) -> Vec<u8> {
    format!("ibc/clients/{client_id}/consensus/{}", padded(height)).into_bytes()
}

pub fn next_sequence(dest_chain: &str) -> Vec<u8> {
    format!("ibc/next_sequence/{dest_chain}").into_bytes()
}

/// The commitment of a packet sent to `dest_chain`; the port is part of the
/// path because the commitment hash (as ibc-go computes it) does not cover it.
pub fn commitment(dest_chain: &str, port: &str, sequence: u64) -> Vec<u8> {
    format!("ibc/commitments/{dest_chain}/{port}/{}", padded(sequence)).into_bytes()
}

/// The full bytes of a packet sent to `dest_chain`, kept while it is pending.
pub fn sent_packet(dest_chain: &str, sequence: u64) -> Vec<u8> {
    format!("ibc/packets/{dest_chain}/{}", padded(sequence)).into_bytes()
}

pub fn sent_packets(dest_chain: &str) -> Vec<u8> {
    format!("ibc/packets/{dest_chain}/").into_bytes()
}

pub fn receipt(source_chain: &str, sequence: u64) -> Vec<u8> {
    format!("ibc/receipts/{source_chain}/{}", padded(sequence)).into_bytes()
}

/// sha256 of the acknowledgement written for a received packet: proven.
pub fn ack_commitment(source_chain: &str, sequence: u64) -> Vec<u8> {
    format!("ibc/acks/{source_chain}/{}", padded(sequence)).into_bytes()
}

/// The acknowledgement's full bytes, for relayers.
pub fn ack_data(source_chain: &str, sequence: u64) -> Vec<u8> {
    format!("ibc/ack_data/{source_chain}/{}", padded(sequence)).into_bytes()
}

/// A received packet whose receipt and acknowledgement may be forgotten
/// from `at_ns` on (its port said so), indexed by that time.
pub fn forget(at_ns: u64, source_chain: &str, sequence: u64) -> Vec<u8> {
    format!(
        "ibc/forget/{}/{source_chain}/{}",
        padded(at_ns),
        padded(sequence)
    )
    .into_bytes()
}

pub fn all_forgets() -> &'static [u8] {
    b"ibc/forget/"
}

/// The time, source chain and sequence of a forget index key.
pub fn forget_entry(key: &[u8]) -> Option<(u64, &str, u64)> {
    let rest = std::str::from_utf8(key.strip_prefix(all_forgets())?).ok()?;
    let (at_ns, rest) = rest.split_once('/')?;
    let (source_chain, sequence) = rest.rsplit_once('/')?;
    Some((at_ns.parse().ok()?, source_chain, sequence.parse().ok()?))
}

/// The consensus states of a client, oldest first.
pub fn consensus_states(client_id: &str) -> Vec<u8> {
    format!("ibc/clients/{client_id}/consensus/").into_bytes()
}

/// The height of a consensus state key.
pub fn consensus_height(key: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(key).ok()?;
    text.rsplit_once('/')?.1.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_read_back_what_they_were_made_of() {
        let key = forget(7, "security-1", 42);
        assert_eq!(forget_entry(&key), Some((7, "security-1", 42)));
        assert_eq!(forget_entry(b"ibc/forget/x/a/1"), None);
        assert_eq!(
            consensus_height(&consensus_state("coordinator-1", 19)),
            Some(19)
        );
        assert!(consensus_state("c", 3).starts_with(&consensus_states("c")));
    }
}

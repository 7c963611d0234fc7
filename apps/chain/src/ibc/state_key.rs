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

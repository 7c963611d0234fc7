//! Every key the ping port owns.

pub fn received(source_chain: &str) -> Vec<u8> {
    format!("ping/received/{source_chain}").into_bytes()
}

pub fn outcome(dest_chain: &str, sequence: u64) -> Vec<u8> {
    format!("ping/outcomes/{dest_chain}/{sequence:020}").into_bytes()
}

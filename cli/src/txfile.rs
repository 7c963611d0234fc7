//! Txs as files: built and signed offline, countersigned by others, and sent
//! later. The file holds the canonical protobuf bytes, base64-encoded, with a
//! readable summary beside them.

use std::path::Path;

use anyhow::Context;
use base64::Engine;
use prost::Message;
use serde::{Deserialize, Serialize};
use xcc_chain::Address;
use xcc_proto::tx::v1 as pb;

#[derive(Serialize, Deserialize)]
pub struct TxFile {
    pub chain_id: String,
    pub nonce: u64,
    pub messages: Vec<String>,
    pub signers: Vec<String>,
    /// base64 of the protobuf `xcc.tx.v1.Tx`.
    pub tx: String,
}

pub fn to_file(tx: &pb::Tx) -> TxFile {
    let body = tx.body.clone().unwrap_or_default();
    let signers = tx
        .signatures
        .iter()
        .filter_map(|s| ed25519_consensus::VerificationKey::try_from(s.public_key.as_slice()).ok())
        .map(|key| Address::from_public_key(&key).to_string())
        .collect();
    TxFile {
        chain_id: body.chain_id,
        nonce: body.nonce,
        messages: body.msgs.iter().map(|m| m.type_url.clone()).collect(),
        signers,
        tx: base64::engine::general_purpose::STANDARD.encode(tx.encode_to_vec()),
    }
}

pub fn read(path: &Path) -> anyhow::Result<pb::Tx> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let file: TxFile = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a tx file", path.display()))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(file.tx.trim())
        .context("the tx field is not base64")?;
    pb::Tx::decode(raw.as_slice()).context("the tx field is not an xcc.tx.v1.Tx")
}

pub fn write(tx: &pb::Tx, output: Option<&Path>) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(&to_file(tx))?;
    match output {
        Some(path) => {
            std::fs::write(path, json + "\n").with_context(|| format!("writing {}", path.display()))
        }
        None => {
            println!("{json}");
            Ok(())
        }
    }
}

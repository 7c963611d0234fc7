//! Sending a signed tx: the sender's nonce from the chain, then
//! `broadcast_tx_commit`, which returns once the tx is in a committed block.

use anyhow::{anyhow, bail};
use prost::Message;
use tendermint_rpc::{Client, HttpClient};
use xcc_chain::error::code;
use xcc_chain::Address;
use xcc_proto::auth::v1 as auth;
use xcc_proto::tx::v1 as pb;

pub const ACCOUNT_QUERY: &str = "/xcc.auth.v1.Query/Account";

/// The nonce the account's next tx must carry (0 for an account the chain
/// has not seen yet).
pub async fn next_nonce(client: &HttpClient, account: &Address) -> anyhow::Result<u64> {
    let request = auth::QueryAccountRequest {
        address: account.to_string(),
    };
    let answer = client
        .abci_query(
            Some(ACCOUNT_QUERY.to_owned()),
            request.encode_to_vec(),
            None,
            false,
        )
        .await
        .map_err(|e| anyhow!("querying account {account}: {e}"))?;
    match answer.code.value() {
        0 => Ok(auth::Account::decode(answer.value.as_slice())
            .map_err(|e| anyhow!("account {account}: undecodable answer: {e}"))?
            .nonce),
        code::NOT_FOUND => Ok(0),
        other => bail!("querying account {account}: code {other}: {}", answer.log),
    }
}

/// Where a committed tx landed.
#[derive(Debug, serde::Serialize)]
pub struct Committed {
    pub hash: String,
    pub height: u64,
    pub code: u32,
    pub log: String,
    pub events: Vec<serde_json::Value>,
}

/// Broadcasts the tx and waits for its block. A tx refused by CheckTx or
/// failed in its block is an error, with the chain's code and log.
pub async fn broadcast_and_wait(client: &HttpClient, tx: &pb::Tx) -> anyhow::Result<Committed> {
    let response = client
        .broadcast_tx_commit(tx.encode_to_vec())
        .await
        .map_err(|e| anyhow!("broadcasting the tx: {e}"))?;
    if response.check_tx.code.is_err() {
        bail!(
            "the tx was refused (code {}): {}",
            response.check_tx.code.value(),
            response.check_tx.log
        );
    }
    let result = response.tx_result;
    let committed = Committed {
        hash: response.hash.to_string(),
        height: response.height.value(),
        code: result.code.value(),
        log: result.log.clone(),
        events: result
            .events
            .iter()
            .map(|event| {
                let attributes: serde_json::Map<String, serde_json::Value> = event
                    .attributes
                    .iter()
                    .filter_map(|a| {
                        Some((a.key_str().ok()?.to_owned(), a.value_str().ok()?.into()))
                    })
                    .collect();
                serde_json::json!({ "type": event.kind, "attributes": attributes })
            })
            .collect(),
    };
    if result.code.is_err() {
        bail!(
            "the tx failed in block {} (code {}): {}",
            committed.height,
            committed.code,
            committed.log
        );
    }
    Ok(committed)
}

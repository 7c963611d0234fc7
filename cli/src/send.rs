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

/// A tx the node's CheckTx refused.
#[derive(Debug)]
pub struct Refused {
    pub code: u32,
    pub log: String,
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the tx was refused (code {}): {}", self.code, self.log)
    }
}

impl std::error::Error for Refused {}

/// How many times a tx signed with the chain's nonce is re-signed when the
/// node answered before it had committed the sender's previous tx.
const STALE_NONCE_RETRIES: usize = 5;

/// Signs with the nonce the chain expects and sends. A node that lags the
/// block holding the sender's previous tx answers the nonce query with an
/// older nonce than its CheckTx expects a moment later (or, when the tx is
/// the same as the previous one, finds it still in its mempool); the tx is
/// then re-signed once the node has moved on a block.
pub async fn send_with_chain_nonce(
    client: &HttpClient,
    account: &Address,
    sign: impl Fn(u64) -> pb::Tx,
) -> anyhow::Result<Committed> {
    let mut retries = 0;
    loop {
        let tx = sign(next_nonce(client, account).await?);
        match broadcast_and_wait(client, &tx).await {
            Err(e) if retries < STALE_NONCE_RETRIES && is_stale_nonce(&e) => {
                retries += 1;
                wait_for_next_block(client).await?;
            }
            outcome => return outcome,
        }
    }
}

fn is_stale_nonce(error: &anyhow::Error) -> bool {
    // xcc-node's and CometBFT's words for a tx whose bytes the mempool holds.
    const DUPLICATE: [&str; 2] = ["tx already in the mempool", "tx already exists in cache"];
    match error.downcast_ref::<Refused>() {
        Some(refused) => refused.code == code::INVALID_NONCE,
        None => {
            let message = error.to_string();
            DUPLICATE.iter().any(|words| message.contains(words))
        }
    }
}

pub async fn latest_height(client: &HttpClient) -> anyhow::Result<u64> {
    Ok(client
        .status()
        .await
        .map_err(|e| anyhow!("status: {e}"))?
        .sync_info
        .latest_block_height
        .value())
}

async fn wait_for_next_block(client: &HttpClient) -> anyhow::Result<()> {
    let start = latest_height(client).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while latest_height(client).await? <= start {
        if std::time::Instant::now() > deadline {
            bail!("the node made no block for 30 s after height {start}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Ok(())
}

/// Broadcasts the tx and waits for its block. A tx refused by CheckTx or
/// failed in its block is an error, with the chain's code and log.
pub async fn broadcast_and_wait(client: &HttpClient, tx: &pb::Tx) -> anyhow::Result<Committed> {
    let response = client
        .broadcast_tx_commit(tx.encode_to_vec())
        .await
        .map_err(|e| anyhow!("broadcasting the tx: {e}"))?;
    if response.check_tx.code.is_err() {
        return Err(Refused {
            code: response.check_tx.code.value(),
            log: response.check_tx.log,
        }
        .into());
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

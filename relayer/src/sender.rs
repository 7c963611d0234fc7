//! Signing and sending the relayer's txs on one chain, one at a time (they
//! share the account's nonce), each waited for until its block.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ed25519_consensus::SigningKey;
use prost::Message;
use tokio::sync::Mutex;
use xcc_chain::error::{code, CHAIN_CODESPACE};
use xcc_chain::tx::signed_tx;
use xcc_chain::Address;
use xcc_proto::tx::v1::TxBody;
use xcc_proto::Any;

use crate::chain::Chain;
use crate::RelayerError;

const MEMO: &str = "xcc-relayer";
/// How many times a tx is re-signed when a lagging node reported a stale nonce.
const STALE_NONCE_RETRIES: usize = 5;
const NEXT_BLOCK_WAIT: Duration = Duration::from_secs(30);

/// A tx committed and successful.
#[derive(Clone, Debug)]
pub struct Delivered {
    pub height: u64,
    /// The kinds of the events it emitted.
    pub events: Vec<String>,
}

pub struct Sender {
    chain: Arc<Chain>,
    key: SigningKey,
    address: Address,
    /// The next nonce, when known from the last tx; the lock also keeps this
    /// relayer's txs on the chain in order.
    nonce: Mutex<Option<u64>>,
}

impl Sender {
    pub fn new(chain: Arc<Chain>, key: SigningKey) -> Self {
        let address = Address::from_public_key(&key.verification_key());
        Sender {
            chain,
            key,
            address,
            nonce: Mutex::new(None),
        }
    }

    pub fn address(&self) -> &Address {
        &self.address
    }

    /// Signs `msgs` into one tx and waits for its block. A tx the chain
    /// refused or failed changed nothing.
    pub async fn send(&self, msgs: Vec<Any>) -> Result<Delivered, RelayerError> {
        let mut next_nonce = self.nonce.lock().await;
        let mut retries = 0;
        loop {
            let nonce = match *next_nonce {
                Some(nonce) => nonce,
                None => self.chain.account_nonce(&self.address).await?,
            };
            let body = TxBody {
                chain_id: self.chain.id().to_owned(),
                nonce,
                msgs: msgs.clone(),
                timeout_height: 0,
                memo: MEMO.to_owned(),
            };
            let tx = signed_tx(body, &[&self.key]).encode_to_vec();
            let outcome = self.broadcast(tx).await;
            *next_nonce = match &outcome {
                Ok(_) => Some(nonce + 1),
                // A failed tx does not consume its nonce.
                Err(RelayerError::FailedInBlock { .. }) => Some(nonce),
                Err(_) => None,
            };
            match outcome {
                Err(e) if retries < STALE_NONCE_RETRIES && is_stale_nonce(&e) => {
                    retries += 1;
                    tracing::debug!(chain = %self.chain.id(), nonce, "stale nonce; retrying after the next block");
                    self.wait_for_next_block().await?;
                }
                outcome => return outcome,
            }
        }
    }

    async fn broadcast(&self, tx: Vec<u8>) -> Result<Delivered, RelayerError> {
        let response = self.chain.broadcast_commit(tx).await?;
        let chain = self.chain.id().to_owned();
        if response.check_tx.code.is_err() {
            return Err(RelayerError::Refused {
                chain,
                codespace: response.check_tx.codespace,
                code: response.check_tx.code.value(),
                log: response.check_tx.log,
            });
        }
        let height = response.height.value();
        let result = response.tx_result;
        if result.code.is_err() {
            return Err(RelayerError::FailedInBlock {
                chain,
                height,
                codespace: result.codespace,
                code: result.code.value(),
                log: result.log,
            });
        }
        Ok(Delivered {
            height,
            events: result.events.into_iter().map(|e| e.kind).collect(),
        })
    }

    async fn wait_for_next_block(&self) -> Result<(), RelayerError> {
        let start = self.chain.status().await?.height;
        let deadline = Instant::now() + NEXT_BLOCK_WAIT;
        loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if self.chain.status().await?.height > start {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(RelayerError::bad_answer(
                    self.chain.id(),
                    format!("no block for {NEXT_BLOCK_WAIT:?} after height {start}"),
                ));
            }
        }
    }
}

/// A nonce the node reported before it had applied this relayer's previous
/// tx, or a tx whose bytes its mempool already holds.
pub fn is_stale_nonce(error: &RelayerError) -> bool {
    // xcc-node's and CometBFT's words for a tx its mempool already holds.
    const DUPLICATE: [&str; 2] = ["tx already in the mempool", "tx already exists in cache"];
    match error {
        RelayerError::Refused {
            codespace, code, ..
        } => codespace == CHAIN_CODESPACE && *code == code::INVALID_NONCE,
        RelayerError::Unreachable { message, .. } => {
            DUPLICATE.iter().any(|words| message.contains(words))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(codespace: &str, code: u32) -> RelayerError {
        RelayerError::Refused {
            chain: "a".into(),
            codespace: codespace.into(),
            code,
            log: String::new(),
        }
    }

    #[test]
    fn only_the_chains_nonce_code_is_a_stale_nonce() {
        assert!(is_stale_nonce(&refused(
            CHAIN_CODESPACE,
            code::INVALID_NONCE
        )));
        // The packet layer's code 6 is an invalid proof, not a nonce.
        assert!(!is_stale_nonce(&refused("ibc", code::INVALID_NONCE)));
        assert!(is_stale_nonce(&RelayerError::Unreachable {
            chain: "a".into(),
            message: "broadcast_tx_commit: http://x: tx already in the mempool".into(),
        }));
        assert!(!is_stale_nonce(&RelayerError::Unreachable {
            chain: "a".into(),
            message: "connection refused".into(),
        }));
    }
}

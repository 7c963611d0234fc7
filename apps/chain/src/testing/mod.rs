//! Drives an [`App`] block by block without sockets, for tests of modules and
//! of the app itself.

use std::path::Path;

use ed25519_consensus::SigningKey;
use prost::Message;
use xcc_proto::tx::v1 as pb;
use xcc_proto::Any;
use xcc_store::Store;

use crate::address::Address;
use crate::app::{App, AppConfig, QueryOutcome, TxOutcome};
use crate::module::{BlockInfo, Module};
use crate::page::{PageRequest, PageResponse, MAX_PAGE_LIMIT};
use crate::tx::signed_tx;

mod network;
mod validators;
pub use network::{ChainSetup, TestNetwork};
pub use validators::{encode_header, TestValidators};

/// Block time of height 1 in test chains (2026-01-01T00:00:00Z), and the
/// spacing of blocks.
pub const GENESIS_TIME_NS: u64 = 1_767_225_600 * 1_000_000_000;
pub const BLOCK_INTERVAL_NS: u64 = 1_000_000_000;

/// A deterministic key for tests.
pub struct TestKey {
    pub key: SigningKey,
    pub address: Address,
}

impl TestKey {
    pub fn from_seed(seed: u8) -> Self {
        let key = SigningKey::from([seed; 32]);
        let address = Address::from_public_key(&key.verification_key());
        TestKey { key, address }
    }
}

pub struct TestChain {
    pub app: App,
    pub chain_id: String,
    pub genesis_hash: [u8; 32],
    height: u64,
    app_state: serde_json::Value,
    /// Every committed block, kept as it ran; hex only in [`Self::recording`].
    blocks: Vec<CommittedBlock>,
    /// The block finalized and not yet committed.
    finalized: Option<CommittedBlock>,
}

struct CommittedBlock {
    height: u64,
    txs: Vec<Vec<u8>>,
    app_hash: [u8; 32],
}

/// A block as a test chain committed it: enough to run it again.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RecordedBlock {
    pub height: u64,
    /// Each tx, hex.
    pub txs: Vec<String>,
    pub app_hash: String,
}

/// Everything a test chain committed, from its genesis on: replayed by
/// [`TestChain::replay`], it shows that code run later computes the same
/// app hashes from the same blocks.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Recording {
    pub chain_id: String,
    pub app_state: serde_json::Value,
    pub blocks: Vec<RecordedBlock>,
}

impl TestChain {
    pub fn new(
        dir: &Path,
        chain_id: &str,
        modules: Vec<Box<dyn Module>>,
        app_state: serde_json::Value,
    ) -> Self {
        Self::with_config(dir, chain_id, modules, app_state, AppConfig::default())
    }

    pub fn with_config(
        dir: &Path,
        chain_id: &str,
        modules: Vec<Box<dyn Module>>,
        app_state: serde_json::Value,
        config: AppConfig,
    ) -> Self {
        let store = Store::open(&dir.join("state.redb")).expect("open store");
        let mut app = App::new(store, config, modules).expect("open app");
        let genesis_hash = app.init_chain(chain_id, 1, &app_state).expect("genesis");
        TestChain {
            app,
            chain_id: chain_id.to_owned(),
            genesis_hash,
            height: 0,
            app_state,
            blocks: Vec::new(),
            finalized: None,
        }
    }

    /// The blocks this chain committed.
    pub fn recording(&self) -> Recording {
        Recording {
            chain_id: self.chain_id.clone(),
            app_state: self.app_state.clone(),
            blocks: self
                .blocks
                .iter()
                .map(|block| RecordedBlock {
                    height: block.height,
                    txs: block.txs.iter().map(hex::encode).collect(),
                    app_hash: hex::encode(block.app_hash),
                })
                .collect(),
        }
    }

    /// Runs the blocks of `recording` on a new chain in `dir`; the first
    /// block whose app hash differs from the recorded one is an error.
    pub fn replay(
        dir: &Path,
        modules: Vec<Box<dyn Module>>,
        recording: &Recording,
    ) -> Result<(), String> {
        let mut chain = TestChain::new(
            dir,
            &recording.chain_id,
            modules,
            recording.app_state.clone(),
        );
        for block in &recording.blocks {
            let txs = block
                .txs
                .iter()
                .map(|tx| hex::decode(tx).map_err(|e| format!("a recorded tx: {e}")))
                .collect::<Result<Vec<_>, _>>()?;
            chain.finalize(txs);
            let app_hash = chain.finalized.as_ref().map(|b| hex::encode(b.app_hash));
            chain.commit();
            if app_hash.as_ref() != Some(&block.app_hash) {
                return Err(format!(
                    "{} height {}: app hash {app_hash:?}, recorded {}",
                    recording.chain_id, block.height, block.app_hash
                ));
            }
        }
        Ok(())
    }

    fn note_finalized(&mut self, height: u64, txs: Vec<Vec<u8>>, app_hash: [u8; 32]) {
        self.finalized = Some(CommittedBlock {
            height,
            txs,
            app_hash,
        });
    }

    pub fn height(&self) -> u64 {
        self.height
    }

    pub fn next_block(&self) -> BlockInfo {
        let height = self.height + 1;
        BlockInfo {
            height,
            time_ns: GENESIS_TIME_NS + (height - 1) * BLOCK_INTERVAL_NS,
        }
    }

    /// Finalizes and commits one block of `txs`.
    pub fn block(&mut self, txs: Vec<Vec<u8>>) -> Vec<TxOutcome> {
        let results = self.finalize(txs);
        self.commit();
        results
    }

    /// Finalizes the next block of `txs`; `commit` writes it.
    pub fn finalize(&mut self, txs: Vec<Vec<u8>>) -> Vec<TxOutcome> {
        let block = self.next_block();
        let finalized = self.app.finalize_block(block, &txs).expect("finalize");
        self.note_finalized(block.height, txs, finalized.app_hash);
        finalized.tx_results
    }

    /// Finalizes and commits the next block of `txs`; its results and the
    /// validator updates it returns.
    pub fn block_with_updates(
        &mut self,
        txs: Vec<Vec<u8>>,
    ) -> (Vec<TxOutcome>, Vec<crate::ValidatorUpdate>) {
        let block = self.next_block();
        let finalized = self.app.finalize_block(block, &txs).expect("finalize");
        self.note_finalized(block.height, txs, finalized.app_hash);
        self.commit();
        (finalized.tx_results, finalized.validator_updates)
    }

    /// Commits the block `finalize` made.
    pub fn commit(&mut self) {
        self.app.commit().expect("commit");
        self.height += 1;
        self.blocks.extend(self.finalized.take());
    }

    /// Runs `tx` in the next block and checks that it is refused and changes
    /// nothing but, when its envelope passed, its sender's nonce (as the
    /// Cosmos SDK's ante handler): the block's app hash equals that of the
    /// same block with only the tx's envelope run. The block is then
    /// committed.
    pub fn assert_refused(&mut self, tx: Vec<u8>) -> TxOutcome {
        let block = self.next_block();
        let without = self
            .app
            .finalize_envelopes_only(block, std::slice::from_ref(&tx))
            .expect("finalize");
        let with = self
            .app
            .finalize_block(block, std::slice::from_ref(&tx))
            .expect("finalize");
        self.note_finalized(block.height, vec![tx], with.app_hash);
        let outcome = with.tx_results[0].clone();
        assert_ne!(outcome.code, 0, "tx was accepted");
        assert!(!outcome.log.is_empty(), "a refusal must say why");
        assert_eq!(
            with.app_hash, without.app_hash,
            "a refused tx changed state: {}",
            outcome.log
        );
        // The block's own hooks (an epoch's powers) may update the set.
        assert_eq!(
            with.validator_updates, without.validator_updates,
            "a refused tx changed the validator set"
        );
        self.app.commit().expect("commit");
        self.height = block.height;
        self.blocks.extend(self.finalized.take());
        outcome
    }

    /// The app hash of the last committed state.
    pub fn app_hash(&self) -> [u8; 32] {
        self.app.info().expect("info").last_block_app_hash
    }

    /// A tx of `msgs` from `signers[0]` with its current nonce, signed by all.
    pub fn tx(&self, signers: &[&TestKey], msgs: Vec<Any>) -> Vec<u8> {
        let nonce = self.nonce(&signers[0].address);
        self.tx_with_nonce(signers, nonce, msgs)
    }

    pub fn tx_with_nonce(&self, signers: &[&TestKey], nonce: u64, msgs: Vec<Any>) -> Vec<u8> {
        let body = pb::TxBody {
            chain_id: self.chain_id.clone(),
            nonce,
            msgs,
            timeout_height: 0,
            memo: String::new(),
        };
        let keys: Vec<&SigningKey> = signers.iter().map(|s| &s.key).collect();
        signed_tx(body, &keys).encode_to_vec()
    }

    pub fn nonce(&self, address: &Address) -> u64 {
        let request = xcc_proto::auth::v1::QueryAccountRequest {
            address: address.to_string(),
        };
        self.query::<xcc_proto::auth::v1::Account>("/xcc.auth.v1.Query/Account", &request)
            .map_or(0, |a| a.nonce)
    }

    /// Runs one tx in its own block and returns its outcome.
    pub fn submit(&mut self, signers: &[&TestKey], msgs: Vec<Any>) -> TxOutcome {
        let tx = self.tx(signers, msgs);
        self.block(vec![tx]).remove(0)
    }

    pub fn query<R: Message + Default>(
        &self,
        path: &str,
        request: &impl Message,
    ) -> Result<R, QueryOutcome> {
        let outcome = self.app.query(path, &request.encode_to_vec(), 0, false);
        if outcome.code != 0 {
            return Err(outcome);
        }
        R::decode(outcome.value.as_slice()).map_err(|e| QueryOutcome {
            code: u32::MAX,
            log: e.to_string(),
            ..outcome
        })
    }

    /// Every item of a list query, following its pages to the last:
    /// `request` asks for one page, `items` takes the page's items and its
    /// response out of the answer.
    pub fn query_all<Q: Message, R: Message + Default, T>(
        &self,
        path: &str,
        request: impl Fn(PageRequest) -> Q,
        mut items: impl FnMut(R) -> (Vec<T>, Option<PageResponse>),
    ) -> Result<Vec<T>, QueryOutcome> {
        let (mut all, mut key) = (Vec::new(), Vec::new());
        loop {
            let page = PageRequest {
                key,
                limit: MAX_PAGE_LIMIT,
            };
            let (found, page) = items(self.query(path, &request(page))?);
            all.extend(found);
            key = page.unwrap_or_default().next_key;
            if key.is_empty() {
                return Ok(all);
            }
        }
    }
}

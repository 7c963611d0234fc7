//! ABCI queries: raw store reads with ics23 proofs, and module query services.

use prost::Message;

use std::sync::Arc;

use xcc_store::Store;

use super::{last_block, App};
use crate::error::QueryError;
use crate::module::Module;

/// Raw store read: `data` is the key; with `prove`, the proof is an ics23
/// `CommitmentProof` against the app hash of the queried version.
pub const STORE_KEY_PATH: &str = "/store/key";
/// The ProofOp type of an ics23 proof against the JMT root.
pub const PROOF_OP_TYPE: &str = "ics23:jmt";

#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOutcome {
    pub code: u32,
    pub log: String,
    pub key: Vec<u8>,
    pub value: Vec<u8>,
    /// Encoded `ics23::CommitmentProof`, when asked for.
    pub proof: Option<Vec<u8>>,
    /// The version the answer was read at: the state after block `height`,
    /// proven against the app hash in header `height + 1`.
    pub height: u64,
}

/// What answers queries: the store and the modules' query services. It
/// reads committed versions only, so it needs no lock of the app: no query
/// waits for a block, and none holds one back.
#[derive(Clone)]
pub struct Querier {
    store: Store,
    modules: Arc<Vec<Box<dyn Module>>>,
}

impl App {
    pub fn querier(&self) -> Querier {
        Querier {
            store: self.store.clone(),
            modules: self.modules.clone(),
        }
    }

    pub fn query(&self, path: &str, data: &[u8], height: u64, prove: bool) -> QueryOutcome {
        self.querier().query(path, data, height, prove)
    }
}

impl Querier {
    pub fn query(&self, path: &str, data: &[u8], height: u64, prove: bool) -> QueryOutcome {
        let mut outcome = QueryOutcome {
            key: data.to_vec(),
            ..QueryOutcome::default()
        };
        match self.answer(path, data, height, prove, &mut outcome) {
            Ok(()) => outcome,
            Err(error) => QueryOutcome {
                code: error.code(),
                log: error.to_string(),
                ..outcome
            },
        }
    }

    fn answer(
        &self,
        path: &str,
        data: &[u8],
        height: u64,
        prove: bool,
        outcome: &mut QueryOutcome,
    ) -> Result<(), QueryError> {
        let latest = self
            .store
            .latest_version()
            .map_err(storage)?
            .ok_or(QueryError::HeightUnavailable(height))?;
        let version = if height == 0 { latest } else { height };
        if version > latest || !self.store.has_version(version) {
            return Err(QueryError::HeightUnavailable(version));
        }
        outcome.height = version;
        if path == STORE_KEY_PATH || path == &STORE_KEY_PATH[1..] {
            if prove {
                let (value, proof) = self.store.get_with_proof(data, version).map_err(storage)?;
                outcome.value = value.unwrap_or_default();
                outcome.proof = Some(proof.encode_to_vec());
            } else {
                let snapshot = self.store.snapshot(version).map_err(storage)?;
                outcome.value = snapshot.get(data).map_err(storage)?.unwrap_or_default();
            }
            return Ok(());
        }
        let (service, method) = path
            .trim_start_matches('/')
            .rsplit_once('/')
            .ok_or_else(|| QueryError::UnknownPath(path.to_owned()))?;
        let module = self
            .modules
            .iter()
            .find(|m| m.query_service() == Some(service))
            .ok_or_else(|| QueryError::UnknownPath(path.to_owned()))?;
        let snapshot = self.store.snapshot(version).map_err(storage)?;
        let block = last_block(&snapshot)?;
        outcome.value = module.query(&snapshot, block, method, data)?;
        Ok(())
    }
}

fn storage(error: xcc_store::StoreError) -> QueryError {
    QueryError::State(error.into())
}

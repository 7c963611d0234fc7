//! The tower-abci (`v038`) adapter: converts ABCI 2.0 requests into calls on
//! the pure [`App`] and its results back into responses.
//!
//! tower-abci drops a connection when a service returns `Err`, so every
//! refusal is a response with a non-zero code. `Err` is kept for failures of
//! the app's own storage, where stopping is the only safe answer.

use std::future::{ready, Ready};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use tendermint::abci::request::CheckTxKind;
use tendermint::abci::response::{self as resp, ProcessProposal};
use tendermint::abci::types::ExecTxResult;
use tendermint::abci::{Code, Event as AbciEvent};
use tendermint::merkle::proof::{ProofOp, ProofOps};
use tendermint::v0_38::abci::{
    ConsensusRequest, ConsensusResponse, InfoRequest, InfoResponse, MempoolRequest,
    MempoolResponse, SnapshotRequest, SnapshotResponse,
};
use tendermint::{block, AppHash};
use tower::Service;

use crate::app::{App, AppError, CheckKind, Querier, TxOutcome, PROOF_OP_TYPE};
use crate::error::CHAIN_CODESPACE;
use crate::genesis::GenesisDoc;
use crate::module::{BlockInfo, Event};

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Version string reported by `Info`.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

/// One app shared by the four ABCI connections; calls are serialized.
#[derive(Clone)]
pub struct AbciApp {
    app: Arc<Mutex<App>>,
    /// Answers queries from committed snapshots, without the app's lock.
    querier: Querier,
    genesis: Option<Arc<GenesisDoc>>,
}

impl AbciApp {
    pub fn new(app: App) -> Self {
        AbciApp {
            querier: app.querier(),
            app: Arc::new(Mutex::new(app)),
            genesis: None,
        }
    }

    /// Checks InitChain against a genesis file, whose `app_state` is used when
    /// InitChain carries none.
    pub fn with_genesis(mut self, genesis: GenesisDoc) -> Self {
        self.genesis = Some(Arc::new(genesis));
        self
    }

    fn lock(&self) -> MutexGuard<'_, App> {
        // A panic while holding the lock leaves the app as it was before the
        // call (writes happen only in commit), so keep serving.
        self.app
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn consensus(&self, request: ConsensusRequest) -> Result<ConsensusResponse, AppError> {
        let mut app = self.lock();
        Ok(match request {
            ConsensusRequest::InitChain(init) => {
                if let Some(genesis) = self.genesis.as_deref() {
                    if genesis.chain_id != init.chain_id {
                        return Err(AppError::Genesis(format!(
                            "InitChain is for chain {:?}, the genesis file for {:?}",
                            init.chain_id, genesis.chain_id
                        )));
                    }
                }
                let app_state = if init.app_state_bytes.is_empty() {
                    self.genesis
                        .as_deref()
                        .map_or(serde_json::Value::Null, |g| g.app_state.clone())
                } else {
                    serde_json::from_slice(&init.app_state_bytes)
                        .map_err(|e| AppError::Genesis(format!("app_state is not JSON: {e}")))?
                };
                let app_hash =
                    app.init_chain(&init.chain_id, init.initial_height.value(), &app_state)?;
                ConsensusResponse::InitChain(resp::InitChain {
                    consensus_params: None,
                    validators: Vec::new(),
                    app_hash: app_hash_of(&app_hash),
                })
            }
            ConsensusRequest::PrepareProposal(prepare) => {
                let max_bytes = usize::try_from(prepare.max_tx_bytes).unwrap_or(0);
                let txs = prepare.txs.into_iter().map(|tx| tx.to_vec()).collect();
                let txs = app
                    .prepare_proposal(txs, max_bytes)
                    .into_iter()
                    .map(Bytes::from)
                    .collect();
                ConsensusResponse::PrepareProposal(resp::PrepareProposal { txs })
            }
            ConsensusRequest::ProcessProposal(process) => {
                let txs: Vec<Vec<u8>> = process.txs.iter().map(|tx| tx.to_vec()).collect();
                let verdict = if app.process_proposal(&txs) {
                    ProcessProposal::Accept
                } else {
                    ProcessProposal::Reject
                };
                ConsensusResponse::ProcessProposal(verdict)
            }
            ConsensusRequest::FinalizeBlock(block) => {
                let info = BlockInfo {
                    height: block.height.value(),
                    time_ns: u64::try_from(block.time.unix_timestamp_nanos()).unwrap_or(0),
                };
                let txs: Vec<Vec<u8>> = block.txs.iter().map(|tx| tx.to_vec()).collect();
                let finalized = app.finalize_block(info, &txs)?;
                ConsensusResponse::FinalizeBlock(resp::FinalizeBlock {
                    events: finalized.events.into_iter().map(abci_event).collect(),
                    tx_results: finalized.tx_results.into_iter().map(exec_result).collect(),
                    validator_updates: finalized
                        .validator_updates
                        .iter()
                        .map(validator_update)
                        .collect::<Result<_, _>>()?,
                    consensus_param_updates: None,
                    app_hash: app_hash_of(&finalized.app_hash),
                })
            }
            ConsensusRequest::Commit => {
                let retain_height = app.commit()?;
                ConsensusResponse::Commit(resp::Commit {
                    data: Bytes::new(),
                    retain_height: block::Height::try_from(retain_height).unwrap_or_default(),
                })
            }
            ConsensusRequest::ExtendVote(_) => ConsensusResponse::ExtendVote(resp::ExtendVote {
                vote_extension: Bytes::new(),
            }),
            ConsensusRequest::VerifyVoteExtension(_) => {
                ConsensusResponse::VerifyVoteExtension(resp::VerifyVoteExtension::Accept)
            }
        })
    }

    pub fn mempool(&self, request: MempoolRequest) -> Result<MempoolResponse, AppError> {
        let MempoolRequest::CheckTx(check) = request;
        let kind = match check.kind {
            CheckTxKind::New => CheckKind::New,
            CheckTxKind::Recheck => CheckKind::Recheck,
        };
        let outcome = self.lock().check_tx(&check.tx, kind)?;
        Ok(MempoolResponse::CheckTx(check_response(outcome)))
    }

    /// CheckTx of a new tx whose effects are kept nowhere (not an ABCI
    /// call: what the node's `check_tx` RPC asks).
    pub fn simulate_check_tx(&self, tx: &[u8]) -> Result<resp::CheckTx, AppError> {
        Ok(check_response(self.lock().simulate_tx(tx)?))
    }

    pub fn info(&self, request: InfoRequest) -> Result<InfoResponse, AppError> {
        Ok(match request {
            InfoRequest::Info(_) => {
                let app = self.lock();
                let info = app.info()?;
                let app_hash = if info.last_block_height == 0 {
                    AppHash::default()
                } else {
                    app_hash_of(&info.last_block_app_hash)
                };
                InfoResponse::Info(resp::Info {
                    data: format!("xcc {}", app.chain_id()),
                    version: APP_VERSION.to_owned(),
                    app_version: 1,
                    last_block_height: block::Height::try_from(info.last_block_height)
                        .unwrap_or_default(),
                    last_block_app_hash: app_hash,
                })
            }
            InfoRequest::Query(query) => {
                // No lock: the query runs beside FinalizeBlock and Commit.
                let outcome =
                    self.querier
                        .query(&query.path, &query.data, query.height.value(), query.prove);
                let codespace = if outcome.code == 0 {
                    String::new()
                } else {
                    CHAIN_CODESPACE.to_owned()
                };
                InfoResponse::Query(resp::Query {
                    code: code_of(outcome.code),
                    log: outcome.log,
                    key: outcome.key.clone().into(),
                    value: outcome.value.into(),
                    proof: outcome.proof.map(|data| ProofOps {
                        ops: vec![ProofOp {
                            field_type: PROOF_OP_TYPE.to_owned(),
                            key: outcome.key,
                            data,
                        }],
                    }),
                    height: block::Height::try_from(outcome.height).unwrap_or_default(),
                    codespace,
                    ..Default::default()
                })
            }
            InfoRequest::Echo(echo) => InfoResponse::Echo(resp::Echo {
                message: echo.message,
            }),
        })
    }

    /// State sync is not offered: nodes catch up by replaying blocks.
    pub fn snapshot(&self, request: SnapshotRequest) -> SnapshotResponse {
        match request {
            SnapshotRequest::ListSnapshots => SnapshotResponse::ListSnapshots(Default::default()),
            SnapshotRequest::OfferSnapshot(_) => {
                SnapshotResponse::OfferSnapshot(resp::OfferSnapshot::Reject)
            }
            SnapshotRequest::LoadSnapshotChunk(_) => {
                SnapshotResponse::LoadSnapshotChunk(Default::default())
            }
            SnapshotRequest::ApplySnapshotChunk(_) => {
                SnapshotResponse::ApplySnapshotChunk(resp::ApplySnapshotChunk {
                    result: resp::ApplySnapshotChunkResult::Abort,
                    ..Default::default()
                })
            }
        }
    }
}

fn app_hash_of(hash: &[u8; 32]) -> AppHash {
    // 32 bytes always make a valid AppHash.
    AppHash::try_from(hash.to_vec()).unwrap_or_default()
}

fn code_of(value: u32) -> Code {
    Code::from(value)
}

fn abci_event(event: Event) -> AbciEvent {
    AbciEvent::new(
        event.kind,
        event
            .attributes
            .into_iter()
            .map(|(key, value)| (key, value, true)),
    )
}

fn validator_update(
    update: &crate::ValidatorUpdate,
) -> Result<tendermint::validator::Update, AppError> {
    Ok(tendermint::validator::Update {
        pub_key: tendermint::PublicKey::from_raw_ed25519(&update.public_key)
            .ok_or_else(|| AppError::ValidatorUpdate("not an ed25519 key".into()))?,
        power: tendermint::vote::Power::try_from(update.power)
            .map_err(|e| AppError::ValidatorUpdate(e.to_string()))?,
    })
}

fn exec_result(outcome: TxOutcome) -> ExecTxResult {
    ExecTxResult {
        code: code_of(outcome.code),
        log: outcome.log,
        codespace: outcome.codespace.to_owned(),
        events: outcome.events.into_iter().map(abci_event).collect(),
        ..Default::default()
    }
}

fn fatal(error: AppError) -> BoxError {
    tracing::error!(%error, "fatal app error");
    Box::new(error)
}

macro_rules! abci_service {
    ($request:ty, $response:ty, |$this:ident, $req:ident| $body:expr) => {
        impl Service<$request> for AbciApp {
            type Response = $response;
            type Error = BoxError;
            type Future = Ready<Result<$response, BoxError>>;

            fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
                Poll::Ready(Ok(()))
            }

            fn call(&mut self, $req: $request) -> Self::Future {
                let $this = &*self;
                ready($body)
            }
        }
    };
}

abci_service!(ConsensusRequest, ConsensusResponse, |this, request| this
    .consensus(request)
    .map_err(fatal));
abci_service!(MempoolRequest, MempoolResponse, |this, request| this
    .mempool(request)
    .map_err(fatal));
abci_service!(InfoRequest, InfoResponse, |this, request| this
    .info(request)
    .map_err(fatal));
abci_service!(SnapshotRequest, SnapshotResponse, |this, request| Ok(
    this.snapshot(request)
));

fn check_response(outcome: crate::app::TxOutcome) -> resp::CheckTx {
    resp::CheckTx {
        code: code_of(outcome.code),
        log: outcome.log,
        codespace: outcome.codespace.to_owned(),
        events: outcome.events.into_iter().map(abci_event).collect(),
        ..Default::default()
    }
}

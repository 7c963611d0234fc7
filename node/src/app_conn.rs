//! The node's side of ABCI: every call goes through the app's tower-abci
//! `v038` services, in CometBFT's order, in-process.

use bytes::Bytes;
use tendermint::abci::request;
use tendermint::abci::response;
use tendermint::abci::types::{BlockSignatureInfo, CommitInfo, Validator, VoteInfo};
use tendermint::block::{Commit, CommitSig};
use tendermint::v0_38::abci::{
    ConsensusRequest, ConsensusResponse, InfoRequest, InfoResponse, MempoolRequest, MempoolResponse,
};
use tendermint::{block, AppHash, Block, Genesis};
use tower::ServiceExt;
use xcc_chain::abci::AbciApp;

use crate::context::ValidatorSet;

#[derive(Debug, thiserror::Error)]
pub enum AppConnError {
    #[error("the app failed: {0}")]
    App(String),
    #[error("the app answered {0} with an unexpected response")]
    Unexpected(&'static str),
}

#[derive(Clone)]
pub struct AppConn {
    app: AbciApp,
}

impl AppConn {
    pub fn new(app: AbciApp) -> Self {
        AppConn { app }
    }

    async fn consensus(
        &self,
        request: ConsensusRequest,
    ) -> Result<ConsensusResponse, AppConnError> {
        self.app
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| AppConnError::App(e.to_string()))
    }

    pub async fn info(&self) -> Result<response::Info, AppConnError> {
        let request = InfoRequest::Info(request::Info {
            version: "0.38.0".into(),
            block_version: crate::block::BLOCK_PROTOCOL,
            p2p_version: 8,
            abci_version: "2.0.0".into(),
        });
        match self.app.clone().oneshot(request).await {
            Ok(InfoResponse::Info(info)) => Ok(info),
            Ok(_) => Err(AppConnError::Unexpected("Info")),
            Err(e) => Err(AppConnError::App(e.to_string())),
        }
    }

    /// A query runs on the blocking pool: the app answers it from a
    /// committed snapshot without its lock, and a heavy one must not hold
    /// up the runtime that drives consensus.
    pub async fn query(&self, query: request::Query) -> Result<response::Query, AppConnError> {
        let app = self.app.clone();
        let answer = tokio::task::spawn_blocking(move || {
            futures::executor::block_on(app.oneshot(InfoRequest::Query(query)))
        })
        .await
        .map_err(|e| AppConnError::App(format!("the query task failed: {e}")))?;
        match answer {
            Ok(InfoResponse::Query(result)) => Ok(result),
            Ok(_) => Err(AppConnError::Unexpected("Query")),
            Err(e) => Err(AppConnError::App(e.to_string())),
        }
    }

    pub async fn check_tx(
        &self,
        tx: Bytes,
        recheck: bool,
    ) -> Result<response::CheckTx, AppConnError> {
        let kind = if recheck {
            request::CheckTxKind::Recheck
        } else {
            request::CheckTxKind::New
        };
        match self
            .app
            .clone()
            .oneshot(MempoolRequest::CheckTx(request::CheckTx { tx, kind }))
            .await
        {
            Ok(MempoolResponse::CheckTx(result)) => Ok(result),
            Err(e) => Err(AppConnError::App(e.to_string())),
        }
    }

    /// What CheckTx would answer for `tx`, with nothing kept: neither the
    /// mempool nor the app's check state changes.
    pub async fn simulate_check_tx(&self, tx: Vec<u8>) -> Result<response::CheckTx, AppConnError> {
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || app.simulate_check_tx(&tx))
            .await
            .map_err(|e| AppConnError::App(format!("the check task failed: {e}")))?
            .map_err(|e| AppConnError::App(e.to_string()))
    }

    pub async fn init_chain(&self, genesis: &Genesis) -> Result<AppHash, AppConnError> {
        let request = ConsensusRequest::InitChain(request::InitChain {
            time: genesis.genesis_time,
            chain_id: genesis.chain_id.to_string(),
            consensus_params: genesis.consensus_params.clone(),
            validators: genesis
                .validators
                .iter()
                .map(|v| tendermint::validator::Update {
                    pub_key: v.pub_key,
                    power: v.power,
                })
                .collect(),
            app_state_bytes: Bytes::from(
                serde_json::to_vec(&genesis.app_state).unwrap_or_default(),
            ),
            initial_height: block::Height::try_from(genesis.initial_height.max(1) as u64)
                .unwrap_or_default(),
        });
        match self.consensus(request).await? {
            ConsensusResponse::InitChain(init) => Ok(init.app_hash),
            _ => Err(AppConnError::Unexpected("InitChain")),
        }
    }

    pub async fn prepare_proposal(
        &self,
        txs: Vec<Vec<u8>>,
        max_tx_bytes: usize,
        height: u64,
        time: tendermint::Time,
        validators: &ValidatorSet,
        proposer: crate::context::Address,
    ) -> Result<Vec<Vec<u8>>, AppConnError> {
        let request = ConsensusRequest::PrepareProposal(request::PrepareProposal {
            max_tx_bytes: max_tx_bytes as i64,
            txs: txs.into_iter().map(Bytes::from).collect(),
            local_last_commit: None,
            misbehavior: Vec::new(),
            height: block::Height::try_from(height).unwrap_or_default(),
            time,
            next_validators_hash: validators.to_tendermint().hash(),
            proposer_address: proposer.to_account_id(),
        });
        match self.consensus(request).await? {
            ConsensusResponse::PrepareProposal(prepared) => {
                Ok(prepared.txs.into_iter().map(|tx| tx.to_vec()).collect())
            }
            _ => Err(AppConnError::Unexpected("PrepareProposal")),
        }
    }

    pub async fn process_proposal(
        &self,
        block: &Block,
        validators: &ValidatorSet,
    ) -> Result<bool, AppConnError> {
        let header = &block.header;
        let request = ConsensusRequest::ProcessProposal(request::ProcessProposal {
            txs: block.data.iter().cloned().map(Bytes::from).collect(),
            proposed_last_commit: block
                .last_commit
                .as_ref()
                .map(|c| commit_info(c, validators)),
            misbehavior: Vec::new(),
            hash: header.hash(),
            height: header.height,
            time: header.time,
            next_validators_hash: header.next_validators_hash,
            proposer_address: header.proposer_address,
        });
        match self.consensus(request).await? {
            ConsensusResponse::ProcessProposal(verdict) => {
                Ok(verdict == response::ProcessProposal::Accept)
            }
            _ => Err(AppConnError::Unexpected("ProcessProposal")),
        }
    }

    pub async fn finalize_block(
        &self,
        block: &Block,
        validators: &ValidatorSet,
    ) -> Result<response::FinalizeBlock, AppConnError> {
        let header = &block.header;
        let decided_last_commit = block
            .last_commit
            .as_ref()
            .map(|c| commit_info(c, validators))
            .unwrap_or(CommitInfo {
                round: block::Round::default(),
                votes: Vec::new(),
            });
        let request = ConsensusRequest::FinalizeBlock(request::FinalizeBlock {
            txs: block.data.iter().cloned().map(Bytes::from).collect(),
            decided_last_commit,
            misbehavior: Vec::new(),
            hash: header.hash(),
            height: header.height,
            time: header.time,
            next_validators_hash: header.next_validators_hash,
            proposer_address: header.proposer_address,
        });
        match self.consensus(request).await? {
            ConsensusResponse::FinalizeBlock(result) => Ok(result),
            _ => Err(AppConnError::Unexpected("FinalizeBlock")),
        }
    }

    pub async fn commit(&self) -> Result<(), AppConnError> {
        match self.consensus(ConsensusRequest::Commit).await? {
            ConsensusResponse::Commit(_) => Ok(()),
            _ => Err(AppConnError::Unexpected("Commit")),
        }
    }
}

/// Who signed the last block, as ABCI reports it.
fn commit_info(commit: &Commit, validators: &ValidatorSet) -> CommitInfo {
    let votes = validators
        .validators()
        .iter()
        .map(|validator| {
            let signed = commit.signatures.iter().any(|sig| {
                matches!(sig, CommitSig::BlockIdFlagCommit { validator_address, .. }
                    if *validator_address == validator.address.to_account_id())
            });
            VoteInfo {
                validator: Validator {
                    address: validator.address.0,
                    power: tendermint::vote::Power::try_from(validator.voting_power)
                        .unwrap_or_default(),
                },
                sig_info: if signed {
                    BlockSignatureInfo::Flag(tendermint::block::BlockIdFlag::Commit)
                } else {
                    BlockSignatureInfo::Flag(tendermint::block::BlockIdFlag::Absent)
                },
            }
        })
        .collect();
    CommitInfo {
        round: commit.round,
        votes,
    }
}

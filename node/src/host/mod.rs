//! The host: answers Malachite's requests by driving the app with ABCI 2.0
//! calls (PrepareProposal for `GetValue`, ProcessProposal for received
//! proposals, FinalizeBlock + Commit for `Decided`) and keeps the block store.

mod decide;
mod propose;
mod timing;

use std::sync::Arc;
use std::time::Duration;

use malachitebft_app_channel::app::engine::host::{HeightParams, Next};
use malachitebft_app_channel::app::types::core::{LinearTimeouts, Round, ValidatorSet as _};
use malachitebft_app_channel::app::types::ProposedValue;
use malachitebft_app_channel::{AppMsg, Channels};
use tendermint::AppHash;
use tokio::sync::{broadcast, Mutex};

use crate::app_conn::{AppConn, AppConnError};
use crate::block::{BlockError, ChainParams, HeightValidators, LastBlock};
use crate::context::{Address, BlockPart, Height, ValidatorSet, XccContext};
use crate::mempool::Mempool;
use crate::signing::ValidatorSigner;
use crate::store::{BlockStore, StoreError};

pub use decide::{handshake, Committed};

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    App(#[from] AppConnError),
    #[error(transparent)]
    Block(#[from] BlockError),
    #[error("{0}")]
    Inconsistent(String),
}

/// What the host shares with the RPC server.
#[derive(Clone)]
pub struct Shared {
    pub params: Arc<ChainParams>,
    pub store: Arc<BlockStore>,
    pub app: AppConn,
    pub mempool: Arc<Mutex<Mempool>>,
    pub committed: broadcast::Sender<Arc<Committed>>,
}

impl Shared {
    /// The validator set of `height`: genesis's for heights 1 and 2, then
    /// what the app's updates made of it.
    pub fn validators_at(&self, height: u64) -> Result<ValidatorSet, HostError> {
        if height <= 2 {
            return Ok(self.params.genesis_validators.clone());
        }
        self.store.validator_set(height)?.ok_or_else(|| {
            HostError::Inconsistent(format!("no validator set recorded for height {height}"))
        })
    }

    /// The sets a block at `height` refers to.
    pub fn height_validators(&self, height: u64) -> Result<HeightValidators, HostError> {
        Ok(HeightValidators {
            last: self.validators_at(height.saturating_sub(1).max(1))?,
            current: self.validators_at(height)?,
            next: self.validators_at(height + 1)?,
        })
    }
}

pub struct Host {
    shared: Shared,
    address: Address,
    signer: Arc<ValidatorSigner>,
    genesis_app_hash: AppHash,
    last: Option<LastBlock>,
    timeouts: LinearTimeouts,
    block_time: Duration,
    max_block_tx_bytes: usize,
    current: (Height, Round),
    /// Block parts for heights this node has not reached yet.
    pending: Vec<BlockPart>,
}

pub struct HostConfig {
    pub address: Address,
    pub signer: Arc<ValidatorSigner>,
    pub genesis_app_hash: AppHash,
    pub last: Option<LastBlock>,
    pub block_time: Duration,
    pub timeout_propose: Duration,
    pub max_block_tx_bytes: usize,
}

impl Host {
    pub fn new(shared: Shared, config: HostConfig) -> Self {
        let propose = config.timeout_propose;
        let vote = propose / 2;
        let timeouts = LinearTimeouts {
            propose,
            propose_delta: propose / 4,
            prevote: vote,
            prevote_delta: vote / 4,
            precommit: vote,
            precommit_delta: vote / 4,
            rebroadcast: propose + vote + vote,
            ..LinearTimeouts::default()
        };
        Host {
            shared,
            address: config.address,
            signer: config.signer,
            genesis_app_hash: config.genesis_app_hash,
            last: config.last,
            timeouts,
            block_time: config.block_time,
            max_block_tx_bytes: config.max_block_tx_bytes,
            current: (Height(0), Round::Nil),
            pending: Vec::new(),
        }
    }

    fn next_height(&self) -> Height {
        Height(self.last.as_ref().map_or(0, |l| l.height()) + 1)
    }

    fn height_params(&self, height: Height) -> Result<HeightParams<XccContext>, HostError> {
        Ok(HeightParams::new(
            self.shared.validators_at(height.0)?,
            self.timeouts,
            Some(self.block_time),
        ))
    }

    /// Serves consensus until its channel closes.
    pub async fn run(mut self, channels: &mut Channels<XccContext>) -> Result<(), HostError> {
        while let Some(msg) = channels.consensus.recv().await {
            if let Err(error) = self.handle(msg, channels).await {
                // Storage and app failures are not recoverable in-process: a
                // restart replays from the block store.
                tracing::error!(%error, "host failed");
                return Err(error);
            }
        }
        Err(HostError::Inconsistent("consensus stopped".into()))
    }

    async fn handle(
        &mut self,
        msg: AppMsg<XccContext>,
        channels: &mut Channels<XccContext>,
    ) -> Result<(), HostError> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let height = self.next_height();
                let params = self.height_params(height)?;
                tracing::info!(%height, validators = params.validator_set.count(), "consensus ready");
                let _ = reply.send((height, params));
            }
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                role,
                reply_value,
            } => {
                tracing::debug!(%height, %round, %proposer, ?role, "started round");
                self.current = (height, round);
                self.validate_pending(height).await?;
                let values = self.undecided_values(height, round)?;
                let _ = reply_value.send(values);
            }
            AppMsg::GetValue {
                height,
                round,
                reply,
                ..
            } => {
                let (value, part) = self.get_value(height, round).await?;
                let _ = reply.send(value);
                self.publish(channels, part).await;
            }
            AppMsg::ReceivedProposalPart { part, reply, .. } => {
                let value = self.received_part(part).await?;
                let _ = reply.send(value);
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                value_id,
                ..
            } => {
                if let Some(part) = self.restream(height, round, valid_round, &value_id)? {
                    self.publish(channels, part).await;
                }
            }
            AppMsg::Decided {
                certificate, reply, ..
            } => {
                self.decided(&certificate).await?;
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate, reply, ..
            } => {
                let next = if self.finalized(&certificate).await? {
                    let height = self.next_height();
                    Next::Start(height, self.height_params(height)?)
                } else {
                    tracing::warn!(height = %certificate.height, "decided block not here; restarting the height for value sync");
                    Next::Restart(certificate.height, self.height_params(certificate.height)?)
                };
                let _ = reply.send(next);
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                let outcome = self.synced_value(height, round, proposer, &value_bytes)?;
                let _ = reply.send(outcome);
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let _ = reply.send(self.decided_values(range)?);
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let min = self.shared.store.min_height()?.unwrap_or(1);
                let _ = reply.send(Height(min));
            }
            AppMsg::ExtendVote { reply, .. } => {
                let _ = reply.send(None);
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                // Extensions are disabled; there is nothing to check.
                let verdicts = extensions
                    .into_iter()
                    .map(|(address, _)| (address, Ok(())))
                    .collect();
                let _ = reply.send(verdicts);
            }
        }
        Ok(())
    }

    fn undecided_values(
        &self,
        height: Height,
        round: Round,
    ) -> Result<Vec<ProposedValue<XccContext>>, HostError> {
        Ok(self
            .shared
            .store
            .undecided_at(height.0)?
            .into_iter()
            .filter(|(_, u)| u.round == round)
            .map(|(value, u)| propose::proposed_value(height, value, &u))
            .collect())
    }
}

//! Building, streaming and checking proposals.

use bytes::Bytes;
use malachitebft_app_channel::app::engine::util::streaming::StreamContent;
use malachitebft_app_channel::app::streaming::{StreamId, StreamMessage};
use malachitebft_app_channel::app::types::core::{Round, ValidatorSet as _, Validity};
use malachitebft_app_channel::app::types::{LocallyProposedValue, ProposedValue};
use malachitebft_app_channel::{Channels, NetworkMsg};
use tendermint::Time;

use super::{timing, Host, HostError};
use crate::block::{self, NewBlock};
use crate::context::{BlockPart, BlockRef, Height, XccContext};
use crate::store::Undecided;

pub(super) fn proposed_value(
    height: Height,
    value: BlockRef,
    undecided: &Undecided,
) -> ProposedValue<XccContext> {
    ProposedValue {
        height,
        round: undecided.round,
        valid_round: undecided.valid_round,
        proposer: undecided.proposer,
        value,
        validity: Validity::from_bool(undecided.valid),
    }
}

impl Host {
    /// Builds this node's proposal, or returns the one already built for
    /// this round, so a restarted proposer never equivocates.
    pub(super) async fn get_value(
        &mut self,
        height: Height,
        round: Round,
    ) -> Result<(LocallyProposedValue<XccContext>, BlockPart), HostError> {
        let store = &self.shared.store;
        if let Some((value, undecided)) = store
            .undecided_at(height.0)?
            .into_iter()
            .find(|(_, u)| u.round == round && u.proposer == self.address)
        {
            return Ok((
                LocallyProposedValue::new(height, round, value),
                undecided.part,
            ));
        }

        let time = timing::proposal_time(Time::now(), self.last.as_ref().map(|l| l.block.time()));
        let candidates = self
            .shared
            .mempool
            .lock()
            .await
            .reap(self.max_block_tx_bytes);
        let params = &self.shared.params;
        let validators = self.shared.height_validators(height.0)?;
        let txs = self
            .shared
            .app
            .prepare_proposal(
                candidates,
                self.max_block_tx_bytes,
                height.0,
                time,
                &validators.next,
                self.address,
            )
            .await?;
        let block = block::build(
            params,
            &validators,
            NewBlock {
                height: height.0,
                time,
                proposer: self.address,
                txs,
                last: self.last.as_ref(),
                genesis_app_hash: &self.genesis_app_hash,
            },
        )?;
        let value = block::block_ref(&block);
        let part = self.sign_part(height, round, Round::Nil, block::encode(&block));
        let undecided = Undecided {
            round,
            valid_round: Round::Nil,
            proposer: self.address,
            valid: true,
            part: part.clone(),
        };
        // Persisted before consensus sees it: see the doc comment.
        store.store_undecided(height.0, &value, &undecided)?;
        tracing::info!(%height, %round, txs = block.data.len(), %value, "proposing block");
        Ok((LocallyProposedValue::new(height, round, value), part))
    }

    fn sign_part(
        &self,
        height: Height,
        round: Round,
        pol_round: Round,
        block: Vec<u8>,
    ) -> BlockPart {
        let signature = self
            .signer
            .sign(&BlockPart::sign_bytes(height, round, pol_round, &block));
        BlockPart {
            height,
            round,
            proposer: self.address,
            pol_round,
            block,
            signature,
        }
    }

    pub(super) async fn publish(&self, channels: &mut Channels<XccContext>, part: BlockPart) {
        let mut id = part.height.0.to_be_bytes().to_vec();
        id.extend_from_slice(&part.round.as_i64().to_be_bytes());
        let stream_id = StreamId::new(Bytes::from(id));
        for message in [
            StreamMessage::new(stream_id.clone(), 0, StreamContent::Data(part)),
            StreamMessage::new(stream_id, 1, StreamContent::Fin),
        ] {
            if let Err(error) = channels
                .network
                .send(NetworkMsg::PublishProposalPart(message))
                .await
            {
                tracing::error!(%error, "could not publish a proposal part");
            }
        }
    }

    /// Re-publishes a proposal for a later round: re-signed when this node
    /// proposes it, as first received otherwise.
    pub(super) fn restream(
        &self,
        height: Height,
        round: Round,
        valid_round: Round,
        value: &BlockRef,
    ) -> Result<Option<BlockPart>, HostError> {
        let Some(undecided) = self.shared.store.undecided(height.0, value)? else {
            tracing::debug!(%height, %round, %value, "nothing to restream");
            return Ok(None);
        };
        if undecided.proposer != self.address {
            return Ok(Some(undecided.part));
        }
        let part = self.sign_part(height, round, valid_round, undecided.part.block.clone());
        let restreamed = Undecided {
            round,
            valid_round,
            part: part.clone(),
            ..undecided
        };
        self.shared
            .store
            .store_undecided(height.0, value, &restreamed)?;
        Ok(Some(part))
    }

    pub(super) async fn received_part(
        &mut self,
        message: StreamMessage<BlockPart>,
    ) -> Result<Option<ProposedValue<XccContext>>, HostError> {
        let StreamContent::Data(part) = message.content else {
            return Ok(None);
        };
        let next = self.next_height();
        // The set of a height is known once the block two below it is
        // committed; parts further ahead are restreamed or synced later.
        if part.height < next || part.height.0 > next.0 + 1 {
            return Ok(None);
        }
        let validators = self.shared.validators_at(part.height.0)?;
        let Some(proposer) = validators.get_by_address(&part.proposer) else {
            tracing::warn!(proposer = %part.proposer, "block part from a non-validator");
            return Ok(None);
        };
        let sign_bytes =
            BlockPart::sign_bytes(part.height, part.round, part.pol_round, &part.block);
        if !proposer.public_key.verify(&sign_bytes, &part.signature) {
            tracing::warn!(proposer = %part.proposer, "block part with a bad signature");
            return Ok(None);
        }
        if part.height > next {
            self.pending.push(part);
            return Ok(None);
        }
        self.accept_part(part).await.map(Some)
    }

    /// Validates parts that arrived before this node reached their height.
    pub(super) async fn validate_pending(&mut self, height: Height) -> Result<(), HostError> {
        let (ready, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending)
            .into_iter()
            .filter(|p| p.height >= height)
            .partition(|p| p.height == height);
        self.pending = later;
        for part in ready {
            self.accept_part(part).await?;
        }
        Ok(())
    }

    /// Checks a proposed block for the next height and records the verdict.
    async fn accept_part(
        &mut self,
        part: BlockPart,
    ) -> Result<ProposedValue<XccContext>, HostError> {
        let height = part.height;
        let (value, valid) = match block::decode(&part.block) {
            Ok(block) => {
                let value = block::block_ref(&block);
                let validators = self.shared.height_validators(height.0)?;
                let checked = block::validate(
                    &self.shared.params,
                    &validators,
                    &block,
                    height.0,
                    self.last.as_ref(),
                    &self.genesis_app_hash,
                )
                .and_then(|()| {
                    if block.header.proposer_address != part.proposer.to_account_id() {
                        return Err(block::BlockError::Invalid(
                            "streamed by another validator than its proposer".into(),
                        ));
                    }
                    timing::require_not_ahead(block.header.time, Time::now())
                });
                let valid = match checked {
                    Ok(()) => {
                        self.shared
                            .app
                            .process_proposal(&block, &validators.last)
                            .await?
                    }
                    Err(error) => {
                        tracing::warn!(%height, %error, "rejecting proposed block");
                        false
                    }
                };
                (value, valid)
            }
            Err(error) => {
                tracing::warn!(%height, %error, "undecodable proposed block");
                // Name it by the hash of its bytes so consensus can vote nil on it.
                let hash = tendermint::Hash::Sha256(crate::mempool::hash_tx(&part.block));
                (BlockRef::new(hash, Time::unix_epoch()), false)
            }
        };
        let undecided = Undecided {
            round: part.round,
            valid_round: part.pol_round,
            proposer: part.proposer,
            valid,
            part,
        };
        self.shared
            .store
            .store_undecided(height.0, &value, &undecided)?;
        Ok(proposed_value(height, value, &undecided))
    }
}

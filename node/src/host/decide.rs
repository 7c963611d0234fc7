//! Committing decided blocks, replaying blocks the app missed (CometBFT's
//! handshake), and serving and receiving blocks for value sync.

use std::ops::RangeInclusive;

use bytes::Bytes;
use malachitebft_app_channel::app::engine::host::SyncedValueOutcome;
use malachitebft_app_channel::app::types::core::Validity;
use malachitebft_app_channel::app::types::core::{
    CommitCertificate, ExtendedCommitCertificate, Round, VoteExtensions,
};
use malachitebft_app_channel::app::types::sync::RawDecidedValue;
use malachitebft_app_channel::app::types::ProposedValue;
use tendermint::abci::response;
use tendermint::{AppHash, Block, Genesis};
use tendermint_proto::v0_38::abci::ResponseFinalizeBlock;

use super::{Host, HostError, Shared};
use crate::block::{self, LastBlock};
use crate::context::{Address, Height, XccContext};
use crate::mempool::{Mempool, TxHash};
use crate::store::Undecided;

/// A committed block with its results, for RPC subscribers.
#[derive(Debug)]
pub struct Committed {
    pub block: Block,
    pub results: response::FinalizeBlock,
    /// How long the app took to finalize and commit the block.
    pub processing: std::time::Duration,
}

impl LastBlock {
    pub fn height(&self) -> u64 {
        self.commit.height.value()
    }
}

fn results_of(stored: ResponseFinalizeBlock) -> Result<response::FinalizeBlock, HostError> {
    response::FinalizeBlock::try_from(stored)
        .map_err(|e| HostError::Inconsistent(format!("stored results do not decode: {e}")))
}

fn last_block(shared: &Shared, height: u64) -> Result<Option<LastBlock>, HostError> {
    let store = &shared.store;
    let (Some(bytes), Some(certificate), Some(results)) = (
        store.block_bytes(height)?,
        store.certificate(height)?,
        store.results(height)?,
    ) else {
        return Ok(None);
    };
    let block = block::decode(&bytes)?;
    let results = results_of(results)?;
    Ok(Some(LastBlock {
        block: block::block_ref(&block),
        commit: block::commit_of(&certificate, &shared.validators_at(height)?),
        app_hash: results.app_hash.clone(),
        results_hash: block::results_hash(&results.tx_results),
    }))
}

/// Brings the app level with the block store: InitChain on a fresh app,
/// then FinalizeBlock + Commit for every stored block the app has not
/// committed. Returns the genesis app hash and the last block.
pub async fn handshake(
    shared: &Shared,
    genesis: &Genesis,
) -> Result<(AppHash, Option<LastBlock>), HostError> {
    let info = shared.app.info().await?;
    let app_height = info.last_block_height.value();
    let store_height = shared.store.max_height()?.unwrap_or(0);
    if app_height > store_height {
        return Err(HostError::Inconsistent(format!(
            "the app is at height {app_height}, beyond the block store's {store_height}"
        )));
    }
    let genesis_app_hash = if app_height == 0 {
        let hash = shared.app.init_chain(genesis).await?;
        shared.store.set_genesis_app_hash(hash.as_bytes())?;
        hash
    } else {
        let stored = shared.store.genesis_app_hash()?.ok_or_else(|| {
            HostError::Inconsistent("the block store has no genesis app hash".into())
        })?;
        AppHash::try_from(stored).map_err(|e| HostError::Inconsistent(e.to_string()))?
    };
    for height in app_height + 1..=store_height {
        let bytes = shared.store.block_bytes(height)?.ok_or_else(|| {
            HostError::Inconsistent(format!("block {height} missing from the store"))
        })?;
        let block = block::decode(&bytes)?;
        tracing::info!(height, "replaying block into the app");
        execute(shared, height, &block).await?;
    }
    Ok((genesis_app_hash, last_block(shared, store_height)?))
}

/// FinalizeBlock, results saved (the crash-safe point), then Commit. The
/// caller holds the mempool: as in CometBFT, no CheckTx may run between the
/// app's Commit (which resets its check state) and the recheck.
async fn execute(
    shared: &Shared,
    height: u64,
    block: &Block,
) -> Result<(response::FinalizeBlock, Vec<TxHash>), HostError> {
    let results = shared
        .app
        .finalize_block(
            block,
            &shared.validators_at(height.saturating_sub(1).max(1))?,
        )
        .await?;
    // CometBFT applies block h's updates to the set of h + 2, and halts on
    // updates it cannot apply.
    let after_next = shared
        .validators_at(height + 1)?
        .apply_updates(&results.validator_updates)
        .map_err(|e| {
            HostError::Inconsistent(format!(
                "the app's validator updates at height {height}: {e}"
            ))
        })?;
    let hashes: Vec<TxHash> = block
        .data
        .iter()
        .map(|tx| crate::mempool::hash_tx(tx))
        .collect();
    shared.store.store_results(
        height,
        &ResponseFinalizeBlock::from(results.clone()),
        &hashes,
        &after_next,
    )?;
    shared.app.commit().await?;
    Ok((results, hashes))
}

impl Host {
    pub(super) async fn decided(
        &mut self,
        certificate: &CommitCertificate<XccContext>,
    ) -> Result<(), HostError> {
        let height = certificate.height;
        if height < self.next_height() {
            return Ok(());
        }
        let Some(undecided) = self
            .shared
            .store
            .undecided(height.0, &certificate.value_id)?
        else {
            tracing::warn!(%height, value = %certificate.value_id, "decided a block this node never received");
            return Ok(());
        };
        let block = block::decode(&undecided.part.block)?;
        self.commit_block(certificate, &undecided.part.block, block)
            .await
    }

    /// Returns whether the certified height is committed here.
    pub(super) async fn finalized(
        &mut self,
        certificate: &CommitCertificate<XccContext>,
    ) -> Result<bool, HostError> {
        if certificate.height >= self.next_height() {
            self.decided(certificate).await?;
        }
        if certificate.height >= self.next_height() {
            return Ok(false);
        }
        // Finalized may carry more signatures than Decided did.
        self.shared.store.update_certificate(certificate)?;
        if let Some(last) = self.last.as_mut() {
            if last.height() == certificate.height.0 {
                last.commit = block::commit_of(
                    certificate,
                    &self.shared.validators_at(certificate.height.0)?,
                );
            }
        }
        Ok(true)
    }

    async fn commit_block(
        &mut self,
        certificate: &CommitCertificate<XccContext>,
        bytes: &[u8],
        block: Block,
    ) -> Result<(), HostError> {
        let height = certificate.height.0;
        self.shared.store.store_decided(
            height,
            bytes,
            block.header.hash().as_bytes(),
            certificate,
        )?;
        let mut mempool = self.shared.mempool.lock().await;
        let started = std::time::Instant::now();
        let (results, hashes) = execute(&self.shared, height, &block).await?;
        let processing = started.elapsed();
        tracing::info!(
            height,
            txs = block.data.len(),
            app_hash = %results.app_hash,
            "committed block"
        );
        self.last = Some(LastBlock {
            block: block::block_ref(&block),
            commit: block::commit_of(certificate, &self.shared.validators_at(height)?),
            app_hash: results.app_hash.clone(),
            results_hash: block::results_hash(&results.tx_results),
        });
        self.recheck_mempool(&mut mempool, &hashes).await?;
        drop(mempool);
        let _ = self.shared.committed.send(std::sync::Arc::new(Committed {
            block,
            results,
            processing,
        }));
        Ok(())
    }

    /// CometBFT's recheck: what is left must still pass against the new
    /// state (the app judges its envelope again, its messages in the block).
    async fn recheck_mempool(
        &self,
        mempool: &mut Mempool,
        committed: &[TxHash],
    ) -> Result<(), HostError> {
        for tx in mempool.take_after_commit(committed) {
            let result = self
                .shared
                .app
                .check_tx(Bytes::from(tx.clone()), true)
                .await?;
            if result.code.is_ok() {
                let _ = mempool.insert(tx);
            }
        }
        Ok(())
    }

    pub(super) fn synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        bytes: &[u8],
    ) -> Result<SyncedValueOutcome<XccContext>, HostError> {
        let Ok(block) = block::decode(bytes) else {
            return Ok(SyncedValueOutcome::PeerFault);
        };
        if block.header.height.value() != height.0
            || block.header.chain_id != self.shared.params.chain_id
        {
            return Ok(SyncedValueOutcome::PeerFault);
        }
        // The commit certificate that comes with it names this block's hash,
        // so its contents are as decided; consensus checks the certificate.
        let value = block::block_ref(&block);
        let undecided = Undecided {
            round,
            valid_round: Round::Nil,
            proposer,
            valid: true,
            part: crate::context::BlockPart {
                height,
                round,
                proposer,
                pol_round: Round::Nil,
                block: bytes.to_vec(),
                signature: crate::context::Signature(ed25519_consensus::Signature::from([0u8; 64])),
            },
        };
        self.shared
            .store
            .store_undecided(height.0, &value, &undecided)?;
        Ok(SyncedValueOutcome::Verdict(ProposedValue {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            value,
            validity: Validity::Valid,
        }))
    }

    pub(super) fn decided_values(
        &self,
        range: RangeInclusive<Height>,
    ) -> Result<Vec<RawDecidedValue<XccContext>>, HostError> {
        let mut values = Vec::new();
        for height in range.start().0..=range.end().0 {
            let store = &self.shared.store;
            let (Some(bytes), Some(certificate)) =
                (store.block_bytes(height)?, store.certificate(height)?)
            else {
                break;
            };
            let certificate = ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                certificate,
                VoteExtensions::new(Vec::new()),
            );
            values.push(RawDecidedValue::new(Bytes::from(bytes), certificate));
        }
        Ok(values)
    }
}

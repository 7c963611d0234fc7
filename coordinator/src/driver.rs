//! Applies the coordinator machine to a stored cross-tx: feeds it one input,
//! carries out its outputs (prepare and decision packets, the decision, the
//! end) and stores the record with its timeline, all in the caller's state
//! transaction.

use sha2::{Digest, Sha256};
use xcc_chain::ibc::packet;
use xcc_chain::participant::{LegId, PORT};
use xcc_chain::state::{transactional, StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::xtx::packet::{self as packet_types, XtxPacket};
use xcc_chain::{BlockInfo, Event, ExecError, MsgContext};
use xcc_proto::coordinator::v1 as pb;

use crate::machine::{Decision, Input, LegState, Output, Vote};
use crate::params::Params;
use crate::record::{describe_abort, machine, set_leg_state, store_phase};
use crate::state_key;
use crate::timeline::{note, TimelineStep};

/// Decision packets never time out: the decision must reach every leg.
pub const NO_TIMEOUT: u64 = u64::MAX;

pub fn load(
    state: &dyn StateRead,
    tx_id: &[u8; 32],
) -> Result<Option<pb::CrossTxRecord>, ExecError> {
    Ok(state.get_proto(&state_key::record(tx_id))?)
}

pub fn tx_id_of(record: &pb::CrossTxRecord) -> Result<[u8; 32], ExecError> {
    xcc_chain::xtx::tx_id(&record.tx_id)
        .map_err(|e| ExecError::invalid_msg(format!("a stored record: {e}")))
}

fn here(ctx: &MsgContext<'_>) -> Option<BlockInfo> {
    Some(ctx.block)
}

/// Feeds `input` to the record's machine and carries out what it says.
pub fn step(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    params: &Params,
    record: &mut pb::CrossTxRecord,
    input: Input,
) -> Result<(), ExecError> {
    let mut coordinator = machine(record).map_err(|e| ExecError::invalid_msg(e.to_string()))?;
    let tx_id = tx_id_of(record)?;
    let was_preparing = record.phase == pb::Phase::Preparing as i32;
    // The machine forgets votes once it decides; the record keeps them, and
    // an OK vote's result goes under its own key, written once.
    if let Input::Voted { leg, vote } = &input {
        if let Some(stored) = record.legs.get_mut(*leg) {
            if stored.state == pb::LegState::Preparing as i32 {
                match vote {
                    Vote::Ok { result } => {
                        set_leg_state(stored, &LegState::VotedOk);
                        // The store keeps no empty values: an empty result has no key.
                        if !result.is_empty() {
                            stored.result_bytes = result.len() as u64;
                            stored.result_sha256 = Sha256::digest(result).to_vec();
                            let key = state_key::leg_result(&tx_id, *leg as u32);
                            state.put_raw(key, result.clone());
                        }
                    }
                    Vote::Failed { reason } => {
                        let reason = reason.clone();
                        set_leg_state(stored, &LegState::VotedFailed { reason });
                    }
                }
            }
        }
    }
    let outputs = coordinator.apply(input).unwrap_or_else(|ignored| {
        tracing::debug!(tx_id = %hex::encode(tx_id), %ignored, "input ignored");
        Vec::new()
    });
    for output in outputs {
        match output {
            Output::SendPrepare { leg, input } => {
                let chain = record.legs[leg].chain_id.clone();
                let signed_cross_tx = record.signed_cross_tx.clone().ok_or_else(|| {
                    ExecError::invalid_msg("a cross-tx record without its cross-tx")
                })?;
                let data = XtxPacket::Prepare(packet_types::Prepare {
                    signed_cross_tx,
                    leg_index: leg as u32,
                    input: input.unwrap_or_default(),
                })
                .encode();
                // Timed out at the deadline: a leg not prepared by then aborts.
                let sequence = packet::send(ctx, state, &chain, PORT, data, record.deadline_ns)?;
                record.legs[leg].prepare_sequence = sequence;
                note(
                    record,
                    TimelineStep::PrepareSent,
                    ctx.chain_id,
                    here(ctx),
                    format!("leg {leg} to {chain}, packet {sequence}"),
                );
            }
            Output::Decided(decision) => {
                let detail = match &decision {
                    Decision::Commit => "commit".to_owned(),
                    Decision::Abort(reason) => {
                        format!("abort: {}", describe_abort(reason, &record.legs))
                    }
                };
                note(
                    record,
                    TimelineStep::Decided,
                    ctx.chain_id,
                    here(ctx),
                    detail.clone(),
                );
                ctx.emit(
                    Event::new("xtx_decided")
                        .attr("tx_id", hex::encode(tx_id))
                        .attr("commit", decision.is_commit()),
                );
                tracing::info!(tx_id = %hex::encode(tx_id), %detail, "cross-tx decided");
            }
            Output::SendDecision { leg, commit } => {
                let chain = record.legs[leg].chain_id.clone();
                let data = XtxPacket::Decision(packet_types::Decision {
                    leg: LegId {
                        tx_id,
                        leg_index: leg as u32,
                    },
                    commit,
                    deadline_ns: record.deadline_ns,
                })
                .encode();
                let sequence = packet::send(ctx, state, &chain, PORT, data, NO_TIMEOUT)?;
                record.legs[leg].decision_sequence = sequence;
                note(
                    record,
                    TimelineStep::DecisionSent,
                    ctx.chain_id,
                    here(ctx),
                    format!("leg {leg} to {chain}, packet {sequence}"),
                );
            }
            Output::Fault { leg, reason } => {
                let chain = record.legs[leg].chain_id.clone();
                note(
                    record,
                    TimelineStep::DecisionFailed,
                    &chain,
                    None,
                    reason.clone(),
                );
                ctx.emit(
                    Event::new("xtx_fault")
                        .attr("tx_id", hex::encode(tx_id))
                        .attr("leg", leg)
                        .attr("reason", &reason),
                );
                tracing::error!(tx_id = %hex::encode(tx_id), leg, %chain, %reason, "a leg could not apply the decision");
            }
            Output::Done => {
                let prune_height = ctx.block.height.saturating_add(params.retention_blocks);
                record.prune_height = prune_height;
                state.put_raw(state_key::prune(prune_height, &tx_id), vec![1]);
                note(record, TimelineStep::Done, ctx.chain_id, here(ctx), "");
                ctx.emit(Event::new("xtx_done").attr("tx_id", hex::encode(tx_id)));
            }
        }
    }
    store_phase(record, &coordinator);
    let preparing = record.phase == pb::Phase::Preparing as i32;
    let deadline_key = state_key::deadline(record.deadline_ns, &tx_id);
    match (was_preparing, preparing) {
        (false, true) => state.put_raw(deadline_key, vec![1]),
        (true, false) => state.delete(deadline_key),
        _ => {}
    }
    state.put_proto(state_key::record(&tx_id), record);
    Ok(())
}

/// The most due deadlines one block handles, earliest first; any beyond
/// are handled at the next blocks. A block's work stays bounded however
/// many cross-txs are open, or wait for a client to be recovered.
pub const MAX_DEADLINES_PER_BLOCK: usize = 1_000;

/// At each block: abort cross-txs whose deadline passed with votes missing,
/// and prune finished records past their retention.
pub fn begin_block(ctx: &mut MsgContext<'_>, state: &mut dyn StateWrite) -> Result<(), ExecError> {
    let params = Params::load(state)?;
    let now = ctx.block.time_ns;
    let deadlines = state_key::all_deadlines();
    let is_due = |key: &[u8]| {
        state_key::index_entry(deadlines, key).is_some_and(|(deadline, _)| deadline <= now)
    };
    let due: Vec<[u8; 32]> = state
        .due_keys(deadlines, MAX_DEADLINES_PER_BLOCK, is_due)?
        .into_iter()
        .filter_map(|key| Some(state_key::index_entry(deadlines, &key)?.1))
        .collect();
    // Each cross-tx in its own transaction: one whose decision cannot be
    // sent (its client expired or frozen) stays due and is retried at the
    // next block, and never holds back the others or the pruning below.
    for tx_id in due {
        let events_before = ctx.events.len();
        let outcome = transactional(state, |state| match load(state, &tx_id)? {
            Some(mut record) => step(
                ctx,
                state,
                &params,
                &mut record,
                Input::BlockTime { now_ns: now },
            ),
            None => Ok(()),
        });
        if let Err(e) = outcome {
            ctx.events.truncate(events_before);
            tracing::warn!(
                tx_id = %hex::encode(tx_id),
                error = %e.log,
                "the deadline of a cross-tx could not be handled; retried at the next block"
            );
        }
    }
    // Heights come one by one, so the records due now are exactly those
    // indexed at this height: no scan of the whole retention window.
    let height = ctx.block.height;
    let due_now = state_key::prunes_at(height);
    let expired: Vec<[u8; 32]> = state
        .prefix_raw(&due_now)?
        .into_iter()
        .filter_map(|(key, _)| Some(state_key::index_entry(state_key::all_prunes(), &key)?.1))
        .collect();
    for tx_id in expired {
        state.delete(state_key::prune(height, &tx_id));
        // A record also guards its id against a second submission until its
        // deadline has passed, when intake refuses it anyway; until then it
        // is due again at the next height.
        let record = load(state, &tx_id)?;
        let deadline_passed = record.as_ref().is_none_or(|r| r.deadline_ns < now);
        if deadline_passed {
            state.delete(state_key::record(&tx_id));
            for leg in 0..record.map_or(0, |r| r.legs.len()) {
                state.delete(state_key::leg_result(&tx_id, leg as u32));
            }
        } else {
            state.put_raw(state_key::prune(height + 1, &tx_id), vec![1]);
        }
    }
    Ok(())
}

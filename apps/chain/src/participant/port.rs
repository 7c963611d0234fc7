//! The participant's `xtx` port: prepares and decisions from the registered
//! coordinator, carried out by the chain's reservations as `machine` says.

use xcc_proto::ibc::v1 as ibc_pb;

use super::machine::{self, Effect, OnDecision, OnPrepare, Record, Vote};
use super::record::{load_record, save_record, LegEntry};
use super::{
    forget_at, is_forgotten, state_key, LegId, LegRequest, ParticipantModule, Settlement, PORT,
};
use crate::error::ExecError;
use crate::ibc::Port;
use crate::module::{Event, MsgContext};
use crate::state::{transactional, StateRead, StateWrite};
use crate::xtx;
use crate::xtx::packet::{Decision, DecisionApplied, Prepare, XtxPacket};

impl Port for ParticipantModule {
    fn name(&self) -> &'static str {
        PORT
    }

    fn on_recv(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
    ) -> Result<Vec<u8>, ExecError> {
        let coordinator = state.get_raw(state_key::COORDINATOR)?;
        if coordinator.as_deref() != Some(packet.source_chain.as_bytes()) {
            return Err(ExecError::unauthorized(format!(
                "{} is not this chain's coordinator",
                packet.source_chain
            )));
        }
        let data =
            XtxPacket::decode(&packet.data).map_err(|e| ExecError::invalid_msg(e.to_string()))?;
        match data {
            XtxPacket::Prepare(prepare) => {
                let vote = self.prepare(ctx, state, prepare, packet.data.len())?;
                let event = if vote.is_ok() { "ok" } else { "failed" };
                ctx.emit(Event::new("xtx_vote").attr("vote", event));
                Ok(vote.encode(ctx.block))
            }
            XtxPacket::Decision(decision) => {
                self.decide(ctx, state, &decision)?;
                let applied = DecisionApplied {
                    committed: decision.commit,
                    at: Some(ctx.block),
                };
                Ok(applied.encode())
            }
        }
    }

    fn on_acknowledge(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &ibc_pb::Packet,
        _ack: &ibc_pb::Acknowledgement,
    ) -> Result<(), ExecError> {
        Err(ExecError::invalid_msg("participants send no xtx packets"))
    }

    fn on_timeout(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &ibc_pb::Packet,
    ) -> Result<(), ExecError> {
        Err(ExecError::invalid_msg("participants send no xtx packets"))
    }

    /// With the leg it carries (see `participant::forget_at` for why that
    /// is safe); a packet that does not decode is never forgotten.
    fn forget_received_at(
        &self,
        state: &dyn StateRead,
        packet: &ibc_pb::Packet,
    ) -> Result<Option<u64>, ExecError> {
        let deadline_ns = match XtxPacket::decode(&packet.data) {
            Ok(XtxPacket::Prepare(prepare)) => match prepare.signed_cross_tx.cross_tx {
                Some(cross_tx) => cross_tx.deadline_ns,
                None => return Ok(None),
            },
            Ok(XtxPacket::Decision(decision)) => decision.deadline_ns,
            Err(_) => return Ok(None),
        };
        Ok(Some(forget_at(state, deadline_ns)?))
    }
}

impl ParticipantModule {
    /// Answers a prepare (of `packet_bytes`) with this leg's vote; a refusal
    /// is a vote, not an error, so the coordinator learns the reason.
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        prepare: Prepare,
        packet_bytes: usize,
    ) -> Result<Vote, ExecError> {
        let signed = prepare.signed_cross_tx;
        // Checked here again: a participant takes no chain's word for a signature.
        let verified = xtx::verify(signed).map_err(|e| ExecError::invalid_msg(e.to_string()))?;
        let leg_index = prepare.leg_index as usize;
        let leg = verified
            .cross_tx
            .legs
            .get(leg_index)
            .ok_or_else(|| ExecError::invalid_msg(format!("no leg {leg_index}")))?;
        if leg.chain_id != ctx.chain_id {
            return Err(ExecError::invalid_msg(format!(
                "leg {leg_index} is for {}, this is {}",
                leg.chain_id, ctx.chain_id
            )));
        }
        let tx_id = verified.id;
        let id = LegId {
            tx_id,
            leg_index: prepare.leg_index,
        };
        let deadline_ns = verified.cross_tx.deadline_ns;
        let existing = load_record(state, &id)?;
        let record = existing.as_ref().map(|entry| &entry.record);
        let (record, vote) = match machine::on_prepare(record, deadline_ns, ctx.block.time_ns) {
            OnPrepare::Answer(vote) => return Ok(vote),
            OnPrepare::Refuse(reason) => (
                Record::Refused {
                    reason: reason.clone(),
                },
                Vote::Failed { reason },
            ),
            OnPrepare::Reserve => {
                let signers: Vec<_> = verified.signers.iter().map(|s| s.address).collect();
                let request = LegRequest {
                    tx_id,
                    cross_tx: &verified.cross_tx,
                    leg_index,
                    signers: &signers,
                    input: &prepare.input,
                };
                let events_before = ctx.events.len();
                // A result the acknowledgement could not carry is a failed
                // vote, its reservations undone with it.
                let outcome = transactional(state, |held| {
                    let result = self.reservations.prepare(ctx, held, &request)?;
                    xtx::check_vote_fits(packet_bytes, result.len())
                        .map_err(|e| ExecError::invalid_msg(e.to_string()))?;
                    Ok::<_, ExecError>(result)
                });
                if outcome.is_err() {
                    ctx.events.truncate(events_before);
                }
                machine::prepared(outcome.map_err(|e| e.log))
            }
        };
        save_record(
            state,
            &id,
            &LegEntry {
                leg_index: prepare.leg_index,
                record,
                deadline_ns,
                prepared_at: Some(ctx.block),
                decided_at: None,
            },
        );
        ctx.emit(
            Event::new("xtx_prepare")
                .attr("tx_id", hex::encode(tx_id))
                .attr("leg", leg_index),
        );
        Ok(vote)
    }

    fn decide(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        decision: &Decision,
    ) -> Result<(), ExecError> {
        let id = decision.leg;
        let tx_id = id.tx_id;
        let existing = load_record(state, &id)?;
        let past_retention =
            is_forgotten(forget_at(state, decision.deadline_ns)?, ctx.block.time_ns);
        let outcome = machine::on_decision(
            existing.as_ref().map(|entry| &entry.record),
            decision.commit,
            past_retention,
        )
        .map_err(|e| ExecError::invalid_msg(e.to_string()))?;
        let OnDecision::Settle(record, effect) = outcome else {
            ctx.emit(
                Event::new("xtx_decision_forgotten")
                    .attr("tx_id", hex::encode(tx_id))
                    .attr("leg", id.leg_index),
            );
            return Ok(());
        };
        match effect {
            Effect::Apply => self
                .reservations
                .settle(ctx, state, &id, Settlement::Commit)?,
            Effect::Release => self
                .reservations
                .settle(ctx, state, &id, Settlement::Release)?,
            Effect::Nothing => {}
        }
        let entry = match existing {
            Some(entry) if effect == Effect::Nothing && entry.record == record => return Ok(()),
            Some(entry) => LegEntry {
                record,
                decided_at: Some(ctx.block),
                ..entry
            },
            // A tombstone: the abort overtook its prepare.
            None => LegEntry {
                leg_index: id.leg_index,
                record,
                deadline_ns: decision.deadline_ns,
                prepared_at: None,
                decided_at: Some(ctx.block),
            },
        };
        save_record(state, &id, &entry);
        ctx.emit(
            Event::new("xtx_decision")
                .attr("tx_id", hex::encode(tx_id))
                .attr("leg", id.leg_index)
                .attr("commit", decision.commit),
        );
        Ok(())
    }
}

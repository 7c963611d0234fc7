//! The coordinator's side of the `xtx` port: proven acknowledgements of
//! prepares (votes) and decisions, and proven prepare timeouts, turned into
//! machine inputs. A participant's error acknowledgement of a prepare is a
//! failed vote.

use xcc_chain::ibc::Port;
use xcc_chain::participant::PORT;
use xcc_chain::state::StateWrite;
use xcc_chain::xtx::packet::{DecisionApplied, PacketError, XtxPacket};
use xcc_chain::{BlockInfo, ExecError, MsgContext};
use xcc_proto::ibc::v1 as ibc_pb;

use crate::driver;
use crate::machine::{Input, Vote};
use crate::params::Params;
use crate::timeline::{note, TimelineStep};
use crate::CoordinatorModule;

/// A packet this chain sent, and the leg (of which cross-tx) it is about.
fn decode(packet: &ibc_pb::Packet) -> Result<(XtxPacket, [u8; 32], usize), ExecError> {
    let unreadable = |e: PacketError| match e {
        PacketError::Unreadable(_) | PacketError::Empty => {
            ExecError::invalid_msg("an xtx packet this chain cannot read")
        }
        other => ExecError::invalid_msg(other.to_string()),
    };
    let data = XtxPacket::decode(&packet.data).map_err(unreadable)?;
    let leg = data.leg().map_err(unreadable)?;
    Ok((data, leg.tx_id, leg.leg_index as usize))
}

/// What an acknowledgement of a decision tells the machine, and where the
/// leg applied it. An error acknowledgement, or one that cannot be read,
/// says the leg could not apply the decision: a fault, never done.
fn decision_input(leg: usize, ack: Result<&[u8], String>) -> (Input, Option<Option<BlockInfo>>) {
    match ack.map(DecisionApplied::decode) {
        Ok(Ok(applied)) => (Input::DecisionAcked { leg }, Some(applied.at)),
        Ok(Err(e)) => (
            Input::DecisionFailed {
                leg,
                reason: format!("an unreadable acknowledgement: {e}"),
            },
            None,
        ),
        Err(reason) => (Input::DecisionFailed { leg, reason }, None),
    }
}

impl Port for CoordinatorModule {
    fn name(&self) -> &'static str {
        PORT
    }

    fn on_recv(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &ibc_pb::Packet,
    ) -> Result<Vec<u8>, ExecError> {
        Err(ExecError::invalid_msg(
            "the coordinator takes no xtx packets",
        ))
    }

    fn on_acknowledge(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
        ack: &ibc_pb::Acknowledgement,
    ) -> Result<(), ExecError> {
        let (kind, tx_id, leg) = decode(packet)?;
        let Some(mut record) = driver::load(state, &tx_id)? else {
            // Pruned long ago: nothing is left to learn from the ack.
            return Ok(());
        };
        if leg >= record.legs.len() {
            return Err(ExecError::invalid_msg(format!("no leg {leg}")));
        }
        let chain = packet.dest_chain.clone();
        let params = Params::load(state)?;
        let result = match &ack.response {
            Some(ibc_pb::acknowledgement::Response::Result(bytes)) => Ok(bytes.as_slice()),
            Some(ibc_pb::acknowledgement::Response::Error(error)) => Err(error.clone()),
            None => Err("an empty acknowledgement".to_owned()),
        };
        let input = match kind {
            XtxPacket::Prepare(_) => {
                let (vote, at) = Vote::decode(result);
                let (step, detail) = match &vote {
                    Vote::Ok { .. } => (TimelineStep::Prepared, String::new()),
                    Vote::Failed { reason } => (TimelineStep::Refused, reason.clone()),
                };
                note(&mut record, step, &chain, at, detail);
                Input::Voted { leg, vote }
            }
            XtxPacket::Decision(decision) => {
                let (input, applied_at) = decision_input(leg, result);
                if let Some(at) = applied_at {
                    let step = if decision.commit {
                        TimelineStep::Committed
                    } else {
                        TimelineStep::Aborted
                    };
                    note(&mut record, step, &chain, at, "");
                }
                input
            }
        };
        driver::step(ctx, state, &params, &mut record, input)
    }

    fn on_timeout(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
    ) -> Result<(), ExecError> {
        let (kind, tx_id, leg) = decode(packet)?;
        if !matches!(kind, XtxPacket::Prepare(_)) {
            return Err(ExecError::invalid_msg("decision packets never time out"));
        }
        let Some(mut record) = driver::load(state, &tx_id)? else {
            return Ok(());
        };
        let params = Params::load(state)?;
        note(
            &mut record,
            TimelineStep::PrepareTimedOut,
            &packet.dest_chain,
            None,
            format!("leg {leg}"),
        );
        driver::step(
            ctx,
            state,
            &params,
            &mut record,
            Input::PrepareTimedOut { leg },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_applied_decision_counts_as_acknowledged() {
        let applied = DecisionApplied {
            committed: true,
            at: None,
        }
        .encode();
        let (input, _) = decision_input(1, Ok(&applied));
        assert_eq!(input, Input::DecisionAcked { leg: 1 });
        let (input, at) = decision_input(1, Err("the hold is not covered".into()));
        assert_eq!(
            (input, at),
            (
                Input::DecisionFailed {
                    leg: 1,
                    reason: "the hold is not covered".into()
                },
                None
            )
        );
        let (input, _) = decision_input(0, Ok(&[0xff, 0xff]));
        assert!(matches!(input, Input::DecisionFailed { leg: 0, .. }));
    }
}

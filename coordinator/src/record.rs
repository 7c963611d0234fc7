//! A cross-tx's stored record (`xcc.coordinator.v1.CrossTxRecord`) and the
//! coordinator machine it holds: conversions both ways live here.

use xcc_proto::coordinator::v1 as pb;

use crate::machine::{AbortReason, Coordinator, Decision, DecisionAck, LegPlan, LegState, Phase};

#[derive(Debug, thiserror::Error)]
#[error("corrupt cross-tx record: {0}")]
pub struct CorruptRecord(pub String);

fn corrupt(what: impl Into<String>) -> CorruptRecord {
    CorruptRecord(what.into())
}

pub fn abort_to_proto(reason: &AbortReason) -> pb::AbortReason {
    use pb::abort_reason::Kind;
    let kind = match reason {
        AbortReason::VoteFailed { leg, reason } => Kind::VoteFailed(pb::abort_reason::VoteFailed {
            leg: *leg as u32,
            reason: reason.clone(),
        }),
        AbortReason::PrepareTimedOut { leg } => Kind::PrepareTimedOut(*leg as u32),
        AbortReason::DeadlinePassed => Kind::DeadlinePassed(true),
    };
    pb::AbortReason { kind: Some(kind) }
}

fn abort_from_proto(reason: &pb::AbortReason) -> Result<AbortReason, CorruptRecord> {
    use pb::abort_reason::Kind;
    match &reason.kind {
        Some(Kind::VoteFailed(failed)) => Ok(AbortReason::VoteFailed {
            leg: failed.leg as usize,
            reason: failed.reason.clone(),
        }),
        Some(Kind::PrepareTimedOut(leg)) => Ok(AbortReason::PrepareTimedOut { leg: *leg as usize }),
        Some(Kind::DeadlinePassed(_)) => Ok(AbortReason::DeadlinePassed),
        None => Err(corrupt("an abort without a reason")),
    }
}

/// A human sentence for an abort reason.
pub fn describe_abort(reason: &AbortReason, legs: &[pb::Leg]) -> String {
    let chain = |leg: usize| {
        legs.get(leg)
            .map_or("?", |l| l.chain_id.as_str())
            .to_owned()
    };
    match reason {
        AbortReason::VoteFailed { leg, reason } => {
            format!("leg {leg} on {} voted failed: {reason}", chain(*leg))
        }
        AbortReason::PrepareTimedOut { leg } => {
            format!("the prepare of leg {leg} on {} timed out", chain(*leg))
        }
        AbortReason::DeadlinePassed => "the deadline passed with votes missing".to_owned(),
    }
}

/// What the machine knows of each leg of a record.
pub fn plans(legs: &[pb::Leg]) -> Vec<LegPlan> {
    legs.iter()
        .map(|leg| LegPlan {
            chain_id: leg.chain_id.clone(),
            depends_on: leg.depends_on.map(|on| on as usize),
        })
        .collect()
}

/// The machine a record holds.
pub fn machine(record: &pb::CrossTxRecord) -> Result<Coordinator, CorruptRecord> {
    let plans = plans(&record.legs);
    let phase = match pb::Phase::try_from(record.phase) {
        // Taken in, not started yet.
        Ok(pb::Phase::Unspecified) => {
            return Coordinator::new(plans, record.deadline_ns).map_err(|e| corrupt(e.to_string()))
        }
        Ok(pb::Phase::Preparing) => Phase::Preparing {
            legs: record
                .legs
                .iter()
                .map(leg_state)
                .collect::<Result<_, _>>()?,
        },
        Ok(pb::Phase::Decided) => Phase::Decided {
            decision: decision(record)?,
            acked: record
                .legs
                .iter()
                .map(|leg| leg.decision_due.then(|| decision_ack(leg)))
                .collect(),
        },
        Ok(pb::Phase::Done) => Phase::Done {
            decision: decision(record)?,
        },
        _ => return Err(corrupt(format!("phase {}", record.phase))),
    };
    Ok(Coordinator::restore(plans, record.deadline_ns, phase))
}

fn decision_ack(leg: &pb::Leg) -> DecisionAck {
    if !leg.decision_fault.is_empty() {
        DecisionAck::Failed {
            reason: leg.decision_fault.clone(),
        }
    } else if leg.decision_acked {
        DecisionAck::Applied
    } else {
        DecisionAck::Pending
    }
}

fn leg_state(leg: &pb::Leg) -> Result<LegState, CorruptRecord> {
    match pb::LegState::try_from(leg.state) {
        Ok(pb::LegState::Waiting) => Ok(LegState::Waiting),
        Ok(pb::LegState::Preparing) => Ok(LegState::Preparing),
        Ok(pb::LegState::VotedOk) => Ok(LegState::VotedOk),
        Ok(pb::LegState::VotedFailed) => Ok(LegState::VotedFailed {
            reason: leg.reason.clone(),
        }),
        _ => Err(corrupt(format!("leg state {}", leg.state))),
    }
}

fn decision(record: &pb::CrossTxRecord) -> Result<Decision, CorruptRecord> {
    if !record.decided {
        return Err(corrupt("decided phase without a decision"));
    }
    if record.commit {
        return Ok(Decision::Commit);
    }
    let reason = record
        .abort_reason
        .as_ref()
        .ok_or_else(|| corrupt("an abort without a reason"))?;
    Ok(Decision::Abort(abort_from_proto(reason)?))
}

/// Writes the machine's phase back into the record (votes, decision, acks).
pub fn store_phase(record: &mut pb::CrossTxRecord, coordinator: &Coordinator) {
    match coordinator.phase() {
        Phase::New => {}
        Phase::Preparing { legs } => {
            record.phase = pb::Phase::Preparing as i32;
            for (leg, state) in record.legs.iter_mut().zip(legs) {
                set_leg_state(leg, state);
            }
        }
        Phase::Decided { decision, acked } => {
            record.phase = pb::Phase::Decided as i32;
            set_decision(record, decision);
            for (leg, acked) in record.legs.iter_mut().zip(acked) {
                leg.decision_due = acked.is_some();
                leg.decision_acked = *acked == Some(DecisionAck::Applied);
                leg.decision_fault = match acked {
                    Some(DecisionAck::Failed { reason }) => reason.clone(),
                    _ => String::new(),
                };
            }
        }
        Phase::Done { decision } => {
            record.phase = pb::Phase::Done as i32;
            set_decision(record, decision);
            for leg in &mut record.legs {
                leg.decision_acked = leg.decision_due;
            }
        }
    }
}

/// Records a leg's state; an OK vote's result is stored apart, by the driver.
pub fn set_leg_state(leg: &mut pb::Leg, state: &LegState) {
    let (state, reason) = match state {
        LegState::Waiting => (pb::LegState::Waiting, String::new()),
        LegState::Preparing => (pb::LegState::Preparing, String::new()),
        LegState::VotedOk => (pb::LegState::VotedOk, String::new()),
        LegState::VotedFailed { reason } => (pb::LegState::VotedFailed, reason.clone()),
    };
    leg.state = state as i32;
    leg.reason = reason;
}

fn set_decision(record: &mut pb::CrossTxRecord, decision: &Decision) {
    record.decided = true;
    record.commit = decision.is_commit();
    record.abort_reason = match decision {
        Decision::Commit => None,
        Decision::Abort(reason) => Some(abort_to_proto(reason)),
    };
}

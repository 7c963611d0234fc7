//! 8.1 Atomicity: for every cross-tx, either every leg committed or none did.

use std::collections::{BTreeMap, BTreeSet};

use xcc_proto::coordinator::v1 as coord;
use xcc_proto::xtx::v1 as xtx;

use crate::reading::{leg_status, Reading};
use crate::{Decision, TxId};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AtomicityViolation {
    #[error("cross-tx {tx_id} is done ({decision}) but its leg on {chain} is {found:?}")]
    DoneButLegDiffers {
        tx_id: TxId,
        decision: Decision,
        chain: String,
        /// None: the chain has no record of the leg.
        found: Option<xtx::LegStatus>,
    },
    #[error("the leg of {tx_id} on {chain} {} against the coordinator's decision", .applied.applied())]
    AgainstDecision {
        tx_id: TxId,
        chain: String,
        applied: Decision,
    },
    #[error("the leg of {tx_id} on {chain} was decided before the coordinator decided")]
    BeforeDecision { tx_id: TxId, chain: String },
    /// The leg acknowledged the decision with an error: the other legs may
    /// have applied it.
    #[error("the leg of {tx_id} on {chain} could not apply the {decision}: {fault}")]
    DecisionFault {
        tx_id: TxId,
        chain: String,
        decision: Decision,
        fault: String,
    },
}

pub fn judge(reading: &Reading) -> Vec<AtomicityViolation> {
    let mut violations = done_records_applied(reading);
    violations.extend(applied_legs_decided(reading));
    violations.extend(decision_faults(reading));
    violations
}

fn decision_faults(reading: &Reading) -> impl Iterator<Item = AtomicityViolation> + '_ {
    reading.records_after.iter().flat_map(|record| {
        let faulted = record.legs.iter().filter(|l| !l.decision_fault.is_empty());
        faulted.map(|leg| AtomicityViolation::DecisionFault {
            tx_id: TxId::of(&record.tx_id),
            chain: leg.chain_id.clone(),
            decision: Decision::from_commit(record.commit),
            fault: leg.decision_fault.clone(),
        })
    })
}

/// A done cross-tx (read before the participants) has its decision applied
/// on every leg it was sent to.
fn done_records_applied(reading: &Reading) -> Vec<AtomicityViolation> {
    let mut violations = Vec::new();
    let leg_of = |chain: &str, tx_id: &[u8]| {
        reading
            .legs
            .get(chain)
            .and_then(|legs| legs.iter().find(|l| l.tx_id == tx_id))
    };
    for record in &reading.records_before {
        if record.phase != coord::Phase::Done as i32 {
            continue;
        }
        let decision = Decision::from_commit(record.commit);
        let expected = match decision {
            Decision::Commit => xtx::LegStatus::Committed,
            Decision::Abort => xtx::LegStatus::Aborted,
        };
        for leg in record.legs.iter().filter(|l| l.decision_due) {
            let found = leg_of(&leg.chain_id, &record.tx_id).map(leg_status);
            if found != Some(expected) {
                violations.push(AtomicityViolation::DoneButLegDiffers {
                    tx_id: TxId::of(&record.tx_id),
                    decision,
                    chain: leg.chain_id.clone(),
                    found,
                });
            }
        }
    }
    violations
}

/// A leg committed or released (read before the records after) agrees with
/// the decision, which is recorded before any decision packet leaves.
fn applied_legs_decided(reading: &Reading) -> Vec<AtomicityViolation> {
    let mut violations = Vec::new();
    let decided: BTreeMap<&[u8], bool> = reading
        .records_after
        .iter()
        .filter(|r| r.decided)
        .map(|r| (r.tx_id.as_slice(), r.commit))
        .collect();
    let retained: BTreeSet<&[u8]> = reading
        .records_after
        .iter()
        .map(|r| r.tx_id.as_slice())
        .collect();
    for (chain, legs) in &reading.legs {
        for leg in legs {
            let applied = match leg_status(leg) {
                xtx::LegStatus::Committed => true,
                xtx::LegStatus::Aborted if leg.prepared_at.is_some() => false,
                _ => continue,
            };
            let tx_id = || TxId::of(&leg.tx_id);
            match decided.get(leg.tx_id.as_slice()) {
                Some(decision) if *decision == applied => {}
                Some(_) => violations.push(AtomicityViolation::AgainstDecision {
                    tx_id: tx_id(),
                    chain: chain.clone(),
                    applied: Decision::from_commit(applied),
                }),
                None if retained.contains(leg.tx_id.as_slice()) => {
                    violations.push(AtomicityViolation::BeforeDecision {
                        tx_id: tx_id(),
                        chain: chain.clone(),
                    })
                }
                // Pruned from the coordinator after its retention window.
                None => {}
            }
        }
    }
    violations
}

//! What a participant chain does with the coordinator's packets for one
//! cross-tx leg, as a pure function of what it recorded before: no state
//! access and no clock (block time comes in). Reservations themselves are
//! the modules' business; this decides when to make, apply or release them.
//!
//! Every handler is idempotent: a duplicate prepare answers the vote it
//! answered before, a duplicate decision changes nothing, and an abort that
//! overtakes its prepare leaves a tombstone that refuses the prepare later.
//! Past a leg's retention its record may be pruned; a decision that comes
//! again after that finds it forgotten and does nothing.

/// What the participant recorded for a leg.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Record {
    /// Reservations are held; the leg voted OK with this result.
    Prepared {
        result: Vec<u8>,
    },
    /// The leg voted failed; nothing is held.
    Refused {
        reason: String,
    },
    Committed,
    /// Aborted, or an abort seen before the prepare (a tombstone).
    Aborted,
}

pub use crate::xtx::Vote;

/// What a prepare asks of the chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnPrepare {
    /// Run the leg as reservations, then record with [`prepared`].
    Reserve,
    /// Answer at once, recording nothing new.
    Answer(Vote),
    /// Vote failed for this reason, and record the refusal.
    Refuse(String),
}

/// A prepare for a leg whose record is `record`, in a block at `now_ns`.
pub fn on_prepare(record: Option<&Record>, deadline_ns: u64, now_ns: u64) -> OnPrepare {
    match record {
        Some(Record::Prepared { result }) => OnPrepare::Answer(Vote::Ok {
            result: result.clone(),
        }),
        Some(Record::Refused { reason }) => OnPrepare::Answer(Vote::Failed {
            reason: reason.clone(),
        }),
        Some(Record::Aborted) => OnPrepare::Answer(Vote::Failed {
            reason: "the cross-tx was aborted before this prepare arrived".to_owned(),
        }),
        Some(Record::Committed) => OnPrepare::Answer(Vote::Failed {
            reason: "the cross-tx already committed here".to_owned(),
        }),
        None if now_ns >= deadline_ns => {
            OnPrepare::Refuse(format!("the deadline ({deadline_ns} ns) has passed"))
        }
        None => OnPrepare::Reserve,
    }
}

/// The record and vote after the reservations were tried: held with their
/// result, or (all undone) refused with the reason.
pub fn prepared(outcome: Result<Vec<u8>, String>) -> (Record, Vote) {
    match outcome {
        Ok(result) => (
            Record::Prepared {
                result: result.clone(),
            },
            Vote::Ok { result },
        ),
        Err(reason) => (
            Record::Refused {
                reason: reason.clone(),
            },
            Vote::Failed { reason },
        ),
    }
}

/// What a decision does to the reservations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Make the reserved changes final.
    Apply,
    /// Give back what was reserved.
    Release,
    /// Nothing is held (a duplicate, or a leg that voted failed).
    Nothing,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    /// The coordinator commits only when every leg voted OK; a commit for a
    /// leg that did not is a coordinator fault, and applying nothing is the
    /// only safe answer.
    #[error("a commit for a leg that {0}")]
    CommitWithoutPrepare(&'static str),
}

/// What a decision does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OnDecision {
    /// Record this, and do this to the reservations.
    Settle(Record, Effect),
    /// No record of the leg is left past its retention: the leg was
    /// settled long ago and its record pruned (a commit is sent only for a
    /// leg that voted OK, whose record is kept until its decision arrives),
    /// or an abort overtook a prepare that can no longer come. Nothing is
    /// applied, released or recorded.
    Forgotten,
}

/// A decision for a leg whose record is `record`. `past_retention`: the
/// block is past the leg's deadline plus the retention, when a finished
/// record is pruned.
pub fn on_decision(
    record: Option<&Record>,
    commit: bool,
    past_retention: bool,
) -> Result<OnDecision, DecisionError> {
    if record.is_none() && past_retention {
        return Ok(OnDecision::Forgotten);
    }
    let (record, effect) = settle(record, commit)?;
    Ok(OnDecision::Settle(record, effect))
}

fn settle(record: Option<&Record>, commit: bool) -> Result<(Record, Effect), DecisionError> {
    match (record, commit) {
        (Some(Record::Prepared { .. }), true) => Ok((Record::Committed, Effect::Apply)),
        (Some(Record::Prepared { .. }), false) => Ok((Record::Aborted, Effect::Release)),
        (Some(Record::Committed), true) => Ok((Record::Committed, Effect::Nothing)),
        (Some(Record::Aborted | Record::Refused { .. }), false) | (None, false) => {
            Ok((Record::Aborted, Effect::Nothing))
        }
        (Some(Record::Committed), false) => Err(DecisionError::CommitWithoutPrepare(
            "committed is now told to abort",
        )),
        (Some(Record::Refused { .. }), true) => {
            Err(DecisionError::CommitWithoutPrepare("voted failed"))
        }
        (Some(Record::Aborted), true) => Err(DecisionError::CommitWithoutPrepare("was aborted")),
        (None, true) => Err(DecisionError::CommitWithoutPrepare("was never prepared")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEADLINE: u64 = 100;

    #[test]
    fn a_prepare_reserves_once_and_answers_the_same_vote_after() {
        assert_eq!(on_prepare(None, DEADLINE, 10), OnPrepare::Reserve);
        let (record, vote) = prepared(Ok(b"done".to_vec()));
        assert_eq!(
            vote,
            Vote::Ok {
                result: b"done".to_vec()
            }
        );
        assert_eq!(
            on_prepare(Some(&record), DEADLINE, 20),
            OnPrepare::Answer(vote)
        );

        let (refused, vote) = prepared(Err("seller lacks units".into()));
        assert_eq!(
            on_prepare(Some(&refused), DEADLINE, 20),
            OnPrepare::Answer(vote)
        );
    }

    #[test]
    fn a_prepare_past_its_deadline_or_after_an_abort_is_refused() {
        assert!(matches!(
            on_prepare(None, DEADLINE, DEADLINE),
            OnPrepare::Refuse(_)
        ));
        assert!(matches!(
            on_prepare(Some(&Record::Aborted), DEADLINE, 10),
            OnPrepare::Answer(Vote::Failed { .. })
        ));
    }

    #[test]
    fn decisions_apply_or_release_what_a_prepare_holds_once() {
        let held = Record::Prepared { result: Vec::new() };
        assert_eq!(
            settle(Some(&held), true),
            Ok((Record::Committed, Effect::Apply))
        );
        assert_eq!(
            settle(Some(&held), false),
            Ok((Record::Aborted, Effect::Release))
        );
        assert_eq!(
            settle(Some(&Record::Committed), true),
            Ok((Record::Committed, Effect::Nothing))
        );
        assert_eq!(
            settle(Some(&Record::Aborted), false),
            Ok((Record::Aborted, Effect::Nothing))
        );
    }

    #[test]
    fn an_abort_before_the_prepare_leaves_a_tombstone() {
        let Ok(OnDecision::Settle(tombstone, effect)) = on_decision(None, false, false) else {
            panic!("an abort with no record settles");
        };
        assert_eq!(
            (tombstone.clone(), effect),
            (Record::Aborted, Effect::Nothing)
        );
        assert!(matches!(
            on_prepare(Some(&tombstone), DEADLINE, 10),
            OnPrepare::Answer(Vote::Failed { .. })
        ));
    }

    #[test]
    fn a_decision_past_the_retention_follows_the_record_or_finds_it_forgotten() {
        for commit in [true, false] {
            assert_eq!(on_decision(None, commit, true), Ok(OnDecision::Forgotten));
        }
        let held = Record::Prepared { result: Vec::new() };
        assert_eq!(
            on_decision(Some(&held), true, true),
            Ok(OnDecision::Settle(Record::Committed, Effect::Apply))
        );
        assert_eq!(
            on_decision(Some(&Record::Committed), true, true),
            Ok(OnDecision::Settle(Record::Committed, Effect::Nothing))
        );
        assert!(on_decision(Some(&Record::Aborted), true, true).is_err());
    }

    #[test]
    fn a_commit_for_a_leg_that_holds_nothing_applies_nothing() {
        let refused = Record::Refused {
            reason: "no".into(),
        };
        for record in [None, Some(&refused), Some(&Record::Aborted)] {
            assert!(on_decision(record, true, false).is_err());
        }
        assert!(on_decision(Some(&Record::Committed), false, true).is_err());
    }
}

//! The two-phase commit coordinator of one cross-tx, as a pure state
//! machine in the manner of Malachite's `core-state-machine`: `apply` takes
//! an input (a vote, a proven timeout, a block time, an ack) and returns
//! the outputs the chain must carry out (prepare packets, the decision,
//! decision packets). Nothing here touches state, packets or clocks.
//!
//! `Preparing -> Decided -> Done`. Legs with no dependency are prepared at
//! once; a leg that depends on another is prepared once that leg voted OK,
//! with its result as input. Any failed vote, a prepare that timed out, or
//! block time reaching the deadline with votes missing decides Abort; all
//! votes OK decide Commit. The decision is an output before any decision
//! packet, so the chain records it first. The cross-tx is done when every
//! leg that was sent a decision has applied it; a leg that acknowledges it
//! with an error is a fault, recorded and reported, and the cross-tx never
//! becomes done.

/// A leg's position in its cross-tx.
pub type LegIndex = usize;

/// What the coordinator knows of a leg before it runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegPlan {
    pub chain_id: String,
    /// The leg whose OK result this leg takes as input; always an earlier
    /// leg, so dependencies cannot form a cycle.
    pub depends_on: Option<LegIndex>,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("a cross-tx needs at least one leg")]
    NoLegs,
    #[error("leg {leg} depends on leg {on}, which is not an earlier leg")]
    BadDependency { leg: LegIndex, on: LegIndex },
}

/// A participant's answer to a prepare, as every chain reads it.
pub use xcc_chain::xtx::Vote;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Commit,
    Abort(AbortReason),
}

impl Decision {
    pub fn is_commit(&self) -> bool {
        matches!(self, Decision::Commit)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AbortReason {
    VoteFailed { leg: LegIndex, reason: String },
    PrepareTimedOut { leg: LegIndex },
    DeadlinePassed,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Intake accepted the cross-tx.
    Start,
    /// A leg's vote, from a proven acknowledgement of its prepare.
    Voted { leg: LegIndex, vote: Vote },
    /// A leg's prepare packet was proven timed out.
    PrepareTimedOut { leg: LegIndex },
    /// A block began at this time (unix nanoseconds).
    BlockTime { now_ns: u64 },
    /// A leg acknowledged the decision as applied.
    DecisionAcked { leg: LegIndex },
    /// A leg acknowledged the decision with an error: it could not apply it.
    DecisionFailed { leg: LegIndex, reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// Send the leg its prepare packet, timing out at the deadline.
    SendPrepare {
        leg: LegIndex,
        input: Option<Vec<u8>>,
    },
    /// Record the decision (before any decision packet leaves).
    Decided(Decision),
    /// Send the leg the decision; such packets never time out.
    SendDecision { leg: LegIndex, commit: bool },
    /// A leg could not apply the decision: a fault to record and report.
    /// Retrying cannot change it, and the cross-tx never becomes done.
    Fault { leg: LegIndex, reason: String },
    /// Every leg that was sent the decision applied it.
    Done,
}

/// Why an input changed nothing.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Ignored {
    #[error("leg {leg} awaits no vote (a duplicate, or an unknown leg)")]
    NoVoteAwaited { leg: LegIndex },
    #[error("the prepare of leg {leg} is not awaiting a vote")]
    PrepareNotPending { leg: LegIndex },
    #[error("the block time has not reached the deadline")]
    DeadlineNotReached,
    #[error("leg {leg} owes no acknowledgement of the decision")]
    NoAckAwaited { leg: LegIndex },
    #[error("{input} does not fit the {phase} phase")]
    OutOfPhase {
        input: &'static str,
        phase: &'static str,
    },
}

impl Ignored {
    fn of(phase: &Phase, input: &Input) -> Self {
        match (phase, input) {
            (Phase::Preparing { .. }, Input::PrepareTimedOut { leg }) => {
                Ignored::PrepareNotPending { leg: *leg }
            }
            (Phase::Preparing { .. }, Input::BlockTime { .. }) => Ignored::DeadlineNotReached,
            (
                Phase::Decided { .. },
                Input::DecisionAcked { leg } | Input::DecisionFailed { leg, .. },
            ) => Ignored::NoAckAwaited { leg: *leg },
            _ => Ignored::OutOfPhase {
                input: input.name(),
                phase: phase.name(),
            },
        }
    }
}

impl Input {
    fn name(&self) -> &'static str {
        match self {
            Input::Start => "the start",
            Input::Voted { .. } => "a vote",
            Input::PrepareTimedOut { .. } => "a prepare's timeout",
            Input::BlockTime { .. } => "a block time",
            Input::DecisionAcked { .. } => "a decision's acknowledgement",
            Input::DecisionFailed { .. } => "a decision's error acknowledgement",
        }
    }
}

impl Phase {
    fn name(&self) -> &'static str {
        match self {
            Phase::New => "new",
            Phase::Preparing { .. } => "preparing",
            Phase::Decided { .. } => "decided",
            Phase::Done { .. } => "done",
        }
    }
}

/// Where a leg that was sent the decision stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecisionAck {
    Pending,
    Applied,
    /// The leg acknowledged with an error.
    Failed {
        reason: String,
    },
}

/// Where one leg stands while the cross-tx is being prepared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegState {
    /// Waiting for the leg it depends on to vote OK.
    Waiting,
    /// Its prepare was sent; no vote yet.
    Preparing,
    /// Voted OK; the result went to the legs that depend on it as the vote
    /// arrived, so the machine keeps none.
    VotedOk,
    VotedFailed {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Before `Start`.
    New,
    Preparing {
        legs: Vec<LegState>,
    },
    /// `acked[leg]` is `None` for a leg that was never sent a prepare (so
    /// needs no decision), else how it acknowledged the decision.
    Decided {
        decision: Decision,
        acked: Vec<Option<DecisionAck>>,
    },
    Done {
        decision: Decision,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coordinator {
    legs: Vec<LegPlan>,
    deadline_ns: u64,
    phase: Phase,
}

impl Coordinator {
    pub fn new(legs: Vec<LegPlan>, deadline_ns: u64) -> Result<Self, PlanError> {
        if legs.is_empty() {
            return Err(PlanError::NoLegs);
        }
        for (leg, plan) in legs.iter().enumerate() {
            if let Some(on) = plan.depends_on {
                if on >= leg {
                    return Err(PlanError::BadDependency { leg, on });
                }
            }
        }
        Ok(Coordinator {
            legs,
            deadline_ns,
            phase: Phase::New,
        })
    }

    /// Rebuilds a coordinator from its recorded parts.
    pub fn restore(legs: Vec<LegPlan>, deadline_ns: u64, phase: Phase) -> Self {
        Coordinator {
            legs,
            deadline_ns,
            phase,
        }
    }

    pub fn legs(&self) -> &[LegPlan] {
        &self.legs
    }

    pub fn deadline_ns(&self) -> u64 {
        self.deadline_ns
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn decision(&self) -> Option<&Decision> {
        match &self.phase {
            Phase::Decided { decision, .. } | Phase::Done { decision } => Some(decision),
            Phase::New | Phase::Preparing { .. } => None,
        }
    }

    /// Applies one input and returns the outputs to carry out. An input
    /// that does not fit the phase (a duplicate vote, a late vote after the
    /// decision, an ack before it) changes nothing and is reported with the
    /// reason, so replays are harmless and still visible.
    pub fn apply(&mut self, input: Input) -> Result<Vec<Output>, Ignored> {
        let phase = std::mem::replace(&mut self.phase, Phase::New);
        let (phase, outputs) = self.step(phase, input);
        self.phase = phase;
        outputs
    }

    fn step(&self, phase: Phase, input: Input) -> (Phase, Result<Vec<Output>, Ignored>) {
        match (phase, input) {
            (Phase::Preparing { legs }, Input::Voted { leg, vote }) => {
                self.on_vote(legs, leg, vote)
            }
            (phase, input) => self.step_valid(phase, input),
        }
    }

    fn step_valid(&self, phase: Phase, input: Input) -> (Phase, Result<Vec<Output>, Ignored>) {
        let (phase, outputs) = match (phase, input) {
            (Phase::New, Input::Start) => {
                let legs: Vec<LegState> = self
                    .legs
                    .iter()
                    .map(|plan| match plan.depends_on {
                        None => LegState::Preparing,
                        Some(_) => LegState::Waiting,
                    })
                    .collect();
                let outputs = legs
                    .iter()
                    .enumerate()
                    .filter(|(_, state)| **state == LegState::Preparing)
                    .map(|(leg, _)| Output::SendPrepare { leg, input: None })
                    .collect();
                (Phase::Preparing { legs }, outputs)
            }
            (Phase::Preparing { legs }, Input::PrepareTimedOut { leg })
                if legs.get(leg) == Some(&LegState::Preparing) =>
            {
                self.decide(&legs, Decision::Abort(AbortReason::PrepareTimedOut { leg }))
            }
            (Phase::Preparing { legs }, Input::BlockTime { now_ns })
                if now_ns >= self.deadline_ns =>
            {
                self.decide(&legs, Decision::Abort(AbortReason::DeadlinePassed))
            }
            (
                Phase::Decided {
                    decision,
                    mut acked,
                },
                Input::DecisionAcked { leg },
            ) if acked.get(leg) == Some(&Some(DecisionAck::Pending)) => {
                acked[leg] = Some(DecisionAck::Applied);
                let all_applied = acked
                    .iter()
                    .flatten()
                    .all(|ack| *ack == DecisionAck::Applied);
                if all_applied {
                    (Phase::Done { decision }, vec![Output::Done])
                } else {
                    (Phase::Decided { decision, acked }, Vec::new())
                }
            }
            (
                Phase::Decided {
                    decision,
                    mut acked,
                },
                Input::DecisionFailed { leg, reason },
            ) if acked.get(leg) == Some(&Some(DecisionAck::Pending)) => {
                acked[leg] = Some(DecisionAck::Failed {
                    reason: reason.clone(),
                });
                (
                    Phase::Decided { decision, acked },
                    vec![Output::Fault { leg, reason }],
                )
            }
            (phase, input) => {
                let ignored = Ignored::of(&phase, &input);
                return (phase, Err(ignored));
            }
        };
        (phase, Ok(outputs))
    }

    fn on_vote(
        &self,
        mut legs: Vec<LegState>,
        leg: LegIndex,
        vote: Vote,
    ) -> (Phase, Result<Vec<Output>, Ignored>) {
        if legs.get(leg) != Some(&LegState::Preparing) {
            return (
                Phase::Preparing { legs },
                Err(Ignored::NoVoteAwaited { leg }),
            );
        }
        let result = match vote {
            Vote::Failed { reason } => {
                legs[leg] = LegState::VotedFailed {
                    reason: reason.clone(),
                };
                let (phase, outputs) = self.decide(
                    &legs,
                    Decision::Abort(AbortReason::VoteFailed { leg, reason }),
                );
                return (phase, Ok(outputs));
            }
            Vote::Ok { result } => result,
        };
        legs[leg] = LegState::VotedOk;
        let mut outputs = Vec::new();
        for (dependent, plan) in self.legs.iter().enumerate() {
            if plan.depends_on == Some(leg) && legs[dependent] == LegState::Waiting {
                legs[dependent] = LegState::Preparing;
                outputs.push(Output::SendPrepare {
                    leg: dependent,
                    input: Some(result.clone()),
                });
            }
        }
        let all_ok = legs.iter().all(|state| *state == LegState::VotedOk);
        if all_ok {
            let (phase, outputs) = self.decide(&legs, Decision::Commit);
            return (phase, Ok(outputs));
        }
        (Phase::Preparing { legs }, Ok(outputs))
    }

    /// Records the decision, then sends it to every leg that was prepared
    /// or is being prepared; a leg never sent a prepare needs no decision.
    fn decide(&self, legs: &[LegState], decision: Decision) -> (Phase, Vec<Output>) {
        let acked: Vec<Option<DecisionAck>> = legs
            .iter()
            .map(|state| match state {
                LegState::Waiting => None,
                LegState::Preparing | LegState::VotedOk | LegState::VotedFailed { .. } => {
                    Some(DecisionAck::Pending)
                }
            })
            .collect();
        let commit = decision.is_commit();
        let mut outputs = vec![Output::Decided(decision.clone())];
        outputs.extend(
            acked
                .iter()
                .enumerate()
                .filter(|(_, a)| a.is_some())
                .map(|(leg, _)| Output::SendDecision { leg, commit }),
        );
        (Phase::Decided { decision, acked }, outputs)
    }
}

#[cfg(test)]
mod tests;

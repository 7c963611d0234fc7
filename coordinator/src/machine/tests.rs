use proptest::prelude::*;

use super::*;

const DEADLINE: u64 = 1_000;

/// The outputs of an input, none when it is ignored.
trait ApplyOrNothing {
    fn apply_or_nothing(&mut self, input: Input) -> Vec<Output>;
}

impl ApplyOrNothing for Coordinator {
    fn apply_or_nothing(&mut self, input: Input) -> Vec<Output> {
        self.apply(input).unwrap_or_default()
    }
}

#[test]
fn inputs_that_do_not_fit_are_reported_with_why() {
    let mut c = swap();
    assert_eq!(
        c.apply(Input::DecisionAcked { leg: 0 }),
        Err(Ignored::OutOfPhase {
            input: "a decision's acknowledgement",
            phase: "new"
        })
    );
    c.apply(Input::Start).unwrap();
    assert_eq!(
        c.apply(Input::BlockTime {
            now_ns: DEADLINE - 1
        }),
        Err(Ignored::DeadlineNotReached)
    );
    c.apply(voted(0, ok_vote())).unwrap();
    assert_eq!(
        c.apply(voted(0, ok_vote())),
        Err(Ignored::NoVoteAwaited { leg: 0 })
    );
    assert_eq!(
        c.apply(voted(9, ok_vote())),
        Err(Ignored::NoVoteAwaited { leg: 9 })
    );
    assert_eq!(
        c.apply(Input::PrepareTimedOut { leg: 0 }),
        Err(Ignored::PrepareNotPending { leg: 0 })
    );
    c.apply(voted(1, ok_vote())).unwrap();
    c.apply(Input::DecisionAcked { leg: 0 }).unwrap();
    assert_eq!(
        c.apply(Input::DecisionAcked { leg: 0 }),
        Err(Ignored::NoAckAwaited { leg: 0 })
    );
}

fn leg(chain_id: &str, depends_on: Option<LegIndex>) -> LegPlan {
    LegPlan {
        chain_id: chain_id.to_owned(),
        depends_on,
    }
}

fn swap() -> Coordinator {
    Coordinator::new(
        vec![leg("security-1", None), leg("currency-1", None)],
        DEADLINE,
    )
    .unwrap()
}

fn payout() -> Coordinator {
    Coordinator::new(
        vec![leg("security-1", None), leg("currency-1", Some(0))],
        DEADLINE,
    )
    .unwrap()
}

fn ok(result: &[u8]) -> Input {
    Input::Voted {
        leg: 0,
        vote: Vote::Ok {
            result: result.to_vec(),
        },
    }
}

fn voted(leg: LegIndex, vote: Vote) -> Input {
    Input::Voted { leg, vote }
}

fn ok_vote() -> Vote {
    Vote::Ok { result: Vec::new() }
}

fn failed(reason: &str) -> Vote {
    Vote::Failed {
        reason: reason.to_owned(),
    }
}

#[test]
fn a_leg_that_cannot_apply_the_decision_is_a_fault_and_never_done() {
    let mut c = swap();
    c.apply_or_nothing(Input::Start);
    c.apply_or_nothing(voted(0, ok_vote()));
    c.apply_or_nothing(voted(1, ok_vote()));
    let fault = Input::DecisionFailed {
        leg: 1,
        reason: "the hold is not covered".into(),
    };
    assert_eq!(
        c.apply_or_nothing(fault.clone()),
        vec![Output::Fault {
            leg: 1,
            reason: "the hold is not covered".into()
        }]
    );
    assert!(
        c.apply_or_nothing(fault).is_empty(),
        "a fault is reported once"
    );
    assert!(c
        .apply_or_nothing(Input::DecisionAcked { leg: 1 })
        .is_empty());
    assert!(c
        .apply_or_nothing(Input::DecisionAcked { leg: 0 })
        .is_empty());
    assert!(
        matches!(c.phase(), Phase::Decided { acked, .. }
            if acked[1] == Some(DecisionAck::Failed { reason: "the hold is not covered".into() })),
        "{:?}",
        c.phase()
    );
}

#[test]
fn all_votes_ok_commit_and_every_ack_ends_it() {
    let mut c = swap();
    assert_eq!(
        c.apply_or_nothing(Input::Start),
        vec![
            Output::SendPrepare {
                leg: 0,
                input: None
            },
            Output::SendPrepare {
                leg: 1,
                input: None
            }
        ]
    );
    assert!(c.apply_or_nothing(voted(0, ok_vote())).is_empty());
    assert_eq!(
        c.apply_or_nothing(voted(1, ok_vote())),
        vec![
            Output::Decided(Decision::Commit),
            Output::SendDecision {
                leg: 0,
                commit: true
            },
            Output::SendDecision {
                leg: 1,
                commit: true
            }
        ]
    );
    assert!(c
        .apply_or_nothing(Input::DecisionAcked { leg: 1 })
        .is_empty());
    assert!(
        c.apply_or_nothing(Input::DecisionAcked { leg: 1 })
            .is_empty(),
        "a duplicate ack"
    );
    assert_eq!(
        c.apply_or_nothing(Input::DecisionAcked { leg: 0 }),
        vec![Output::Done]
    );
    assert_eq!(
        c.phase(),
        &Phase::Done {
            decision: Decision::Commit
        }
    );
}

#[test]
fn one_failed_vote_aborts_every_leg_even_one_still_preparing() {
    let mut c = swap();
    c.apply_or_nothing(Input::Start);
    let outputs = c.apply_or_nothing(voted(1, failed("buyer lacks cash")));
    assert_eq!(
        outputs,
        vec![
            Output::Decided(Decision::Abort(AbortReason::VoteFailed {
                leg: 1,
                reason: "buyer lacks cash".into()
            })),
            Output::SendDecision {
                leg: 0,
                commit: false
            },
            Output::SendDecision {
                leg: 1,
                commit: false
            }
        ]
    );
    // A late OK vote changes nothing: the decision stands.
    assert!(c.apply_or_nothing(voted(0, ok_vote())).is_empty());
    assert!(!c.decision().unwrap().is_commit());
    c.apply_or_nothing(Input::DecisionAcked { leg: 0 });
    assert_eq!(
        c.apply_or_nothing(Input::DecisionAcked { leg: 1 }),
        vec![Output::Done]
    );
}

#[test]
fn a_dependent_leg_is_prepared_with_its_dependency_result() {
    let mut c = payout();
    assert_eq!(
        c.apply_or_nothing(Input::Start),
        vec![Output::SendPrepare {
            leg: 0,
            input: None
        }]
    );
    assert_eq!(
        c.apply_or_nothing(ok(b"entitlements")),
        vec![Output::SendPrepare {
            leg: 1,
            input: Some(b"entitlements".to_vec())
        }]
    );
    let outputs = c.apply_or_nothing(voted(1, ok_vote()));
    assert_eq!(outputs[0], Output::Decided(Decision::Commit));
    assert_eq!(outputs.len(), 3);
}

#[test]
fn a_failed_dependency_aborts_without_preparing_its_dependents() {
    let mut c = payout();
    c.apply_or_nothing(Input::Start);
    let outputs = c.apply_or_nothing(voted(0, failed("already paid")));
    assert_eq!(
        outputs[1..],
        [Output::SendDecision {
            leg: 0,
            commit: false
        }],
        "the dependent leg never saw a prepare, so needs no decision"
    );
    assert_eq!(
        c.apply_or_nothing(Input::DecisionAcked { leg: 0 }),
        vec![Output::Done]
    );
}

#[test]
fn the_deadline_aborts_only_while_votes_are_missing() {
    let mut c = swap();
    c.apply_or_nothing(Input::Start);
    assert!(c
        .apply_or_nothing(Input::BlockTime {
            now_ns: DEADLINE - 1
        })
        .is_empty());
    c.apply_or_nothing(voted(0, ok_vote()));
    let outputs = c.apply_or_nothing(Input::BlockTime { now_ns: DEADLINE });
    assert_eq!(
        outputs[0],
        Output::Decided(Decision::Abort(AbortReason::DeadlinePassed))
    );

    let mut decided = swap();
    decided.apply_or_nothing(Input::Start);
    decided.apply_or_nothing(voted(0, ok_vote()));
    decided.apply_or_nothing(voted(1, ok_vote()));
    assert!(decided
        .apply_or_nothing(Input::BlockTime {
            now_ns: DEADLINE + 5
        })
        .is_empty());
    assert!(decided.decision().unwrap().is_commit());
}

#[test]
fn a_timed_out_prepare_aborts() {
    let mut c = swap();
    c.apply_or_nothing(Input::Start);
    c.apply_or_nothing(voted(0, ok_vote()));
    assert!(
        c.apply_or_nothing(Input::PrepareTimedOut { leg: 0 })
            .is_empty(),
        "a voted leg's prepare cannot time out"
    );
    let outputs = c.apply_or_nothing(Input::PrepareTimedOut { leg: 1 });
    assert_eq!(
        outputs[0],
        Output::Decided(Decision::Abort(AbortReason::PrepareTimedOut { leg: 1 }))
    );
}

#[test]
fn inputs_out_of_place_change_nothing() {
    let mut c = swap();
    assert!(
        c.apply_or_nothing(voted(0, ok_vote())).is_empty(),
        "a vote before the start"
    );
    assert_eq!(c.phase(), &Phase::New);
    c.apply_or_nothing(Input::Start);
    let before = c.clone();
    assert!(c.apply_or_nothing(Input::Start).is_empty());
    assert!(
        c.apply_or_nothing(voted(7, ok_vote())).is_empty(),
        "an unknown leg"
    );
    assert!(
        c.apply_or_nothing(Input::DecisionAcked { leg: 0 })
            .is_empty(),
        "an ack before the decision"
    );
    assert_eq!(c, before);
    c.apply_or_nothing(voted(0, ok_vote()));
    let before = c.clone();
    assert!(
        c.apply_or_nothing(voted(0, failed("replayed"))).is_empty(),
        "a second vote of a leg"
    );
    assert_eq!(c, before);
}

#[test]
fn plans_with_bad_dependencies_are_refused() {
    assert_eq!(
        Coordinator::new(Vec::new(), DEADLINE),
        Err(PlanError::NoLegs)
    );
    assert_eq!(
        Coordinator::new(vec![leg("a", Some(0))], DEADLINE),
        Err(PlanError::BadDependency { leg: 0, on: 0 })
    );
    assert_eq!(
        Coordinator::new(vec![leg("a", Some(1)), leg("b", None)], DEADLINE),
        Err(PlanError::BadDependency { leg: 0, on: 1 })
    );
}

fn any_input(legs: usize) -> impl Strategy<Value = Input> {
    prop_oneof![
        Just(Input::Start),
        (0..legs, any::<bool>()).prop_map(|(leg, good)| Input::Voted {
            leg,
            vote: if good {
                Vote::Ok {
                    result: vec![leg as u8],
                }
            } else {
                failed("no")
            },
        }),
        (0..legs).prop_map(|leg| Input::PrepareTimedOut { leg }),
        (0..2 * DEADLINE).prop_map(|now_ns| Input::BlockTime { now_ns }),
        (0..legs).prop_map(|leg| Input::DecisionAcked { leg }),
        (0..legs).prop_map(|leg| Input::DecisionFailed {
            leg,
            reason: "cannot apply".into()
        }),
    ]
}

proptest! {
    /// Whatever arrives in whatever order: one decision at most, recorded
    /// before any decision packet; Commit only after every leg voted OK;
    /// a leg is prepared at most once and only after its dependency's OK;
    /// Done only once every leg sent a decision applied it, never after a
    /// leg failed to apply it.
    #[test]
    fn any_order_of_inputs_keeps_the_protocol(
        dependent in any::<bool>(),
        inputs in proptest::collection::vec(any_input(3), 0..40),
    ) {
        let plans = vec![
            leg("a", None),
            leg("b", if dependent { Some(0) } else { None }),
            leg("c", None),
        ];
        let mut c = Coordinator::new(plans.clone(), DEADLINE).unwrap();
        let mut decided: Option<Decision> = None;
        let mut prepared = [false; 3];
        let mut voted_ok = [false; 3];
        let mut decision_sent = [false; 3];
        let mut acked = [false; 3];
        let mut faulted = [false; 3];
        let mut done = false;
        for input in inputs {
            let was_preparing = matches!(c.phase(), Phase::Preparing { .. });
            if let Input::Voted { leg, vote: Vote::Ok { .. } } = &input {
                if was_preparing && prepared[*leg] && decided.is_none() {
                    voted_ok[*leg] = true;
                }
            }
            if let Input::DecisionAcked { leg } = &input {
                if decision_sent[*leg] && !faulted[*leg] {
                    acked[*leg] = true;
                }
            }
            for output in c.apply_or_nothing(input) {
                match output {
                    Output::SendPrepare { leg, input } => {
                        prop_assert!(decided.is_none());
                        prop_assert!(!prepared[leg], "leg {leg} prepared twice");
                        if let Some(on) = plans[leg].depends_on {
                            prop_assert!(voted_ok[on]);
                            prop_assert_eq!(input, Some(vec![on as u8]));
                        }
                        prepared[leg] = true;
                    }
                    Output::Decided(decision) => {
                        prop_assert!(decided.is_none(), "decided twice");
                        if decision.is_commit() {
                            prop_assert!(voted_ok.iter().all(|ok| *ok));
                        }
                        decided = Some(decision);
                    }
                    Output::SendDecision { leg, commit } => {
                        let decision = decided.as_ref().expect("a decision packet before the decision");
                        prop_assert_eq!(commit, decision.is_commit());
                        prop_assert!(prepared[leg], "a decision to a leg never prepared");
                        prop_assert!(!decision_sent[leg]);
                        decision_sent[leg] = true;
                    }
                    Output::Fault { leg, .. } => {
                        prop_assert!(decision_sent[leg] && !acked[leg] && !faulted[leg]);
                        faulted[leg] = true;
                    }
                    Output::Done => {
                        prop_assert!(!done);
                        prop_assert!(faulted.iter().all(|f| !f), "done despite a fault");
                        prop_assert!((0..3).all(|l| !decision_sent[l] || acked[l]));
                        done = true;
                    }
                }
            }
        }
    }
}

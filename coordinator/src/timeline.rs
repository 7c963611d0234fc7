//! The steps of a cross-tx's timeline, as its record stores them (the
//! `step` of `xcc.coordinator.v1.TimelineEntry`).

use xcc_chain::BlockInfo;
use xcc_proto::coordinator::v1 as pb;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimelineStep {
    /// Intake accepted it (on the coordinator).
    Submitted,
    /// A leg's prepare packet left (on the coordinator).
    PrepareSent,
    /// A leg voted OK (on its chain).
    Prepared,
    /// A leg voted failed (on its chain).
    Refused,
    /// A leg's prepare was proven timed out.
    PrepareTimedOut,
    Decided,
    /// A leg's decision packet left (on the coordinator).
    DecisionSent,
    /// A leg applied the decision (on its chain).
    Committed,
    Aborted,
    /// A leg could not apply the decision.
    DecisionFailed,
    /// Every leg applied the decision.
    Done,
}

impl TimelineStep {
    pub fn as_str(self) -> &'static str {
        match self {
            TimelineStep::Submitted => "submitted",
            TimelineStep::PrepareSent => "prepare_sent",
            TimelineStep::Prepared => "prepared",
            TimelineStep::Refused => "refused",
            TimelineStep::PrepareTimedOut => "prepare_timed_out",
            TimelineStep::Decided => "decided",
            TimelineStep::DecisionSent => "decision_sent",
            TimelineStep::Committed => "committed",
            TimelineStep::Aborted => "aborted",
            TimelineStep::DecisionFailed => "decision_failed",
            TimelineStep::Done => "done",
        }
    }
}

/// Adds a timeline entry: `step` happened on `chain_id` at `point`, when
/// known (a proven timeout says nothing of when; stored as height 0).
pub fn note(
    record: &mut pb::CrossTxRecord,
    step: TimelineStep,
    chain_id: &str,
    point: Option<BlockInfo>,
    detail: impl Into<String>,
) {
    let point = point.unwrap_or(BlockInfo {
        height: 0,
        time_ns: 0,
    });
    record.timeline.push(pb::TimelineEntry {
        step: step.as_str().to_owned(),
        chain_id: chain_id.to_owned(),
        height: point.height,
        time_ns: point.time_ns,
        detail: detail.into(),
    });
}

//! The participant side of two-phase commit, shared by the security and
//! currency chains: the `xtx` port takes the registered coordinator's
//! prepare and decision packets. `machine` decides, per cross-tx, what a
//! packet does; the chain's [`Reservations`] carry it out.

pub mod machine;
mod port;
mod query;
mod record;
pub mod state_key;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use xcc_proto::xtx::v1 as pb;
use xcc_proto::Any;

use crate::address::Address;
use crate::error::{ExecError, QueryError};
use crate::genesis::parse_section;
use crate::module::{BlockInfo, Module, MsgContext};
use crate::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};

pub use record::{load_record, LegEntry};

/// The port of two-phase commit packets, on the coordinator and every
/// participant.
pub const PORT: &str = "xtx";

/// One leg of a cross-tx: what a participant's records and holds are kept
/// under, since a cross-tx may have several legs on one chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LegId {
    pub tx_id: [u8; 32],
    pub leg_index: u32,
}

/// One leg to prepare on this chain.
pub struct LegRequest<'a> {
    pub tx_id: [u8; 32],
    pub cross_tx: &'a pb::CrossTx,
    pub leg_index: usize,
    /// Every account that signed the cross-tx, signatures verified here.
    pub signers: &'a [Address],
    /// The OK result of the leg this one depends on; empty for none.
    pub input: &'a [u8],
}

impl LegRequest<'_> {
    pub fn id(&self) -> LegId {
        LegId {
            tx_id: self.tx_id,
            leg_index: self.leg_index as u32,
        }
    }

    pub fn msgs(&self) -> &[Any] {
        &self.cross_tx.legs[self.leg_index].msgs
    }

    /// The leg whose result this leg takes as input, if any.
    pub fn input_leg(&self) -> Option<&pb::Leg> {
        let on = self.cross_tx.legs[self.leg_index].depends_on?;
        self.cross_tx.legs.get(on as usize)
    }

    /// How many legs of the cross-tx take the same input as this one, this
    /// one included: a result that pays out (a dividend page, a lot's price)
    /// must be taken once.
    pub fn takers_of_input(&self) -> usize {
        let source = self.cross_tx.legs[self.leg_index].depends_on;
        self.cross_tx
            .legs
            .iter()
            .filter(|other| other.depends_on == source)
            .count()
    }

    /// Refuses unless every account in `needed` signed the cross-tx.
    pub fn require_signed(&self, needed: &[Address]) -> Result<(), ExecError> {
        match needed
            .iter()
            .find(|account| !self.signers.contains(account))
        {
            Some(missing) => Err(ExecError::unauthorized(format!(
                "the cross-tx lacks the signature of {missing}"
            ))),
            None => Ok(()),
        }
    }
}

/// What a participant chain's modules do for a leg: hold its effects as
/// reservations, then apply or release them. Reservations never wait: a
/// conflict fails the prepare, so no two cross-txs can deadlock.
pub trait Reservations: Send + Sync {
    /// Runs the leg's messages as reservations held under the leg's id and
    /// returns the leg's result. An error is the reason the leg votes
    /// failed; the caller undoes every write.
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError>;

    /// Makes what the leg holds final, or gives it back, as decided.
    fn settle(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegId,
        settlement: Settlement,
    ) -> Result<(), ExecError>;
}

/// What becomes of a prepared leg's hold once the cross-tx is decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settlement {
    /// Committed: the reserved changes become final.
    Commit,
    /// Aborted: what was reserved is given back.
    Release,
}

/// The participant: a module (genesis, queries) and the `xtx` port.
#[derive(Clone)]
pub struct ParticipantModule {
    reservations: Arc<dyn Reservations>,
}

impl ParticipantModule {
    pub fn new(reservations: Arc<dyn Reservations>) -> Self {
        ParticipantModule { reservations }
    }
}

/// The `participant` section of `app_state`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ParticipantGenesis {
    /// The only chain whose `xtx` packets this chain accepts.
    pub coordinator: Option<String>,
    /// How long a finished leg's record is kept past its deadline, in
    /// seconds; a day by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leg_retention_secs: Option<u64>,
}

/// A day: finished legs stay queryable (and audited) that long.
pub const DEFAULT_LEG_RETENTION_SECS: u64 = 86_400;

/// The most finished leg records one block prunes; any beyond are pruned
/// at the next blocks, so a block's work stays bounded.
pub const MAX_PRUNES_PER_BLOCK: usize = 1_000;

/// When a finished leg of a cross-tx with this deadline is forgotten: its
/// record pruned, and the receipts and acknowledgements of its packets too.
///
/// Why no packet can then act twice:
/// - a prepare is refused once its deadline has passed (its packet timed
///   out, and the machine refuses it too);
/// - a decision that comes again finds the leg's record while it is kept
///   (duplicates change nothing) and, once it is pruned, finds it
///   forgotten (`machine::OnDecision::Forgotten`): nothing is applied,
///   released or written, and the acknowledgement says applied again;
/// - a prepare's receipt gone, its source may prove it unreceived and time
///   it out, but by then its cross-tx was decided long ago: a commit needs
///   every vote, so every prepare was acknowledged and is settled.
pub fn forget_at(state: &dyn StateRead, deadline_ns: u64) -> Result<u64, StateError> {
    Ok(deadline_ns.saturating_add(leg_retention_ns(state)?))
}

fn leg_retention_ns(state: &dyn StateRead) -> Result<u64, StateError> {
    Ok(state
        .get_u64(state_key::LEG_RETENTION)?
        .saturating_mul(1_000_000_000))
}

/// Whether a block at `now_ns` is past a [`forget_at`] time.
fn is_forgotten(forget_at_ns: u64, now_ns: u64) -> bool {
    forget_at_ns < now_ns
}

/// Prunes finished leg records whose [`forget_at`] has passed.
fn prune_finished_legs(ctx: &MsgContext<'_>, state: &mut dyn StateWrite) -> Result<(), ExecError> {
    let retention_ns = leg_retention_ns(state)?;
    let is_due = |key: &[u8]| {
        state_key::prune_entry(key).is_some_and(|(deadline_ns, _)| {
            is_forgotten(deadline_ns.saturating_add(retention_ns), ctx.block.time_ns)
        })
    };
    let due: Vec<(Vec<u8>, LegId)> = state
        .due_keys(state_key::all_prunes(), MAX_PRUNES_PER_BLOCK, is_due)?
        .into_iter()
        .filter_map(|key| state_key::prune_entry(&key).map(|(_, leg)| (key, leg)))
        .collect();
    for (key, leg) in due {
        state.delete(key);
        let finished = load_record(state, &leg)?
            .is_some_and(|entry| !matches!(entry.record, machine::Record::Prepared { .. }));
        if finished {
            state.delete(state_key::leg(&leg.tx_id, leg.leg_index));
        }
    }
    Ok(())
}

impl Module for ParticipantModule {
    fn name(&self) -> &'static str {
        "participant"
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: ParticipantGenesis = parse_section(self.name(), genesis)?;
        if let Some(coordinator) = genesis.coordinator {
            state.put_raw(state_key::COORDINATOR.to_vec(), coordinator.into_bytes());
        }
        let retention = genesis
            .leg_retention_secs
            .unwrap_or(DEFAULT_LEG_RETENTION_SECS);
        state.put_u64(state_key::LEG_RETENTION.to_vec(), retention);
        Ok(())
    }

    fn begin_block(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        prune_finished_legs(ctx, state)
    }

    fn query_service(&self) -> Option<&'static str> {
        Some(query::SERVICE)
    }

    fn query(
        &self,
        state: &dyn StateRead,
        _block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        query::answer(state, method, request)
    }
}

//! Cross-tx intake: `MsgSubmitCrossTx`. A cross-tx is accepted only with
//! valid signatures of every account any leg acts for, legs on registered
//! participants, a deadline in the future within the
//! configured maximum, and an id never seen; then its prepares leave.

use xcc_chain::router::{MsgRouter, RouteError};
use xcc_chain::state::StateWrite;
use xcc_chain::xtx;
use xcc_chain::{Address, Event, ExecError, Module, Msg, MsgContext};
use xcc_proto::coordinator::v1 as pb;
use xcc_proto::xtx::v1 as xtx_pb;

use crate::driver;
use crate::error::{CoordinatorError, Result};
use crate::machine::{Coordinator, Input};
use crate::params::Params;
use crate::record::plans;
use crate::timeline::{note, TimelineStep};

/// Knows which accounts each participant message needs, by decoding it with
/// the participant chains' own modules.
pub struct SignerRules {
    router: MsgRouter,
}

impl SignerRules {
    pub fn new(modules: Vec<Box<dyn Module>>) -> Self {
        SignerRules {
            router: MsgRouter::new(std::sync::Arc::new(modules)),
        }
    }

    fn signers(&self, any: &xcc_proto::Any) -> Result<Vec<Address>> {
        let msg = self.router.decode(any).map_err(|e| match e {
            RouteError::Unknown(url) => CoordinatorError::UnknownMessage(url),
            RouteError::Invalid(invalid) => CoordinatorError::InvalidLeg(invalid.log),
        })?;
        Ok(msg.signers())
    }
}

pub struct SubmitCrossTx {
    pub submitter: Address,
    pub signed: xtx_pb::SignedCrossTx,
    pub rules: std::sync::Arc<SignerRules>,
}

impl Msg for SubmitCrossTx {
    fn signers(&self) -> Vec<Address> {
        vec![self.submitter]
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> std::result::Result<(), ExecError> {
        Ok(submit(ctx, state, self)?)
    }
}

fn submit(ctx: &mut MsgContext<'_>, state: &mut dyn StateWrite, msg: &SubmitCrossTx) -> Result<()> {
    let params = Params::load(state)?;
    let verified = xtx::verify(msg.signed.clone()).map_err(CoordinatorError::Envelope)?;
    let cross_tx = &verified.cross_tx;
    for leg in &cross_tx.legs {
        if !params.participants.contains(&leg.chain_id) {
            return Err(CoordinatorError::UnknownParticipant(leg.chain_id.clone()));
        }
        for any in &leg.msgs {
            for needed in msg.rules.signers(any)? {
                if !verified.is_signed_by(&needed) {
                    return Err(CoordinatorError::MissingSignature(needed));
                }
            }
        }
    }
    let now = ctx.block.time_ns;
    let latest = now.saturating_add(params.max_deadline_secs.saturating_mul(1_000_000_000));
    if cross_tx.deadline_ns <= now || cross_tx.deadline_ns > latest {
        return Err(CoordinatorError::Deadline {
            deadline_ns: cross_tx.deadline_ns,
            now_ns: now,
            max_secs: params.max_deadline_secs,
        });
    }
    if driver::load(state, &verified.id)?.is_some() {
        return Err(CoordinatorError::AlreadySubmitted(hex::encode(verified.id)));
    }
    let mut record = pb::CrossTxRecord {
        tx_id: verified.id.to_vec(),
        signed_cross_tx: Some(msg.signed.clone()),
        deadline_ns: cross_tx.deadline_ns,
        phase: pb::Phase::Unspecified as i32,
        legs: cross_tx
            .legs
            .iter()
            .map(|leg| pb::Leg {
                chain_id: leg.chain_id.clone(),
                depends_on: leg.depends_on,
                ..Default::default()
            })
            .collect(),
        submitter: msg.submitter.to_string(),
        submitted_height: ctx.block.height,
        ..Default::default()
    };
    Coordinator::new(plans(&record.legs), cross_tx.deadline_ns)
        .map_err(|e| CoordinatorError::InvalidLeg(e.to_string()))?;
    note(
        &mut record,
        TimelineStep::Submitted,
        ctx.chain_id,
        Some(ctx.block),
        format!("{} legs", cross_tx.legs.len()),
    );
    ctx.emit(
        Event::new("xtx_submitted")
            .attr("tx_id", hex::encode(verified.id))
            .attr("submitter", msg.submitter)
            .attr("legs", cross_tx.legs.len()),
    );
    driver::step(ctx, state, &params, &mut record, Input::Start)?;
    Ok(())
}

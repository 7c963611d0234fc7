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

use serde::Deserialize;
use xcc_proto::xtx::v1 as pb;
use xcc_proto::Any;

use crate::address::Address;
use crate::error::{ExecError, QueryError};
use crate::genesis::parse_section;
use crate::module::{BlockInfo, Module, Msg, MsgContext};
use crate::state::{StateRead, StateWrite};

pub use record::{load_record, LegEntry};

/// The port of two-phase commit packets, on the coordinator and every
/// participant.
pub const PORT: &str = "xtx";

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
    pub fn msgs(&self) -> &[Any] {
        &self.cross_tx.legs[self.leg_index].msgs
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
    /// Runs the leg's messages as reservations held under the tx id and
    /// returns the leg's result. An error is the reason the leg votes
    /// failed; the caller undoes every write.
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError>;

    /// Makes what `tx_id` holds final.
    fn commit(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        tx_id: &[u8; 32],
    ) -> Result<(), ExecError>;

    /// Gives back what `tx_id` holds.
    fn release(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        tx_id: &[u8; 32],
    ) -> Result<(), ExecError>;
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
#[derive(Debug, Default, Deserialize)]
struct ParticipantGenesis {
    /// The only chain whose `xtx` packets this chain accepts.
    coordinator: Option<String>,
}

impl Module for ParticipantModule {
    fn name(&self) -> &'static str {
        "participant"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        Vec::new()
    }

    fn decode_msg(&self, msg: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Err(ExecError::invalid_msg(format!(
            "the participant has no message {}",
            msg.type_url
        )))
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
        Ok(())
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

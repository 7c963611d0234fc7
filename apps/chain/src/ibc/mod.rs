//! The packet layer between XCC chains: light clients of the counterparties
//! named at genesis, and proven packets, acknowledgements and timeouts to and
//! from the ports other modules register. A relayer carries the bytes; it is
//! never trusted.

pub mod bisection;
pub mod client;
pub mod error;
pub mod packet;
mod query;
pub mod recover;
pub mod state_key;

use std::collections::BTreeMap;
use std::sync::Arc;

use prost::Name;
use serde::{Deserialize, Serialize};
use xcc_proto::ibc::v1 as pb;
use xcc_proto::Any;

use crate::address::Address;
use crate::error::{ExecError, QueryError};
use crate::genesis::parse_section;
use crate::module::{decode_any, BlockInfo, Event, Module, Msg, MsgContext};
use crate::state::{StateRead, StateWrite};
pub use client::TrustRoot;
pub use packet::Port;

/// The ports of a chain, by name.
#[derive(Clone, Default)]
pub struct Ports(BTreeMap<&'static str, Arc<dyn Port>>);

impl Ports {
    pub fn new(ports: Vec<Arc<dyn Port>>) -> Self {
        Ports(ports.into_iter().map(|port| (port.name(), port)).collect())
    }

    fn get(&self, name: &str) -> Result<&Arc<dyn Port>, ExecError> {
        self.0.get(name).ok_or_else(|| {
            error::error(
                error::code::UNKNOWN_PORT,
                format!("no port {name:?} on this chain"),
            )
        })
    }
}

pub struct IbcModule {
    ports: Arc<Ports>,
}

impl IbcModule {
    pub fn new(ports: Ports) -> Self {
        IbcModule {
            ports: Arc::new(ports),
        }
    }
}

/// The `ibc` section of `app_state`: the counterparties whose light
/// clients the chain starts with.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IbcGenesis {
    #[serde(default)]
    pub counterparties: Vec<TrustRoot>,
}

/// The packet layer's messages, each signed by whoever relays it.
enum IbcMsg {
    UpdateClient(pb::MsgUpdateClient),
    RecvPacket(pb::MsgRecvPacket),
    Acknowledge(pb::MsgAcknowledge),
    Timeout(pb::MsgTimeout),
}

struct Relayed {
    signer: Address,
    msg: IbcMsg,
    ports: Arc<Ports>,
}

impl Msg for Relayed {
    fn signers(&self) -> Vec<Address> {
        vec![self.signer]
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        match &self.msg {
            IbcMsg::UpdateClient(msg) => {
                let header = msg
                    .header
                    .as_ref()
                    .ok_or_else(|| ExecError::invalid_msg("no header"))?;
                let outcome = client::update(state, &msg.client_id, header, ctx.block)?;
                let (kind, height) = match outcome {
                    client::UpdateOutcome::Updated(h) => ("update_client", h),
                    client::UpdateOutcome::Unchanged(h) => ("update_client_unchanged", h),
                    client::UpdateOutcome::Frozen(h) => ("client_misbehaviour", h),
                };
                if matches!(outcome, client::UpdateOutcome::Frozen(_)) {
                    tracing::warn!(client = %msg.client_id, height, "conflicting header: client frozen");
                }
                ctx.emit(
                    Event::new(kind)
                        .attr("client_id", &msg.client_id)
                        .attr("height", height),
                );
                Ok(())
            }
            IbcMsg::RecvPacket(msg) => packet::receive(ctx, state, &self.ports, msg),
            IbcMsg::Acknowledge(msg) => packet::acknowledge(ctx, state, &self.ports, msg),
            IbcMsg::Timeout(msg) => packet::timeout(ctx, state, &self.ports, msg),
        }
    }
}

fn signer(text: &str) -> Result<Address, ExecError> {
    text.parse()
        .map_err(|e| ExecError::invalid_msg(format!("signer: {e}")))
}

impl Module for IbcModule {
    fn name(&self) -> &'static str {
        "ibc"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        vec![
            pb::MsgUpdateClient::type_url(),
            pb::MsgRecvPacket::type_url(),
            pb::MsgAcknowledge::type_url(),
            pb::MsgTimeout::type_url(),
            pb::MsgRecoverClient::type_url(),
        ]
    }

    fn decode_msg(&self, any: &Any) -> Result<Box<dyn Msg>, ExecError> {
        let (signer_text, msg) = if any.type_url == pb::MsgUpdateClient::type_url() {
            let msg: pb::MsgUpdateClient = decode_any(any)?;
            (msg.signer.clone(), IbcMsg::UpdateClient(msg))
        } else if any.type_url == pb::MsgRecvPacket::type_url() {
            let msg: pb::MsgRecvPacket = decode_any(any)?;
            (msg.signer.clone(), IbcMsg::RecvPacket(msg))
        } else if any.type_url == pb::MsgAcknowledge::type_url() {
            let msg: pb::MsgAcknowledge = decode_any(any)?;
            (msg.signer.clone(), IbcMsg::Acknowledge(msg))
        } else if any.type_url == pb::MsgRecoverClient::type_url() {
            let msg: pb::MsgRecoverClient = decode_any(any)?;
            return Ok(Box::new(recover::Recovery::decode(&msg)?));
        } else {
            let msg: pb::MsgTimeout = decode_any(any)?;
            (msg.signer.clone(), IbcMsg::Timeout(msg))
        };
        Ok(Box::new(Relayed {
            signer: signer(&signer_text)?,
            msg,
            ports: self.ports.clone(),
        }))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: IbcGenesis = parse_section(self.name(), genesis)?;
        for root in &genesis.counterparties {
            client::init(state, root)?;
        }
        Ok(())
    }

    fn begin_block(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        packet::forget_due(ctx.block.time_ns, state)
    }

    fn query_service(&self) -> Option<&'static str> {
        Some("xcc.ibc.v1.Query")
    }

    fn query(
        &self,
        state: &dyn StateRead,
        block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        query::answer(state, block, method, request)
    }
}

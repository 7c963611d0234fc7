//! The `ping` port, on every chain: a ping carries a message to another
//! chain, which counts it and answers "pong: <message>". It tests the packet
//! path end to end before any module depends on it.

pub mod state_key;

use prost::{Message, Name};
use xcc_proto::ibc::v1 as ibc_pb;
use xcc_proto::ping::v1 as pb;
use xcc_proto::Any;

use crate::address::Address;
use crate::error::{decode_request, ExecError, QueryError};
use crate::ibc::packet::{self, Port};
use crate::module::{decode_any, BlockInfo, Event, Module, Msg, MsgContext};
use crate::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};

pub const PORT: &str = "ping";
/// A ping's longest message, in bytes.
pub const MAX_MESSAGE_BYTES: usize = 1024;

pub struct PingModule;

struct SendPing {
    sender: Address,
    msg: pb::MsgPing,
}

impl Msg for SendPing {
    fn signers(&self) -> Vec<Address> {
        vec![self.sender]
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        let data = pb::Ping {
            sender: self.sender.to_string(),
            message: self.msg.message.clone(),
        }
        .encode_to_vec();
        let timeout = ctx.block.time_ns.saturating_add(self.msg.timeout_ns);
        let sequence = packet::send(ctx, state, &self.msg.dest_chain, PORT, data, timeout)?;
        ctx.emit(
            Event::new("ping")
                .attr("dest_chain", &self.msg.dest_chain)
                .attr("sequence", sequence),
        );
        Ok(())
    }
}

impl Module for PingModule {
    fn name(&self) -> &'static str {
        "ping"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        vec![pb::MsgPing::type_url()]
    }

    fn decode_msg(&self, any: &Any) -> Result<Box<dyn Msg>, ExecError> {
        let msg: pb::MsgPing = decode_any(any)?;
        let sender = msg
            .sender
            .parse()
            .map_err(|e| ExecError::invalid_msg(format!("sender: {e}")))?;
        if msg.message.len() > MAX_MESSAGE_BYTES {
            return Err(ExecError::invalid_msg(format!(
                "a ping message has at most {MAX_MESSAGE_BYTES} bytes"
            )));
        }
        if msg.timeout_ns == 0 {
            return Err(ExecError::invalid_msg("a ping needs a timeout"));
        }
        Ok(Box::new(SendPing { sender, msg }))
    }

    fn query_service(&self) -> Option<&'static str> {
        Some("xcc.ping.v1.Query")
    }

    fn query(
        &self,
        state: &dyn StateRead,
        _block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        match method {
            "Received" => {
                let request: pb::QueryReceivedRequest = decode_request(request)?;
                let received: pb::Received = state
                    .get_proto(&state_key::received(&request.source_chain))?
                    .unwrap_or_default();
                Ok(received.encode_to_vec())
            }
            "Outcome" => {
                let request: pb::QueryOutcomeRequest = decode_request(request)?;
                let key = state_key::outcome(&request.dest_chain, request.sequence);
                let outcome: pb::Outcome = state.get_proto(&key)?.ok_or_else(|| {
                    QueryError::NotFound(format!(
                        "no outcome yet of ping {} to {}",
                        request.sequence, request.dest_chain
                    ))
                })?;
                Ok(outcome.encode_to_vec())
            }
            other => Err(QueryError::UnknownPath(other.to_owned())),
        }
    }
}

impl Port for PingModule {
    fn name(&self) -> &'static str {
        PORT
    }

    fn on_recv(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
    ) -> Result<Vec<u8>, ExecError> {
        let ping = pb::Ping::decode(packet.data.as_slice())
            .map_err(|e| ExecError::invalid_msg(format!("ping data: {e}")))?;
        let key = state_key::received(&packet.source_chain);
        let mut received: pb::Received = state.get_proto(&key)?.unwrap_or_default();
        received.count += 1;
        received.last_message = ping.message.clone();
        state.put_proto(key, &received);
        ctx.emit(
            Event::new("pong")
                .attr("source_chain", &packet.source_chain)
                .attr("sequence", packet.sequence),
        );
        Ok(format!("pong: {}", ping.message).into_bytes())
    }

    fn on_acknowledge(
        &self,
        _ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
        ack: &ibc_pb::Acknowledgement,
    ) -> Result<(), ExecError> {
        let outcome = match &ack.response {
            Some(ibc_pb::acknowledgement::Response::Result(bytes)) => {
                pb::outcome::Outcome::Pong(String::from_utf8_lossy(bytes).into_owned())
            }
            Some(ibc_pb::acknowledgement::Response::Error(error)) => {
                pb::outcome::Outcome::Error(error.clone())
            }
            None => pb::outcome::Outcome::Error("empty acknowledgement".to_owned()),
        };
        record(state, packet, outcome);
        Ok(())
    }

    fn on_timeout(
        &self,
        _ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
    ) -> Result<(), ExecError> {
        record(state, packet, pb::outcome::Outcome::TimedOut(true));
        Ok(())
    }
}

fn record(state: &mut dyn StateWrite, packet: &ibc_pb::Packet, outcome: pb::outcome::Outcome) {
    state.put_proto(
        state_key::outcome(&packet.dest_chain, packet.sequence),
        &pb::Outcome {
            outcome: Some(outcome),
        },
    );
}

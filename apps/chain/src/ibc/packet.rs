//! ICS-004 packet semantics, unordered: send writes a commitment, receive
//! checks its proof and writes a receipt and an acknowledgement, and the
//! acknowledgement or a proven absence of the receipt past the timeout
//! settles the packet on its source.

use std::sync::Arc;

use prost::Message;
use xcc_proto::ibc::v1 as pb;

use super::client::{self, sha256};
use super::error::{code, error};
use super::state_key;
use super::Ports;
use crate::error::ExecError;
use crate::module::{Event, MsgContext};
use crate::state::{transactional, StateRead, StateReadExt, StateWrite, StateWriteExt};

/// The packet commitment as ibc-go computes it, with no timeout height:
/// sha256(BE64(timeout_ns) || BE64(0) || BE64(0) || sha256(data)).
pub fn commitment(packet: &pb::Packet) -> [u8; 32] {
    let mut preimage = Vec::with_capacity(56);
    preimage.extend_from_slice(&packet.timeout_timestamp_ns.to_be_bytes());
    preimage.extend_from_slice(&0u64.to_be_bytes());
    preimage.extend_from_slice(&0u64.to_be_bytes());
    preimage.extend_from_slice(&sha256(&packet.data));
    sha256(&preimage)
}

/// What a port does with the packets of its name.
pub trait Port: Send + Sync {
    fn name(&self) -> &'static str;

    /// Handles a received packet and returns the acknowledgement's result
    /// bytes. An error becomes an error acknowledgement and its writes are
    /// undone; the receipt stays, so the packet is never handled twice.
    /// By default a port receives nothing on this chain.
    fn on_recv(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &pb::Packet,
    ) -> Result<Vec<u8>, ExecError> {
        Err(ExecError::invalid_msg(format!(
            "port {} receives no packets on this chain",
            self.name()
        )))
    }

    /// By default a port sends nothing, so nothing comes back to it.
    fn on_acknowledge(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &pb::Packet,
        _ack: &pb::Acknowledgement,
    ) -> Result<(), ExecError> {
        Err(ExecError::invalid_msg(format!(
            "port {} sends no packets from this chain",
            self.name()
        )))
    }

    fn on_timeout(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &pb::Packet,
    ) -> Result<(), ExecError> {
        Err(ExecError::invalid_msg(format!(
            "port {} sends no packets from this chain",
            self.name()
        )))
    }

    /// The block time from which this chain may forget that it received
    /// `packet`: its receipt and acknowledgement are pruned then. A port
    /// names a time only if, from then on, receiving the packet again does
    /// nothing a duplicate would not, and a proof that it was never
    /// received (a timeout on its source) changes nothing either. `None`,
    /// the default, keeps them for ever.
    fn forget_received_at(
        &self,
        _state: &dyn StateRead,
        _packet: &pb::Packet,
    ) -> Result<Option<u64>, ExecError> {
        Ok(None)
    }
}

/// The most received packets one block forgets; any beyond wait for the
/// next blocks, so a block's work stays bounded.
pub const MAX_FORGETS_PER_BLOCK: usize = 1_000;

/// Prunes the receipts and acknowledgements whose port's forget time has
/// passed, earliest first.
pub fn forget_due(now_ns: u64, state: &mut dyn StateWrite) -> Result<(), ExecError> {
    let is_due =
        |key: &[u8]| state_key::forget_entry(key).is_some_and(|(at_ns, ..)| at_ns < now_ns);
    let due = state.due_keys(state_key::all_forgets(), MAX_FORGETS_PER_BLOCK, is_due)?;
    for key in due {
        if let Some((_, source_chain, sequence)) = state_key::forget_entry(&key) {
            state.delete(state_key::receipt(source_chain, sequence));
            state.delete(state_key::ack_commitment(source_chain, sequence));
            state.delete(state_key::ack_data(source_chain, sequence));
        }
        state.delete(key);
    }
    Ok(())
}

/// Sends `data` from `port` to the same port on `dest_chain`; returns the
/// packet's sequence. The destination must be a counterparty with a live
/// client, and the timeout in the future.
pub fn send(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    dest_chain: &str,
    port: &str,
    data: Vec<u8>,
    timeout_timestamp_ns: u64,
) -> Result<u64, ExecError> {
    let client = client::client_state(state, dest_chain)?;
    client::ensure_active(state, &client, ctx.block)?;
    if timeout_timestamp_ns <= ctx.block.time_ns {
        return Err(error(
            code::INVALID_PACKET,
            "the packet's timeout is not in the future",
        ));
    }
    let next_key = state_key::next_sequence(dest_chain);
    let sequence = state.get_u64(&next_key)? + 1;
    state.put_u64(next_key, sequence);
    let packet = pb::Packet {
        sequence,
        source_chain: ctx.chain_id.to_owned(),
        dest_chain: dest_chain.to_owned(),
        port: port.to_owned(),
        timeout_timestamp_ns,
        data,
    };
    state.put_raw(
        state_key::commitment(dest_chain, port, sequence),
        commitment(&packet).to_vec(),
    );
    state.put_proto(state_key::sent_packet(dest_chain, sequence), &packet);
    ctx.emit(packet_event("send_packet", &packet));
    Ok(sequence)
}

/// Receives a packet proven committed on its source.
pub fn receive(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    ports: &Ports,
    msg: &pb::MsgRecvPacket,
) -> Result<(), ExecError> {
    let packet = packet_of(msg.packet.as_ref())?;
    if packet.dest_chain != ctx.chain_id {
        return Err(error(
            code::INVALID_PACKET,
            format!(
                "the packet is for {}, this is {}",
                packet.dest_chain, ctx.chain_id
            ),
        ));
    }
    let port = ports.get(&packet.port)?;
    let root = client::proof_root(state, &packet.source_chain, msg.proof_height, ctx.block)?;
    verify_membership(
        &root,
        &msg.proof_commitment,
        &state_key::commitment(&packet.dest_chain, &packet.port, packet.sequence),
        &commitment(packet),
    )?;
    let receipt = state_key::receipt(&packet.source_chain, packet.sequence);
    if state.get_raw(&receipt)?.is_some() {
        ctx.emit(packet_event("packet_already_received", packet));
        return Ok(());
    }
    if ctx.block.time_ns >= packet.timeout_timestamp_ns {
        return Err(error(
            code::PACKET_TIMED_OUT,
            format!(
                "packet {} from {} timed out at {} ns; block time is {} ns",
                packet.sequence,
                packet.source_chain,
                packet.timeout_timestamp_ns,
                ctx.block.time_ns
            ),
        ));
    }
    state.put_raw(receipt, vec![1]);

    // The handler runs in its own overlay: a failure leaves only the receipt
    // and the error acknowledgement behind.
    let events_before = ctx.events.len();
    let outcome = transactional(state, |handler_state| {
        port.on_recv(ctx, handler_state, packet)
    });
    let failed = outcome.is_err();
    let response = match outcome {
        Ok(result) => pb::acknowledgement::Response::Result(result),
        Err(e) => {
            ctx.events.truncate(events_before);
            pb::acknowledgement::Response::Error(e.log)
        }
    };
    let ack = pb::Acknowledgement {
        response: Some(response),
    }
    .encode_to_vec();
    state.put_raw(
        state_key::ack_commitment(&packet.source_chain, packet.sequence),
        sha256(&ack).to_vec(),
    );
    state.put_raw(
        state_key::ack_data(&packet.source_chain, packet.sequence),
        ack,
    );
    if let Some(at_ns) = port.forget_received_at(state, packet)? {
        state.put_raw(
            state_key::forget(at_ns, &packet.source_chain, packet.sequence),
            vec![1],
        );
    }
    ctx.emit(packet_event("recv_packet", packet).attr("success", !failed));
    Ok(())
}

/// Settles a sent packet with the acknowledgement proven written on its
/// destination.
pub fn acknowledge(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    ports: &Ports,
    msg: &pb::MsgAcknowledge,
) -> Result<(), ExecError> {
    let packet = packet_of(msg.packet.as_ref())?;
    let Some((port, root)) = settle(ctx, state, ports, packet, msg.proof_height)? else {
        return Ok(());
    };
    verify_membership(
        &root,
        &msg.proof_acked,
        &state_key::ack_commitment(&packet.source_chain, packet.sequence),
        &sha256(&msg.acknowledgement),
    )?;
    let ack = pb::Acknowledgement::decode(msg.acknowledgement.as_slice())
        .map_err(|e| error(code::INVALID_PACKET, format!("acknowledgement: {e}")))?;
    port.on_acknowledge(ctx, state, packet, &ack)?;
    ctx.emit(packet_event("acknowledge_packet", packet));
    Ok(())
}

/// Settles a sent packet its destination provably never received before
/// the timeout.
pub fn timeout(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    ports: &Ports,
    msg: &pb::MsgTimeout,
) -> Result<(), ExecError> {
    let packet = packet_of(msg.packet.as_ref())?;
    let Some((port, root)) = settle(ctx, state, ports, packet, msg.proof_height)? else {
        return Ok(());
    };
    // The proven state is the destination's after block proof_height - 1;
    // every later block is at or past this header's time, so refuses the
    // packet once this time reaches the timeout.
    if root.timestamp_ns < packet.timeout_timestamp_ns {
        return Err(error(
            code::TIMEOUT_NOT_REACHED,
            format!(
                "the destination's time at height {} ({} ns) is before the packet's timeout ({} ns)",
                msg.proof_height, root.timestamp_ns, packet.timeout_timestamp_ns
            ),
        ));
    }
    let proof = decode_proof(&msg.proof_unreceived)?;
    let key = state_key::receipt(&packet.source_chain, packet.sequence);
    if !xcc_store::verify_non_membership(&proof, &client::root_of(&root)?, &key) {
        return Err(error(
            code::INVALID_PROOF,
            "the proof of no receipt does not verify against the consensus state",
        ));
    }
    port.on_timeout(ctx, state, packet)?;
    ctx.emit(packet_event("timeout_packet", packet));
    Ok(())
}

/// The port a settled packet goes back to, and the consensus state its proof
/// is checked against.
type Settlement<'p> = (&'p Arc<dyn Port>, pb::ConsensusState);

/// Removes a pending packet that an acknowledgement or timeout settles, and
/// returns its port and the consensus state to check the proof against.
/// `None` when the packet was already settled (a racing relayer's no-op).
fn settle<'p>(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    ports: &'p Ports,
    packet: &pb::Packet,
    proof_height: u64,
) -> Result<Option<Settlement<'p>>, ExecError> {
    if !take_pending(ctx, state, packet)? {
        return Ok(None);
    }
    let port = ports.get(&packet.port)?;
    let root = client::proof_root(state, &packet.dest_chain, proof_height, ctx.block)?;
    Ok(Some((port, root)))
}

/// Checks the packet against the commitment this chain holds and removes it.
/// `false` when the packet was already settled.
fn take_pending(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    packet: &pb::Packet,
) -> Result<bool, ExecError> {
    if packet.source_chain != ctx.chain_id {
        return Err(error(
            code::INVALID_PACKET,
            format!(
                "the packet was sent by {}, this is {}",
                packet.source_chain, ctx.chain_id
            ),
        ));
    }
    let key = state_key::commitment(&packet.dest_chain, &packet.port, packet.sequence);
    let Some(stored) = state.get_raw(&key)? else {
        ctx.emit(packet_event("packet_already_settled", packet));
        return Ok(false);
    };
    if stored != commitment(packet) {
        return Err(error(
            code::INVALID_PACKET,
            "the packet does not match the commitment this chain made",
        ));
    }
    state.delete(key);
    state.delete(state_key::sent_packet(&packet.dest_chain, packet.sequence));
    Ok(true)
}

fn packet_of(packet: Option<&pb::Packet>) -> Result<&pb::Packet, ExecError> {
    packet.ok_or_else(|| error(code::INVALID_PACKET, "no packet"))
}

fn decode_proof(bytes: &[u8]) -> Result<ics23::CommitmentProof, ExecError> {
    ics23::CommitmentProof::decode(bytes).map_err(|e| {
        error(
            code::INVALID_PROOF,
            format!("the proof does not decode: {e}"),
        )
    })
}

fn verify_membership(
    root: &pb::ConsensusState,
    proof: &[u8],
    key: &[u8],
    value: &[u8],
) -> Result<(), ExecError> {
    let proof = decode_proof(proof)?;
    if xcc_store::verify_membership(&proof, &client::root_of(root)?, key, value) {
        Ok(())
    } else {
        Err(error(
            code::INVALID_PROOF,
            format!(
                "the proof of {} does not verify against the consensus state",
                String::from_utf8_lossy(key)
            ),
        ))
    }
}

fn packet_event(kind: &str, packet: &pb::Packet) -> Event {
    Event::new(kind)
        .attr("packet_source", &packet.source_chain)
        .attr("packet_dest", &packet.dest_chain)
        .attr("packet_port", &packet.port)
        .attr("packet_sequence", packet.sequence)
}

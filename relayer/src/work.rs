//! One unit of relaying (a receive, an acknowledgement or a timeout): which
//! key of the proving chain it needs a proof of, what that proof must show,
//! and the message it becomes once proven.

use xcc_chain::ibc::bisection::VerifiedHeader;
use xcc_chain::ibc::{client::sha256, packet::commitment, state_key};
use xcc_chain::Address;
use xcc_proto::ibc::v1 as pb;
use xcc_proto::{to_any, Any};

use crate::plan::AckWork;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Recv,
    Ack,
    Timeout,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Recv, Kind::Ack, Kind::Timeout];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Recv => "recv",
            Kind::Ack => "ack",
            Kind::Timeout => "timeout",
        }
    }

    /// The event the chain emits when a message of this kind took effect
    /// (a racing relayer's duplicate emits another one).
    fn event(self) -> &'static str {
        match self {
            Kind::Recv => "recv_packet",
            Kind::Ack => "acknowledge_packet",
            Kind::Timeout => "timeout_packet",
        }
    }
}

/// What relaying did, by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub recv: u64,
    pub ack: u64,
    pub timeout: u64,
}

impl Counts {
    pub fn get(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Recv => self.recv,
            Kind::Ack => self.ack,
            Kind::Timeout => self.timeout,
        }
    }

    pub fn total(&self) -> u64 {
        self.recv + self.ack + self.timeout
    }

    /// What a committed tx's events show took effect.
    pub fn from_events<'a>(kinds: impl IntoIterator<Item = &'a str>) -> Self {
        let mut counts = Counts::default();
        for kind in kinds {
            match kind {
                k if k == Kind::Recv.event() => counts.recv += 1,
                k if k == Kind::Ack.event() => counts.ack += 1,
                k if k == Kind::Timeout.event() => counts.timeout += 1,
                _ => {}
            }
        }
        counts
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.recv += other.recv;
        self.ack += other.ack;
        self.timeout += other.timeout;
    }
}

/// What a proof must show about its key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    Holds(Vec<u8>),
    Absent,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Work {
    /// Proven by the packet's commitment on its source.
    Recv(pb::Packet),
    /// Proven by the ack commitment on the packet's destination.
    Ack(AckWork),
    /// Proven by the absence of a receipt on the packet's destination.
    Timeout(pb::Packet),
}

impl Work {
    pub fn kind(&self) -> Kind {
        match self {
            Work::Recv(_) => Kind::Recv,
            Work::Ack(_) => Kind::Ack,
            Work::Timeout(_) => Kind::Timeout,
        }
    }

    pub fn packet(&self) -> &pb::Packet {
        match self {
            Work::Recv(packet) | Work::Timeout(packet) => packet,
            Work::Ack(work) => &work.packet,
        }
    }

    /// The store key of the proving chain that the proof is of.
    pub fn proof_key(&self) -> Vec<u8> {
        let packet = self.packet();
        match self {
            Work::Recv(_) => {
                state_key::commitment(&packet.dest_chain, &packet.port, packet.sequence)
            }
            Work::Ack(_) => state_key::ack_commitment(&packet.source_chain, packet.sequence),
            Work::Timeout(_) => state_key::receipt(&packet.source_chain, packet.sequence),
        }
    }

    pub fn claim(&self) -> Claim {
        match self {
            Work::Recv(packet) => Claim::Holds(commitment(packet).to_vec()),
            Work::Ack(work) => Claim::Holds(sha256(&work.acknowledgement).to_vec()),
            Work::Timeout(_) => Claim::Absent,
        }
    }

    /// The message, signed by `signer`, with its proof against header
    /// `proof_height` of the proving chain.
    pub fn into_msg(self, signer: &Address, proof: Vec<u8>, proof_height: u64) -> Any {
        let signer = signer.to_string();
        match self {
            Work::Recv(packet) => to_any(&pb::MsgRecvPacket {
                signer,
                packet: Some(packet),
                proof_commitment: proof,
                proof_height,
            }),
            Work::Ack(work) => to_any(&pb::MsgAcknowledge {
                signer,
                packet: Some(work.packet),
                acknowledgement: work.acknowledgement,
                proof_acked: proof,
                proof_height,
            }),
            Work::Timeout(packet) => to_any(&pb::MsgTimeout {
                signer,
                packet: Some(packet),
                proof_unreceived: proof,
                proof_height,
            }),
        }
    }

    /// A short name for logs: kind, path and sequence.
    pub fn describe(&self) -> String {
        let packet = self.packet();
        format!(
            "{} of packet {} {}->{}",
            self.kind().as_str(),
            packet.sequence,
            packet.source_chain,
            packet.dest_chain
        )
    }
}

/// `MsgUpdateClient` moving `client_id` (the proving chain) to `header`.
pub fn update_client(signer: &Address, client_id: &str, header: pb::Header) -> Any {
    to_any(&pb::MsgUpdateClient {
        signer: signer.to_string(),
        client_id: client_id.to_owned(),
        header: Some(header),
    })
}

/// One `MsgUpdateClient` per verified step, in order.
pub fn update_clients(
    signer: &Address,
    client_id: &str,
    steps: impl IntoIterator<Item = VerifiedHeader>,
) -> Vec<Any> {
    steps
        .into_iter()
        .map(|step| update_client(signer, client_id, step.encode()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::{Message, Name};

    fn packet() -> pb::Packet {
        pb::Packet {
            sequence: 7,
            source_chain: "security-1".into(),
            dest_chain: "currency-1".into(),
            port: "ping".into(),
            timeout_timestamp_ns: 99,
            data: b"hello".to_vec(),
        }
    }

    #[test]
    fn each_kind_proves_its_own_key() {
        let recv = Work::Recv(packet());
        assert_eq!(
            recv.proof_key(),
            state_key::commitment("currency-1", "ping", 7)
        );
        assert_eq!(recv.claim(), Claim::Holds(commitment(&packet()).to_vec()));
        let ack = Work::Ack(AckWork {
            packet: packet(),
            acknowledgement: b"ack".to_vec(),
        });
        assert_eq!(ack.proof_key(), state_key::ack_commitment("security-1", 7));
        assert_eq!(ack.claim(), Claim::Holds(sha256(b"ack").to_vec()));
        let timeout = Work::Timeout(packet());
        assert_eq!(timeout.proof_key(), state_key::receipt("security-1", 7));
        assert_eq!(timeout.claim(), Claim::Absent);
    }

    #[test]
    fn messages_carry_the_proof_and_its_height() {
        let signer = Address::from_bytes([1; 20]);
        let any = Work::Timeout(packet()).into_msg(&signer, vec![4, 5], 12);
        assert_eq!(any.type_url, pb::MsgTimeout::type_url());
        let msg = pb::MsgTimeout::decode(any.value.as_slice()).expect("decodes");
        assert_eq!(msg.signer, signer.to_string());
        assert_eq!(msg.proof_unreceived, [4, 5]);
        assert_eq!(msg.proof_height, 12);
        assert_eq!(msg.packet, Some(packet()));
    }

    #[test]
    fn counts_come_from_the_events_that_took_effect() {
        let counts = Counts::from_events([
            "update_client",
            "recv_packet",
            "recv_packet",
            "packet_already_received",
            "acknowledge_packet",
            "packet_already_settled",
            "timeout_packet",
        ]);
        assert_eq!(
            counts,
            Counts {
                recv: 2,
                ack: 1,
                timeout: 1
            }
        );
        assert_eq!(counts.total(), 4);
    }
}

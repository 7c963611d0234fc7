//! The packets of the `xtx` port and the acknowledgement of a decision, as
//! domain types: decoded once where they arrive and encoded in one place,
//! so the coordinator and the participants read and write the same thing.

use prost::Message;
use xcc_proto::xtx::v1 as pb;

use super::{cross_tx_id, tx_id, XtxError};
use crate::module::BlockInfo;
use crate::participant::LegId;

/// What the coordinator sends a participant.
#[derive(Clone, Debug, PartialEq)]
pub enum XtxPacket {
    Prepare(Prepare),
    Decision(Decision),
}

/// Prepare leg `leg_index` of a signed cross-tx.
#[derive(Clone, Debug, PartialEq)]
pub struct Prepare {
    /// As signed; the participant verifies the signatures itself.
    pub signed_cross_tx: pb::SignedCrossTx,
    pub leg_index: u32,
    /// The OK result of the leg this one depends on; empty for none.
    pub input: Vec<u8>,
}

/// The decision for one leg. Never times out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub leg: LegId,
    pub commit: bool,
    /// The cross-tx's deadline: past it no prepare can arrive, so the
    /// tombstone an abort leaves before its prepare can be pruned.
    pub deadline_ns: u64,
}

/// Why bytes are no `xtx` packet.
#[derive(Debug, thiserror::Error)]
pub enum PacketError {
    #[error("xtx packet: {0}")]
    Unreadable(prost::DecodeError),
    #[error("an empty xtx packet")]
    Empty,
    #[error("a prepare without its cross-tx")]
    NoCrossTx,
    #[error(transparent)]
    TxId(#[from] XtxError),
}

impl XtxPacket {
    pub fn decode(bytes: &[u8]) -> Result<Self, PacketError> {
        let packet = pb::XtxPacket::decode(bytes).map_err(PacketError::Unreadable)?;
        match packet.kind.ok_or(PacketError::Empty)? {
            pb::xtx_packet::Kind::Prepare(prepare) => Ok(XtxPacket::Prepare(Prepare {
                signed_cross_tx: prepare.signed_cross_tx.ok_or(PacketError::NoCrossTx)?,
                leg_index: prepare.leg_index,
                input: prepare.input,
            })),
            pb::xtx_packet::Kind::Decision(decision) => Ok(XtxPacket::Decision(Decision {
                leg: LegId {
                    tx_id: tx_id(&decision.tx_id)?,
                    leg_index: decision.leg_index,
                },
                commit: decision.commit,
                deadline_ns: decision.deadline_ns,
            })),
        }
    }

    /// The packet's bytes; it is consumed, so a prepare's cross-tx (up to
    /// `MAX_CROSS_TX_BYTES`) is moved into them, not copied.
    pub fn encode(self) -> Vec<u8> {
        let kind = match self {
            XtxPacket::Prepare(prepare) => pb::xtx_packet::Kind::Prepare(pb::Prepare {
                signed_cross_tx: Some(prepare.signed_cross_tx),
                leg_index: prepare.leg_index,
                input: prepare.input,
            }),
            XtxPacket::Decision(decision) => pb::xtx_packet::Kind::Decision(pb::Decision {
                tx_id: decision.leg.tx_id.to_vec(),
                leg_index: decision.leg.leg_index,
                commit: decision.commit,
                deadline_ns: decision.deadline_ns,
            }),
        };
        pb::XtxPacket { kind: Some(kind) }.encode_to_vec()
    }

    /// The leg of which cross-tx the packet is about.
    pub fn leg(&self) -> Result<LegId, PacketError> {
        match self {
            XtxPacket::Prepare(prepare) => {
                let cross_tx = prepare
                    .signed_cross_tx
                    .cross_tx
                    .as_ref()
                    .ok_or(PacketError::NoCrossTx)?;
                Ok(LegId {
                    tx_id: cross_tx_id(cross_tx),
                    leg_index: prepare.leg_index,
                })
            }
            XtxPacket::Decision(decision) => Ok(decision.leg),
        }
    }
}

/// A participant's acknowledgement that it applied a decision, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecisionApplied {
    pub committed: bool,
    pub at: Option<BlockInfo>,
}

impl DecisionApplied {
    pub fn decode(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        let applied = pb::DecisionApplied::decode(bytes)?;
        Ok(DecisionApplied {
            committed: applied.committed,
            at: applied.at.map(BlockInfo::from),
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        pb::DecisionApplied {
            committed: self.committed,
            at: self.at.map(Into::into),
        }
        .encode_to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decision_reads_back_as_written_and_in_the_wire_layout() {
        let decision = XtxPacket::Decision(Decision {
            leg: LegId {
                tx_id: [7; 32],
                leg_index: 2,
            },
            commit: true,
            deadline_ns: 1_000,
        });
        let bytes = decision.clone().encode();
        // kind = field 2 (decision), then tx_id (1), leg_index (2),
        // commit (3) and deadline_ns (4).
        let mut expected = vec![0x12, 41, 0x0a, 32];
        expected.extend([7; 32]);
        expected.extend([0x10, 2, 0x18, 1, 0x20, 0xe8, 0x07]);
        assert_eq!(bytes, expected);
        assert_eq!(XtxPacket::decode(&bytes).unwrap(), decision);
    }

    #[test]
    fn what_is_no_packet_is_refused_with_why() {
        let refused = |bytes: &[u8]| XtxPacket::decode(bytes).unwrap_err().to_string();
        assert!(refused(&[0xff]).starts_with("xtx packet: "));
        assert_eq!(refused(&[]), "an empty xtx packet");
        let no_cross_tx = pb::XtxPacket {
            kind: Some(pb::xtx_packet::Kind::Prepare(pb::Prepare::default())),
        };
        assert_eq!(
            refused(&no_cross_tx.encode_to_vec()),
            "a prepare without its cross-tx"
        );
        let short_id = pb::XtxPacket {
            kind: Some(pb::xtx_packet::Kind::Decision(pb::Decision {
                tx_id: vec![1; 31],
                ..Default::default()
            })),
        };
        assert_eq!(
            refused(&short_id.encode_to_vec()),
            "a cross-tx id has 32 bytes, not 31"
        );
    }
}

//! The cross-tx envelope: legs on several chains signed together by every
//! account any leg acts for. The coordinator checks it at intake and each
//! participant checks it again for its own leg: no chain takes another's
//! word for a signature. Stateless, like `crate::tx`.

use prost::Message;
use sha2::{Digest, Sha256};
use xcc_proto::tx::v1 as tx_pb;
use xcc_proto::xtx::v1 as pb;

use crate::address::Address;
use crate::tx::{signature, verify_signatures, Signer, TxError};

pub mod packet;
mod point;
mod vote;

pub use vote::Vote;

/// A cross-tx id as packets, records and queries carry it: 32 bytes.
pub fn tx_id(bytes: &[u8]) -> Result<[u8; 32], XtxError> {
    bytes
        .try_into()
        .map_err(|_| XtxError::TxIdLength(bytes.len()))
}

/// Domain tag of cross-tx sign bytes, apart from txs' `xcc/tx/v1`.
pub const XTX_SIGN_DOMAIN: &str = "xcc/xtx/v1";
/// The most legs one cross-tx may have: room for a dividend payout of 32
/// pages (a reservation and a payment leg per page).
pub const MAX_LEGS: usize = 64;

// Sizes, bounded end to end so that every packet a cross-tx makes, and
// every acknowledgement, reaches its chain in one relayer tx (at most
// `crate::tx::DEFAULT_MAX_TX_BYTES`, 1 MiB) whatever the signers put in it:
// - a signed cross-tx, encoded: at most `MAX_CROSS_TX_BYTES` (checked at
//   intake and by every participant), so a first prepare always fits;
// - a prepare's packet data and its acknowledgement (the vote, whose OK
//   result becomes the input of the legs that depend on it) together: at
//   most `MAX_PACKET_AND_ACK_BYTES`, checked by the participant before it
//   votes OK, since `MsgAcknowledge` carries both. A leg whose result would
//   not fit votes failed, and the cross-tx aborts instead of waiting forever;
// - the rest of a relayer tx, `RELAYER_HEADROOM_BYTES`, is for the proof
//   (a few KB) and the client updates (about 300 bytes per validator per
//   bisection step) and the tx's own envelope.

/// The most bytes of an encoded `SignedCrossTx`.
pub const MAX_CROSS_TX_BYTES: usize = 128 * 1024;
/// The most bytes of a prepare's packet data and its acknowledgement
/// together.
pub const MAX_PACKET_AND_ACK_BYTES: usize = 768 * 1024;
/// What a relayer tx holds beside the packet and its acknowledgement.
pub const RELAYER_HEADROOM_BYTES: usize =
    crate::tx::DEFAULT_MAX_TX_BYTES - MAX_PACKET_AND_ACK_BYTES;
/// The encoding around a vote's result in its acknowledgement (the
/// `Acknowledgement` and `PrepareVote` tags and lengths, and the point).
pub const VOTE_OVERHEAD_BYTES: usize = 64;

/// Whether a leg's OK result, answering a prepare of `packet_bytes`, fits
/// in the acknowledgement the relayer can carry back.
pub fn check_vote_fits(packet_bytes: usize, result_bytes: usize) -> Result<(), XtxError> {
    let total = packet_bytes
        .saturating_add(result_bytes)
        .saturating_add(VOTE_OVERHEAD_BYTES);
    if total > MAX_PACKET_AND_ACK_BYTES {
        return Err(XtxError::VoteTooLarge {
            packet_bytes,
            result_bytes,
        });
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XtxError {
    #[error("malformed cross-tx: {0}")]
    Malformed(String),
    #[error("the cross-tx is not canonically encoded")]
    NonCanonical,
    #[error("a cross-tx id has 32 bytes, not {0}")]
    TxIdLength(usize),
    #[error("a cross-tx has 1 to {MAX_LEGS} legs, this one {0}")]
    LegCount(usize),
    #[error("leg {0} names no chain")]
    NoChain(usize),
    #[error("leg {0} carries no messages")]
    NoMessages(usize),
    #[error("leg {leg} depends on leg {on}, which is not an earlier leg")]
    BadDependency { leg: usize, on: u32 },
    #[error("the cross-tx carries no signatures")]
    Unsigned,
    #[error("a signed cross-tx has at most {MAX_CROSS_TX_BYTES} bytes, this one {0}")]
    TooLarge(usize),
    #[error(
        "the leg's result ({result_bytes} bytes) with its prepare ({packet_bytes} bytes) exceeds the \
         {MAX_PACKET_AND_ACK_BYTES} bytes a packet and its acknowledgement may carry together"
    )]
    VoteTooLarge {
        packet_bytes: usize,
        result_bytes: usize,
    },
    #[error(transparent)]
    Signature(#[from] TxError),
}

/// A cross-tx whose encoding, shape and signatures have been checked.
#[derive(Clone, Debug)]
pub struct VerifiedCrossTx {
    pub id: [u8; 32],
    pub cross_tx: pb::CrossTx,
    pub signers: Vec<Signer>,
}

impl VerifiedCrossTx {
    pub fn is_signed_by(&self, address: &Address) -> bool {
        self.signers.iter().any(|signer| signer.address == *address)
    }
}

/// The id of a cross-tx: sha256 of its canonical encoding.
pub fn cross_tx_id(cross_tx: &pb::CrossTx) -> [u8; 32] {
    Sha256::digest(cross_tx.encode_to_vec()).into()
}

/// The bytes each signer signs.
pub fn sign_bytes(cross_tx: &pb::CrossTx) -> Vec<u8> {
    tx_pb::SignDoc {
        domain: XTX_SIGN_DOMAIN.to_owned(),
        chain_id: String::new(),
        nonce: 0,
        body: cross_tx.encode_to_vec(),
    }
    .encode_to_vec()
}

/// A cross-tx signed by `keys`.
pub fn signed_cross_tx(
    cross_tx: pb::CrossTx,
    keys: &[&ed25519_consensus::SigningKey],
) -> pb::SignedCrossTx {
    let message = sign_bytes(&cross_tx);
    pb::SignedCrossTx {
        signatures: keys.iter().map(|key| signature(key, &message)).collect(),
        cross_tx: Some(cross_tx),
    }
}

/// Decodes a signed cross-tx and checks everything that needs no state.
pub fn decode_and_verify(bytes: &[u8]) -> Result<VerifiedCrossTx, XtxError> {
    let signed =
        pb::SignedCrossTx::decode(bytes).map_err(|e| XtxError::Malformed(e.to_string()))?;
    // One cross-tx, one encoding, one id.
    if signed.encode_to_vec() != bytes {
        return Err(XtxError::NonCanonical);
    }
    verify(signed)
}

/// Checks a decoded signed cross-tx.
pub fn verify(signed: pb::SignedCrossTx) -> Result<VerifiedCrossTx, XtxError> {
    let size = signed.encoded_len();
    if size > MAX_CROSS_TX_BYTES {
        return Err(XtxError::TooLarge(size));
    }
    let cross_tx = signed
        .cross_tx
        .ok_or_else(|| XtxError::Malformed("missing cross_tx".into()))?;
    if cross_tx.legs.is_empty() || cross_tx.legs.len() > MAX_LEGS {
        return Err(XtxError::LegCount(cross_tx.legs.len()));
    }
    for (index, leg) in cross_tx.legs.iter().enumerate() {
        if leg.chain_id.is_empty() {
            return Err(XtxError::NoChain(index));
        }
        if leg.msgs.is_empty() {
            return Err(XtxError::NoMessages(index));
        }
        if let Some(on) = leg.depends_on {
            if on as usize >= index {
                return Err(XtxError::BadDependency { leg: index, on });
            }
        }
    }
    if signed.signatures.is_empty() {
        return Err(XtxError::Unsigned);
    }
    let signers = verify_signatures(&signed.signatures, &sign_bytes(&cross_tx))?;
    Ok(VerifiedCrossTx {
        id: cross_tx_id(&cross_tx),
        cross_tx,
        signers,
    })
}

#[cfg(test)]
mod tests {
    use ed25519_consensus::SigningKey;
    use xcc_proto::Any;

    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from([seed; 32])
    }

    fn leg(chain_id: &str, depends_on: Option<u32>) -> pb::Leg {
        pb::Leg {
            chain_id: chain_id.into(),
            msgs: vec![Any {
                type_url: "/test.Msg".into(),
                value: vec![1],
            }],
            depends_on,
        }
    }

    fn swap(salt: &[u8]) -> pb::CrossTx {
        pb::CrossTx {
            legs: vec![leg("security-1", None), leg("currency-1", None)],
            deadline_ns: 1_000,
            salt: salt.to_vec(),
        }
    }

    fn bytes(signed: &pb::SignedCrossTx) -> Vec<u8> {
        signed.encode_to_vec()
    }

    #[test]
    fn a_cross_tx_signed_by_both_parties_verifies_under_a_stable_id() {
        let (seller, buyer) = (key(1), key(2));
        let signed = signed_cross_tx(swap(b"1"), &[&seller, &buyer]);
        let verified = decode_and_verify(&bytes(&signed)).unwrap();
        assert_eq!(verified.id, cross_tx_id(&swap(b"1")));
        assert_ne!(
            verified.id,
            cross_tx_id(&swap(b"2")),
            "the salt makes a new id"
        );
        for party in [&seller, &buyer] {
            assert!(verified.is_signed_by(&Address::from_public_key(&party.verification_key())));
        }
    }

    #[test]
    fn tampered_or_mis_signed_cross_txs_are_refused() {
        let (seller, buyer) = (key(1), key(2));
        let mut tampered = signed_cross_tx(swap(b"1"), &[&seller, &buyer]);
        tampered.cross_tx.as_mut().unwrap().deadline_ns += 1;
        assert!(matches!(
            decode_and_verify(&bytes(&tampered)),
            Err(XtxError::Signature(TxError::BadSignature { index: 0 }))
        ));

        // A tx signature does not pass for a cross-tx signature.
        let mut wrong_domain = signed_cross_tx(swap(b"1"), &[]);
        let tx_doc = tx_pb::SignDoc {
            domain: crate::tx::TX_SIGN_DOMAIN.into(),
            chain_id: String::new(),
            nonce: 0,
            body: swap(b"1").encode_to_vec(),
        };
        wrong_domain
            .signatures
            .push(signature(&seller, &tx_doc.encode_to_vec()));
        assert!(matches!(
            decode_and_verify(&bytes(&wrong_domain)),
            Err(XtxError::Signature(TxError::BadSignature { .. }))
        ));

        let twice = signed_cross_tx(swap(b"1"), &[&seller, &seller]);
        assert!(matches!(
            decode_and_verify(&bytes(&twice)),
            Err(XtxError::Signature(TxError::DuplicateSigner(_)))
        ));
        let unsigned = signed_cross_tx(swap(b"1"), &[]);
        assert_eq!(
            decode_and_verify(&bytes(&unsigned)).unwrap_err(),
            XtxError::Unsigned
        );

        let mut non_canonical = bytes(&signed_cross_tx(swap(b"1"), &[&seller]));
        non_canonical.extend_from_slice(&[0x18, 0x00]);
        assert_eq!(
            decode_and_verify(&non_canonical).unwrap_err(),
            XtxError::NonCanonical
        );
        assert!(matches!(
            decode_and_verify(&[0xff, 0xff]),
            Err(XtxError::Malformed(_))
        ));
    }

    #[test]
    fn badly_shaped_cross_txs_are_refused() {
        let signer = key(1);
        let refuse = |cross_tx: pb::CrossTx| {
            decode_and_verify(&bytes(&signed_cross_tx(cross_tx, &[&signer]))).unwrap_err()
        };
        let mut no_legs = swap(b"1");
        no_legs.legs.clear();
        assert_eq!(refuse(no_legs), XtxError::LegCount(0));
        let mut forward = swap(b"1");
        forward.legs[0].depends_on = Some(1);
        assert_eq!(refuse(forward), XtxError::BadDependency { leg: 0, on: 1 });
        let mut empty = swap(b"1");
        empty.legs[1].msgs.clear();
        assert_eq!(refuse(empty), XtxError::NoMessages(1));
        let mut nameless = swap(b"1");
        nameless.legs[0].chain_id.clear();
        assert_eq!(refuse(nameless), XtxError::NoChain(0));
        let mut dividend = swap(b"1");
        dividend.legs[1].depends_on = Some(0);
        assert!(decode_and_verify(&bytes(&signed_cross_tx(dividend, &[&signer]))).is_ok());
        // Each leg has its own record and holds on its chain.
        let mut twice_on_one_chain = swap(b"1");
        twice_on_one_chain.legs[1].chain_id = "security-1".into();
        assert!(
            decode_and_verify(&bytes(&signed_cross_tx(twice_on_one_chain, &[&signer]))).is_ok()
        );
    }

    /// A cross-tx whose signed encoding has exactly `size` bytes, padded in
    /// its first message (lengths near the limits all take 3-byte varints,
    /// so the padding converges in a step or two).
    fn signed_of_size(size: usize) -> pb::SignedCrossTx {
        let seller = key(1);
        let build = |padding: usize| {
            let mut cross_tx = swap(b"1");
            cross_tx.legs[0].msgs[0].value = vec![7; padding];
            signed_cross_tx(cross_tx, &[&seller])
        };
        let mut padding = size;
        for _ in 0..8 {
            let signed = build(padding);
            let len = signed.encoded_len();
            if len == size {
                return signed;
            }
            padding = (padding + size).saturating_sub(len);
        }
        panic!("no padding gives {size} bytes");
    }

    #[test]
    fn a_cross_tx_at_the_size_limit_verifies_and_one_byte_over_does_not() {
        let at_limit = signed_of_size(MAX_CROSS_TX_BYTES);
        assert_eq!(bytes(&at_limit).len(), MAX_CROSS_TX_BYTES);
        assert!(decode_and_verify(&bytes(&at_limit)).is_ok());
        let over = signed_of_size(MAX_CROSS_TX_BYTES + 1);
        assert_eq!(
            decode_and_verify(&bytes(&over)).unwrap_err(),
            XtxError::TooLarge(MAX_CROSS_TX_BYTES + 1)
        );
    }

    #[test]
    fn a_vote_fits_up_to_the_packet_and_ack_limit() {
        let packet = 1_000;
        let room = MAX_PACKET_AND_ACK_BYTES - packet - VOTE_OVERHEAD_BYTES;
        assert!(check_vote_fits(packet, room).is_ok());
        assert!(matches!(
            check_vote_fits(packet, room + 1),
            Err(XtxError::VoteTooLarge { .. })
        ));
        // The largest first prepare leaves room for a result of hundreds of KB.
        assert!(check_vote_fits(MAX_CROSS_TX_BYTES + 64, 512 * 1024).is_ok());
        const { assert!(RELAYER_HEADROOM_BYTES >= 256 * 1024) };
    }
}

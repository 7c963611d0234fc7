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

/// Domain tag of cross-tx sign bytes, apart from txs' `xcc/tx/v1`.
pub const XTX_SIGN_DOMAIN: &str = "xcc/xtx/v1";
/// The most legs one cross-tx may have.
pub const MAX_LEGS: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum XtxError {
    #[error("malformed cross-tx: {0}")]
    Malformed(String),
    #[error("the cross-tx is not canonically encoded")]
    NonCanonical,
    #[error("a cross-tx has 1 to {MAX_LEGS} legs, this one {0}")]
    LegCount(usize),
    #[error("leg {0} names no chain")]
    NoChain(usize),
    #[error("leg {0} carries no messages")]
    NoMessages(usize),
    #[error("leg {leg} depends on leg {on}, which is not an earlier leg")]
    BadDependency { leg: usize, on: u32 },
    #[error("legs {first} and {leg} are both on {chain_id}: a cross-tx has one leg per chain")]
    DuplicateChain {
        first: usize,
        leg: usize,
        chain_id: String,
    },
    #[error("the cross-tx carries no signatures")]
    Unsigned,
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
        // A participant keeps one record per cross-tx: a second leg on the
        // same chain would be answered with the first one's vote, unrun.
        if let Some(first) = cross_tx.legs[..index]
            .iter()
            .position(|other| other.chain_id == leg.chain_id)
        {
            return Err(XtxError::DuplicateChain {
                first,
                leg: index,
                chain_id: leg.chain_id.clone(),
            });
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
        let mut twice_on_one_chain = swap(b"1");
        twice_on_one_chain.legs[1].chain_id = "security-1".into();
        assert_eq!(
            refuse(twice_on_one_chain),
            XtxError::DuplicateChain {
                first: 0,
                leg: 1,
                chain_id: "security-1".into()
            }
        );
        let mut nameless = swap(b"1");
        nameless.legs[0].chain_id.clear();
        assert_eq!(refuse(nameless), XtxError::NoChain(0));
        let mut dividend = swap(b"1");
        dividend.legs[1].depends_on = Some(0);
        assert!(decode_and_verify(&bytes(&signed_cross_tx(dividend, &[&signer]))).is_ok());
    }
}

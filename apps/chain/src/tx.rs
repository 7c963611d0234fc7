//! The tx envelope: decoding, canonical-encoding and signature checks, and the
//! signing side used by clients and tests.
//!
//! Everything here is stateless; nonces, timeouts and per-message signers are
//! checked by the app against state.

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use prost::Message;
use sha2::{Digest, Sha256};
use xcc_proto::tx::v1 as pb;

use crate::address::Address;

/// Domain tag of tx sign bytes; other signed objects use other tags.
pub const TX_SIGN_DOMAIN: &str = "xcc/tx/v1";
/// Default limit on the encoded size of one tx.
pub const DEFAULT_MAX_TX_BYTES: usize = 1 << 20;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TxError {
    #[error("tx is {size} bytes, above the limit of {max}")]
    Oversized { size: usize, max: usize },
    #[error("malformed tx: {0}")]
    Malformed(String),
    #[error("tx is not canonically encoded")]
    NonCanonical,
    #[error("tx is for chain {got:?}, this is {expected:?}")]
    WrongChainId { expected: String, got: String },
    #[error("tx carries no messages")]
    NoMessages,
    #[error("tx carries no signatures")]
    Unsigned,
    #[error("signature {index}: public key is not a valid ed25519 key")]
    BadPublicKey { index: usize },
    #[error("signature {index} does not verify")]
    BadSignature { index: usize },
    #[error("signer {0} signed twice")]
    DuplicateSigner(Address),
}

/// One verified signer of a tx.
#[derive(Clone, Debug)]
pub struct Signer {
    pub address: Address,
    pub public_key: VerificationKey,
}

/// A tx whose encoding and signatures have been checked.
#[derive(Clone, Debug)]
pub struct VerifiedTx {
    /// sha256 of the tx bytes, as CometBFT computes tx hashes.
    pub hash: [u8; 32],
    pub body: pb::TxBody,
    /// In signature order; `signers[0]` is the sender whose nonce the body carries.
    pub signers: Vec<Signer>,
}

impl VerifiedTx {
    pub fn sender(&self) -> &Signer {
        // decode_and_verify refuses unsigned txs.
        &self.signers[0]
    }

    pub fn is_signed_by(&self, address: &Address) -> bool {
        self.signers.iter().any(|signer| signer.address == *address)
    }
}

/// The bytes each signer signs.
pub fn sign_bytes(chain_id: &str, nonce: u64, body: &pb::TxBody) -> Vec<u8> {
    pb::SignDoc {
        domain: TX_SIGN_DOMAIN.to_owned(),
        chain_id: chain_id.to_owned(),
        nonce,
        body: body.encode_to_vec(),
    }
    .encode_to_vec()
}

pub fn tx_hash(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Decodes a tx and checks everything that needs no state.
pub fn decode_and_verify(
    bytes: &[u8],
    chain_id: &str,
    max_bytes: usize,
) -> Result<VerifiedTx, TxError> {
    decode(bytes, chain_id, max_bytes, Signatures::Verify)
}

/// Whether a decode verifies the signatures, or trusts that these very
/// bytes were verified before (by this node: their hash names them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signatures {
    Verify,
    VerifiedBefore,
}

/// As [`decode_and_verify`], the signatures verified or trusted as told;
/// every other check is made either way.
pub fn decode(
    bytes: &[u8],
    chain_id: &str,
    max_bytes: usize,
    signatures: Signatures,
) -> Result<VerifiedTx, TxError> {
    if bytes.len() > max_bytes {
        return Err(TxError::Oversized {
            size: bytes.len(),
            max: max_bytes,
        });
    }
    let tx = pb::Tx::decode(bytes).map_err(|e| TxError::Malformed(e.to_string()))?;
    // One tx, one encoding: otherwise a relay could re-encode a tx under a new hash.
    if tx.encode_to_vec() != bytes {
        return Err(TxError::NonCanonical);
    }
    let body = tx
        .body
        .ok_or_else(|| TxError::Malformed("missing body".into()))?;
    if body.chain_id != chain_id {
        return Err(TxError::WrongChainId {
            expected: chain_id.to_owned(),
            got: body.chain_id,
        });
    }
    if body.msgs.is_empty() {
        return Err(TxError::NoMessages);
    }
    if tx.signatures.is_empty() {
        return Err(TxError::Unsigned);
    }
    let signers = match signatures {
        Signatures::Verify => {
            verify_signatures(&tx.signatures, &sign_bytes(chain_id, body.nonce, &body))?
        }
        Signatures::VerifiedBefore => signers_of(&tx.signatures)?,
    };
    Ok(VerifiedTx {
        hash: tx_hash(bytes),
        body,
        signers,
    })
}

/// Checks every signature over `message` and returns the signers in order;
/// an account may sign once.
pub fn verify_signatures(
    signatures: &[pb::Signature],
    message: &[u8],
) -> Result<Vec<Signer>, TxError> {
    for (index, sig) in signatures.iter().enumerate() {
        let public_key = VerificationKey::try_from(sig.public_key.as_slice())
            .map_err(|_| TxError::BadPublicKey { index })?;
        let signature = Signature::try_from(sig.signature.as_slice())
            .map_err(|_| TxError::BadSignature { index })?;
        public_key
            .verify(&signature, message)
            .map_err(|_| TxError::BadSignature { index })?;
    }
    signers_of(signatures)
}

/// The signers of `signatures` in order, their signatures not verified;
/// an account may sign once.
fn signers_of(signatures: &[pb::Signature]) -> Result<Vec<Signer>, TxError> {
    let mut signers: Vec<Signer> = Vec::with_capacity(signatures.len());
    for (index, sig) in signatures.iter().enumerate() {
        let public_key = VerificationKey::try_from(sig.public_key.as_slice())
            .map_err(|_| TxError::BadPublicKey { index })?;
        let address = Address::from_public_key(&public_key);
        if signers.iter().any(|s| s.address == address) {
            return Err(TxError::DuplicateSigner(address));
        }
        signers.push(Signer {
            address,
            public_key,
        });
    }
    Ok(signers)
}

/// `key`'s signature of `message`, in wire form.
pub fn signature(key: &SigningKey, message: &[u8]) -> pb::Signature {
    pb::Signature {
        public_key: key.verification_key().as_bytes().to_vec(),
        signature: key.sign(message).to_bytes().to_vec(),
    }
}

/// Adds `key`'s signature to `tx`; the first signature added makes the sender.
pub fn add_signature(tx: &mut pb::Tx, key: &SigningKey) -> Result<(), TxError> {
    let body = tx
        .body
        .as_ref()
        .ok_or_else(|| TxError::Malformed("missing body".into()))?;
    let message = sign_bytes(&body.chain_id, body.nonce, body);
    tx.signatures.push(signature(key, &message));
    Ok(())
}

/// Builds a tx signed by `keys`, the first being the sender.
pub fn signed_tx(body: pb::TxBody, keys: &[&SigningKey]) -> pb::Tx {
    let mut tx = pb::Tx {
        body: Some(body),
        signatures: Vec::new(),
    };
    for key in keys {
        // The body was just set, so signing cannot fail.
        let _ = add_signature(&mut tx, key);
    }
    tx
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcc_proto::Any;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from([seed; 32])
    }

    fn body(chain_id: &str) -> pb::TxBody {
        pb::TxBody {
            chain_id: chain_id.into(),
            nonce: 3,
            msgs: vec![Any {
                type_url: "/test.Msg".into(),
                value: vec![1, 2, 3],
            }],
            timeout_height: 0,
            memo: String::new(),
        }
    }

    #[test]
    fn a_signed_tx_verifies_with_its_signers_in_order() {
        let (alice, bob) = (key(1), key(2));
        let bytes = signed_tx(body("c-1"), &[&alice, &bob]).encode_to_vec();
        let tx = decode_and_verify(&bytes, "c-1", DEFAULT_MAX_TX_BYTES).unwrap();
        assert_eq!(
            tx.sender().address,
            Address::from_public_key(&alice.verification_key())
        );
        assert!(tx.is_signed_by(&Address::from_public_key(&bob.verification_key())));
        assert_eq!(tx.hash, tx_hash(&bytes));
    }

    #[test]
    fn refusals() {
        let alice = key(1);
        let good = signed_tx(body("c-1"), &[&alice]);
        let bytes = good.encode_to_vec();
        let check = |b: &[u8]| decode_and_verify(b, "c-1", DEFAULT_MAX_TX_BYTES);

        assert!(matches!(
            decode_and_verify(&bytes, "c-2", 1 << 20),
            Err(TxError::WrongChainId { .. })
        ));
        assert!(matches!(
            decode_and_verify(&bytes, "c-1", 10),
            Err(TxError::Oversized { .. })
        ));
        assert!(matches!(
            check(&[0xff, 0xff, 0xff]),
            Err(TxError::Malformed(_))
        ));

        let mut unsigned = good.clone();
        unsigned.signatures.clear();
        assert_eq!(
            check(&unsigned.encode_to_vec()).unwrap_err(),
            TxError::Unsigned
        );

        let mut forged = good.clone();
        forged.signatures[0].signature[0] ^= 1;
        assert_eq!(
            check(&forged.encode_to_vec()).unwrap_err(),
            TxError::BadSignature { index: 0 }
        );

        let mut tampered = good.clone();
        tampered.body.as_mut().unwrap().nonce = 4;
        assert_eq!(
            check(&tampered.encode_to_vec()).unwrap_err(),
            TxError::BadSignature { index: 0 }
        );

        let mut bad_key = good.clone();
        bad_key.signatures[0].public_key = vec![1, 2, 3];
        assert_eq!(
            check(&bad_key.encode_to_vec()).unwrap_err(),
            TxError::BadPublicKey { index: 0 }
        );

        let twice = signed_tx(body("c-1"), &[&alice, &alice]);
        assert!(matches!(
            check(&twice.encode_to_vec()),
            Err(TxError::DuplicateSigner(_))
        ));

        let mut empty = body("c-1");
        empty.msgs.clear();
        let empty = signed_tx(empty, &[&alice]);
        assert_eq!(
            check(&empty.encode_to_vec()).unwrap_err(),
            TxError::NoMessages
        );

        // The same tx with an unknown field appended decodes but is not canonical.
        let mut padded = bytes.clone();
        padded.extend_from_slice(&[0x78, 0x01]); // field 15, varint 1
        assert_eq!(check(&padded).unwrap_err(), TxError::NonCanonical);
    }
}

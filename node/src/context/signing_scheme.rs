use std::cmp::Ordering;

use borsh::{BorshDeserialize, BorshSerialize};
use malachitebft_app_channel::app::types::core::SigningScheme;

/// Ed25519 as CometBFT uses it. Malachite's own ed25519 scheme has no borsh
/// encoding, which its certificate codecs need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ed25519;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signature(pub ed25519_consensus::Signature);

impl Signature {
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }
}

impl PartialOrd for Signature {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Signature {
    fn cmp(&self, other: &Self) -> Ordering {
        self.to_bytes().cmp(&other.to_bytes())
    }
}

impl BorshSerialize for Signature {
    fn serialize<W: borsh::io::Write>(&self, writer: &mut W) -> borsh::io::Result<()> {
        writer.write_all(&self.to_bytes())
    }
}

impl BorshDeserialize for Signature {
    fn deserialize_reader<R: borsh::io::Read>(reader: &mut R) -> borsh::io::Result<Self> {
        let mut bytes = [0u8; 64];
        reader.read_exact(&mut bytes)?;
        Ok(Signature(ed25519_consensus::Signature::from(bytes)))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PublicKey(pub ed25519_consensus::VerificationKey);

impl PublicKey {
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        self.0.verify(&signature.0, message).is_ok()
    }
}

impl SigningScheme for Ed25519 {
    type DecodingError = ed25519_consensus::Error;
    type Signature = Signature;
    type PublicKey = PublicKey;
    type PrivateKey = ed25519_consensus::SigningKey;

    fn decode_signature(bytes: &[u8]) -> Result<Signature, Self::DecodingError> {
        let bytes: [u8; 64] = bytes
            .try_into()
            .map_err(|_| ed25519_consensus::Error::InvalidSliceLength)?;
        Ok(Signature(ed25519_consensus::Signature::from(bytes)))
    }

    fn encode_signature(signature: &Signature) -> Vec<u8> {
        signature.to_bytes().to_vec()
    }

    fn decode_public_key(bytes: &[u8]) -> Result<PublicKey, Self::DecodingError> {
        ed25519_consensus::VerificationKey::try_from(bytes).map(PublicKey)
    }

    fn encode_public_key(public_key: &PublicKey) -> Vec<u8> {
        public_key.to_bytes().to_vec()
    }
}

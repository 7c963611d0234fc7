use borsh::{BorshDeserialize, BorshSerialize};
use malachitebft_app_channel::app::types::core::{self as core, Round};

use super::{Address, BlockRef, Height, Signature, XccContext};

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Proposal {
    pub height: Height,
    pub round: Round,
    pub value: BlockRef,
    pub pol_round: Round,
    pub proposer: Address,
}

impl core::Proposal<XccContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockRef {
        &self.value
    }

    fn take_value(self) -> BlockRef {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

/// A whole block streamed as one part, signed by its proposer so peers
/// accept it only from the validator whose turn it is.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct BlockPart {
    pub height: Height,
    pub round: Round,
    pub proposer: Address,
    /// The round of the polka that let the proposer re-propose this block.
    pub pol_round: Round,
    /// The block, protobuf-encoded as CometBFT encodes it.
    pub block: Vec<u8>,
    /// The proposer's signature over [`BlockPart::sign_bytes`].
    pub signature: Signature,
}

impl BlockPart {
    pub const SIGN_DOMAIN: &'static [u8] = b"xcc/block-part/v1";

    pub fn sign_bytes(height: Height, round: Round, pol_round: Round, block: &[u8]) -> Vec<u8> {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(Self::SIGN_DOMAIN);
        hasher.update(height.0.to_be_bytes());
        hasher.update(round.as_i64().to_be_bytes());
        hasher.update(pol_round.as_i64().to_be_bytes());
        hasher.update(block);
        hasher.finalize().to_vec()
    }
}

impl core::ProposalPart<XccContext> for BlockPart {
    fn is_first(&self) -> bool {
        true
    }

    fn is_last(&self) -> bool {
        true
    }
}

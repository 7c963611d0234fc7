use borsh::{BorshDeserialize, BorshSerialize};
use malachitebft_app_channel::app::types::core::{
    self as core, NilOrVal, Round, SignedExtension, VoteType,
};

use super::{Address, BlockRef, Height, XccContext};

/// Vote extensions are not used; Malachite still needs a type for them.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct NoExtension;

impl core::Extension for NoExtension {
    fn size_bytes(&self) -> usize {
        0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Vote {
    pub vote_type: VoteType,
    pub height: Height,
    pub round: Round,
    pub value: NilOrVal<BlockRef>,
    pub validator_address: Address,
}

impl Vote {
    pub fn new(
        vote_type: VoteType,
        height: Height,
        round: Round,
        value: NilOrVal<BlockRef>,
        validator_address: Address,
    ) -> Self {
        Vote {
            vote_type,
            height,
            round,
            value,
            validator_address,
        }
    }
}

impl core::Vote<XccContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<BlockRef> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<BlockRef> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.vote_type
    }

    fn validator_address(&self) -> &Address {
        &self.validator_address
    }

    fn extension(&self) -> Option<&SignedExtension<XccContext>> {
        None
    }

    fn take_extension(&mut self) -> Option<SignedExtension<XccContext>> {
        None
    }

    fn extend(self, _extension: SignedExtension<XccContext>) -> Self {
        self
    }
}

//! The Malachite `Context` of an XCC chain: CometBFT-shaped heights,
//! addresses and validators, a value that names a block by its header hash
//! and time, and votes signed as CometBFT `CanonicalVote`s.

mod address;
mod height;
mod proposal;
mod signing_scheme;
mod validator;
mod value;
mod vote;

use malachitebft_app_channel::app::types::core::{
    Context, Height as _, LinearTimeouts, NilOrVal, Round, ValidatorSet as _, VoteType,
};

pub use address::Address;
pub use height::Height;
pub use proposal::{BlockPart, Proposal};
pub use signing_scheme::{Ed25519, PublicKey, Signature};
pub use validator::{UpdateError, Validator, ValidatorSet};
pub use value::BlockRef;
pub use vote::{NoExtension, Vote};

#[derive(Clone, Debug, Default)]
pub struct XccContext;

impl Context for XccContext {
    type Address = Address;
    type Height = Height;
    type ProposalPart = BlockPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockRef;
    type Vote = Vote;
    type Extension = NoExtension;
    type SigningScheme = Ed25519;

    /// Round-robin over the set, shifted by one at each height.
    fn select_proposer<'a>(
        &self,
        validator_set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        let count = validator_set.count().max(1) as u64;
        let round = round.as_u32().map_or(0, u64::from);
        let index = (height.as_u64().wrapping_add(round) % count) as usize;
        validator_set
            .get_by_index(index)
            .or_else(|| validator_set.get_by_index(0))
            .expect("a validator set is never empty")
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockRef,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockRef>,
        address: Address,
    ) -> Vote {
        Vote::new(VoteType::Prevote, height, round, value_id, address)
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value_id: NilOrVal<BlockRef>,
        address: Address,
    ) -> Vote {
        Vote::new(VoteType::Precommit, height, round, value_id, address)
    }
}

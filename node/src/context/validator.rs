use malachitebft_app_channel::app::types::core::{self as core, VotingPower};

use super::{Address, PublicKey, XccContext};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    pub address: Address,
    pub public_key: PublicKey,
    pub voting_power: VotingPower,
}

impl Validator {
    pub fn new(public_key: PublicKey, voting_power: VotingPower) -> Self {
        Validator {
            address: Address::from_public_key(&public_key.to_bytes()),
            public_key,
            voting_power,
        }
    }
}

impl core::Validator<XccContext> for Validator {
    fn address(&self) -> &Address {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn voting_power(&self) -> VotingPower {
        self.voting_power
    }
}

/// Validators in CometBFT's order (voting power descending, then address),
/// so that commit signatures line up with `/validators`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
}

impl ValidatorSet {
    pub fn new(mut validators: Vec<Validator>) -> Self {
        validators.sort_by(|a, b| {
            b.voting_power
                .cmp(&a.voting_power)
                .then(a.address.cmp(&b.address))
        });
        validators.dedup_by(|a, b| a.address == b.address);
        ValidatorSet { validators }
    }

    pub fn validators(&self) -> &[Validator] {
        &self.validators
    }

    /// The same set as tendermint-rs sees it (for hashes and light blocks).
    pub fn to_tendermint(&self) -> tendermint::validator::Set {
        let infos = self
            .validators
            .iter()
            .map(|v| {
                let power = tendermint::vote::Power::try_from(v.voting_power).unwrap_or_default();
                tendermint::validator::Info::new(tendermint::PublicKey::from(v.public_key.0), power)
            })
            .collect();
        tendermint::validator::Set::without_proposer(infos)
    }
}

impl core::ValidatorSet<XccContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.validators.iter().map(|v| v.voting_power).sum()
    }

    fn get_by_address(&self, address: &Address) -> Option<&Validator> {
        self.validators.iter().find(|v| &v.address == address)
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

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

/// A validator update the app returned that CometBFT would refuse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpdateError {
    #[error("validator update with a non-ed25519 key")]
    KeyType,
    #[error("validator {0} updated twice in one block")]
    Duplicate(Address),
    #[error("removal of {0}, which is not a validator")]
    UnknownRemoval(Address),
    #[error("total voting power {0} exceeds the maximum")]
    TooMuchPower(u128),
    #[error("the updates leave no validator")]
    Empty,
}

/// CometBFT's `MaxTotalVotingPower`.
const MAX_TOTAL_VOTING_POWER: u128 = (i64::MAX / 8) as u128;

impl ValidatorSet {
    /// The set after the app's updates, with CometBFT's rules: power 0
    /// removes, any other power adds or replaces, a key appears once.
    pub fn apply_updates(
        &self,
        updates: &[tendermint::validator::Update],
    ) -> Result<ValidatorSet, UpdateError> {
        let mut validators = self.validators.clone();
        let mut seen = Vec::new();
        for update in updates {
            let key = update.pub_key.ed25519().ok_or(UpdateError::KeyType)?;
            let key = ed25519_consensus::VerificationKey::try_from(key.as_bytes())
                .map_err(|_| UpdateError::KeyType)?;
            let validator = Validator::new(PublicKey(key), update.power.value());
            if seen.contains(&validator.address) {
                return Err(UpdateError::Duplicate(validator.address));
            }
            seen.push(validator.address);
            let existing = validators
                .iter()
                .position(|v| v.address == validator.address);
            match (existing, validator.voting_power) {
                (Some(index), 0) => {
                    validators.remove(index);
                }
                (None, 0) => return Err(UpdateError::UnknownRemoval(validator.address)),
                (Some(index), _) => validators[index] = validator,
                (None, _) => validators.push(validator),
            }
        }
        let total: u128 = validators.iter().map(|v| u128::from(v.voting_power)).sum();
        if total > MAX_TOTAL_VOTING_POWER {
            return Err(UpdateError::TooMuchPower(total));
        }
        if validators.is_empty() {
            return Err(UpdateError::Empty);
        }
        Ok(ValidatorSet::new(validators))
    }

    /// (public key, power) pairs, for the block store.
    pub fn to_entries(&self) -> Vec<([u8; 32], u64)> {
        self.validators
            .iter()
            .map(|v| (v.public_key.0.to_bytes(), v.voting_power))
            .collect()
    }

    pub fn from_entries(entries: &[([u8; 32], u64)]) -> Option<ValidatorSet> {
        let validators = entries
            .iter()
            .map(|(key, power)| {
                ed25519_consensus::VerificationKey::try_from(*key)
                    .ok()
                    .map(|key| Validator::new(PublicKey(key), *power))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ValidatorSet::new(validators))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_consensus::SigningKey;
    use tendermint::validator::Update;

    fn key(seed: u8) -> ed25519_consensus::VerificationKey {
        SigningKey::from([seed; 32]).verification_key()
    }

    fn set(members: &[(u8, u64)]) -> ValidatorSet {
        ValidatorSet::new(
            members
                .iter()
                .map(|&(seed, power)| Validator::new(PublicKey(key(seed)), power))
                .collect(),
        )
    }

    fn update(seed: u8, power: u32) -> Update {
        Update {
            pub_key: tendermint::PublicKey::from(key(seed)),
            power: tendermint::vote::Power::from(power),
        }
    }

    #[test]
    fn updates_add_replace_and_remove() {
        let before = set(&[(1, 10), (2, 10), (3, 10)]);
        let after = before
            .apply_updates(&[update(4, 5), update(1, 30), update(3, 0)])
            .unwrap();
        assert_eq!(after, set(&[(1, 30), (2, 10), (4, 5)]));
        // Order is CometBFT's: power descending.
        assert_eq!(after.validators()[0].voting_power, 30);
        assert_eq!(before.apply_updates(&[]).unwrap(), before);
    }

    #[test]
    fn updates_cometbft_refuses_are_refused() {
        let before = set(&[(1, 10), (2, 10)]);
        assert!(matches!(
            before.apply_updates(&[update(1, 5), update(1, 6)]),
            Err(UpdateError::Duplicate(_))
        ));
        assert!(matches!(
            before.apply_updates(&[update(9, 0)]),
            Err(UpdateError::UnknownRemoval(_))
        ));
        assert_eq!(
            before.apply_updates(&[update(1, 0), update(2, 0)]),
            Err(UpdateError::Empty)
        );
    }

    #[test]
    fn entries_round_trip() {
        let original = set(&[(1, 7), (2, 9)]);
        assert_eq!(
            ValidatorSet::from_entries(&original.to_entries()).unwrap(),
            original
        );
    }
}

//! The shared keyring (`xcc_home::keyring`, also the relayer's) with
//! the chains' account addresses, which that crate does not know.

use std::path::Path;

use ed25519_consensus::SigningKey;
use xcc_chain::Address;
use xcc_home::keyring::{self as shared, KeyringError};

pub use shared::parse_secret;

pub struct Keyring(shared::Keyring);

pub struct NamedKey {
    pub name: String,
    pub key: SigningKey,
}

impl NamedKey {
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.key.verification_key())
    }
}

impl From<shared::NamedKey> for NamedKey {
    fn from(named: shared::NamedKey) -> Self {
        NamedKey {
            name: named.name,
            key: named.key,
        }
    }
}

impl Keyring {
    pub fn open(home: &Path) -> Result<Self, KeyringError> {
        shared::Keyring::open(home).map(Keyring)
    }

    pub fn add(&self, name: &str, key: SigningKey) -> Result<NamedKey, KeyringError> {
        let address = Address::from_public_key(&key.verification_key()).to_string();
        self.0.add(name, key, &address).map(NamedKey::from)
    }

    pub fn get(&self, name: &str) -> Result<NamedKey, KeyringError> {
        self.0.get(name).map(NamedKey::from)
    }

    pub fn list(&self) -> Result<Vec<NamedKey>, KeyringError> {
        Ok(self.0.list()?.into_iter().map(NamedKey::from).collect())
    }
}

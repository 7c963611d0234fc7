//! Account addresses: the first 20 bytes of sha256(ed25519 public key), shown as
//! bech32 with the prefix `xcc`. One key is the same identity on every chain.

use std::fmt;
use std::str::FromStr;

use bech32::{Bech32, Hrp};
use ed25519_consensus::VerificationKey;
use sha2::{Digest, Sha256};

pub const ADDRESS_PREFIX: &str = "xcc";
pub const ADDRESS_LEN: usize = 20;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address([u8; ADDRESS_LEN]);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AddressError {
    #[error("invalid address {0:?}: not bech32")]
    NotBech32(String),
    #[error("invalid address {0:?}: prefix must be \"xcc\"")]
    WrongPrefix(String),
    #[error("invalid address {0:?}: must be {ADDRESS_LEN} bytes")]
    WrongLength(String),
}

impl Address {
    pub fn from_public_key(key: &VerificationKey) -> Self {
        let digest = Sha256::digest(key.as_bytes());
        let mut bytes = [0u8; ADDRESS_LEN];
        bytes.copy_from_slice(&digest[..ADDRESS_LEN]);
        Address(bytes)
    }

    pub const fn from_bytes(bytes: [u8; ADDRESS_LEN]) -> Self {
        Address(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; ADDRESS_LEN] {
        &self.0
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hrp = Hrp::parse_unchecked(ADDRESS_PREFIX);
        // Encoding 20 bytes under a valid prefix cannot exceed bech32's length limit.
        let encoded = bech32::encode::<Bech32>(hrp, &self.0).map_err(|_| fmt::Error)?;
        f.write_str(&encoded)
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl FromStr for Address {
    type Err = AddressError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (hrp, data) = bech32::decode(s).map_err(|_| AddressError::NotBech32(s.to_owned()))?;
        if hrp.as_str() != ADDRESS_PREFIX {
            return Err(AddressError::WrongPrefix(s.to_owned()));
        }
        let bytes: [u8; ADDRESS_LEN] = data
            .try_into()
            .map_err(|_| AddressError::WrongLength(s.to_owned()))?;
        Ok(Address(bytes))
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bech32_round_trip() {
        let address = Address::from_bytes([7; ADDRESS_LEN]);
        let shown = address.to_string();
        assert!(shown.starts_with("xcc1"));
        assert_eq!(shown.parse::<Address>(), Ok(address));
    }

    #[test]
    fn refuses_other_prefixes_lengths_and_garbage() {
        let cosmos = bech32::encode::<Bech32>(Hrp::parse_unchecked("cosmos"), &[1; 20]).unwrap();
        assert!(matches!(
            cosmos.parse::<Address>(),
            Err(AddressError::WrongPrefix(_))
        ));
        let short = bech32::encode::<Bech32>(Hrp::parse_unchecked("xcc"), &[1; 19]).unwrap();
        assert!(matches!(
            short.parse::<Address>(),
            Err(AddressError::WrongLength(_))
        ));
        assert!(matches!(
            "xcc1nonsense".parse::<Address>(),
            Err(AddressError::NotBech32(_))
        ));
    }
}

use std::fmt;
use std::str::FromStr;

/// A denomination: 2 to 32 characters of a-z, 0-9 and '-', starting with a
/// letter (e.g. `usd`, `eur-cash`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DenomName(String);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid denom {0:?}: 2 to 32 characters of a-z, 0-9 and '-', starting with a letter")]
pub struct InvalidDenom(pub String);

impl FromStr for DenomName {
    type Err = InvalidDenom;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed = (2..=32).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if well_formed {
            Ok(DenomName(s.to_owned()))
        } else {
            Err(InvalidDenom(s.to_owned()))
        }
    }
}

impl fmt::Display for DenomName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for DenomName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for DenomName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

use std::fmt;
use std::str::FromStr;

/// A security's ticker: 1 to 16 characters of A-Z, 0-9 and '-', starting with
/// a letter. It names the security in every key and message.
#[derive(
    Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct Symbol(String);

impl TryFrom<String> for Symbol {
    type Error = InvalidSymbol;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Symbol> for String {
    fn from(symbol: Symbol) -> Self {
        symbol.0
    }
}

pub const MAX_SYMBOL_LEN: usize = 16;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("invalid symbol {0:?}: 1 to 16 characters of A-Z, 0-9 and '-', starting with a letter")]
pub struct InvalidSymbol(pub String);

impl FromStr for Symbol {
    type Err = InvalidSymbol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed = (1..=MAX_SYMBOL_LEN).contains(&s.len())
            && s.starts_with(|c: char| c.is_ascii_uppercase())
            && s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if well_formed {
            Ok(Symbol(s.to_owned()))
        } else {
            Err(InvalidSymbol(s.to_owned()))
        }
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Symbol {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

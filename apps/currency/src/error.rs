use xcc_chain::state::StateError;
use xcc_chain::{Address, ExecError};

use crate::denom::DenomName;

pub const CODESPACE: &str = "currency";

#[derive(Debug, thiserror::Error)]
pub enum CurrencyError {
    #[error("invalid message: {0}")]
    Invalid(String),
    #[error("unknown denom {0}")]
    UnknownDenom(DenomName),
    #[error("{account} is not the mint authority of {denom}")]
    NotMintAuthority { denom: DenomName, account: Address },
    #[error("{account} holds {available} {denom}, needs {needed}")]
    InsufficientBalance {
        denom: DenomName,
        account: Address,
        available: u64,
        needed: u64,
    },
    #[error("the supply of {0} would overflow")]
    SupplyOverflow(DenomName),
    #[error("the hold of cross-tx {0} is not covered by the payer's balance")]
    HoldNotCovered(String),
    #[error(transparent)]
    State(#[from] StateError),
}

impl CurrencyError {
    pub fn code(&self) -> u32 {
        match self {
            CurrencyError::Invalid(_) => 1,
            CurrencyError::UnknownDenom(_) => 2,
            CurrencyError::NotMintAuthority { .. } => 3,
            CurrencyError::InsufficientBalance { .. } => 4,
            CurrencyError::SupplyOverflow(_) => 5,
            CurrencyError::State(_) => 6,
            CurrencyError::HoldNotCovered(_) => 7,
        }
    }
}

impl From<CurrencyError> for ExecError {
    fn from(error: CurrencyError) -> Self {
        match error {
            CurrencyError::State(e) => e.into(),
            other => ExecError::new(CODESPACE, other.code(), other.to_string()),
        }
    }
}

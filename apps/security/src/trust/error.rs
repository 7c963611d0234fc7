//! Why a receipt, a bank or a platform is refused, with what was expected
//! and what was found.

use xcc_chain::state::StateError;
use xcc_chain::ExecError;

pub const CODESPACE: &str = "trust";

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("invalid message: {0}")]
    Invalid(String),
    #[error("{0} is not this chain's admin")]
    NotAdmin(String),
    #[error("no bank with key {0}")]
    UnknownBank(String),
    #[error("bank {0} is already registered")]
    BankExists(String),
    #[error("bank {key} was revoked at {revoked_at_ns} ns")]
    BankRevoked { key: String, revoked_at_ns: u64 },
    #[error("bank {key} is valid from {valid_from_ns} until {valid_until_ns} ns, not at block time {now_ns} ns")]
    BankNotValid {
        key: String,
        valid_from_ns: u64,
        valid_until_ns: u64,
        now_ns: u64,
    },
    #[error("the receipt's signature does not verify for bank {0} on this chain and purpose")]
    BadSignature(String),
    #[error("a receipt for {expected} was expected, not one for {found}")]
    WrongPurpose {
        expected: &'static str,
        found: &'static str,
    },
    #[error("receipt {id} of bank {bank} expired at {expires_at_ns} ns (block time {now_ns} ns)")]
    Expired {
        bank: String,
        id: String,
        expires_at_ns: u64,
        now_ns: u64,
    },
    #[error(
        "receipt {id} of bank {bank} is issued at {issued_at_ns} ns, after block time {now_ns} ns"
    )]
    IssuedInTheFuture {
        bank: String,
        id: String,
        issued_at_ns: u64,
        now_ns: u64,
    },
    #[error("receipt {id} of bank {bank} was already used")]
    Replayed { bank: String, id: String },
    #[error("the receipt pays in {found}; fees are paid in {expected}")]
    WrongDenom { expected: String, found: String },
    #[error("no platform {0}")]
    UnknownPlatform(String),
    #[error("platform {0} is already registered")]
    PlatformExists(String),
    #[error("validator key {0} already belongs to a platform or a registrar validator")]
    ValidatorKeyTaken(String),
    #[error("the chain has its most platforms ({0})")]
    TooManyPlatforms(usize),
    #[error("no lot {0}")]
    UnknownLot(u64),
    #[error("{payer} is already registered for lot {lot}")]
    AlreadyRegistered { payer: String, lot: u64 },
    #[error("only {expected} may submit this receipt, not {found}")]
    NotThePayer { expected: String, found: String },
    #[error("the lot refuses the bidder: {0}")]
    Lot(String),
    #[error("state: {0}")]
    State(#[from] StateError),
}

impl TrustError {
    pub fn code(&self) -> u32 {
        match self {
            TrustError::Invalid(_) => 1,
            TrustError::NotAdmin(_) => 2,
            TrustError::UnknownBank(_) => 3,
            TrustError::BankExists(_) => 4,
            TrustError::BankRevoked { .. } => 5,
            TrustError::BankNotValid { .. } => 6,
            TrustError::BadSignature(_) => 7,
            TrustError::WrongPurpose { .. } => 8,
            TrustError::Expired { .. } => 9,
            TrustError::IssuedInTheFuture { .. } => 10,
            TrustError::Replayed { .. } => 11,
            TrustError::WrongDenom { .. } => 12,
            TrustError::UnknownPlatform(_) => 13,
            TrustError::PlatformExists(_) => 14,
            TrustError::ValidatorKeyTaken(_) => 15,
            TrustError::TooManyPlatforms(_) => 16,
            TrustError::UnknownLot(_) => 17,
            TrustError::AlreadyRegistered { .. } => 18,
            TrustError::NotThePayer { .. } => 19,
            TrustError::State(_) => 20,
            TrustError::Lot(_) => 21,
        }
    }
}

impl From<TrustError> for ExecError {
    fn from(error: TrustError) -> Self {
        match error {
            TrustError::State(e) => e.into(),
            other => ExecError::new(CODESPACE, other.code(), other.to_string()),
        }
    }
}

use xcc_chain::state::StateError;
use xcc_chain::{Address, ExecError};

use crate::symbol::Symbol;

pub const CODESPACE: &str = "security";

#[derive(Debug, thiserror::Error)]
pub enum SecurityError {
    #[error("invalid message: {0}")]
    Invalid(String),
    #[error("unknown security {0}")]
    UnknownSecurity(Symbol),
    #[error("security {0} is already registered")]
    SymbolTaken(Symbol),
    #[error("{0} is not the registrar")]
    NotRegistrar(Address),
    #[error("{account} is not the issuer of {symbol}")]
    NotIssuer { symbol: Symbol, account: Address },
    #[error("{account} is neither the issuer nor a KYC agent of {symbol}")]
    NotKycAuthority { symbol: Symbol, account: Address },
    #[error("{account} is not on the whitelist of {symbol}")]
    NotWhitelisted { symbol: Symbol, account: Address },
    #[error("the whitelist entry of {account} for {symbol} expired at {expires_at}")]
    WhitelistExpired {
        symbol: Symbol,
        account: Address,
        expires_at: i64,
    },
    #[error("{symbol} would have {holders} holders, above its cap of {cap}")]
    HolderCapExceeded {
        symbol: Symbol,
        holders: u32,
        cap: u32,
    },
    #[error("{account} holds {available} {symbol}, needs {needed}")]
    InsufficientBalance {
        symbol: Symbol,
        account: Address,
        available: u64,
        needed: u64,
    },
    #[error("the position of {account} in {symbol} is frozen")]
    Frozen { symbol: Symbol, account: Address },
    #[error("{0}")]
    AlreadyInState(String),
    #[error("{0}")]
    NotInState(String),
    #[error("no listing {0}")]
    UnknownListing(u64),
    #[error("{account} is not the seller of listing {listing_id}")]
    NotSeller { listing_id: u64, account: Address },
    #[error("listing {listing_id} has {available} units for sale, the fill wants {wanted}")]
    ListingShort {
        listing_id: u64,
        available: u64,
        wanted: u64,
    },
    #[error("the cross-tx does not pay for the fill: {0}")]
    PaymentMissing(String),
    #[error(
        "the whitelist entry of {account} for {symbol} is pinned by {pins} prepared cross-tx(s)"
    )]
    WhitelistPinned {
        symbol: Symbol,
        account: Address,
        pins: u64,
    },
    #[error("{0} is only valid as a leg of a cross-tx")]
    CrossTxOnly(&'static str),
    #[error("the hold of cross-tx {0} is not covered")]
    HoldNotCovered(String),
    #[error("no dividend {0}")]
    UnknownDividend(u64),
    #[error("dividend {id} is {status}, not payable")]
    DividendNotPayable { id: u64, status: String },
    #[error("record height {record_height}: {reason}")]
    RecordHeight { record_height: u64, reason: String },
    #[error(
        "dividend {dividend_id} may only be reserved in a cross-tx whose dependent leg pays it \
         in {denom} on {currency_chain}"
    )]
    PayoutLegMissing {
        dividend_id: u64,
        currency_chain: String,
        denom: String,
    },
    #[error(
        "a payout of dividend {dividend_id} reserves each of its {pages} pages once: {reason}"
    )]
    PayoutPages {
        dividend_id: u64,
        pages: u32,
        reason: String,
    },
    #[error(
        "{holders} holders at the record height need {pages} pages of {page_holders}; a payout \
         has at most {max_pages}"
    )]
    TooManyHolders {
        holders: u32,
        page_holders: u32,
        pages: u32,
        max_pages: u32,
    },
    #[error(
        "{account} holds {balance} {symbol} with {pending_in} pending: its whitelist entry \
         cannot be removed (freeze the position instead)"
    )]
    WhitelistedHolder {
        symbol: Symbol,
        account: Address,
        balance: u64,
        pending_in: u64,
    },
    #[error(
        "the whitelist entry of {account} for {symbol} is pinned until {pinned_until} by a \
         prepared cross-tx, it cannot expire at {expires_at}"
    )]
    WhitelistPinnedUntil {
        symbol: Symbol,
        account: Address,
        pinned_until: i64,
        expires_at: i64,
    },
    #[error(
        "the whitelist entry of {account} for {symbol} expires at {expires_at}, before the \
         cross-tx's deadline {deadline}"
    )]
    WhitelistEndsBeforeDeadline {
        symbol: Symbol,
        account: Address,
        expires_at: i64,
        deadline: i64,
    },
    #[error(transparent)]
    State(#[from] StateError),
}

impl SecurityError {
    pub fn code(&self) -> u32 {
        match self {
            SecurityError::Invalid(_) => 1,
            SecurityError::UnknownSecurity(_) => 2,
            SecurityError::SymbolTaken(_) => 3,
            SecurityError::NotRegistrar(_) => 4,
            SecurityError::NotIssuer { .. } => 5,
            SecurityError::NotKycAuthority { .. } => 6,
            SecurityError::NotWhitelisted { .. } => 7,
            SecurityError::WhitelistExpired { .. } => 8,
            SecurityError::HolderCapExceeded { .. } => 9,
            SecurityError::InsufficientBalance { .. } => 10,
            SecurityError::Frozen { .. } => 11,
            SecurityError::AlreadyInState(_) => 12,
            SecurityError::NotInState(_) => 13,
            SecurityError::State(_) => 14,
            SecurityError::UnknownListing(_) => 15,
            SecurityError::NotSeller { .. } => 16,
            SecurityError::ListingShort { .. } => 17,
            SecurityError::PaymentMissing(_) => 18,
            SecurityError::WhitelistPinned { .. } => 19,
            SecurityError::CrossTxOnly(_) => 20,
            SecurityError::HoldNotCovered(_) => 21,
            SecurityError::UnknownDividend(_) => 22,
            SecurityError::DividendNotPayable { .. } => 23,
            SecurityError::RecordHeight { .. } => 24,
            SecurityError::PayoutLegMissing { .. } => 25,
            SecurityError::WhitelistedHolder { .. } => 26,
            SecurityError::WhitelistPinnedUntil { .. } => 27,
            SecurityError::WhitelistEndsBeforeDeadline { .. } => 28,
            SecurityError::PayoutPages { .. } => 29,
            SecurityError::TooManyHolders { .. } => 30,
        }
    }
}

impl From<SecurityError> for ExecError {
    fn from(error: SecurityError) -> Self {
        match error {
            SecurityError::State(e) => e.into(),
            other => ExecError::new(CODESPACE, other.code(), other.to_string()),
        }
    }
}

//! Why an auction message is refused, with what was expected and found.

use xcc_chain::state::StateError;
use xcc_chain::ExecError;

use super::machine::Refusal;
use super::terms::TermsError;
use crate::error::SecurityError;

pub const CODESPACE: &str = "auction";

#[derive(Debug, thiserror::Error)]
pub enum AuctionError {
    #[error("invalid message: {0}")]
    Invalid(String),
    #[error("no lot {0}")]
    UnknownLot(u64),
    #[error("{0}")]
    Refused(#[from] Refusal),
    #[error("terms: {0}")]
    Terms(#[from] TermsError),
    #[error("{0}")]
    Security(#[from] SecurityError),
    #[error(
        "qualifying for lot {lot} needs a leg on {currency_chain} that holds a guarantee of \
         {guarantee} {denom} from {bidder} for it: {found}"
    )]
    GuaranteeLegMissing {
        lot: u64,
        bidder: String,
        guarantee: u64,
        denom: String,
        currency_chain: String,
        found: String,
    },
    #[error("lot {lot} takes bidders registered on a bank's receipt first; {bidder} is not registered for it")]
    NotRegistered { lot: u64, bidder: String },
    #[error("{0} is only valid as a leg of a cross-tx")]
    CrossTxOnly(&'static str),
    #[error("state: {0}")]
    State(#[from] StateError),
    /// The packet layer's refusal (a guarantee's disposition not sent), as
    /// it gave it.
    #[error("{}", .0.log)]
    Chain(ExecError),
}

impl From<ExecError> for AuctionError {
    fn from(error: ExecError) -> Self {
        AuctionError::Chain(error)
    }
}

pub mod code {
    pub const INVALID: u32 = 1;
    pub const UNKNOWN_LOT: u32 = 2;
    pub const REFUSED: u32 = 3;
    pub const TERMS: u32 = 4;
    pub const GUARANTEE_LEG_MISSING: u32 = 5;
    pub const CROSS_TX_ONLY: u32 = 6;
    pub const NOT_REGISTERED: u32 = 8;
    pub const STATE: u32 = 7;
}

impl AuctionError {
    pub fn code(&self) -> u32 {
        match self {
            AuctionError::Invalid(_) => code::INVALID,
            AuctionError::UnknownLot(_) => code::UNKNOWN_LOT,
            AuctionError::Refused(_) => code::REFUSED,
            AuctionError::Terms(_) => code::TERMS,
            AuctionError::Security(_) => code::INVALID,
            AuctionError::GuaranteeLegMissing { .. } => code::GUARANTEE_LEG_MISSING,
            AuctionError::CrossTxOnly(_) => code::CROSS_TX_ONLY,
            AuctionError::NotRegistered { .. } => code::NOT_REGISTERED,
            AuctionError::State(_) => code::STATE,
            AuctionError::Chain(e) => e.code,
        }
    }
}

impl From<AuctionError> for ExecError {
    fn from(error: AuctionError) -> Self {
        match error {
            // A security refusal keeps its own codespace and code.
            AuctionError::Security(inner) => inner.into(),
            AuctionError::State(e) => e.into(),
            AuctionError::Chain(e) => e,
            other => ExecError::new(CODESPACE, other.code(), other.to_string()),
        }
    }
}

//! What must always hold across the chains (DESIGN.md section 8), as a
//! library: [`read`] takes what an audit needs from any [`Source`] (the
//! chains' RPC in `xcc audit`, the chains in process in tests), and
//! [`judge`], a pure function of that reading, returns every violation.
//! One module per invariant, each with its own violation type.

use std::fmt;

pub mod atomicity;
pub mod auctions;
pub mod authorization;
pub mod compliance;
pub mod conservation;
pub mod dividends;
pub mod reading;
pub mod reservations;
#[cfg(feature = "testing")]
pub mod testing;
pub mod trust;
pub mod trust_reading;

pub use atomicity::AtomicityViolation;
pub use auctions::AuctionViolation;
pub use authorization::AuthorizationViolation;
pub use compliance::ComplianceViolation;
pub use conservation::ConservationViolation;
pub use dividends::DividendViolation;
pub use reading::{abci_answer, read, Reading, Role, Source, SourceError};
pub use reservations::ReservationViolation;
pub use trust::TrustViolation;

/// Something that must hold and does not.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error(transparent)]
    Atomicity(#[from] AtomicityViolation),
    #[error(transparent)]
    Conservation(#[from] ConservationViolation),
    #[error(transparent)]
    Compliance(#[from] ComplianceViolation),
    #[error(transparent)]
    Dividend(#[from] DividendViolation),
    #[error(transparent)]
    Reservation(#[from] ReservationViolation),
    #[error(transparent)]
    Authorization(#[from] AuthorizationViolation),
    #[error(transparent)]
    Auction(#[from] AuctionViolation),
    #[error(transparent)]
    Trust(#[from] TrustViolation),
    /// An audit that cannot read the chains cannot call them clean.
    #[error("the chains could not be read: {0}")]
    Unreadable(#[from] SourceError),
}

/// Every violation in what was read.
pub fn judge(reading: &Reading) -> Vec<Violation> {
    let mut violations = Vec::new();
    violations.extend(atomicity::judge(reading).into_iter().map(Violation::from));
    violations.extend(
        conservation::judge(reading)
            .into_iter()
            .map(Violation::from),
    );
    violations.extend(compliance::judge(reading).into_iter().map(Violation::from));
    violations.extend(dividends::judge(reading).into_iter().map(Violation::from));
    violations.extend(
        reservations::judge(reading)
            .into_iter()
            .map(Violation::from),
    );
    violations.extend(
        authorization::judge(reading)
            .into_iter()
            .map(Violation::from),
    );
    violations.extend(auctions::judge(reading).into_iter().map(Violation::from));
    violations.extend(trust::judge(reading).into_iter().map(Violation::from));
    violations
}

/// A cross-tx id, shown in hex.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TxId(pub Vec<u8>);

impl TxId {
    pub fn of(bytes: &[u8]) -> Self {
        TxId(bytes.to_vec())
    }
}

impl fmt::Display for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(&self.0))
    }
}

impl fmt::Debug for TxId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TxId({self})")
    }
}

/// The coordinator's decision on a cross-tx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Commit,
    Abort,
}

impl Decision {
    pub fn from_commit(commit: bool) -> Self {
        if commit {
            Decision::Commit
        } else {
            Decision::Abort
        }
    }

    /// What a leg that applied it did: "committed" or "aborted".
    pub fn applied(self) -> &'static str {
        match self {
            Decision::Commit => "committed",
            Decision::Abort => "aborted",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Commit => "commit",
            Decision::Abort => "abort",
        })
    }
}

#[cfg(test)]
mod tests;

//! The security chain's domain types: each stored record converted once,
//! where it is read, into typed fields (addresses, symbols, statuses), and
//! back into the same record where it is written.

mod dividend;
mod hold;
mod listing;
mod position;
mod security;

pub use dividend::{status_name, Dividend, DividendStatus};
pub use hold::{HeldMovement, HeldPage, Hold};
pub use listing::Listing;
pub use position::Position;
pub use security::Security;

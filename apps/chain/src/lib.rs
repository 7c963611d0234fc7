//! What every XCC chain shares: the tx envelope and its checks, accounts and
//! nonces, the module pattern, state overlays, the app state machine and its
//! tower-abci adapter.

pub mod abci;
pub mod address;
pub mod app;
pub mod auth;
pub mod error;
pub mod genesis;
pub mod module;
pub mod state;
pub mod testing;
pub mod tx;
pub mod validators;

pub use address::Address;
pub use app::{App, AppConfig, AppError, FinalizedBlock, QueryOutcome, TxOutcome};
pub use error::{ExecError, QueryError};
pub use module::{BlockInfo, Event, Module, Msg, MsgContext, ValidatorUpdate};

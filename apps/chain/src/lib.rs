//! What every XCC chain shares: the tx envelope and its checks, accounts and
//! nonces, the module pattern, state overlays, the app state machine and its
//! tower-abci adapter.

pub mod abci;
pub mod address;
pub mod app;
pub mod auth;
pub mod error;
pub mod genesis;
pub mod ibc;
pub mod module;
pub mod participant;
pub mod ping;
pub mod state;
pub mod testing;
pub mod tx;
pub mod validators;
pub mod xtx;

pub use address::Address;
pub use app::{App, AppConfig, AppError, FinalizedBlock, QueryOutcome, TxOutcome};
pub use error::{ExecError, QueryError};
pub use module::{BlockInfo, Event, Module, Msg, MsgContext, ValidatorUpdate};

/// A chain's modules: those every XCC chain runs (validator administration,
/// the packet layer and its test port), then the chain's own.
pub fn chain_modules(own: Vec<Box<dyn Module>>) -> Vec<Box<dyn Module>> {
    let ports = ibc::Ports::new(vec![std::sync::Arc::new(ping::PingModule)]);
    let mut modules: Vec<Box<dyn Module>> = vec![
        Box::new(validators::ValidatorsModule),
        Box::new(ibc::IbcModule::new(ports)),
        Box::new(ping::PingModule),
    ];
    modules.extend(own);
    modules
}

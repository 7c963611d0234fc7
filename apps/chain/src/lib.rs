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
pub mod page;
pub mod participant;
pub mod ping;
pub mod router;
pub mod state;
pub mod testing;
pub mod tx;
pub mod validators;
pub mod xtx;

pub use address::Address;
pub use app::{App, AppConfig, AppError, CheckKind, FinalizedBlock, QueryOutcome, TxOutcome};
pub use error::{ExecError, QueryError};
pub use module::{BlockInfo, Event, Module, Msg, MsgContext, ValidatorUpdate};

/// A chain's modules: those every XCC chain runs (validator administration,
/// the packet layer with the test port and `ports`), then the chain's own.
pub fn chain_modules(
    own: Vec<Box<dyn Module>>,
    ports: Vec<std::sync::Arc<dyn ibc::Port>>,
) -> Vec<Box<dyn Module>> {
    let mut all_ports: Vec<std::sync::Arc<dyn ibc::Port>> =
        vec![std::sync::Arc::new(ping::PingModule)];
    all_ports.extend(ports);
    let mut modules: Vec<Box<dyn Module>> = vec![
        Box::new(validators::ValidatorsModule),
        Box::new(ibc::IbcModule::new(ibc::Ports::new(all_ports))),
        Box::new(ping::PingModule),
    ];
    modules.extend(own);
    modules
}

/// A participant chain's modules: `chain_modules` with the chain's own, the
/// participant side of two-phase commit over `reservations`, and the
/// chain's own `ports`.
pub fn participant_chain_modules(
    mut own: Vec<Box<dyn Module>>,
    reservations: std::sync::Arc<dyn participant::Reservations>,
    ports: Vec<std::sync::Arc<dyn ibc::Port>>,
) -> Vec<Box<dyn Module>> {
    let participant = participant::ParticipantModule::new(reservations);
    own.push(Box::new(participant.clone()));
    let mut all_ports: Vec<std::sync::Arc<dyn ibc::Port>> = vec![std::sync::Arc::new(participant)];
    all_ports.extend(ports);
    chain_modules(own, all_ports)
}

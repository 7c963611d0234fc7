//! The XCC chain apps by kind: the one place that says which modules a
//! security, currency or coordinator chain runs, for the node that hosts an
//! app in process and for `xcc-app`, which serves one over ABCI.

use xcc_chain::Module;
pub use xcc_node_config::AppKind;

/// The modules a chain of `kind` runs.
pub fn modules(kind: AppKind) -> Vec<Box<dyn Module>> {
    match kind {
        AppKind::Security => xcc_security::modules(),
        AppKind::Currency => xcc_currency::modules(),
        AppKind::Coordinator => xcc_coordinator::modules(),
    }
}

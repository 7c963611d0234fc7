//! The audit in process: a [`Source`] over a [`TestNetwork`], so every test
//! can end with the same judgement `xcc audit` gives a live testnet.

use xcc_chain::testing::{TestChain, TestNetwork};

use crate::reading::{abci_answer, read, Role, Source, SourceError};
use crate::{judge, Violation};

/// Reads the chains of a test network, queried directly.
pub struct NetworkSource<'a> {
    net: &'a TestNetwork,
    coordinator: String,
    security: String,
    currency: String,
}

impl<'a> NetworkSource<'a> {
    pub fn new(net: &'a TestNetwork, coordinator: &str, security: &str, currency: &str) -> Self {
        NetworkSource {
            net,
            coordinator: coordinator.to_owned(),
            security: security.to_owned(),
            currency: currency.to_owned(),
        }
    }

    fn chain(&self, role: Role) -> Result<&'a TestChain, SourceError> {
        let chain_id = self.chain_id(role);
        self.net
            .chains
            .get(&chain_id)
            .ok_or_else(|| SourceError::Unreachable {
                reason: "no such chain in the test network".into(),
                chain: chain_id,
            })
    }
}

impl Source for NetworkSource<'_> {
    fn chain_id(&self, role: Role) -> String {
        match role {
            Role::Coordinator => &self.coordinator,
            Role::Security => &self.security,
            Role::Currency => &self.currency,
        }
        .clone()
    }

    async fn latest_height(&mut self, role: Role) -> Result<u64, SourceError> {
        Ok(self.chain(role)?.height())
    }

    async fn query(
        &mut self,
        role: Role,
        path: &str,
        request: Vec<u8>,
        height: Option<u64>,
    ) -> Result<Vec<u8>, SourceError> {
        // Height 0 asks the app for its latest state.
        let outcome = self
            .chain(role)?
            .app
            .query(path, &request, height.unwrap_or(0), false);
        let chain = self.chain_id(role);
        abci_answer(&chain, path, outcome.code, outcome.log, outcome.value)
    }
}

/// Every violation on the network's three chains; a network that cannot be
/// read is one violation.
pub fn audit_network(
    net: &TestNetwork,
    coordinator: &str,
    security: &str,
    currency: &str,
) -> Vec<Violation> {
    let mut source = NetworkSource::new(net, coordinator, security, currency);
    // Every query answers at once, so blocking never waits.
    match futures::executor::block_on(read(&mut source)) {
        Ok(reading) => judge(&reading),
        Err(error) => vec![Violation::Unreadable(error)],
    }
}

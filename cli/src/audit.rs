//! `xcc audit`: reads every chain of a testnet over RPC and judges what must
//! always hold (DESIGN.md section 8) with `xcc_audit`, the same judge every
//! test runs in process.

use std::path::Path;

use anyhow::bail;
use tendermint_rpc::HttpClient;
use xcc_audit::{Role, Source, SourceError};
use xcc_chain::app::STORE_KEY_PATH;
use xcc_node_config::AppKind;

use crate::query::{chain_id, raw_module_query};
use crate::rpc;

pub async fn run(home: &Path) -> anyhow::Result<()> {
    let mut source = Rpc::connect(home).await?;
    let reading = xcc_audit::read(&mut source).await?;
    let violations = xcc_audit::judge(&reading);
    let legs: usize = reading.legs.values().map(Vec::len).sum();
    if violations.is_empty() {
        println!(
            "audit clean: {} cross-txs, {legs} legs, {} securities, {} denoms",
            reading.records_after.len(),
            reading.securities.len(),
            reading.denoms.len()
        );
        return Ok(());
    }
    for violation in &violations {
        println!("VIOLATION: {violation}");
    }
    bail!("{} violation(s) found", violations.len())
}

/// The testnet's three chains, each behind the first of its nodes that
/// answers.
struct Rpc {
    coordinator: (String, HttpClient),
    security: (String, HttpClient),
    currency: (String, HttpClient),
}

impl Rpc {
    async fn connect(home: &Path) -> anyhow::Result<Self> {
        Ok(Rpc {
            coordinator: client(home, AppKind::Coordinator).await?,
            security: client(home, AppKind::Security).await?,
            currency: client(home, AppKind::Currency).await?,
        })
    }

    fn chain(&self, role: Role) -> &(String, HttpClient) {
        match role {
            Role::Coordinator => &self.coordinator,
            Role::Security => &self.security,
            Role::Currency => &self.currency,
        }
    }
}

async fn client(home: &Path, kind: AppKind) -> anyhow::Result<(String, HttpClient)> {
    let chain = chain_id(home, None, Some(kind))?;
    let client = rpc::connect(home, &chain, None).await?;
    Ok((chain, client))
}

fn unreachable(chain: &str, error: anyhow::Error) -> SourceError {
    SourceError::Unreachable {
        chain: chain.to_owned(),
        reason: format!("{error:#}"),
    }
}

impl Source for Rpc {
    fn chain_id(&self, role: Role) -> String {
        self.chain(role).0.clone()
    }

    /// The app's own latest version, which every query can be answered at.
    /// A node's block store (what `status` reports) may be a block ahead of
    /// its app's commit, or several while it replays after a restart.
    async fn latest_height(&mut self, role: Role) -> Result<u64, SourceError> {
        let (chain, client) = self.chain(role);
        let answer = raw_module_query(client, STORE_KEY_PATH, Vec::new(), None)
            .await
            .map_err(|e| unreachable(chain, e))?;
        let height = answer.height.value();
        xcc_audit::abci_answer(
            chain,
            STORE_KEY_PATH,
            answer.code.value(),
            answer.log,
            Vec::new(),
        )?;
        Ok(height)
    }

    async fn query(
        &mut self,
        role: Role,
        path: &str,
        request: Vec<u8>,
        height: Option<u64>,
    ) -> Result<Vec<u8>, SourceError> {
        let (chain, client) = self.chain(role);
        let answer = raw_module_query(client, path, request, height)
            .await
            .map_err(|e| unreachable(chain, e))?;
        let code = answer.code.value();
        xcc_audit::abci_answer(chain, path, code, answer.log, answer.value)
    }
}

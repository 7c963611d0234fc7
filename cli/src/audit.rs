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

pub async fn run(home: &Path, trust_only: bool) -> anyhow::Result<()> {
    let mut source = Rpc::connect(home, trust_only).await?;
    let violations = if trust_only {
        let reading = xcc_audit::Reading {
            trust: xcc_audit::trust_reading::read_trust(&mut source).await?,
            ..Default::default()
        };
        let violations = xcc_audit::trust::judge(&reading);
        if violations.is_empty() {
            println!(
                "audit clean: {} epochs of proof of trust recomputed",
                reading.trust.epochs.len()
            );
            return Ok(());
        }
        violations
            .into_iter()
            .map(xcc_audit::Violation::from)
            .collect()
    } else {
        let reading = xcc_audit::read(&mut source).await?;
        let violations = xcc_audit::judge(&reading);
        let legs: usize = reading.legs.values().map(Vec::len).sum();
        if violations.is_empty() {
            println!(
                "audit clean: {} cross-txs, {legs} legs, {} securities, {} denoms, {} epochs of proof of trust",
                reading.records_after.len(),
                reading.securities.len(),
                reading.denoms.len(),
                reading.trust.epochs.len()
            );
            return Ok(());
        }
        violations
    };
    for violation in &violations {
        println!("VIOLATION: {violation}");
    }
    bail!("{} violation(s) found", violations.len())
}

/// The testnet's chains, each behind the first of its nodes that answers;
/// with `--trust`, the security chain alone.
struct Rpc {
    coordinator: Option<(String, HttpClient)>,
    security: (String, HttpClient),
    currency: Option<(String, HttpClient)>,
}

impl Rpc {
    async fn connect(home: &Path, security_only: bool) -> anyhow::Result<Self> {
        let other = |kind| async move {
            anyhow::Ok(match security_only {
                true => None,
                false => Some(client(home, kind).await?),
            })
        };
        Ok(Rpc {
            coordinator: other(AppKind::Coordinator).await?,
            security: client(home, AppKind::Security).await?,
            currency: other(AppKind::Currency).await?,
        })
    }

    fn chain(&self, role: Role) -> Result<&(String, HttpClient), SourceError> {
        match role {
            Role::Coordinator => self.coordinator.as_ref(),
            Role::Security => Some(&self.security),
            Role::Currency => self.currency.as_ref(),
        }
        .ok_or_else(|| SourceError::Unreachable {
            chain: format!("{role:?}"),
            reason: "not read by this audit".into(),
        })
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
        self.chain(role)
            .map_or_else(|_| format!("{role:?}"), |(chain, _)| chain.clone())
    }

    /// The app's own latest version, which every query can be answered at.
    /// A node's block store (what `status` reports) may be a block ahead of
    /// its app's commit, or several while it replays after a restart.
    async fn latest_height(&mut self, role: Role) -> Result<u64, SourceError> {
        let (chain, client) = self.chain(role)?;
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
        let (chain, client) = self.chain(role)?;
        let answer = raw_module_query(client, path, request, height)
            .await
            .map_err(|e| unreachable(chain, e))?;
        let code = answer.code.value();
        xcc_audit::abci_answer(chain, path, code, answer.log, answer.value)
    }

    async fn validators(
        &mut self,
        role: Role,
        height: u64,
    ) -> Result<Option<Vec<([u8; 32], u64)>>, SourceError> {
        use tendermint_rpc::Client;
        let (chain, client) = self.chain(role)?;
        let at = tendermint::block::Height::try_from(height)
            .map_err(|e| unreachable(chain, anyhow::anyhow!("height {height}: {e}")))?;
        let set = client
            .validators(at, tendermint_rpc::Paging::All)
            .await
            .map_err(|e| unreachable(chain, anyhow::anyhow!("validators at {height}: {e}")))?;
        Ok(Some(
            set.validators
                .iter()
                .filter_map(|v| {
                    let key: [u8; 32] = v.pub_key.to_bytes().try_into().ok()?;
                    Some((key, v.power()))
                })
                .collect(),
        ))
    }
}

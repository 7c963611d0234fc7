//! The relayer: its chains, its key on each, and passes over the paths
//! between them.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use ed25519_consensus::SigningKey;
use futures::future::join_all;
use xcc_chain::Address;

use crate::chain::Chain;
use crate::config::{self, ChainConfig};
use crate::metrics::{self, Metrics, MetricsServer};
use crate::path::{self, Ends, PathReport};
use crate::schedule::Due;
use crate::sender::Sender;
use crate::work::Counts;
use crate::{supervisor, PathId, RelayerError, RelayerOptions};

/// What one pass did.
#[derive(Debug, Default)]
pub struct PassReport {
    /// Everything that took effect, summed over the paths.
    pub relayed: Counts,
    /// The paths passed over (the destination has a client of the source).
    pub paths: Vec<PathReport>,
    /// Pairs skipped because the destination has no client of the source.
    pub inactive: Vec<PathId>,
}

impl PassReport {
    /// Paths the pass could not finish (a chain out of reach, a bad answer).
    pub fn errors(&self) -> impl Iterator<Item = (&PathId, &RelayerError)> {
        self.paths
            .iter()
            .filter_map(|p| p.error.as_ref().map(|e| (&p.path, e)))
    }

    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
    }

    /// Units the chains refused or whose proofs did not check.
    pub fn failures(&self) -> impl Iterator<Item = (&PathId, &str)> {
        self.paths
            .iter()
            .flat_map(|p| p.failures.iter().map(move |f| (&p.path, f.as_str())))
    }

    /// Packets pending on the sources, summed over the paths.
    pub fn pending(&self) -> usize {
        self.paths.iter().map(|p| p.pending).sum()
    }
}

pub struct Relayer {
    chains: Vec<Arc<Chain>>,
    /// The relayer's account on each chain, in the order of `chains`.
    senders: Vec<Sender>,
    address: Address,
    options: RelayerOptions,
    metrics: Arc<Metrics>,
    /// Whether each pair had a client at the last look, to log changes.
    active: Mutex<BTreeMap<PathId, bool>>,
}

impl Relayer {
    /// The chains of `<home>/client.toml` and the key `<home>/keyring/<key>.json`.
    pub fn from_home(
        home: &Path,
        key: &str,
        options: RelayerOptions,
    ) -> Result<Self, RelayerError> {
        let chains = config::chains_from_home(home)?;
        let key = config::signing_key(home, key)?;
        Self::new(chains, key, options)
    }

    pub fn new(
        chains: Vec<ChainConfig>,
        key: SigningKey,
        options: RelayerOptions,
    ) -> Result<Self, RelayerError> {
        options.check().map_err(RelayerError::Invalid)?;
        config::check_chains(&chains)?;
        let chains = chains
            .iter()
            .map(|c| Chain::new(c, &options).map(Arc::new))
            .collect::<Result<Vec<_>, _>>()?;
        let senders = chains
            .iter()
            .map(|chain| Sender::new(chain.clone(), key.clone()))
            .collect();
        Ok(Relayer {
            chains,
            senders,
            address: Address::from_public_key(&key.verification_key()),
            options,
            metrics: Arc::new(Metrics::new()),
            active: Mutex::new(BTreeMap::new()),
        })
    }

    /// The account that signs the relayer's txs on every chain.
    pub fn address(&self) -> Address {
        self.address
    }

    pub fn chain_ids(&self) -> Vec<String> {
        self.chains.iter().map(|c| c.id().to_owned()).collect()
    }

    pub fn options(&self) -> &RelayerOptions {
        &self.options
    }

    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    /// Serves the metrics at `GET /metrics` on `addr` until the returned
    /// server is dropped.
    pub async fn serve_metrics(&self, addr: SocketAddr) -> Result<MetricsServer, RelayerError> {
        metrics::serve(self.metrics.clone(), addr).await
    }

    pub(crate) fn chains(&self) -> &[Arc<Chain>] {
        &self.chains
    }

    /// One full reconciliation over every path, everything read from state.
    /// Never fails as a whole: what went wrong is in the report. What a
    /// pass receives is acknowledged by a later pass, once the
    /// destination's next block commits the acks.
    pub async fn relay_pass(&self) -> PassReport {
        self.pass(&Due::full()).await
    }

    /// Relays until `shutdown` completes: a pass at start, then on new
    /// blocks. Chain errors are retried with back-off, never returned.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        supervisor::supervise(self, shutdown).await
    }

    /// Every ordered pair of configured chains: a path once the destination
    /// has a client of the source.
    pub(crate) fn paths(&self) -> Vec<PathId> {
        let mut paths = Vec::new();
        for src in &self.chains {
            for dst in &self.chains {
                if src.id() != dst.id() {
                    paths.push(PathId::new(src.id(), dst.id()));
                }
            }
        }
        paths
    }

    /// A pass over the paths `due` selects, all at once; txs to one chain
    /// still go one after another.
    pub(crate) async fn pass(&self, due: &Due) -> PassReport {
        let selected: Vec<PathId> = self
            .paths()
            .into_iter()
            .filter(|p| due.selects(p))
            .collect();
        let passes = selected
            .iter()
            .map(|path| async move { (path, self.relay_path(path).await) });
        let mut report = PassReport::default();
        for (path, outcome) in join_all(passes).await {
            match outcome {
                Some(path_report) => {
                    report.relayed += path_report.relayed;
                    report.paths.push(path_report);
                }
                None => report.inactive.push(path.clone()),
            }
        }
        report
    }

    /// One pass over one path; `None` if the destination has no client of
    /// the source (or the path names a chain not configured).
    pub(crate) async fn relay_path(&self, path: &PathId) -> Option<PathReport> {
        let src = self.chains.iter().position(|c| c.id() == path.src)?;
        let dst = self.chains.iter().position(|c| c.id() == path.dst)?;
        let ends = Ends {
            src: &self.chains[src],
            dst: &self.chains[dst],
            src_sender: &self.senders[src],
            dst_sender: &self.senders[dst],
        };
        let outcome = path::relay(&ends, &self.options, &self.metrics).await;
        match &outcome {
            None => self.note_activity(path, false),
            Some(report) if report.error.is_none() => self.note_activity(path, true),
            // A chain out of reach says nothing about the path.
            Some(_) => {}
        }
        outcome
    }

    fn note_activity(&self, path: &PathId, active: bool) {
        let Ok(mut known) = self.active.lock() else {
            return;
        };
        if known.insert(path.clone(), active) != Some(active) {
            if active {
                tracing::info!(%path, "relaying on this path");
            } else {
                tracing::info!(%path, "no light client of the source on the destination; skipping this path for now");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcc_home::keyring::Keyring;
    use xcc_home::{ChainEndpoints, ClientConfig, CLIENT_CONFIG_FILE};
    use xcc_node_config::{write_toml, AppKind};

    fn endpoints(app: AppKind, url: &str) -> ChainEndpoints {
        ChainEndpoints {
            app,
            rpc: vec![url.to_owned()],
            genesis: None,
        }
    }

    #[test]
    fn reads_chains_and_key_from_a_home() {
        let home = tempfile::tempdir().expect("tempdir");
        let mut config = ClientConfig::default();
        config.chains.insert(
            "security-1".into(),
            endpoints(AppKind::Security, "http://127.0.0.1:1"),
        );
        config.chains.insert(
            "currency-1".into(),
            endpoints(AppKind::Currency, "http://127.0.0.1:2"),
        );
        write_toml(&home.path().join(CLIENT_CONFIG_FILE), &config).expect("client.toml");
        let options = RelayerOptions::default();
        assert!(
            matches!(
                Relayer::from_home(home.path(), "relayer", options.clone()),
                Err(RelayerError::Key(_))
            ),
            "no key yet"
        );
        let key = SigningKey::from([3; 32]);
        let address = Address::from_public_key(&key.verification_key());
        Keyring::open(home.path())
            .expect("keyring")
            .add("relayer", key, &address.to_string())
            .expect("add");
        let relayer = Relayer::from_home(home.path(), "relayer", options).expect("relayer");
        assert_eq!(relayer.address(), address);
        assert_eq!(relayer.chain_ids(), ["currency-1", "security-1"]);
        assert_eq!(
            relayer.paths(),
            [
                PathId::new("currency-1", "security-1"),
                PathId::new("security-1", "currency-1")
            ]
        );
    }

    #[test]
    fn runs_on_a_spawned_task() {
        fn spawnable<F: Future + Send + 'static>(_: F) {}
        let chains = ["a", "b"].map(|id| ChainConfig {
            chain_id: id.to_owned(),
            rpc: vec!["http://127.0.0.1:1".to_owned()],
        });
        let relayer = Arc::new(
            Relayer::new(
                chains.to_vec(),
                SigningKey::from([1; 32]),
                RelayerOptions::default(),
            )
            .expect("relayer"),
        );
        let other = relayer.clone();
        spawnable(async move { relayer.run(std::future::pending()).await });
        spawnable(async move { other.relay_pass().await });
    }

    #[test]
    fn refuses_bad_options() {
        let chains = ["a", "b"].map(|id| ChainConfig {
            chain_id: id.to_owned(),
            rpc: vec!["http://127.0.0.1:1".to_owned()],
        });
        let options = RelayerOptions {
            batch_size: 0,
            ..RelayerOptions::default()
        };
        assert!(matches!(
            Relayer::new(chains.to_vec(), SigningKey::from([1; 32]), options),
            Err(RelayerError::Invalid(_))
        ));
    }
}

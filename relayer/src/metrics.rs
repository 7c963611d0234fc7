//! The relayer's Prometheus metrics, served as text at `GET /metrics`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use tokio::task::JoinHandle;

use crate::work::{Counts, Kind};
use crate::{PathId, RelayerError};

const CONTENT_TYPE_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PathLabels {
    src: String,
    dst: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    src: String,
    dst: String,
    kind: String,
}

fn path_labels(path: &PathId) -> PathLabels {
    PathLabels {
        src: path.src.clone(),
        dst: path.dst.clone(),
    }
}

pub struct Metrics {
    registry: Registry,
    relayed: Family<KindLabels, Counter>,
    pending: Family<PathLabels, Gauge>,
    errors: Family<PathLabels, Counter>,
    lag: Family<PathLabels, Gauge>,
    client_age: Family<PathLabels, Gauge>,
    refreshes: Family<PathLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let relayed = Family::<KindLabels, Counter>::default();
        let pending = Family::<PathLabels, Gauge>::default();
        let errors = Family::<PathLabels, Counter>::default();
        let lag = Family::<PathLabels, Gauge>::default();
        let client_age = Family::<PathLabels, Gauge>::default();
        let refreshes = Family::<PathLabels, Counter>::default();
        // Counters get their `_total` suffix from the encoder.
        registry.register(
            "xcc_relayer_packets_relayed",
            "Receives, acknowledgements and timeouts that took effect on a chain",
            relayed.clone(),
        );
        registry.register(
            "xcc_relayer_pending_packets",
            "Packets sent on src to dst and not yet acknowledged or timed out",
            pending.clone(),
        );
        registry.register(
            "xcc_relayer_errors",
            "Failed reads, txs and proofs while relaying from src to dst",
            errors.clone(),
        );
        registry.register(
            "xcc_relayer_lag_blocks",
            "src's latest height minus the latest height of dst's light client of src",
            lag.clone(),
        );
        registry.register(
            "xcc_relayer_client_age_seconds",
            "dst's latest block time minus the time of its light client's latest header of src",
            client_age.clone(),
        );
        registry.register(
            "xcc_relayer_client_refreshes",
            "Updates of dst's light client of src sent only to keep it from expiring",
            refreshes.clone(),
        );
        Metrics {
            registry,
            relayed,
            pending,
            errors,
            lag,
            client_age,
            refreshes,
        }
    }

    pub fn add_relayed(&self, path: &PathId, counts: Counts) {
        for kind in Kind::ALL {
            let count = counts.get(kind);
            if count > 0 {
                let labels = KindLabels {
                    src: path.src.clone(),
                    dst: path.dst.clone(),
                    kind: kind.as_str().to_owned(),
                };
                self.relayed.get_or_create(&labels).inc_by(count);
            }
        }
    }

    pub fn set_pending(&self, path: &PathId, pending: usize) {
        let value = i64::try_from(pending).unwrap_or(i64::MAX);
        self.pending.get_or_create(&path_labels(path)).set(value);
    }

    pub fn add_errors(&self, path: &PathId, errors: usize) {
        if errors > 0 {
            self.errors
                .get_or_create(&path_labels(path))
                .inc_by(errors as u64);
        }
    }

    pub fn set_lag(&self, path: &PathId, blocks: u64) {
        let value = i64::try_from(blocks).unwrap_or(i64::MAX);
        self.lag.get_or_create(&path_labels(path)).set(value);
    }

    pub fn set_client_age(&self, path: &PathId, age_ns: u64) {
        let value = i64::try_from(age_ns / 1_000_000_000).unwrap_or(i64::MAX);
        self.client_age.get_or_create(&path_labels(path)).set(value);
    }

    pub fn add_refresh(&self, path: &PathId) {
        self.refreshes.get_or_create(&path_labels(path)).inc();
    }

    /// The metrics in the Prometheus (OpenMetrics) text format.
    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

/// A running metrics server; it stops when dropped.
pub struct MetricsServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl MetricsServer {
    /// The address it listens on (the port the OS picked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `GET /metrics` on `addr`.
pub async fn serve(metrics: Arc<Metrics>, addr: SocketAddr) -> Result<MetricsServer, RelayerError> {
    let error = |source| RelayerError::Metrics {
        addr: addr.to_string(),
        source,
    };
    let listener = tokio::net::TcpListener::bind(addr).await.map_err(error)?;
    let bound = listener.local_addr().map_err(error)?;
    let router = Router::new().route(
        "/metrics",
        get(move || {
            let metrics = metrics.clone();
            async move { ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], metrics.render()) }
        }),
    );
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::error!(error = %e, "the metrics server stopped");
        }
    });
    Ok(MetricsServer { addr: bound, task })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_metric_with_its_labels() {
        let metrics = Metrics::new();
        let path = PathId::new("security-1", "currency-1");
        metrics.add_relayed(
            &path,
            Counts {
                recv: 3,
                ack: 0,
                timeout: 1,
            },
        );
        metrics.set_pending(&path, 5);
        metrics.add_errors(&path, 2);
        metrics.set_lag(&path, 4);
        metrics.set_client_age(&path, 7_500_000_000);
        metrics.add_refresh(&path);
        let text = metrics.render();
        for line in [
            r#"xcc_relayer_packets_relayed_total{src="security-1",dst="currency-1",kind="recv"} 3"#,
            r#"xcc_relayer_packets_relayed_total{src="security-1",dst="currency-1",kind="timeout"} 1"#,
            r#"xcc_relayer_pending_packets{src="security-1",dst="currency-1"} 5"#,
            r#"xcc_relayer_errors_total{src="security-1",dst="currency-1"} 2"#,
            r#"xcc_relayer_lag_blocks{src="security-1",dst="currency-1"} 4"#,
            r#"xcc_relayer_client_age_seconds{src="security-1",dst="currency-1"} 7"#,
            r#"xcc_relayer_client_refreshes_total{src="security-1",dst="currency-1"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
        assert!(
            !text.contains(r#"kind="ack""#),
            "no zero series for kinds never relayed"
        );
    }
}

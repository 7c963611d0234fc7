//! The node's Prometheus metrics at `GET /metrics`, named and labelled
//! (`chain_id`) as CometBFT names them: the height, the validator set, the txs of the last block
//! and in all, the interval between blocks, the app's time per block, and
//! the mempool. Updated from
//! every committed block; the mempool is read at each scrape.

use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::routing::get;
use axum::Router;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::host::Shared;

const CONTENT_TYPE_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

struct NodeMetrics {
    registry: Registry,
    height: Gauge,
    validators: Gauge,
    validators_power: Gauge,
    num_txs: Gauge,
    total_txs: Gauge,
    block_size_bytes: Gauge,
    block_interval: Histogram,
    block_processing: Histogram,
    mempool_size: Gauge,
    mempool_bytes: Gauge<f64, AtomicU64>,
}

impl NodeMetrics {
    fn new(chain_id: &str) -> Self {
        // Every sample carries the chain's id, as CometBFT's do: one
        // Prometheus scrapes the nodes of several chains.
        let labels = [(Cow::Borrowed("chain_id"), Cow::Owned(chain_id.to_owned()))];
        let mut registry = Registry::with_prefix_and_labels("cometbft", labels.into_iter());
        let height = Gauge::default();
        let validators = Gauge::default();
        let validators_power = Gauge::default();
        let num_txs = Gauge::default();
        let total_txs = Gauge::default();
        let block_size_bytes = Gauge::default();
        let block_interval = Histogram::new([0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0]);
        // In milliseconds, as CometBFT's.
        let block_processing = Histogram::new([1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 1000.0]);
        let mempool_size = Gauge::default();
        let mempool_bytes = Gauge::<f64, AtomicU64>::default();
        registry.register("consensus_height", "Height of the chain", height.clone());
        registry.register(
            "consensus_validators",
            "Number of validators",
            validators.clone(),
        );
        registry.register(
            "consensus_validators_power",
            "Total voting power of the validators",
            validators_power.clone(),
        );
        registry.register(
            "consensus_num_txs",
            "Number of txs in the last block",
            num_txs.clone(),
        );
        registry.register(
            "consensus_total_txs",
            "Txs committed since this node started",
            total_txs.clone(),
        );
        registry.register(
            "consensus_block_size_bytes",
            "Bytes of the txs of the last block",
            block_size_bytes.clone(),
        );
        registry.register(
            "consensus_block_interval_seconds",
            "Time between this and the previous block",
            block_interval.clone(),
        );
        registry.register(
            "state_block_processing_time",
            "Time the app took to finalize and commit a block, in ms",
            block_processing.clone(),
        );
        registry.register(
            "mempool_size",
            "Number of uncommitted txs",
            mempool_size.clone(),
        );
        registry.register(
            "mempool_size_bytes",
            "Bytes of uncommitted txs",
            mempool_bytes.clone(),
        );
        NodeMetrics {
            registry,
            height,
            validators,
            validators_power,
            num_txs,
            total_txs,
            block_size_bytes,
            block_interval,
            block_processing,
            mempool_size,
            mempool_bytes,
        }
    }
}

#[derive(Clone)]
struct MetricsState {
    metrics: Arc<NodeMetrics>,
    shared: Shared,
}

/// Serves the metrics on `laddr` and keeps them current from the node's
/// committed blocks.
pub async fn spawn(laddr: SocketAddr, shared: Shared) -> std::io::Result<()> {
    let metrics = Arc::new(NodeMetrics::new(shared.params.chain_id.as_str()));
    let follower = metrics.clone();
    let mut committed = shared.committed.subscribe();
    let validators_of = shared.clone();
    tokio::spawn(async move {
        let mut last_time: Option<tendermint::Time> = None;
        loop {
            let block = match committed.recv().await {
                Ok(block) => block,
                // A slow follower skips blocks; the next one sets the gauges.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
            };
            let header = &block.block.header;
            let height = header.height.value();
            follower.height.set(height as i64);
            follower.num_txs.set(block.block.data.len() as i64);
            follower.total_txs.inc_by(block.block.data.len() as i64);
            let bytes: usize = block.block.data.iter().map(Vec::len).sum();
            follower.block_size_bytes.set(bytes as i64);
            if let Some(previous) = last_time {
                if let Ok(interval) = header.time.duration_since(previous) {
                    follower.block_interval.observe(interval.as_secs_f64());
                }
            }
            last_time = Some(header.time);
            follower
                .block_processing
                .observe(block.processing.as_secs_f64() * 1_000.0);
            if let Ok(set) = validators_of.validators_at(height + 1) {
                let validators = set.validators();
                follower.validators.set(validators.len() as i64);
                follower
                    .validators_power
                    .set(validators.iter().map(|v| v.voting_power as i64).sum());
            }
        }
    });
    let router = Router::new()
        .route("/metrics", get(scrape))
        .with_state(MetricsState { metrics, shared });
    let listener = tokio::net::TcpListener::bind(laddr).await?;
    tracing::info!(%laddr, "metrics server listening");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "metrics server stopped");
        }
    });
    Ok(())
}

async fn scrape(
    State(state): State<MetricsState>,
) -> ([(axum::http::HeaderName, &'static str); 1], String) {
    {
        let mempool = state.shared.mempool.lock().await;
        state.metrics.mempool_size.set(mempool.len() as i64);
        state
            .metrics
            .mempool_bytes
            .set(mempool.total_bytes() as f64);
    }
    let mut text = String::new();
    if let Err(error) = encode(&mut text, &state.metrics.registry) {
        text = format!("# the metrics could not be encoded: {error}\n");
    }
    ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], text)
}

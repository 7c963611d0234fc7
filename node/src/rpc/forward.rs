//! Forwards txs this node accepted to the other validators' RPC, so a tx
//! sent to any node reaches every proposer.
//!
//! Txs are sent in batches, one request per peer carrying every tx queued
//! meanwhile (`xcc_forward_txs`), and a forwarded tx is not forwarded again:
//! each node forwards to every other, so one hop reaches them all. Under
//! load a batch grows while the last one is in flight, so the requests a
//! tx costs fall from one per peer and hop to a share of one.

use std::time::Duration;

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::mpsc;

/// The JSON-RPC method a node forwards txs with; not one of CometBFT's.
pub const FORWARD_METHOD: &str = "xcc_forward_txs";
/// Txs waiting to be forwarded; past it a tx is not forwarded, and reaches
/// the others in a block this node proposes.
const QUEUE_TXS: usize = 20_000;
/// The most txs one forward carries.
pub const MAX_FORWARD_TXS: usize = 2_000;
/// The most tx bytes one forward carries: base64 makes it 4/3 larger, under
/// the RPC server's 2 MiB body limit.
const MAX_FORWARD_BYTES: usize = 1024 * 1024;
/// How long a peer may take to take a batch.
const PEER_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Forwarder {
    queue: Option<mpsc::Sender<Vec<u8>>>,
}

impl Forwarder {
    /// A forwarder to `peers`' RPC URLs, its sending task spawned.
    pub fn spawn(peers: Vec<String>) -> Self {
        if peers.is_empty() {
            return Forwarder { queue: None };
        }
        let (queue, txs) = mpsc::channel(QUEUE_TXS);
        tokio::spawn(send_batches(peers, txs));
        Forwarder { queue: Some(queue) }
    }

    pub fn forward(&self, tx: &[u8]) {
        let Some(queue) = &self.queue else { return };
        if queue.try_send(tx.to_vec()).is_err() {
            tracing::debug!("forward queue full; the tx waits for this node's proposal");
        }
    }
}

async fn send_batches(peers: Vec<String>, mut txs: mpsc::Receiver<Vec<u8>>) {
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    while let Some(first) = txs.recv().await {
        let mut bytes = first.len();
        let mut batch = vec![first];
        while batch.len() < MAX_FORWARD_TXS && bytes < MAX_FORWARD_BYTES {
            match txs.try_recv() {
                Ok(tx) => {
                    bytes += tx.len();
                    batch.push(tx);
                }
                Err(_) => break,
            }
        }
        let body = Bytes::from(forward_request(&batch).to_string());
        // Every peer at once; the next batch gathers while they answer.
        let sends = peers.iter().map(|peer| {
            let client = client.clone();
            let body = body.clone();
            async move {
                let request = hyper::Request::post(peer.as_str())
                    .header("content-type", "application/json")
                    .body(Full::new(body));
                let Ok(request) = request else {
                    tracing::warn!(%peer, "bad peer RPC URL");
                    return;
                };
                match tokio::time::timeout(PEER_TIMEOUT, client.request(request)).await {
                    Ok(Ok(_)) => {}
                    // A peer that is down catches up from blocks instead.
                    Ok(Err(error)) => tracing::debug!(%peer, %error, "could not forward txs"),
                    Err(_) => tracing::debug!(%peer, "a peer took too long to take txs"),
                }
            }
        });
        futures::future::join_all(sends).await;
    }
}

/// The JSON-RPC request that forwards `txs`.
pub fn forward_request(txs: &[Vec<u8>]) -> serde_json::Value {
    let txs: Vec<String> = txs
        .iter()
        .map(|tx| base64::engine::general_purpose::STANDARD.encode(tx))
        .collect();
    serde_json::json!({
        "jsonrpc": "2.0",
        "id": 0,
        "method": FORWARD_METHOD,
        "params": { "txs": txs },
    })
}

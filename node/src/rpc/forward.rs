//! Forwards txs this node accepted to the other validators' RPC, so a tx
//! sent to any node reaches every proposer. Each node forwards a tx only
//! when it is new to its mempool, which ends the flood after one round.

use base64::Engine as _;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

#[derive(Clone)]
pub struct Forwarder {
    peers: std::sync::Arc<Vec<String>>,
    client: Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>,
}

impl Forwarder {
    pub fn new(peers: Vec<String>) -> Self {
        Forwarder {
            peers: std::sync::Arc::new(peers),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn forward(&self, tx: &[u8]) {
        let body = serde_json::json!({
            "jsonrpc": "2.0",
            "id": 0,
            "method": "broadcast_tx_async",
            "params": { "tx": base64::engine::general_purpose::STANDARD.encode(tx) },
        })
        .to_string();
        for peer in self.peers.iter() {
            let request = hyper::Request::post(peer.as_str())
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.clone())));
            let Ok(request) = request else {
                tracing::warn!(%peer, "bad peer RPC URL");
                continue;
            };
            let client = self.client.clone();
            let peer = peer.clone();
            tokio::spawn(async move {
                if let Err(error) = client.request(request).await {
                    // A peer that is down catches up from blocks instead.
                    tracing::debug!(%peer, %error, "could not forward tx");
                }
            });
        }
    }
}

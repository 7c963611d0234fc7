//! A chain's RPC endpoints: every call goes to the endpoint that last
//! answered and fails over to the others in turn, so one node down does not
//! stop the relayer.

use std::fmt::Display;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tendermint_rpc::client::CompatMode;
use tendermint_rpc::HttpClient;

use crate::RelayerError;

pub struct Endpoints {
    chain_id: String,
    clients: Vec<(String, HttpClient)>,
    preferred: AtomicUsize,
}

impl Endpoints {
    /// `timeout` bounds every request, `broadcast_tx_commit` included.
    pub fn new(chain_id: &str, urls: &[String], timeout: Duration) -> Result<Self, RelayerError> {
        let mut clients = Vec::with_capacity(urls.len());
        for url in urls {
            let parsed = url.parse().map_err(|e| {
                RelayerError::Invalid(format!("{chain_id}: invalid RPC URL {url:?}: {e}"))
            })?;
            let client = HttpClient::builder(parsed)
                .compat_mode(CompatMode::V0_38)
                .timeout(timeout)
                .build()
                .map_err(|e| RelayerError::Invalid(format!("{chain_id}: RPC client {url}: {e}")))?;
            clients.push((url.clone(), client));
        }
        if clients.is_empty() {
            return Err(RelayerError::Invalid(format!(
                "{chain_id} has no RPC endpoint"
            )));
        }
        Ok(Endpoints {
            chain_id: chain_id.to_owned(),
            clients,
            preferred: AtomicUsize::new(0),
        })
    }

    pub fn urls(&self) -> impl Iterator<Item = &str> {
        self.clients.iter().map(|(url, _)| url.as_str())
    }

    /// Runs `call` on each endpoint in turn, from the preferred one, until one
    /// answers within `timeout`; that endpoint becomes the preferred one.
    pub async fn call<T, E, F, Fut>(
        &self,
        what: &str,
        timeout: Duration,
        call: F,
    ) -> Result<T, RelayerError>
    where
        F: Fn(HttpClient) -> Fut,
        Fut: Future<Output = Result<T, E>>,
        E: Display,
    {
        let count = self.clients.len();
        let start = self.preferred.load(Ordering::Relaxed) % count;
        let mut failures = Vec::with_capacity(count);
        for offset in 0..count {
            let index = (start + offset) % count;
            let (url, client) = &self.clients[index];
            match tokio::time::timeout(timeout, call(client.clone())).await {
                Ok(Ok(answer)) => {
                    self.preferred.store(index, Ordering::Relaxed);
                    return Ok(answer);
                }
                Ok(Err(e)) => failures.push(format!("{url}: {e}")),
                Err(_) => failures.push(format!("{url}: no answer within {timeout:?}")),
            }
            if count > 1 {
                tracing::debug!(chain = %self.chain_id, %url, what, "endpoint failed; trying the next");
            }
        }
        Err(RelayerError::Unreachable {
            chain: self.chain_id.clone(),
            message: format!("{what}: {}", failures.join("; ")),
        })
    }
}

//! What one node's RPC server takes on at once, as CometBFT's `[rpc]`
//! settings bound it: request bodies, requests in flight, websocket clients
//! and their subscriptions. Past each limit a client gets a JSON-RPC error
//! at once, never a queue that a stranger could fill.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::RpcError;

/// Room for the largest tx (1 MiB) base64-encoded in a JSON-RPC request.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// HTTP requests answered at once (each `broadcast_tx_commit` holds one
/// until its block).
pub const MAX_REQUESTS_IN_FLIGHT: usize = 256;
/// Websocket clients at once (CometBFT's `max_subscription_clients`).
pub const MAX_WEBSOCKET_CLIENTS: usize = 100;

#[derive(Clone)]
pub struct Limits {
    requests: Arc<Semaphore>,
    websockets: Arc<Semaphore>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            requests: Arc::new(Semaphore::new(MAX_REQUESTS_IN_FLIGHT)),
            websockets: Arc::new(Semaphore::new(MAX_WEBSOCKET_CLIENTS)),
        }
    }
}

impl Limits {
    /// A slot for one HTTP request, held while it is answered.
    pub fn request(&self) -> Result<OwnedSemaphorePermit, RpcError> {
        self.requests.clone().try_acquire_owned().map_err(|_| {
            RpcError::server_busy(format!(
                "{MAX_REQUESTS_IN_FLIGHT} requests are already in flight; retry later"
            ))
        })
    }

    /// A slot for one websocket client, held while it is connected.
    pub fn websocket(&self) -> Result<OwnedSemaphorePermit, RpcError> {
        self.websockets.clone().try_acquire_owned().map_err(|_| {
            RpcError::server_busy(format!(
                "{MAX_WEBSOCKET_CLIENTS} websocket clients are already connected"
            ))
        })
    }
}

pub fn body_too_large() -> RpcError {
    RpcError::invalid_request(format!("the request body exceeds {MAX_BODY_BYTES} bytes"))
}

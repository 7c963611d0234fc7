//! The CometBFT 0.38 JSON-RPC subset over HTTP: JSON-RPC 2.0 POSTs to `/`
//! and URI-style GETs (`/status`, `/block?height=5`), answered with
//! tendermint-rpc's own response types so its clients read them unchanged;
//! and JSON-RPC with event subscriptions over `/websocket`.

mod chain_info;
mod consensus_state;
mod events;
mod forward;
mod limits;
mod methods;
pub mod net_info;
mod params;
mod search;
mod ws;

use std::net::SocketAddr;

use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::host::Shared;

pub use methods::RpcError;

/// Who this node is, as `status` tells it.
#[derive(Clone, Debug)]
pub struct NodeIdentity {
    /// CometBFT's node id: the hex of the first 20 bytes of the SHA-256 of
    /// the node's network key (derived here from its validator key).
    pub id: String,
    pub moniker: String,
    /// The consensus (p2p) listen address.
    pub listen_addr: String,
}

#[derive(Clone)]
struct RpcState {
    shared: Shared,
    node: NodeIdentity,
    forwarder: forward::Forwarder,
    genesis: std::sync::Arc<tendermint::Genesis>,
    limits: limits::Limits,
    /// Each committed block's events, serialised once for every subscriber.
    block_events: tokio::sync::broadcast::Sender<std::sync::Arc<events::BlockEvents>>,
    engine: net_info::EngineSlot,
}

pub async fn spawn(
    laddr: SocketAddr,
    shared: Shared,
    broadcast_peers: Vec<String>,
    genesis: tendermint::Genesis,
    node: NodeIdentity,
    engine: net_info::EngineSlot,
) -> std::io::Result<()> {
    let block_events = events::spawn_publisher(&shared);
    let state = RpcState {
        shared,
        node,
        forwarder: forward::Forwarder::spawn(broadcast_peers),
        genesis: std::sync::Arc::new(genesis),
        limits: limits::Limits::default(),
        block_events,
        engine,
    };
    let router = Router::new()
        .route("/", post(json_rpc))
        .route("/websocket", get(ws::upgrade))
        .route("/{method}", get(uri_call))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind(laddr).await?;
    tracing::info!(%laddr, "RPC server listening");
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, router).await {
            tracing::error!(%error, "RPC server stopped");
        }
    });
    Ok(())
}

/// A JSON-RPC 2.0 response.
fn response(id: Value, result: Result<Value, RpcError>) -> Value {
    match result {
        Ok(result) => json!({ "jsonrpc": "2.0", "id": id, "result": result }),
        Err(error) => json!({ "jsonrpc": "2.0", "id": id, "error": error.to_json() }),
    }
}

fn envelope(id: Value, result: Result<Value, RpcError>) -> Json<Value> {
    Json(response(id, result))
}

async fn json_rpc(State(state): State<RpcState>, body: axum::body::Body) -> Json<Value> {
    let _slot = match state.limits.request() {
        Ok(slot) => slot,
        Err(busy) => return envelope(Value::Null, Err(busy)),
    };
    let Ok(body) = axum::body::to_bytes(body, limits::MAX_BODY_BYTES).await else {
        return envelope(Value::Null, Err(limits::body_too_large()));
    };
    let request: Value = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => return envelope(Value::Null, Err(RpcError::parse(e.to_string()))),
    };
    let id = request.get("id").cloned().unwrap_or(Value::Null);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return envelope(id, Err(RpcError::invalid_request("missing method")));
    };
    let params = request.get("params").cloned().unwrap_or(Value::Null);
    envelope(
        id,
        methods::call(&state, method, params::Params::from_json(params)).await,
    )
}

async fn uri_call(
    State(state): State<RpcState>,
    Path(method): Path<String>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let _slot = match state.limits.request() {
        Ok(slot) => slot,
        Err(busy) => return envelope(json!(-1), Err(busy)),
    };
    envelope(
        json!(-1),
        methods::call(&state, &method, params::Params::from_uri(query)).await,
    )
}

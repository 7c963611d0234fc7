//! `/websocket`: JSON-RPC over a websocket, as in CometBFT 0.38. `subscribe`,
//! `unsubscribe` and `unsubscribe_all` manage event subscriptions; any other
//! method is answered as over HTTP. Each connection runs in its own task
//! with its own receiver of each block's events (serialised once for all),
//! so a slow or vanished client only ever holds up itself.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use tendermint_rpc::query::Query;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, Semaphore};

use super::events::{self, BlockEvents, SerialisedEvent};
use super::params::Params;
use super::{methods, response, RpcError, RpcState};

/// CometBFT caps subscriptions per client too; this only bounds the work.
const MAX_SUBSCRIPTIONS: usize = 100;
/// Method calls (e.g. `broadcast_tx_commit`) one client may have running.
const MAX_CALLS_IN_FLIGHT: usize = 16;
/// A client that takes longer than this to take a message is dropped.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
enum SubscriptionError {
    #[error("missing query")]
    MissingQuery,
    #[error("{0}")]
    BadQuery(String),
    #[error("already subscribed to {0:?}")]
    AlreadySubscribed(String),
    #[error("not subscribed to {0:?}")]
    NotSubscribed(String),
    #[error("at most {MAX_SUBSCRIPTIONS} subscriptions per client")]
    TooMany,
}

impl From<SubscriptionError> for RpcError {
    fn from(error: SubscriptionError) -> Self {
        RpcError::invalid_params(error.to_string())
    }
}

struct Subscription {
    /// The query as the client wrote it: clients route events by this text.
    text: String,
    query: Query,
    /// The id of the `subscribe` request; events carry `<id>#event`.
    id: Value,
}

pub async fn upgrade(ws: WebSocketUpgrade, State(state): State<RpcState>) -> Response {
    let slot = match state.limits.websocket() {
        Ok(slot) => slot,
        Err(busy) => {
            let body = axum::Json(response(Value::Null, Err(busy)));
            return (axum::http::StatusCode::SERVICE_UNAVAILABLE, body).into_response();
        }
    };
    let (replies, replies_rx) = mpsc::channel(MAX_CALLS_IN_FLIGHT);
    ws.on_upgrade(move |socket| async move {
        Session::new(state, replies).run(socket, replies_rx).await;
        drop(slot);
    })
}

struct Session {
    state: RpcState,
    subscriptions: Vec<Subscription>,
    replies: mpsc::Sender<String>,
    calls: Arc<Semaphore>,
}

impl Session {
    fn new(state: RpcState, replies: mpsc::Sender<String>) -> Self {
        Session {
            state,
            subscriptions: Vec::new(),
            replies,
            calls: Arc::new(Semaphore::new(MAX_CALLS_IN_FLIGHT)),
        }
    }

    async fn run(mut self, mut socket: WebSocket, mut replies: mpsc::Receiver<String>) {
        let mut committed = self.state.block_events.subscribe();
        loop {
            let outgoing = tokio::select! {
                incoming = socket.recv() => match incoming {
                    Some(Ok(Message::Text(text))) => self.request(text.as_str()),
                    Some(Ok(Message::Binary(bytes))) => match std::str::from_utf8(&bytes) {
                        Ok(text) => self.request(text),
                        Err(e) => vec![reply(Value::Null, Err(RpcError::parse(e.to_string())))],
                    },
                    // Pings are answered by the websocket layer itself.
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
                    Some(Ok(Message::Close(_)) | Err(_)) | None => break,
                },
                block = committed.recv() => match block {
                    Ok(block) => self.publish(&block),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::debug!(missed, "websocket client lagged; skipping blocks");
                        continue;
                    }
                    Err(RecvError::Closed) => break,
                },
                Some(text) = replies.recv() => vec![text],
            };
            for text in outgoing {
                let sent =
                    tokio::time::timeout(SEND_TIMEOUT, socket.send(Message::Text(text.into())));
                if !matches!(sent.await, Ok(Ok(()))) {
                    tracing::debug!("websocket client gone or not reading; closing");
                    return;
                }
            }
        }
    }

    /// Answers one request; replies to other methods come later through
    /// `replies`, so a slow call does not hold up events.
    fn request(&mut self, text: &str) -> Vec<String> {
        let request: Value = match serde_json::from_str(text) {
            Ok(request) => request,
            Err(e) => return vec![reply(Value::Null, Err(RpcError::parse(e.to_string())))],
        };
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let Some(method) = request.get("method").and_then(Value::as_str) else {
            return vec![reply(id, Err(RpcError::invalid_request("missing method")))];
        };
        let params = Params::from_json(request.get("params").cloned().unwrap_or(Value::Null));
        let result = match method {
            "subscribe" => self.subscribe(id.clone(), &params),
            "unsubscribe" => self.unsubscribe(&params),
            "unsubscribe_all" => {
                self.subscriptions.clear();
                Ok(())
            }
            _ => return self.spawn_call(id, method.to_owned(), params),
        };
        vec![reply(id, result.map(|()| json!({})).map_err(Into::into))]
    }

    fn spawn_call(&self, id: Value, method: String, params: Params) -> Vec<String> {
        let Ok(permit) = self.calls.clone().try_acquire_owned() else {
            let busy = RpcError::internal("too many requests in flight on this connection");
            return vec![reply(id, Err(busy))];
        };
        let state = self.state.clone();
        let replies = self.replies.clone();
        tokio::spawn(async move {
            let result = methods::call(&state, &method, params).await;
            // The session may have ended meanwhile; then nobody wants this.
            let _ = replies.send(reply(id, result)).await;
            drop(permit);
        });
        Vec::new()
    }

    fn subscribe(&mut self, id: Value, params: &Params) -> Result<(), SubscriptionError> {
        let text = query_param(params)?;
        let query: Query = text
            .parse()
            .map_err(|e: tendermint_rpc::Error| SubscriptionError::BadQuery(e.to_string()))?;
        if self.subscriptions.iter().any(|s| s.query == query) {
            return Err(SubscriptionError::AlreadySubscribed(text));
        }
        if self.subscriptions.len() >= MAX_SUBSCRIPTIONS {
            return Err(SubscriptionError::TooMany);
        }
        self.subscriptions.push(Subscription { text, query, id });
        Ok(())
    }

    fn unsubscribe(&mut self, params: &Params) -> Result<(), SubscriptionError> {
        let text = query_param(params)?;
        // Compare parsed queries so spacing differences do not matter.
        let query = text.parse::<Query>().ok();
        let before = self.subscriptions.len();
        self.subscriptions
            .retain(|s| s.text != text && Some(&s.query) != query.as_ref());
        if self.subscriptions.len() == before {
            return Err(SubscriptionError::NotSubscribed(text));
        }
        Ok(())
    }

    /// The event messages this client subscribed to in one block.
    fn publish(&self, block: &BlockEvents) -> Vec<String> {
        let mut messages = Vec::new();
        for event in &block.events {
            for sub in &self.subscriptions {
                if events::matches(&sub.query, &event.map) {
                    messages.push(event_message(sub, event));
                }
            }
        }
        messages
    }
}

fn query_param(params: &Params) -> Result<String, SubscriptionError> {
    params
        .string("query")
        .ok()
        .flatten()
        .ok_or(SubscriptionError::MissingQuery)
}

fn reply(id: Value, result: Result<Value, RpcError>) -> String {
    response(id, result).to_string()
}

/// The envelope around an event serialised once for every subscriber.
fn event_message(sub: &Subscription, event: &SerialisedEvent) -> String {
    let id = match &sub.id {
        Value::String(s) => format!("{s}#event"),
        other => format!("{other}#event"),
    };
    format!(
        r#"{{"jsonrpc":"2.0","id":{},"result":{{"query":{},"data":{},"events":{}}}}}"#,
        Value::String(id),
        Value::String(sub.text.clone()),
        event.data_json,
        event.events_json
    )
}

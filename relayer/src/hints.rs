//! Hints that a pass may find work: each new block of a chain, from a
//! websocket `NewBlock` subscription, or from polling `status` while no
//! websocket works. Hints only say when to look; what to do is always read
//! from state.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use tendermint::abci;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::event::EventData;
use tendermint_rpc::query::EventType;
use tendermint_rpc::{SubscriptionClient, WebSocketClient, WebSocketClientUrl};
use tokio::sync::mpsc;

use crate::backoff::Backoff;
use crate::chain::Chain;
use crate::{PathId, RelayerOptions};

/// A websocket that delivers no block for this long is given up.
const STALLED_AFTER: Duration = Duration::from_secs(30);
/// How long to poll before trying the websockets again.
const POLL_BEFORE_RETRY: Duration = Duration::from_secs(30);

/// What a new block suggests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Its events are unknown (polling): any path of the chain may have work.
    Unknown,
    /// The paths its events made work for, once the next block commits
    /// this block's state.
    Paths(BTreeSet<PathId>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hint {
    pub chain: String,
    pub height: u64,
    pub activity: Activity,
}

/// The paths a block's events of `chain` made work for: a packet sent is to
/// be received, a packet received is to be acknowledged on its source.
pub fn touched_paths<'a>(
    chain: &str,
    events: impl IntoIterator<Item = &'a abci::Event>,
) -> BTreeSet<PathId> {
    let attribute = |event: &abci::Event, key: &str| {
        event
            .attributes
            .iter()
            .find(|a| a.key_bytes() == key.as_bytes())
            .and_then(|a| a.value_str().ok())
            .map(str::to_owned)
    };
    let mut paths = BTreeSet::new();
    for event in events {
        match event.kind.as_str() {
            "send_packet" => {
                if let Some(dest) = attribute(event, "packet_dest") {
                    paths.insert(PathId::new(chain, &dest));
                }
            }
            "recv_packet" => {
                if let Some(source) = attribute(event, "packet_source") {
                    paths.insert(PathId::new(&source, chain));
                }
            }
            _ => {}
        }
    }
    paths
}

/// The websocket URL of a node from its RPC URL, CometBFT's `/websocket`.
pub fn websocket_url(rpc: &str) -> Option<String> {
    let (scheme, rest) = rpc.split_once("://")?;
    let scheme = match scheme {
        "http" | "tcp" => "ws",
        "https" => "wss",
        "ws" | "wss" => scheme,
        _ => return None,
    };
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix("/websocket").unwrap_or(rest);
    Some(format!("{scheme}://{rest}/websocket"))
}

/// Sends a hint per new block of `chain` until the receiver goes away.
pub(crate) async fn watch(chain: Arc<Chain>, hints: mpsc::Sender<Hint>, options: RelayerOptions) {
    let mut last_height = 0;
    let urls: Vec<String> = chain.endpoints().urls().filter_map(websocket_url).collect();
    loop {
        for url in &urls {
            match follow(&chain, url, &hints, &mut last_height).await {
                Ok(()) => return,
                Err(e) => tracing::debug!(chain = %chain.id(), %url, error = %e, "no websocket"),
            }
        }
        tracing::info!(chain = %chain.id(), "no websocket works; polling for blocks");
        if !poll(&chain, &hints, &options, &mut last_height).await {
            return;
        }
    }
}

/// Follows new blocks over one websocket. `Ok` once the receiver is gone;
/// `Err` when the websocket fails or stalls.
async fn follow(
    chain: &Chain,
    url: &str,
    hints: &mpsc::Sender<Hint>,
    last_height: &mut u64,
) -> Result<(), String> {
    let url: WebSocketClientUrl = url.parse().map_err(|e| format!("{e}"))?;
    let (client, driver) = WebSocketClient::builder(url)
        .compat_mode(CompatMode::V0_38)
        .build()
        .await
        .map_err(|e| e.to_string())?;
    let driver = tokio::spawn(driver.run());
    let outcome = forward_blocks(chain, &client, hints, last_height).await;
    // Closing ends the driver; aborting makes sure of it.
    let _ = client.close();
    driver.abort();
    outcome
}

async fn forward_blocks(
    chain: &Chain,
    client: &WebSocketClient,
    hints: &mpsc::Sender<Hint>,
    last_height: &mut u64,
) -> Result<(), String> {
    let mut blocks = client
        .subscribe(EventType::NewBlock.into())
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(chain = %chain.id(), "following new blocks over a websocket");
    loop {
        let event = match tokio::time::timeout(STALLED_AFTER, blocks.next()).await {
            Err(_) => return Err(format!("no block for {STALLED_AFTER:?}")),
            Ok(None) => return Err("the subscription ended".into()),
            Ok(Some(event)) => event.map_err(|e| e.to_string())?,
        };
        let EventData::NewBlock {
            block: Some(block),
            result_finalize_block,
            ..
        } = event.data
        else {
            continue;
        };
        if block.header.chain_id.as_str() != chain.id() {
            return Err(format!("the node serves chain {}", block.header.chain_id));
        }
        let height = block.header.height.value();
        if height <= *last_height {
            continue;
        }
        *last_height = height;
        let activity = match result_finalize_block {
            Some(results) => Activity::Paths(touched_paths(
                chain.id(),
                results
                    .events
                    .iter()
                    .chain(results.tx_results.iter().flat_map(|tx| tx.events.iter())),
            )),
            None => Activity::Unknown,
        };
        let hint = Hint {
            chain: chain.id().to_owned(),
            height,
            activity,
        };
        if hints.send(hint).await.is_err() {
            return Ok(());
        }
    }
}

/// Polls `status` for a while, hinting each new height; backs off while the
/// chain is out of reach. `false` once the receiver is gone.
async fn poll(
    chain: &Chain,
    hints: &mpsc::Sender<Hint>,
    options: &RelayerOptions,
    last_height: &mut u64,
) -> bool {
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    let until = Instant::now() + POLL_BEFORE_RETRY;
    while Instant::now() < until {
        match chain.status().await {
            Ok(status) => {
                backoff.reset();
                if status.height > *last_height {
                    *last_height = status.height;
                    let hint = Hint {
                        chain: chain.id().to_owned(),
                        height: status.height,
                        activity: Activity::Unknown,
                    };
                    if hints.send(hint).await.is_err() {
                        return false;
                    }
                }
                tokio::time::sleep(options.poll_interval).await;
            }
            Err(e) => {
                let delay = backoff.next_delay();
                tracing::debug!(chain = %chain.id(), error = %e, ?delay, "status failed");
                tokio::time::sleep(delay).await;
            }
        }
    }
    !hints.is_closed()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, attributes: &[(&str, &str)]) -> abci::Event {
        abci::Event::new(kind, attributes.iter().map(|&(k, v)| (k, v, true)))
    }

    #[test]
    fn sends_and_receives_touch_their_paths() {
        let events = [
            event(
                "send_packet",
                &[("packet_source", "a"), ("packet_dest", "b")],
            ),
            event(
                "recv_packet",
                &[("packet_source", "c"), ("packet_dest", "a")],
            ),
            event(
                "acknowledge_packet",
                &[("packet_source", "a"), ("packet_dest", "d")],
            ),
            event("transfer", &[("from", "x")]),
        ];
        let paths = touched_paths("a", &events);
        assert_eq!(paths, [PathId::new("a", "b"), PathId::new("c", "a")].into());
    }

    #[test]
    fn websocket_urls_follow_the_rpc_urls() {
        assert_eq!(
            websocket_url("http://127.0.0.1:26657").as_deref(),
            Some("ws://127.0.0.1:26657/websocket")
        );
        assert_eq!(
            websocket_url("https://node.example/rpc/").as_deref(),
            Some("wss://node.example/rpc/websocket")
        );
        assert_eq!(
            websocket_url("ws://h:1/websocket").as_deref(),
            Some("ws://h:1/websocket")
        );
        assert_eq!(websocket_url("not a url"), None);
    }
}

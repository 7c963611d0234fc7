//! Subscription events in CometBFT 0.38's JSON: the `NewBlock` and `Tx`
//! event data, the `events` map of composite keys (`tm.event`, `tx.hash`,
//! `transfer.from`, …) and matching that map against a subscription query.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{json, Value};
use tendermint_rpc::query::{Condition, Operand, Operation, Query};

use std::sync::Arc;

use tokio::sync::broadcast;

use super::RpcError;
use crate::block;
use crate::host::{Committed, Shared};

/// Composite key (`type.attribute`) to every value it takes in one event.
pub type EventMap = BTreeMap<String, Vec<String>>;

/// One event as published to subscribers: `data` is the `{"type", "value"}`
/// object of CometBFT's `ResultEvent`.
pub struct Event {
    pub data: Value,
    pub events: EventMap,
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(RpcError::internal)
}

/// The events of one committed block, in CometBFT's order: `NewBlock`,
/// then one `Tx` per transaction.
pub fn of_block(committed: &Committed) -> Result<Vec<Event>, RpcError> {
    let block = &committed.block;
    let results = &committed.results;
    let height = block.header.height.to_string();

    let events = block_event_map(&height, &results.events);
    let mut all = vec![Event {
        data: json!({
            "type": "tendermint/event/NewBlock",
            "value": {
                "block": to_json(block)?,
                "block_id": to_json(&block::block_ref(block).block_id())?,
                "result_finalize_block": to_json(results)?,
            },
        }),
        events,
    }];

    for (index, tx) in block.data.iter().enumerate() {
        // FinalizeBlock answers every tx; a missing result means a broken
        // store, and subscribers are better served without that tx event.
        let Some(result) = results.tx_results.get(index) else {
            continue;
        };
        let events = tx_event_map(&height, tx, &result.events);
        all.push(Event {
            data: json!({
                "type": "tendermint/event/Tx",
                "value": {
                    "TxResult": {
                        "height": height,
                        "index": index,
                        "tx": base64::engine::general_purpose::STANDARD.encode(tx),
                        "result": to_json(result)?,
                    },
                },
            }),
            events,
        });
    }
    Ok(all)
}

/// One block's events, each serialised once: a subscriber's message is its
/// own envelope (request id, query) around these texts.
pub struct BlockEvents {
    pub events: Vec<SerialisedEvent>,
}

pub struct SerialisedEvent {
    pub map: EventMap,
    /// `data` and the `events` map as JSON text.
    pub data_json: String,
    pub events_json: String,
}

impl BlockEvents {
    fn serialise(all: Vec<Event>) -> Self {
        BlockEvents {
            events: all
                .into_iter()
                .map(|event| SerialisedEvent {
                    data_json: event.data.to_string(),
                    events_json: json!(event.events).to_string(),
                    map: event.events,
                })
                .collect(),
        }
    }
}

/// Republishes every committed block's events, built once per block, to
/// the websocket sessions; no work while no session listens.
pub fn spawn_publisher(shared: &Shared) -> broadcast::Sender<Arc<BlockEvents>> {
    let (sender, _) = broadcast::channel(64);
    let mut committed = shared.committed.subscribe();
    let publisher = sender.clone();
    tokio::spawn(async move {
        loop {
            match committed.recv().await {
                Ok(block) => {
                    if publisher.receiver_count() == 0 {
                        continue;
                    }
                    match of_block(&block) {
                        Ok(all) => {
                            let _ = publisher.send(Arc::new(BlockEvents::serialise(all)));
                        }
                        Err(error) => tracing::warn!(?error, "could not build block events"),
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "the event publisher lagged; skipping blocks");
                }
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    sender
}

/// The events map of one tx, as subscriptions and `tx_search` match it.
pub fn tx_event_map(height: &str, tx: &[u8], abci: &[tendermint::abci::Event]) -> EventMap {
    let mut events = EventMap::new();
    add(&mut events, "tm.event", "Tx");
    add(&mut events, "tx.hash", &block::tx_hash(tx).to_string());
    add(&mut events, "tx.height", height);
    add_abci(&mut events, abci);
    events
}

/// The events map of one block's own events, as `block_search` matches it.
pub fn block_event_map(height: &str, abci: &[tendermint::abci::Event]) -> EventMap {
    let mut events = EventMap::new();
    add(&mut events, "tm.event", "NewBlock");
    add(&mut events, "block.height", height);
    add_abci(&mut events, abci);
    events
}

fn add(events: &mut EventMap, key: &str, value: &str) {
    events
        .entry(key.to_owned())
        .or_default()
        .push(value.to_owned());
}

fn add_abci(events: &mut EventMap, abci: &[tendermint::abci::Event]) {
    for event in abci.iter().filter(|e| !e.kind.is_empty()) {
        for attribute in &event.attributes {
            // Only pre-0.37 byte attributes can fail here; queries are text.
            if let (Ok(key), Ok(value)) = (attribute.key_str(), attribute.value_str()) {
                add(events, &format!("{}.{key}", event.kind), value);
            }
        }
    }
}

/// Whether an event with this map is one the query asks for.
pub fn matches(query: &Query, events: &EventMap) -> bool {
    let event_type = query.event_type.as_ref().is_none_or(|kind| {
        events
            .get("tm.event")
            .is_some_and(|v| v.contains(&kind.to_string()))
    });
    event_type && query.conditions.iter().all(|c| holds(c, events))
}

fn holds(condition: &Condition, events: &EventMap) -> bool {
    let values = events.get(&condition.key).map(Vec::as_slice).unwrap_or(&[]);
    let any = |wanted: fn(Ordering) -> bool, operand: &Operand| {
        values
            .iter()
            .any(|v| compare(v, operand).is_some_and(wanted))
    };
    match &condition.operation {
        Operation::Exists => !values.is_empty(),
        Operation::Contains(part) => values.iter().any(|v| v.contains(part.as_str())),
        Operation::Eq(operand) => any(Ordering::is_eq, operand),
        Operation::Lt(operand) => any(Ordering::is_lt, operand),
        Operation::Lte(operand) => any(Ordering::is_le, operand),
        Operation::Gt(operand) => any(Ordering::is_gt, operand),
        Operation::Gte(operand) => any(Ordering::is_ge, operand),
    }
}

/// Event values are text; numeric operands compare numerically, as in
/// CometBFT, so `tx.height > 9` holds for "10".
fn compare(value: &str, operand: &Operand) -> Option<Ordering> {
    match operand {
        Operand::String(s) => Some(value.cmp(s.as_str())),
        Operand::Unsigned(n) => value.parse::<u64>().ok().map(|v| v.cmp(n)),
        Operand::Signed(n) => value.parse::<i64>().ok().map(|v| v.cmp(n)),
        Operand::Float(f) => value.parse::<f64>().ok().and_then(|v| v.partial_cmp(f)),
        // No event this node emits carries a date or a time.
        Operand::Date(_) | Operand::DateTime(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> EventMap {
        let mut events = EventMap::new();
        for (k, v) in pairs {
            add(&mut events, k, v);
        }
        events
    }

    fn query(text: &str) -> Query {
        text.parse().expect("test query parses")
    }

    #[test]
    fn queries_select_by_type_and_attributes() {
        let tx = map(&[
            ("tm.event", "Tx"),
            ("tx.hash", "AB12"),
            ("tx.height", "10"),
            ("transfer.from", "xcc1alice"),
        ]);
        let new_block = map(&[("tm.event", "NewBlock"), ("block.height", "10")]);
        assert!(matches(&query("tm.event='Tx'"), &tx));
        assert!(!matches(&query("tm.event='Tx'"), &new_block));
        assert!(matches(&query("tm.event = 'NewBlock'"), &new_block));
        assert!(matches(&query("tm.event='Tx' AND tx.hash='AB12'"), &tx));
        assert!(!matches(&query("tm.event='Tx' AND tx.hash='CD34'"), &tx));
        assert!(matches(&query("transfer.from='xcc1alice'"), &tx));
        assert!(!matches(&query("transfer.from='xcc1alice'"), &new_block));
        assert!(matches(&query("tx.height > 9 AND tx.height <= 10"), &tx));
        assert!(!matches(&query("tx.height < 10"), &tx));
        assert!(matches(&query("transfer.from CONTAINS 'alice'"), &tx));
        assert!(matches(&query("transfer.from EXISTS"), &tx));
        assert!(!matches(&query("mint.to EXISTS"), &tx));
    }

    #[test]
    fn garbage_is_not_a_query() {
        assert!("tm.event=".parse::<Query>().is_err());
        assert!("nonsense".parse::<Query>().is_err());
    }
}

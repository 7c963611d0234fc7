//! What the explorer has seen by following the chains' blocks: each chain's
//! head, recent blocks, every tx by hash, each cross-tx's steps on every
//! chain, trades per security and the txs that name each account. Module
//! state (balances, holders, listings) is not kept here: pages ask the
//! chains for it, so it is always the chain's own answer.
//!
//! The index lives in memory and is rebuilt from the chains' retained
//! blocks when the explorer starts.

use std::collections::{BTreeMap, HashMap, VecDeque};

use xcc_chain::Address;
use xcc_node_config::AppKind;

use crate::decode::TxView;

/// Blocks of each chain the home and chain pages list.
pub const RECENT_BLOCKS: usize = 50;
/// Txs of all chains the home page lists.
pub const RECENT_TXS: usize = 30;

#[derive(Clone, Debug)]
pub struct ChainView {
    pub id: String,
    pub app: AppKind,
    /// The last block indexed, and its time.
    pub height: u64,
    pub time: String,
    /// The chain's latest height as its node last said.
    pub latest: u64,
    pub validators: usize,
    pub recent: VecDeque<BlockSummary>,
    /// Why the chain cannot be read now; `None` while it can.
    pub unreachable: Option<String>,
}

#[derive(Clone, Debug)]
pub struct BlockSummary {
    pub height: u64,
    pub time: String,
    pub hash: String,
    pub proposer: String,
    pub txs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

impl EventView {
    pub fn new<'a>(kind: &str, attributes: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        EventView {
            kind: kind.to_owned(),
            attributes: attributes
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct TxRecord {
    pub hash: String,
    pub chain_id: String,
    pub height: u64,
    pub index: usize,
    pub time: String,
    pub view: TxView,
    pub code: u32,
    pub log: String,
    pub events: Vec<EventView>,
}

impl TxRecord {
    /// The cross-txs this tx took part in: every `tx_id` its events name
    /// and every cross-tx it submitted.
    pub fn cross_txs(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .events
            .iter()
            .filter_map(|event| event.get("tx_id"))
            .map(str::to_owned)
            .chain(
                self.view
                    .msgs
                    .iter()
                    .filter_map(|msg| msg.field("cross_tx").map(str::to_owned)),
            )
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }
}

/// One step of a cross-tx as a chain's events tell it.
#[derive(Clone, Debug)]
pub struct Step {
    pub chain_id: String,
    pub height: u64,
    pub time: String,
    pub kind: String,
    pub detail: String,
    pub tx_hash: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trade {
    pub chain_id: String,
    pub height: u64,
    pub time: String,
    pub symbol: String,
    pub seller: String,
    pub buyer: String,
    pub units: u64,
    pub price_per_unit: u64,
    pub denom: String,
    pub cross_tx: String,
}

impl Trade {
    fn from_event(chain_id: &str, height: u64, time: &str, event: &EventView) -> Option<Trade> {
        Some(Trade {
            chain_id: chain_id.to_owned(),
            height,
            time: time.to_owned(),
            symbol: event.get("symbol")?.to_owned(),
            seller: event.get("seller")?.to_owned(),
            buyer: event.get("buyer")?.to_owned(),
            units: event.get("units")?.parse().ok()?,
            price_per_unit: event.get("price_per_unit")?.parse().ok()?,
            denom: event.get("denom")?.to_owned(),
            cross_tx: event.get("tx_id").unwrap_or_default().to_owned(),
        })
    }
}

/// A block as the follower read it.
#[derive(Clone, Debug)]
pub struct BlockRecord {
    pub chain_id: String,
    pub summary: BlockSummary,
    pub txs: Vec<TxRecord>,
    /// Events of the block itself (begin and end of block work).
    pub events: Vec<EventView>,
}

#[derive(Default)]
pub struct Index {
    chains: BTreeMap<String, ChainView>,
    txs: HashMap<String, TxRecord>,
    recent_txs: VecDeque<String>,
    cross_txs: HashMap<String, Vec<Step>>,
    /// Cross-tx ids in the order first seen.
    cross_tx_order: Vec<String>,
    trades: HashMap<String, Vec<Trade>>,
    /// Each account's trades as places in `trades` (symbol, index), so an
    /// account's page costs its own trades, not everyone's.
    account_trades: HashMap<String, Vec<(String, usize)>>,
    /// Txs naming each account, oldest first.
    accounts: HashMap<String, Vec<String>>,
}

impl Index {
    pub fn add_chain(&mut self, id: &str, app: AppKind) {
        self.chains
            .entry(id.to_owned())
            .or_insert_with(|| ChainView {
                id: id.to_owned(),
                app,
                height: 0,
                time: String::new(),
                latest: 0,
                validators: 0,
                recent: VecDeque::new(),
                unreachable: None,
            });
    }

    pub fn chains(&self) -> impl Iterator<Item = &ChainView> {
        self.chains.values()
    }

    pub fn chain(&self, id: &str) -> Option<&ChainView> {
        self.chains.get(id)
    }

    /// The node answered: its latest height and validator count.
    pub fn saw_head(&mut self, id: &str, latest: u64, validators: Option<usize>) {
        if let Some(chain) = self.chains.get_mut(id) {
            chain.latest = latest;
            chain.unreachable = None;
            if let Some(validators) = validators {
                chain.validators = validators;
            }
        }
    }

    pub fn unreachable(&mut self, id: &str, why: String) {
        if let Some(chain) = self.chains.get_mut(id) {
            chain.unreachable = Some(why);
        }
    }

    /// A block read from `block.chain_id`, in height order.
    pub fn record_block(&mut self, block: BlockRecord) {
        let BlockRecord {
            chain_id,
            summary,
            txs,
            events,
        } = block;
        let Some(chain) = self.chains.get_mut(&chain_id) else {
            return;
        };
        if summary.height <= chain.height {
            return;
        }
        chain.height = summary.height;
        chain.time = summary.time.clone();
        chain.latest = chain.latest.max(summary.height);
        chain.recent.push_front(summary.clone());
        chain.recent.truncate(RECENT_BLOCKS);

        for event in &events {
            self.record_event(&chain_id, summary.height, &summary.time, event, None);
        }
        for tx in txs {
            for event in &tx.events {
                self.record_event(&chain_id, tx.height, &tx.time, event, Some(&tx.hash));
            }
            for id in tx.cross_txs() {
                if tx
                    .view
                    .msgs
                    .iter()
                    .any(|msg| msg.field("cross_tx") == Some(&id))
                {
                    self.step(
                        &id,
                        Step {
                            chain_id: chain_id.clone(),
                            height: tx.height,
                            time: tx.time.clone(),
                            kind: if tx.code == 0 { "sent" } else { "refused" }.to_owned(),
                            detail: tx.log.clone(),
                            tx_hash: Some(tx.hash.clone()),
                        },
                    );
                }
            }
            for account in named_accounts(&tx) {
                let named = self.accounts.entry(account).or_default();
                if named.last() != Some(&tx.hash) {
                    named.push(tx.hash.clone());
                }
            }
            self.recent_txs.push_back(tx.hash.clone());
            if self.recent_txs.len() > RECENT_TXS {
                self.recent_txs.pop_front();
            }
            self.txs.insert(tx.hash.clone(), tx);
        }
    }

    fn record_event(
        &mut self,
        chain_id: &str,
        height: u64,
        time: &str,
        event: &EventView,
        tx_hash: Option<&String>,
    ) {
        if event.kind == "security_trade" {
            if let Some(trade) = Trade::from_event(chain_id, height, time, event) {
                let of_symbol = self.trades.entry(trade.symbol.clone()).or_default();
                let place = (trade.symbol.clone(), of_symbol.len());
                let mut parties = vec![trade.seller.clone(), trade.buyer.clone()];
                parties.dedup();
                for party in parties {
                    self.account_trades
                        .entry(party)
                        .or_default()
                        .push(place.clone());
                }
                of_symbol.push(trade);
            }
        }
        if let Some(id) = event.get("tx_id") {
            let detail = event
                .attributes
                .iter()
                .filter(|(key, _)| key != "tx_id")
                .map(|(key, value)| format!("{key}={value}"))
                .collect::<Vec<_>>()
                .join(" ");
            self.step(
                id,
                Step {
                    chain_id: chain_id.to_owned(),
                    height,
                    time: time.to_owned(),
                    kind: event.kind.clone(),
                    detail,
                    tx_hash: tx_hash.cloned(),
                },
            );
        }
    }

    fn step(&mut self, id: &str, step: Step) {
        let id = id.to_lowercase();
        let steps = self.cross_txs.entry(id.clone()).or_default();
        if steps.is_empty() {
            self.cross_tx_order.push(id);
        }
        steps.push(step);
    }

    pub fn tx(&self, hash: &str) -> Option<&TxRecord> {
        self.txs.get(&hash.to_uppercase())
    }

    pub fn recent_txs(&self) -> impl Iterator<Item = &TxRecord> {
        self.recent_txs
            .iter()
            .rev()
            .filter_map(|hash| self.txs.get(hash))
    }

    pub fn cross_tx(&self, id: &str) -> Option<&[Step]> {
        self.cross_txs.get(&id.to_lowercase()).map(Vec::as_slice)
    }

    /// Cross-tx ids, newest first.
    pub fn cross_txs(&self) -> impl Iterator<Item = &str> {
        self.cross_tx_order.iter().rev().map(String::as_str)
    }

    pub fn trades(&self, symbol: &str) -> &[Trade] {
        self.trades
            .get(symbol)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The last trade of each security, by symbol.
    pub fn last_trades(&self) -> Vec<&Trade> {
        let mut last: Vec<&Trade> = self.trades.values().filter_map(|t| t.last()).collect();
        last.sort_by(|a, b| a.symbol.cmp(&b.symbol));
        last
    }

    /// Every trade `account` was a party to, oldest first.
    pub fn trades_of(&self, account: &str) -> Vec<&Trade> {
        let mut found: Vec<&Trade> = self
            .account_trades
            .get(account)
            .into_iter()
            .flatten()
            .filter_map(|(symbol, index)| self.trades.get(symbol)?.get(*index))
            .collect();
        found.sort_by_key(|trade| (trade.time.clone(), trade.height));
        found
    }

    pub fn txs_of(&self, account: &str) -> impl Iterator<Item = &TxRecord> {
        self.accounts
            .get(account)
            .into_iter()
            .flatten()
            .filter_map(|hash| self.txs.get(hash))
    }
}

/// The accounts a tx names: its sender, and every message field or event
/// attribute that is an address.
fn named_accounts(tx: &TxRecord) -> Vec<String> {
    let fields = tx
        .view
        .msgs
        .iter()
        .flat_map(|msg| msg.fields.iter().map(|(_, value)| value));
    let attributes = tx
        .events
        .iter()
        .flat_map(|event| event.attributes.iter().map(|(_, value)| value));
    let mut found: Vec<String> = tx
        .view
        .sender
        .iter()
        .chain(fields)
        .chain(attributes)
        .filter(|value| value.parse::<Address>().is_ok())
        .cloned()
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade_event(seller: &str, buyer: &str, price: u64) -> EventView {
        let attributes = [
            ("symbol", "HARB".to_owned()),
            ("seller", seller.to_owned()),
            ("buyer", buyer.to_owned()),
            ("units", "1".to_owned()),
            ("price_per_unit", price.to_string()),
            ("denom", "usd".to_owned()),
        ];
        EventView::new("security_trade", attributes)
    }

    fn block(height: u64, events: Vec<EventView>) -> BlockRecord {
        BlockRecord {
            chain_id: "security-1".to_owned(),
            summary: BlockSummary {
                height,
                time: format!("2026-01-01T00:00:{height:02}Z"),
                hash: String::new(),
                proposer: String::new(),
                txs: Vec::new(),
            },
            txs: Vec::new(),
            events,
        }
    }

    #[test]
    fn an_account_has_its_own_trades_oldest_first() {
        let mut index = Index::default();
        index.add_chain("security-1", AppKind::Security);
        index.record_block(block(1, vec![trade_event("alice", "bob", 100)]));
        index.record_block(block(
            2,
            vec![
                trade_event("bob", "carol", 110),
                trade_event("dave", "dave", 120),
            ],
        ));
        // A block already seen changes nothing.
        index.record_block(block(2, vec![trade_event("alice", "bob", 999)]));

        let prices = |account: &str| -> Vec<u64> {
            index
                .trades_of(account)
                .iter()
                .map(|t| t.price_per_unit)
                .collect()
        };
        assert_eq!(prices("bob"), vec![100, 110]);
        assert_eq!(prices("alice"), vec![100]);
        assert_eq!(
            prices("dave"),
            vec![120],
            "a trade with oneself counts once"
        );
        assert!(prices("erin").is_empty());
        assert_eq!(index.trades("HARB").len(), 3);
        assert_eq!(index.last_trades()[0].price_per_unit, 120);
    }
}

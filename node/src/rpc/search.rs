//! CometBFT's `tx_search` and `block_search`: txs and blocks whose events
//! match a query of CometBFT's language (`transfer.from = 'xcc1…' AND
//! tx.height > 5`), paged and ordered by height.
//!
//! A query is answered from its most selective condition: `tx.hash`, an
//! `=` on an event attribute (the block store's event index), or a height
//! (`=`, or a range closed on both sides); every candidate is then checked
//! against the whole query. A query with none of these, or whose
//! candidates pass [`MAX_CANDIDATES`], is refused with why: no request may
//! walk the whole history. With `prove`, each tx carries its proof against
//! its block's data hash.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::{json, Value};
use tendermint::block as tm_block;
use tendermint_rpc::endpoint;
use tendermint_rpc::query::{Operand, Operation, Query};

use super::events::{block_event_map, matches, tx_event_map};
use super::methods::{block_at, latest, to_json, RpcError};
use super::params::Params;
use super::RpcState;
use crate::block;
use crate::store::StoreError;

/// The most txs or blocks one query may consider.
pub const MAX_CANDIDATES: usize = 10_000;
/// The most heights a height range may span.
pub const MAX_HEIGHTS: u64 = 10_000;
/// CometBFT's page size by default and at most.
const DEFAULT_PER_PAGE: usize = 30;
const MAX_PER_PAGE: usize = 100;

fn query(params: &Params) -> Result<Query, RpcError> {
    let text = params
        .string("query")?
        .ok_or_else(|| RpcError::invalid_params("missing query"))?;
    Query::from_str(&text).map_err(|e| RpcError::invalid_params(format!("query {text:?}: {e}")))
}

/// An operand as the text an event value would hold.
fn operand_text(operand: &Operand) -> Option<String> {
    match operand {
        Operand::String(s) => Some(s.clone()),
        Operand::Unsigned(n) => Some(n.to_string()),
        Operand::Signed(n) => Some(n.to_string()),
        Operand::Float(f) => Some(f.to_string()),
        Operand::Date(_) | Operand::DateTime(_) => None,
    }
}

fn operand_u64(operand: &Operand) -> Option<u64> {
    match operand {
        Operand::Unsigned(n) => Some(*n),
        Operand::Signed(n) => u64::try_from(*n).ok(),
        Operand::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The heights `key` (`tx.height`, `block.height`) is bounded to, if the
/// query bounds it on both sides.
fn height_range(query: &Query, key: &str, latest: u64) -> Option<(u64, u64)> {
    let (mut low, mut high) = (1u64, None::<u64>);
    for condition in query.conditions.iter().filter(|c| c.key == key) {
        match &condition.operation {
            Operation::Eq(n) => {
                let n = operand_u64(n)?;
                low = low.max(n);
                high = Some(high.map_or(n, |h| h.min(n)));
            }
            Operation::Gt(n) => low = low.max(operand_u64(n)?.saturating_add(1)),
            Operation::Gte(n) => low = low.max(operand_u64(n)?),
            Operation::Lt(n) => {
                let n = operand_u64(n)?.saturating_sub(1);
                high = Some(high.map_or(n, |h| h.min(n)));
            }
            Operation::Lte(n) => {
                let n = operand_u64(n)?;
                high = Some(high.map_or(n, |h| h.min(n)));
            }
            _ => {}
        }
    }
    high.map(|high| (low, high.min(latest)))
}

fn too_broad(what: &str) -> RpcError {
    RpcError::invalid_params(format!(
        "{what} needs a condition that narrows it: `tx.hash`, an `=` on an event attribute, \
         or a height range of at most {MAX_HEIGHTS} heights"
    ))
}

fn store_error(error: StoreError) -> RpcError {
    match error {
        StoreError::TooMany(_) => RpcError::invalid_params(error.to_string()),
        other => RpcError::internal(other),
    }
}

/// `page` and `per_page` as CometBFT reads them: pages from 1, 30 a page by
/// default, at most 100.
fn page_of(params: &Params, total: usize) -> Result<(usize, usize), RpcError> {
    let per_page = params
        .u64("per_page")?
        .map_or(DEFAULT_PER_PAGE, |n| (n as usize).clamp(1, MAX_PER_PAGE));
    let page = params.u64("page")?.unwrap_or(1).max(1) as usize;
    let pages = total.div_ceil(per_page).max(1);
    if page > pages {
        return Err(RpcError::invalid_params(format!(
            "page {page} is past the last page, {pages}"
        )));
    }
    Ok(((page - 1) * per_page, per_page))
}

fn descending(params: &Params) -> Result<bool, RpcError> {
    match params.string("order_by")?.as_deref() {
        None | Some("") | Some("asc") => Ok(false),
        Some("desc") => Ok(true),
        Some(other) => Err(RpcError::invalid_params(format!(
            "order_by is \"asc\" or \"desc\", not {other:?}"
        ))),
    }
}

/// What was found (in height order), in the asked order, and the asked
/// page of it; with the total.
fn paged<T>(params: &Params, mut found: Vec<T>) -> Result<(usize, Vec<T>), RpcError> {
    if descending(params)? {
        found.reverse();
    }
    let total = found.len();
    let (skip, take) = page_of(params, total)?;
    Ok((total, found.into_iter().skip(skip).take(take).collect()))
}

fn tx_candidates(state: &RpcState, query: &Query) -> Result<Vec<(u64, u32)>, RpcError> {
    let store = &state.shared.store;
    for condition in &query.conditions {
        let Operation::Eq(operand) = &condition.operation else {
            continue;
        };
        let Some(value) = operand_text(operand) else {
            continue;
        };
        match condition.key.as_str() {
            "tx.hash" => {
                let hash = hex::decode(&value).unwrap_or_default();
                return Ok(store
                    .tx_location(&hash)
                    .map_err(RpcError::internal)?
                    .into_iter()
                    .collect());
            }
            "tx.height" | "tm.event" => continue,
            key => {
                return store
                    .tx_places(key, &value, MAX_CANDIDATES)
                    .map_err(store_error)
            }
        }
    }
    let latest = latest(state)?;
    let (low, high) =
        height_range(query, "tx.height", latest).ok_or_else(|| too_broad("tx_search"))?;
    if high >= low && high - low >= MAX_HEIGHTS {
        return Err(too_broad("tx_search"));
    }
    let mut places = Vec::new();
    for height in low..=high {
        let (_, block) = block_at(state, Some(height))?;
        places.extend((0..block.data.len() as u32).map(|index| (height, index)));
        if places.len() > MAX_CANDIDATES {
            return Err(store_error(StoreError::TooMany(MAX_CANDIDATES)));
        }
    }
    Ok(places)
}

pub(super) fn tx_search(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let query = query(params)?;
    let prove = params.bool("prove")?;
    let mut by_height: BTreeMap<u64, Vec<u32>> = BTreeMap::new();
    for (height, index) in tx_candidates(state, &query)? {
        by_height.entry(height).or_default().push(index);
    }
    let mut found = Vec::new();
    for (height, indexes) in by_height {
        let Ok((_, block)) = block_at(state, Some(height)) else {
            continue; // pruned
        };
        let Some(stored) = state
            .shared
            .store
            .results(height)
            .map_err(RpcError::internal)?
        else {
            continue;
        };
        let results = tendermint::abci::response::FinalizeBlock::try_from(stored)
            .map_err(RpcError::internal)?;
        let height_text = height.to_string();
        for index in indexes {
            let (Some(tx), Some(result)) = (
                block.data.get(index as usize),
                results.tx_results.get(index as usize),
            ) else {
                continue;
            };
            if matches(&query, &tx_event_map(&height_text, tx, &result.events)) {
                found.push(endpoint::tx::Response {
                    hash: block::tx_hash(tx),
                    height: tm_block::Height::try_from(height).map_err(RpcError::internal)?,
                    index,
                    tx_result: result.clone(),
                    tx: tx.clone(),
                    proof: if prove {
                        block::tx_proof(&block.data, index as usize)
                    } else {
                        None
                    },
                });
            }
        }
    }
    let (total, txs) = paged(params, found)?;
    Ok(json!({ "txs": to_json(&txs)?, "total_count": total.to_string() }))
}

pub(super) fn block_search(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let query = query(params)?;
    let latest = latest(state)?;
    let store = &state.shared.store;
    let equality = query
        .conditions
        .iter()
        .find_map(|condition| match &condition.operation {
            Operation::Eq(operand)
                if !["block.height", "tm.event"].contains(&condition.key.as_str()) =>
            {
                operand_text(operand).map(|value| (condition.key.clone(), value))
            }
            _ => None,
        });
    let heights: Vec<u64> = match equality {
        Some((key, value)) => store
            .block_heights(&key, &value, MAX_CANDIDATES)
            .map_err(store_error)?,
        None => {
            let (low, high) = height_range(&query, "block.height", latest)
                .ok_or_else(|| too_broad("block_search"))?;
            if high >= low && high - low >= MAX_HEIGHTS {
                return Err(too_broad("block_search"));
            }
            (low..=high).collect()
        }
    };
    let mut found = Vec::new();
    for height in heights {
        let Some(stored) = store.results(height).map_err(RpcError::internal)? else {
            continue;
        };
        let results = tendermint::abci::response::FinalizeBlock::try_from(stored)
            .map_err(RpcError::internal)?;
        if !matches(
            &query,
            &block_event_map(&height.to_string(), &results.events),
        ) {
            continue;
        }
        let Ok((_, block)) = block_at(state, Some(height)) else {
            continue;
        };
        found.push(endpoint::block::Response {
            block_id: block::block_ref(&block).block_id(),
            block,
        });
    }
    let (total, blocks) = paged(params, found)?;
    Ok(json!({ "blocks": to_json(&blocks)?, "total_count": total.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Query {
        Query::from_str(text).expect("a query")
    }

    #[test]
    fn height_ranges_close_on_both_sides_or_not_at_all() {
        assert_eq!(
            height_range(&parsed("tx.height = 5"), "tx.height", 100),
            Some((5, 5))
        );
        assert_eq!(
            height_range(
                &parsed("tx.height > 5 AND tx.height <= 9"),
                "tx.height",
                100
            ),
            Some((6, 9))
        );
        assert_eq!(
            height_range(&parsed("tx.height >= 5"), "tx.height", 100),
            None
        );
        assert_eq!(
            height_range(&parsed("tx.height < 1000"), "tx.height", 100),
            Some((1, 100)),
            "past the latest height there is nothing"
        );
        assert_eq!(
            height_range(&parsed("transfer.amount = 5"), "tx.height", 100),
            None
        );
    }

    #[test]
    fn operands_read_as_event_text() {
        assert_eq!(
            operand_text(&Operand::String("a b".into())).as_deref(),
            Some("a b")
        );
        assert_eq!(operand_text(&Operand::Unsigned(7)).as_deref(), Some("7"));
        assert_eq!(operand_u64(&Operand::Signed(-1)), None);
    }
}

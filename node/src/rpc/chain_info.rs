//! The CometBFT methods that read the chain's history by hash and by range,
//! its consensus parameters, the mempool, and genesis in chunks.

use base64::Engine as _;
use serde_json::{json, Value};
use tendermint::block as tm_block;
use tendermint_rpc::endpoint;

use super::methods::{block_at, latest, to_json, RpcError};
use super::params::Params;
use super::RpcState;
use crate::block;

/// CometBFT's most block metas in one `blockchain` answer.
const MAX_BLOCK_METAS: u64 = 20;
/// CometBFT's genesis chunk: 16 MiB.
const GENESIS_CHUNK_BYTES: usize = 16 * 1024 * 1024;
/// CometBFT's default and most txs in one `unconfirmed_txs` answer.
const DEFAULT_UNCONFIRMED: usize = 30;
const MAX_UNCONFIRMED: usize = 100;

pub async fn call(
    state: &RpcState,
    method: &str,
    params: &Params,
) -> Option<Result<Value, RpcError>> {
    Some(match method {
        "block_by_hash" => block_by_hash(state, params).and_then(|(block_id, block)| {
            to_json(&endpoint::block_by_hash::Response { block_id, block })
        }),
        "header_by_hash" => block_by_hash(state, params).and_then(|(_, block)| {
            to_json(&endpoint::header_by_hash::Response {
                header: block.map(|b| b.header),
            })
        }),
        "blockchain" => blockchain(state, params),
        "consensus_params" => consensus_params(state, params),
        "genesis_chunked" => genesis_chunked(state, params),
        "num_unconfirmed_txs" => unconfirmed(state, None).await,
        "unconfirmed_txs" => {
            let limit = params
                .u64("limit")
                .map(|l| l.map_or(DEFAULT_UNCONFIRMED, |l| (l as usize).clamp(1, MAX_UNCONFIRMED)));
            match limit {
                Ok(limit) => unconfirmed(state, Some(limit)).await,
                Err(e) => Err(e),
            }
        }
        "broadcast_evidence" => Err(RpcError::invalid_params(
            "this node handles no evidence: Malachite reports equivocation itself, and the apps have no evidence module to submit it to",
        )),
        _ => return None,
    })
}

/// The block whose header hashes to `hash`, if this node decided it (an
/// unknown hash answers no block, as CometBFT does).
fn block_by_hash(
    state: &RpcState,
    params: &Params,
) -> Result<(tm_block::Id, Option<tendermint::Block>), RpcError> {
    let hash = params.hex("hash")?.unwrap_or_default();
    let height = state
        .shared
        .store
        .height_of_block(&hash)
        .map_err(RpcError::internal)?;
    match height {
        Some(height) => {
            let (_, found) = block_at(state, Some(height))?;
            Ok((block::block_ref(&found).block_id(), Some(found)))
        }
        None => Ok((tm_block::Id::default(), None)),
    }
}

/// Block metas from `maxHeight` (the latest by default) down to
/// `minHeight`, at most 20, newest first.
fn blockchain(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let last = latest(state)?;
    let earliest = state
        .shared
        .store
        .min_height()
        .map_err(RpcError::internal)?
        .unwrap_or(1);
    let max = params
        .u64("maxHeight")?
        .filter(|h| *h > 0)
        .unwrap_or(last)
        .min(last);
    let min = params
        .u64("minHeight")?
        .filter(|h| *h > 0)
        .unwrap_or(1)
        .max(earliest)
        .max(max.saturating_sub(MAX_BLOCK_METAS - 1));
    if min > max {
        return Err(RpcError::invalid_params(format!(
            "minHeight {min} is above maxHeight {max}"
        )));
    }
    let mut block_metas = Vec::new();
    for height in (min..=max).rev() {
        let (_, found) = block_at(state, Some(height))?;
        let bytes = state
            .shared
            .store
            .block_bytes(height)
            .map_err(RpcError::internal)?
            .unwrap_or_default();
        block_metas.push(tm_block::Meta {
            block_id: block::block_ref(&found).block_id(),
            block_size: bytes.len() as i64,
            num_txs: found.data.len() as i64,
            header: found.header,
        });
    }
    to_json(&endpoint::blockchain::Response {
        last_height: tm_block::Height::try_from(last).map_err(RpcError::internal)?,
        block_metas,
    })
}

/// The consensus parameters, which no tx changes: genesis's at every height.
fn consensus_params(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let last = latest(state)?;
    let height = params.u64("height")?.filter(|h| *h > 0).unwrap_or(last);
    if height > last {
        return Err(RpcError::invalid_params(format!(
            "height {height} must be less than or equal to the current blockchain height {last}"
        )));
    }
    to_json(&endpoint::consensus_params::Response {
        block_height: tm_block::Height::try_from(height).map_err(RpcError::internal)?,
        consensus_params: state.genesis.consensus_params.clone(),
    })
}

fn genesis_chunked(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let bytes = serde_json::to_vec(&*state.genesis).map_err(RpcError::internal)?;
    let chunks: Vec<&[u8]> = bytes.chunks(GENESIS_CHUNK_BYTES).collect();
    let chunk = params.u64("chunk")?.unwrap_or(0);
    let data = chunks.get(chunk as usize).ok_or_else(|| {
        RpcError::invalid_params(format!(
            "there are {} chunks, {chunk} is invalid",
            chunks.len()
        ))
    })?;
    to_json(&endpoint::genesis_chunked::Response {
        chunk,
        total: chunks.len() as u64,
        data: data.to_vec(),
    })
}

/// The mempool's count and bytes, and with `limit` its first txs (base64),
/// in CometBFT's form (integers as strings).
async fn unconfirmed(state: &RpcState, limit: Option<usize>) -> Result<Value, RpcError> {
    let mempool = state.shared.mempool.lock().await;
    let total = mempool.len();
    let mut answer = json!({
        "n_txs": total.to_string(),
        "total": total.to_string(),
        "total_bytes": mempool.total_bytes().to_string(),
    });
    if let Some(limit) = limit {
        let engine = base64::engine::general_purpose::STANDARD;
        let txs: Vec<String> = mempool
            .reap(usize::MAX)
            .into_iter()
            .take(limit)
            .map(|tx| engine.encode(tx))
            .collect();
        answer["n_txs"] = json!(txs.len().to_string());
        answer["txs"] = json!(txs);
    } else {
        answer["txs"] = Value::Null;
    }
    Ok(answer)
}

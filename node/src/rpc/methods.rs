//! The RPC methods.

use std::time::Duration;

use bytes::Bytes;
use serde_json::{json, Value};
use tendermint::abci::request;
use tendermint::block::{self as tm_block, signed_header::SignedHeader};
use tendermint::{Block, Hash};
use tendermint_rpc::endpoint;

use super::params::Params;
use super::RpcState;
use crate::block;

#[derive(Debug)]
pub struct RpcError {
    code: i64,
    message: &'static str,
    data: String,
}

impl RpcError {
    pub fn parse(data: String) -> Self {
        RpcError {
            code: -32700,
            message: "Parse error",
            data,
        }
    }
    pub fn invalid_request(data: impl Into<String>) -> Self {
        RpcError {
            code: -32600,
            message: "Invalid Request",
            data: data.into(),
        }
    }
    pub fn method_not_found(method: &str) -> Self {
        RpcError {
            code: -32601,
            message: "Method not found",
            data: format!("unknown method {method:?}"),
        }
    }
    pub fn invalid_params(data: impl Into<String>) -> Self {
        RpcError {
            code: -32602,
            message: "Invalid params",
            data: data.into(),
        }
    }
    pub fn internal(data: impl ToString) -> Self {
        RpcError {
            code: -32603,
            message: "Internal error",
            data: data.to_string(),
        }
    }
    /// The server is at one of its limits (`limits.rs`); the request was
    /// not run.
    pub fn server_busy(data: impl Into<String>) -> Self {
        RpcError {
            code: -32000,
            message: "Server busy",
            data: data.into(),
        }
    }
    pub fn to_json(&self) -> Value {
        json!({ "code": self.code, "message": self.message, "data": self.data })
    }
}

pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, RpcError> {
    serde_json::to_value(value).map_err(RpcError::internal)
}

pub async fn call(state: &RpcState, method: &str, params: Params) -> Result<Value, RpcError> {
    match method {
        "health" => Ok(json!({})),
        "status" => status(state).await,
        "genesis" => to_json(&json!({ "genesis": &*state.genesis })),
        "abci_info" => {
            // CometBFT's form: integers as strings, the app hash in base64
            // (tendermint-rs would write the hash as an array of numbers).
            use base64::Engine as _;
            let info = state.shared.app.info().await.map_err(RpcError::internal)?;
            Ok(json!({ "response": {
                "data": info.data,
                "version": info.version,
                "app_version": info.app_version.to_string(),
                "last_block_height": info.last_block_height.value().to_string(),
                "last_block_app_hash": base64::engine::general_purpose::STANDARD
                    .encode(info.last_block_app_hash.as_bytes()),
            }}))
        }
        "abci_query" => abci_query(state, &params).await,
        "broadcast_tx_async" | "broadcast_tx_sync" => broadcast(state, &params).await,
        "broadcast_tx_commit" => broadcast_commit(state, &params).await,
        "check_tx" => check_tx(state, &params).await,
        "net_info" => super::net_info::net_info(state).await,
        "consensus_state" => super::consensus_state::consensus_state(state).await,
        "tx_search" => super::search::tx_search(state, &params),
        "block_search" => super::search::block_search(state, &params),
        super::forward::FORWARD_METHOD => take_forwarded(state, &params).await,
        "block" => {
            let (_, block) = block_at(state, params.u64("height")?)?;
            to_json(&endpoint::block::Response {
                block_id: block::block_ref(&block).block_id(),
                block,
            })
        }
        "header" => {
            let (_, block) = block_at(state, params.u64("height")?)?;
            to_json(&endpoint::header::Response {
                header: block.header,
            })
        }
        "commit" => commit(state, params.u64("height")?),
        "validators" => validators(state, &params),
        "block_results" => block_results(state, params.u64("height")?),
        "tx" => tx(state, &params),
        other => match super::chain_info::call(state, other, &params).await {
            Some(answer) => answer,
            None => Err(RpcError::method_not_found(method)),
        },
    }
}

pub(super) fn latest(state: &RpcState) -> Result<u64, RpcError> {
    state
        .shared
        .store
        .max_height()
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal("no block committed yet"))
}

pub(super) fn block_at(state: &RpcState, height: Option<u64>) -> Result<(u64, Block), RpcError> {
    let height = match height {
        Some(h) if h > 0 => h,
        _ => latest(state)?,
    };
    let bytes = state
        .shared
        .store
        .block_bytes(height)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::invalid_params(format!("height {height} is not available")))?;
    Ok((height, block::decode(&bytes).map_err(RpcError::internal)?))
}

async fn status(state: &RpcState) -> Result<Value, RpcError> {
    let shared = &state.shared;
    let store = &shared.store;
    let latest = store.max_height().map_err(RpcError::internal)?;
    let earliest = store.min_height().map_err(RpcError::internal)?;
    let zero = Hash::None;
    let (latest_hash, latest_time, latest_app_hash) = match latest {
        Some(h) => {
            let (_, b) = block_at(state, Some(h))?;
            let app_hash = store
                .results(h)
                .map_err(RpcError::internal)?
                .map(|r| r.app_hash.to_vec())
                .unwrap_or_default();
            (b.header.hash(), b.header.time, app_hash)
        }
        None => (zero, state.genesis.genesis_time, Vec::new()),
    };
    let (earliest_hash, earliest_time, earliest_app_hash) = match earliest {
        Some(h) => {
            let (_, b) = block_at(state, Some(h))?;
            (
                b.header.hash(),
                b.header.time,
                b.header.app_hash.as_bytes().to_vec(),
            )
        }
        None => (zero, state.genesis.genesis_time, Vec::new()),
    };
    let sync_info = endpoint::status::SyncInfo {
        earliest_block_hash: earliest_hash,
        earliest_app_hash: tendermint::AppHash::try_from(earliest_app_hash).unwrap_or_default(),
        earliest_block_height: tm_block::Height::try_from(earliest.unwrap_or(0))
            .unwrap_or_default(),
        earliest_block_time: earliest_time,
        latest_block_hash: latest_hash,
        latest_app_hash: tendermint::AppHash::try_from(latest_app_hash).unwrap_or_default(),
        latest_block_height: tm_block::Height::try_from(latest.unwrap_or(0)).unwrap_or_default(),
        latest_block_time: latest_time,
        catching_up: false,
    };
    let chain_id = shared.params.chain_id.to_string();
    Ok(json!({
        "node_info": node_info(&chain_id, &state.node.id, &state.node.listen_addr, &state.node.moniker),
        "sync_info": to_json(&sync_info)?,
        "validator_info": to_json(&shared.validators_at(latest.unwrap_or(0) + 1).map_err(RpcError::internal)?.to_tendermint().validators().first())?,
    }))
}

/// A node's `node_info` in CometBFT's form (`status`, and each peer of
/// `net_info`).
pub(super) fn node_info(chain_id: &str, id: &str, listen_addr: &str, moniker: &str) -> Value {
    json!({
        "protocol_version": { "p2p": "8", "block": block::BLOCK_PROTOCOL.to_string(), "app": "1" },
        "id": id,
        "listen_addr": listen_addr,
        "network": chain_id,
        "version": "0.38.0",
        "channels": "",
        "moniker": moniker,
        "other": { "tx_index": "on", "rpc_address": "" }
    })
}

async fn abci_query(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let query = request::Query {
        data: Bytes::from(params.hex("data")?.unwrap_or_default()),
        path: params.string("path")?.unwrap_or_default(),
        height: tm_block::Height::try_from(params.u64("height")?.unwrap_or(0))
            .map_err(|e| RpcError::invalid_params(e.to_string()))?,
        prove: params.bool("prove")?,
    };
    let result = state
        .shared
        .app
        .query(query)
        .await
        .map_err(RpcError::internal)?;
    to_json(&endpoint::abci_query::Response {
        response: endpoint::abci_query::AbciQuery {
            code: result.code,
            log: result.log,
            info: result.info,
            index: result.index,
            key: result.key.to_vec(),
            value: result.value.to_vec(),
            proof: result.proof,
            height: result.height,
            codespace: result.codespace,
        },
    })
}

/// CheckTx, then into the mempool and on to the peers.
async fn check_and_add(
    state: &RpcState,
    tx: Vec<u8>,
) -> Result<tendermint::abci::response::CheckTx, RpcError> {
    let result = check_and_keep(state, tx.clone()).await?;
    if result.code.is_ok() {
        state.forwarder.forward(&tx);
    }
    Ok(result)
}

/// Txs another node forwarded: into the mempool, each on its own CheckTx,
/// and not forwarded again (that node sent them to every peer). Answers
/// how many were taken; a tx refused here is one this node already has or
/// that fails against its state, which its sender heard of from the first.
async fn take_forwarded(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let txs = params.base64_list("txs")?;
    if txs.len() > super::forward::MAX_FORWARD_TXS {
        return Err(RpcError::invalid_params(format!(
            "at most {} txs a forward, got {}",
            super::forward::MAX_FORWARD_TXS,
            txs.len()
        )));
    }
    let mut taken = 0u64;
    for tx in txs {
        if check_and_keep(state, tx)
            .await
            .is_ok_and(|r| r.code.is_ok())
        {
            taken += 1;
        }
    }
    Ok(json!({ "taken": taken.to_string() }))
}

/// CheckTx, then into the mempool.
async fn check_and_keep(
    state: &RpcState,
    tx: Vec<u8>,
) -> Result<tendermint::abci::response::CheckTx, RpcError> {
    let shared = &state.shared;
    let mut mempool = shared.mempool.lock().await;
    if let Err(error) = mempool.admit(&tx) {
        return Err(RpcError::internal(error));
    }
    let result = shared
        .app
        .check_tx(Bytes::from(tx.clone()), false)
        .await
        .map_err(RpcError::internal)?;
    if result.code.is_ok() {
        mempool.insert(tx).map_err(RpcError::internal)?;
    }
    Ok(result)
}

/// CometBFT's `check_tx`: the app's answer to CheckTx, in ResponseCheckTx's
/// form, with the tx added to nothing.
async fn check_tx(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let tx = params
        .bytes("tx")?
        .ok_or_else(|| RpcError::invalid_params("missing tx"))?;
    let result = state
        .shared
        .app
        .simulate_check_tx(tx)
        .await
        .map_err(RpcError::internal)?;
    to_json(&result)
}

async fn broadcast(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let tx = params
        .bytes("tx")?
        .ok_or_else(|| RpcError::invalid_params("missing tx"))?;
    let hash = block::tx_hash(&tx);
    let result = check_and_add(state, tx).await?;
    to_json(&endpoint::broadcast::tx_sync::Response {
        codespace: result.codespace,
        code: result.code,
        data: result.data,
        log: result.log,
        hash,
    })
}

async fn broadcast_commit(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let tx = params
        .bytes("tx")?
        .ok_or_else(|| RpcError::invalid_params("missing tx"))?;
    let hash = block::tx_hash(&tx);
    // Subscribe before submitting so the commit cannot be missed.
    let mut committed = state.shared.committed.subscribe();
    let check_tx = check_and_add(state, tx.clone()).await?;
    if check_tx.code.is_err() {
        return to_json(&endpoint::broadcast::tx_commit::Response {
            check_tx,
            tx_result: Default::default(),
            hash,
            height: Default::default(),
        });
    }
    let wait = async {
        loop {
            match committed.recv().await {
                Ok(block) => {
                    if let Some(index) = block.block.data.iter().position(|t| *t == tx) {
                        return Some((
                            block.block.header.height,
                            block.results.tx_results.get(index).cloned(),
                        ));
                    }
                }
                // Blocks went by unseen: the tx index tells if ours was among them.
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                    if let Some(found) = committed_result(state, &tx) {
                        return Some(found);
                    }
                }
                Err(_) => return None,
            }
        }
    };
    match tokio::time::timeout(Duration::from_secs(60), wait).await {
        Ok(Some((height, Some(tx_result)))) => to_json(&endpoint::broadcast::tx_commit::Response {
            check_tx,
            tx_result,
            hash,
            height,
        }),
        Ok(Some((height, None))) => Err(RpcError::internal(format!(
            "block {height} holds the tx but no result for it"
        ))),
        _ => Err(RpcError::internal(
            "timed out waiting for the tx to be committed",
        )),
    }
}

/// The height and result of a committed tx, from the tx index.
fn committed_result(
    state: &RpcState,
    tx: &[u8],
) -> Option<(
    tm_block::Height,
    Option<tendermint::abci::types::ExecTxResult>,
)> {
    let hash = block::tx_hash(tx);
    let (height, index) = state.shared.store.tx_location(hash.as_bytes()).ok()??;
    Some((
        tm_block::Height::try_from(height).ok()?,
        stored_tx_result(state, height, index).ok(),
    ))
}

/// The result of the tx at `index` in block `height`, as stored.
fn stored_tx_result(
    state: &RpcState,
    height: u64,
    index: u32,
) -> Result<tendermint::abci::types::ExecTxResult, RpcError> {
    let stored = state
        .shared
        .store
        .results(height)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal(format!("no results for height {height}")))?;
    tendermint::abci::response::FinalizeBlock::try_from(stored)
        .map_err(RpcError::internal)?
        .tx_results
        .get(index as usize)
        .cloned()
        .ok_or_else(|| RpcError::internal("tx result missing"))
}

fn commit(state: &RpcState, height: Option<u64>) -> Result<Value, RpcError> {
    let (height, block) = block_at(state, height)?;
    let certificate = state
        .shared
        .store
        .certificate(height)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal(format!("no commit for height {height}")))?;
    let validators = state
        .shared
        .validators_at(height)
        .map_err(RpcError::internal)?;
    let commit = block::commit_of(&certificate, &validators);
    let signed_header = SignedHeader::new(block.header, commit).map_err(RpcError::internal)?;
    let canonical = latest(state)? > height;
    to_json(&endpoint::commit::Response {
        signed_header,
        canonical,
    })
}

fn validators(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let height = match params.u64("height")? {
        Some(h) if h > 0 => h,
        _ => latest(state)?,
    };
    // Sets are known up to two heights past the latest block.
    if height > latest(state)? + 2 {
        return Err(RpcError::invalid_params(format!(
            "height {height} is beyond the known validator sets"
        )));
    }
    let set = state
        .shared
        .validators_at(height)
        .map_err(RpcError::internal)?
        .to_tendermint();
    let validators = set.validators().clone();
    let total = validators.len() as i32;
    to_json(&endpoint::validators::Response::new(
        tm_block::Height::try_from(height).map_err(|e| RpcError::invalid_params(e.to_string()))?,
        validators,
        total,
    ))
}

fn block_results(state: &RpcState, height: Option<u64>) -> Result<Value, RpcError> {
    let height = match height {
        Some(h) if h > 0 => h,
        _ => latest(state)?,
    };
    let stored = state
        .shared
        .store
        .results(height)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::invalid_params(format!("no results for height {height}")))?;
    let results =
        tendermint::abci::response::FinalizeBlock::try_from(stored).map_err(RpcError::internal)?;
    to_json(&endpoint::block_results::Response {
        height: tm_block::Height::try_from(height).map_err(RpcError::internal)?,
        txs_results: Some(results.tx_results),
        begin_block_events: None,
        end_block_events: None,
        finalize_block_events: results.events,
        validator_updates: results.validator_updates,
        consensus_param_updates: results.consensus_param_updates,
        app_hash: results.app_hash,
    })
}

fn tx(state: &RpcState, params: &Params) -> Result<Value, RpcError> {
    let hash = params
        .hex("hash")?
        .ok_or_else(|| RpcError::invalid_params("missing hash"))?;
    let (height, index) = state
        .shared
        .store
        .tx_location(&hash)
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal(format!("tx {} not found", hex::encode_upper(&hash))))?;
    let (_, block) = block_at(state, Some(height))?;
    let tx_result = stored_tx_result(state, height, index)?;
    let tx = block.data.get(index as usize).cloned().unwrap_or_default();
    to_json(&endpoint::tx::Response {
        hash: block::tx_hash(&tx),
        height: tm_block::Height::try_from(height).map_err(RpcError::internal)?,
        index,
        proof: if params.bool("prove")? {
            block::tx_proof(&block.data, index as usize)
        } else {
            None
        },
        tx_result,
        tx,
    })
}

//! Following a chain: new blocks are read in height order from whichever
//! node answers, block and results together, and recorded in the index.
//! A websocket `NewBlock` subscription only wakes the follower early; the
//! follower also polls, so a lost websocket costs latency, never blocks.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use futures::StreamExt;
use sha2::{Digest, Sha256};
use tendermint::abci;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::query::EventType;
use tendermint_rpc::{Client, Paging, SubscriptionClient, WebSocketClient};
use tokio::sync::{broadcast, Notify};

use crate::chains::{Chain, ReadError};
use crate::decode::decode_tx;
use crate::index::{BlockRecord, BlockSummary, EventView, Index, TxRecord};

/// How often a follower asks for new blocks when no hint comes.
const POLL: Duration = Duration::from_millis(500);
/// Blocks read per step before the index is shared again.
const BLOCKS_PER_STEP: u64 = 20;

/// Told to every open page: a chain has a new block.
#[derive(Clone, Debug, serde::Serialize)]
pub struct NewBlock {
    pub chain: String,
    pub height: u64,
    pub time: String,
}

pub fn spawn(chain: Arc<Chain>, index: Arc<RwLock<Index>>, live: broadcast::Sender<NewBlock>) {
    let wake = Arc::new(Notify::new());
    tokio::spawn(hints(chain.clone(), wake.clone()));
    tokio::spawn(async move {
        loop {
            match step(&chain, &index, &live).await {
                Ok(true) => continue,
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(chain = %chain.id, error = %e, "cannot read the chain");
                    write(&index).unreachable(&chain.id, e.to_string());
                }
            }
            let _ = tokio::time::timeout(POLL, wake.notified()).await;
        }
    });
}

fn write(index: &RwLock<Index>) -> std::sync::RwLockWriteGuard<'_, Index> {
    index
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Reads the blocks after the last indexed one, up to [`BLOCKS_PER_STEP`];
/// whether there may be more.
async fn step(
    chain: &Chain,
    index: &RwLock<Index>,
    live: &broadcast::Sender<NewBlock>,
) -> Result<bool, ReadError> {
    let status = chain
        .read(|client| async move { client.status().await })
        .await?;
    let latest = status.sync_info.latest_block_height.value();
    let earliest = status.sync_info.earliest_block_height.value().max(1);
    let validators = chain
        .read(|client| async move {
            client
                .validators(status.sync_info.latest_block_height, Paging::All)
                .await
        })
        .await
        .ok()
        .map(|answer| answer.validators.len());
    let followed = {
        let mut index = write(index);
        index.saw_head(&chain.id, latest, validators);
        index.chain(&chain.id).map(|view| view.height).unwrap_or(0)
    };
    let from = (followed + 1).max(earliest);
    let to = latest.min(from + BLOCKS_PER_STEP - 1);
    for height in from..=to {
        let block = read_block(chain, height).await?;
        let news = NewBlock {
            chain: chain.id.clone(),
            height,
            time: block.summary.time.clone(),
        };
        write(index).record_block(block);
        // No page open is no error.
        let _ = live.send(news);
    }
    Ok(to < latest)
}

pub async fn read_block(chain: &Chain, height: u64) -> Result<BlockRecord, ReadError> {
    let at = tendermint::block::Height::try_from(height).unwrap_or_default();
    let block = chain
        .read(|client| async move { client.block(at).await })
        .await?;
    let results = chain
        .read(|client| async move { client.block_results(at).await })
        .await?;
    let time = block.block.header.time.to_rfc3339();
    let tx_results = results.txs_results.unwrap_or_default();
    let txs: Vec<TxRecord> = block
        .block
        .data
        .iter()
        .enumerate()
        .map(|(index, bytes)| {
            let result = tx_results.get(index);
            TxRecord {
                hash: tx_hash(bytes),
                chain_id: chain.id.clone(),
                height,
                index,
                time: time.clone(),
                view: decode_tx(bytes),
                code: result.map(|r| r.code.value()).unwrap_or_default(),
                log: result.map(|r| r.log.clone()).unwrap_or_default(),
                events: result.map(|r| events(&r.events)).unwrap_or_default(),
            }
        })
        .collect();
    Ok(BlockRecord {
        chain_id: chain.id.clone(),
        summary: BlockSummary {
            height,
            time,
            hash: block.block_id.hash.to_string(),
            proposer: block.block.header.proposer_address.to_string(),
            txs: txs.iter().map(|tx| tx.hash.clone()).collect(),
        },
        txs,
        events: events(&results.finalize_block_events),
    })
}

/// CometBFT's tx hash: sha256 of the tx's bytes, upper-case hex.
pub fn tx_hash(bytes: &[u8]) -> String {
    hex::encode_upper(Sha256::digest(bytes))
}

pub fn events(events: &[abci::Event]) -> Vec<EventView> {
    events
        .iter()
        .map(|event| EventView {
            kind: event.kind.clone(),
            attributes: event
                .attributes
                .iter()
                .map(|attribute| {
                    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
                    (
                        text(attribute.key_bytes()),
                        attribute
                            .value_str()
                            .map(str::to_owned)
                            .unwrap_or_else(|_| text(attribute.value_bytes())),
                    )
                })
                .collect(),
        })
        .collect()
}

/// Wakes the follower at each `NewBlock` of any node of the chain that
/// serves a websocket; reconnects to the next node when one goes away.
async fn hints(chain: Arc<Chain>, wake: Arc<Notify>) {
    let mut attempt = 0usize;
    loop {
        let url = chain.urls[attempt % chain.urls.len()].clone();
        attempt += 1;
        if let Err(e) = subscribe(&url, &wake).await {
            tracing::debug!(chain = %chain.id, %url, error = %e, "websocket hints lost");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn subscribe(url: &str, wake: &Notify) -> anyhow::Result<()> {
    let ws = format!(
        "{}/websocket",
        url.trim_end_matches('/')
            .replacen("https://", "wss://", 1)
            .replacen("http://", "ws://", 1)
    );
    let url: tendermint_rpc::WebSocketClientUrl = ws.parse()?;
    let (client, driver) = WebSocketClient::builder(url)
        .compat_mode(CompatMode::V0_38)
        .build()
        .await?;
    let driver = tokio::spawn(driver.run());
    let mut blocks = client.subscribe(EventType::NewBlock.into()).await?;
    while let Some(event) = blocks.next().await {
        event?;
        wake.notify_one();
    }
    client.close()?;
    let _ = driver.await;
    Ok(())
}

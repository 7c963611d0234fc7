//! Whether cheap requests can slow consensus: the block interval of a chain
//! idle, then while another process floods one validator's RPC with heavy
//! queries (pages of a 10,000-holder security, proven store reads) and
//! websocket subscriptions, both bounded in count and in time.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context};
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::query::{EventType, Query};
use tendermint_rpc::{Client, HttpClient, SubscriptionClient, WebSocketClient};
use xcc_proto::security::v1 as sec;

use super::ScratchNet;
use crate::query::raw_module_query;
use crate::rpc::http_client;
use crate::send::latest_height;
use crate::testnet::init::{MANY_HOLDERS_SECURITY, SECURITY_CHAIN};

const HOLDERS: usize = 10_000;

pub struct Flood {
    pub validators: usize,
    pub block_time_ms: u64,
    /// Concurrent query loops.
    pub clients: usize,
    /// Websocket clients, each with a NewBlock and a Tx subscription.
    pub subscribers: usize,
    /// Blocks each measurement spans.
    pub window_blocks: u64,
}

pub async fn run(flood: Flood) -> anyhow::Result<()> {
    if flood.window_blocks == 0 {
        bail!("a window needs blocks");
    }
    let net = ScratchNet::start_with_holders(
        &[SECURITY_CHAIN],
        flood.validators,
        flood.block_time_ms,
        crate::testnet::init::GenesisHolders {
            count: HOLDERS,
            dividend_page_holders: None,
            ..Default::default()
        },
    )
    .await?;
    let url = net.client.chains[SECURITY_CHAIN].rpc[0].clone();
    let node = http_client(&url)?;

    let idle = block_interval(&node, flood.window_blocks).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for _ in 0..flood.clients {
        let client = http_client(&url)?;
        let (stop, answered, refused) = (stop.clone(), answered.clone(), refused.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                match heavy_query(&client).await {
                    Ok(()) => answered.fetch_add(1, Ordering::Relaxed),
                    Err(_) => refused.fetch_add(1, Ordering::Relaxed),
                };
            }
        }));
    }
    let mut subscribers = Vec::new();
    for _ in 0..flood.subscribers {
        subscribers.push(subscribe(&url).await?);
    }
    let started = Instant::now();
    let loaded = block_interval(&node, flood.window_blocks).await?;
    let flood_secs = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        let _ = task.await;
    }
    let subscriptions = subscribers.len() * 2;
    drop(subscribers);

    let answered = answered.load(Ordering::Relaxed);
    println!(
        "block interval of {SECURITY_CHAIN} ({} validators, {} ms target), over {} blocks:",
        flood.validators, flood.block_time_ms, flood.window_blocks
    );
    println!(
        "  idle                                   {:>8.1} ms",
        idle * 1e3
    );
    println!(
        "  under the flood                        {:>8.1} ms   ({} query loops: {answered} \
         answered, {:.0}/s, {} refused; {} websocket clients, {subscriptions} subscriptions)",
        loaded * 1e3,
        flood.clients,
        answered as f64 / flood_secs,
        refused.load(Ordering::Relaxed),
        flood.subscribers,
    );
    println!("ratio flooded / idle: {:.2}x", loaded / idle);
    Ok(())
}

/// The mean block interval, in seconds, over the next `blocks` blocks, by
/// the chain's own block times.
async fn block_interval(node: &HttpClient, blocks: u64) -> anyhow::Result<f64> {
    let from = latest_height(node).await?;
    let to = from + blocks;
    let deadline = Instant::now() + Duration::from_secs(600);
    while latest_height(node).await? < to {
        if Instant::now() > deadline {
            bail!("the chain did not make {blocks} blocks within 10 minutes");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let time_of = |height: u64| async move {
        let header = node
            .commit(tendermint::block::Height::try_from(height)?)
            .await
            .map_err(|e| anyhow!("commit {height}: {e}"))?
            .signed_header
            .header;
        anyhow::Ok(header.time)
    };
    let (start, end) = (time_of(from).await?, time_of(to).await?);
    let elapsed = end
        .duration_since(start)
        .map_err(|e| anyhow!("block times: {e}"))?;
    Ok(elapsed.as_secs_f64() / blocks as f64)
}

/// One heavy read: the largest page of the many-holder security's holders,
/// then a proven read of a store key.
async fn heavy_query(client: &HttpClient) -> anyhow::Result<()> {
    let request = sec::QueryHoldersRequest {
        symbol: MANY_HOLDERS_SECURITY.into(),
        page: Some(xcc_proto::query::v1::PageRequest {
            key: Vec::new(),
            limit: xcc_chain::page::MAX_PAGE_LIMIT,
        }),
    };
    let answer = raw_module_query(
        client,
        "/xcc.security.v1.Query/Holders",
        prost::Message::encode_to_vec(&request),
        None,
    )
    .await?;
    if answer.code.is_err() {
        bail!("holders: {}", answer.log);
    }
    let proven = client
        .abci_query(
            Some(xcc_chain::app::STORE_KEY_PATH.to_owned()),
            format!("security/def/{MANY_HOLDERS_SECURITY}").into_bytes(),
            None,
            true,
        )
        .await
        .map_err(|e| anyhow!("store query: {e}"))?;
    if proven.code.is_err() {
        bail!("store query: {}", proven.log);
    }
    Ok(())
}

/// A websocket client subscribed to every block and every tx; its driver
/// runs until the client is dropped.
async fn subscribe(url: &str) -> anyhow::Result<Subscriber> {
    let ws = url.replacen("http://", "ws://", 1) + "/websocket";
    let ws_url: tendermint_rpc::WebSocketClientUrl =
        ws.parse().map_err(|e| anyhow!("websocket URL {ws}: {e}"))?;
    let (client, driver) = WebSocketClient::builder(ws_url)
        .compat_mode(CompatMode::V0_38)
        .build()
        .await
        .context("connecting a websocket client")?;
    let driver = tokio::spawn(async move {
        let _ = driver.run().await;
    });
    let blocks = client
        .subscribe(Query::from(EventType::NewBlock))
        .await
        .map_err(|e| anyhow!("subscribe: {e}"))?;
    let txs = client
        .subscribe(Query::from(EventType::Tx))
        .await
        .map_err(|e| anyhow!("subscribe: {e}"))?;
    // Read the events, as a live subscriber does.
    let reader = tokio::spawn(async move {
        use futures::StreamExt as _;
        let mut events = futures::stream::select(blocks, txs);
        while events.next().await.is_some() {}
    });
    Ok(Subscriber {
        _client: client,
        driver,
        reader,
    })
}

struct Subscriber {
    _client: WebSocketClient,
    driver: tokio::task::JoinHandle<()>,
    reader: tokio::task::JoinHandle<()>,
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        self.reader.abort();
        self.driver.abort();
    }
}

//! The explorer's page render times with a security of many holders and a
//! long trade history: every page fetched over HTTP from an explorer in this
//! process that follows a scratch testnet, p50, p95 and max, beside the same
//! page of a security with three holders and no trades (the baseline).
//!
//! The holders are real (a genesis security of `holders` one-unit holders,
//! read from the chain at every page, as the page does). The trades are
//! recorded into the explorer's index as the follower records them, as
//! `security_trade` events of blocks, on an index-only chain view: making
//! 10,000 real swaps first would time the chains, not the pages.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::bail;
use xcc_explorer::chains::Chains;
use xcc_explorer::index::{BlockRecord, BlockSummary, EventView};
use xcc_explorer::Explorer;
use xcc_node_config::AppKind;

use super::ScratchNet;
use crate::testnet::init::{
    many_holder, GenesisHolders, COORDINATOR_CHAIN, CURRENCY_CHAIN, MANY_HOLDERS_SECURITY,
    SECURITY_CHAIN,
};

const CHAINS: [&str; 3] = [COORDINATOR_CHAIN, SECURITY_CHAIN, CURRENCY_CHAIN];
/// The index-only chain view that holds the recorded trade history.
const HISTORY_CHAIN: &str = "trade-history";
const TRADES_PER_BLOCK: usize = 100;
/// The goal of the issue: every page under this at the 95th percentile.
const GOAL: Duration = Duration::from_millis(200);

pub struct Settings {
    pub holders: usize,
    pub trades: usize,
    pub requests: usize,
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    if settings.holders == 0 || settings.requests == 0 {
        bail!("the bench needs holders and requests");
    }
    let population = GenesisHolders {
        count: settings.holders,
        ..Default::default()
    };
    let net = ScratchNet::start_with_holders(&CHAINS, 1, 200, population).await?;
    let explorer = Explorer::start(Chains::from_home(net.home())?);
    record_trades(&explorer, settings);
    wait_until_followed(&explorer).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let router = explorer.clone().router();
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let buyer = many_holder(0).to_string();
    let pages = [
        "/security/security-1/HARB".to_owned(),
        format!("/security/security-1/{MANY_HOLDERS_SECURITY}"),
        "/".to_owned(),
        "/securities".to_owned(),
        "/cross-txs".to_owned(),
        format!("/account/{buyer}"),
        format!("/account/{buyer}/csv"),
        format!("/search?q={MANY_HOLDERS_SECURITY}"),
        "/chain/security-1".to_owned(),
    ];
    println!(
        "explorer pages, {} requests each, {} holders of {MANY_HOLDERS_SECURITY} and {} trades \
         recorded (HARB: 3 holders, no trades, the baseline):",
        settings.requests, settings.holders, settings.trades
    );
    let mut baseline = None;
    let mut worst = Duration::ZERO;
    for page in &pages {
        let times = time_page(address, page, settings.requests).await?;
        let p95 = percentile(&times, 95);
        worst = worst.max(p95);
        let base = *baseline.get_or_insert(p95);
        println!(
            "  {page:<60} p50 {:>7.2} ms  p95 {:>7.2} ms  max {:>7.2} ms  p95 {:>5.1}x baseline",
            ms(percentile(&times, 50)),
            ms(p95),
            ms(times[times.len() - 1]),
            p95.as_secs_f64() / base.as_secs_f64().max(1e-9),
        );
    }
    println!(
        "slowest p95 {:.2} ms (goal: under {} ms): {}",
        ms(worst),
        GOAL.as_millis(),
        if worst < GOAL { "met" } else { "NOT met" }
    );
    server.abort();
    Ok(())
}

/// `settings.trades` trades of the many-holder security, between its
/// holders, recorded as the follower records blocks.
fn record_trades(explorer: &Explorer, settings: &Settings) {
    let mut index = explorer
        .index
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    index.add_chain(HISTORY_CHAIN, AppKind::Security);
    let blocks = settings.trades.div_ceil(TRADES_PER_BLOCK);
    for block in 0..blocks {
        let height = block as u64 + 1;
        let time = format!(
            "2026-01-01T{:02}:{:02}:{:02}Z",
            block / 3600 % 24,
            block / 60 % 60,
            block % 60
        );
        let first = block * TRADES_PER_BLOCK;
        let last = (first + TRADES_PER_BLOCK).min(settings.trades);
        let events = (first..last)
            .map(|trade| trade_event(trade, settings.holders))
            .collect();
        index.record_block(BlockRecord {
            chain_id: HISTORY_CHAIN.to_owned(),
            summary: BlockSummary {
                height,
                time,
                hash: format!("{height:064X}"),
                proposer: String::new(),
                txs: Vec::new(),
            },
            txs: Vec::new(),
            events,
        });
    }
}

fn trade_event(trade: usize, holders: usize) -> EventView {
    let attributes = [
        ("symbol", MANY_HOLDERS_SECURITY.to_owned()),
        ("seller", many_holder((trade + 1) % holders).to_string()),
        // One holder buys in every tenth trade: an account with a history.
        (
            "buyer",
            many_holder(if trade.is_multiple_of(10) {
                0
            } else {
                trade % holders
            })
            .to_string(),
        ),
        ("units", "1".to_owned()),
        ("price_per_unit", (100 + trade % 37).to_string()),
        ("denom", "usd".to_owned()),
        ("tx_id", format!("{trade:064x}")),
    ];
    EventView::new("security_trade", attributes)
}

async fn wait_until_followed(explorer: &Explorer) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let followed = explorer
            .index()
            .chains()
            .filter(|chain| chain.id != HISTORY_CHAIN)
            .all(|chain| chain.height > 0);
        if followed {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the explorer did not follow every chain within 120 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `requests` sequential fetches of `path` (one warm-up first), sorted.
async fn time_page(
    address: SocketAddr,
    path: &str,
    requests: usize,
) -> anyhow::Result<Vec<Duration>> {
    get(address, path).await?;
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        get(address, path).await?;
        times.push(started.elapsed());
    }
    times.sort();
    Ok(times)
}

/// One GET, refused unless it succeeds (search answers with a redirect to
/// what it found, which is its whole work).
async fn get(address: SocketAddr, path: &str) -> anyhow::Result<()> {
    let answer = xcc_explorer::probe::get(address, path).await?;
    if !(200..400).contains(&answer.status) {
        bail!("GET {path}: {} {}", answer.status, answer.body);
    }
    Ok(())
}

fn percentile(sorted: &[Duration], percent: usize) -> Duration {
    let rank = (sorted.len() * percent).div_ceil(100).max(1) - 1;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_ranks_of_the_sorted_times() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 50), Duration::from_millis(50));
        assert_eq!(percentile(&times, 95), Duration::from_millis(95));
        assert_eq!(percentile(&times[..1], 95), Duration::from_millis(1));
    }
}

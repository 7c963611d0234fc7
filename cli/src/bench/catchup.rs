//! Catch-up: one validator is down while the chain grows by N blocks; the
//! clock runs from its restart until it has every one of them.

use std::time::{Duration, Instant};

use anyhow::bail;

use super::ScratchNet;
use crate::testnet::init::CURRENCY_CHAIN;
use crate::testnet::{process, status};

pub async fn run(blocks: u64, validators: usize, block_time_ms: u64) -> anyhow::Result<()> {
    if validators < 4 {
        bail!("catch-up needs 4 validators, so the chain goes on with one down");
    }
    let net = ScratchNet::start(&[CURRENCY_CHAIN], validators, block_time_ms).await?;
    let nodes = &net.manifest.nodes;
    let (live, lagging) = (&nodes[0], &nodes[nodes.len() - 1]);
    let lagging_node = process::nodes(net.home(), std::slice::from_ref(lagging));
    process::stop(&lagging_node, true)?;
    let behind_from = status::latest_height(&live.rpc).await.unwrap_or(0);
    let grown = Instant::now();
    let target = behind_from + blocks;
    while status::latest_height(&live.rpc).await.unwrap_or(0) < target {
        if grown.elapsed() > Duration::from_secs(1800) {
            bail!("the chain did not grow by {blocks} blocks within 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let growth = grown.elapsed().as_secs_f64();

    let restarted = Instant::now();
    process::start(&lagging_node)?;
    while status::latest_height(&lagging.rpc).await.unwrap_or(0) < target {
        if restarted.elapsed() > Duration::from_secs(1800) {
            bail!("the restarted validator did not catch up within 30 minutes");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let catch_up = restarted.elapsed().as_secs_f64();
    println!(
        "catch-up: {blocks} blocks in {catch_up:.1} s ({:.0} blocks/s) after a restart; \
         the live chain made them in {growth:.1} s ({:.1} blocks/s), ratio {:.2}x",
        blocks as f64 / catch_up,
        blocks as f64 / growth,
        growth / catch_up
    );
    Ok(())
}

//! What the nodes report over RPC.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::bail;
use xcc_testnet::{TestnetManifest, TestnetNode};

use super::process::Service;

/// How often a waiting CLI asks again.
const POLL_INTERVAL: Duration = Duration::from_millis(200);

/// The node's latest committed height, or `None` while it does not answer.
pub async fn latest_height(rpc: &str) -> Option<u64> {
    let client = crate::rpc::http_client(rpc).ok()?;
    tokio::time::timeout(Duration::from_secs(5), crate::send::latest_height(&client))
        .await
        .ok()?
        .ok()
}

/// Waits until every given node answers and commits a block it did not have
/// when it first answered (and at least height 2, so a chain just born has
/// agreed on a first block and moved past it).
pub async fn wait_for_blocks(nodes: &[TestnetNode], timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    let mut first_seen: BTreeMap<&str, u64> = BTreeMap::new();
    let mut waiting: Vec<&TestnetNode> = nodes.iter().collect();
    while !waiting.is_empty() {
        let mut still = Vec::new();
        for node in waiting {
            match latest_height(&node.rpc).await {
                Some(height) => {
                    let first = *first_seen.entry(&node.moniker).or_insert(height);
                    if height < (first + 1).max(2) {
                        still.push(node);
                    }
                }
                None => still.push(node),
            }
        }
        waiting = still;
        if waiting.is_empty() {
            break;
        }
        if Instant::now() > deadline {
            let names: Vec<&str> = waiting.iter().map(|n| n.moniker.as_str()).collect();
            bail!("no new block from {} within {timeout:?}", names.join(", "));
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Ok(())
}

/// Waits until the explorer accepts connections at `listen`.
pub async fn wait_for_explorer(listen: &str, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while tokio::net::TcpStream::connect(listen).await.is_err() {
        if Instant::now() > deadline {
            bail!("nothing answers at {listen} within {timeout:?}");
        }
        tokio::time::sleep(POLL_INTERVAL).await;
    }
    Ok(())
}

pub async fn print(testnet: &Path, manifest: &TestnetManifest) -> anyhow::Result<()> {
    let nodes = &manifest.nodes;
    println!(
        "{:<12} {:<20} {:<24} {:<8} HEIGHT",
        "CHAIN", "NODE", "RPC", "PID"
    );
    for node in nodes {
        let pid = Service::node(testnet, node)
            .running_pid()
            .map_or_else(|| "-".to_owned(), |pid| pid.to_string());
        let height = latest_height(&node.rpc)
            .await
            .map_or_else(|| "down".to_owned(), |h| h.to_string());
        println!(
            "{:<12} {:<20} {:<24} {:<8} {height}",
            node.chain_id, node.moniker, node.rpc, pid
        );
    }
    let relayer = Service::relayer(testnet).running_pid();
    println!(
        "relayer: {}",
        relayer.map_or_else(|| "not running".to_owned(), |pid| format!("pid {pid}"))
    );
    if let Some(listen) = &manifest.explorer {
        let explorer = Service::explorer(testnet, listen).running_pid();
        println!(
            "explorer: {}",
            explorer.map_or_else(
                || "not running".to_owned(),
                |pid| format!("http://{listen} (pid {pid})")
            )
        );
    }
    Ok(())
}

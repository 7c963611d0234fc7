//! Four validators as real processes: crashes (SIGKILL), restarts and
//! catch-up, txs sent to any node, and no two nodes disagreeing on a block.
//! One scenario per file: parallel clusters would starve a small machine.

use std::collections::BTreeMap;

use tendermint_rpc::Client;
use xcc_tests::{block_hash, height, runtime, wait_for_height, Testnet};

const CHAIN: &str = "currency-1";

#[test]
fn a_chain_survives_crashes_and_restarts_without_losing_a_tx() {
    let net = Testnet::start(&[CHAIN], 4, 150);
    let rpc = net.rpc(CHAIN);
    let bob = net.address("bob");
    let rt = runtime();
    let mut committed = Vec::new();

    // A tx sent to any one node is committed: the mempool forwards it.
    for url in &rpc {
        let tx = net.json(&[
            "tx", "currency", "--from", "alice", "--node", url, "transfer", "--to", &bob,
            "--denom", "usd", "--amount", "10",
        ]);
        assert_eq!(tx["code"], 0, "{tx}");
        committed.push(tx["hash"].as_str().unwrap().to_owned());
    }

    // One validator crashes: the other three (> 2/3 of the power) go on.
    net.kill(&net.moniker(CHAIN, 3));
    let at_crash = rt.block_on(height(&rpc[0])).unwrap();
    rt.block_on(wait_for_height(&rpc[0], at_crash + 3));
    let tx = net.json(&[
        "tx", "currency", "--from", "alice", "--node", &rpc[1], "transfer", "--to", &bob,
        "--denom", "usd", "--amount", "10",
    ]);
    committed.push(tx["hash"].as_str().unwrap().to_owned());

    // It restarts and catches up with the others.
    net.restart(&net.moniker(CHAIN, 3));
    let target = rt.block_on(height(&rpc[0])).unwrap();
    rt.block_on(wait_for_height(&rpc[3], target));

    // Every validator crashes at once; none loses a committed tx.
    net.xcc(&["testnet", "stop", "--kill"]);
    net.xcc(&["testnet", "start", "--timeout", "180"]);
    let resumed = rt.block_on(height(&rpc[0])).unwrap();
    rt.block_on(async {
        for url in &rpc {
            wait_for_height(url, resumed + 2).await;
            for hash in &committed {
                let found = xcc_tests::client(url)
                    .tx(hash.parse().unwrap(), false)
                    .await
                    .unwrap_or_else(|e| panic!("{url} lost tx {hash}: {e}"));
                assert!(found.tx_result.code.is_ok());
            }
        }
    });
    let balance = net.json(&["query", "currency", "balance", "bob", "--prove"]);
    assert_eq!(balance["amount"], 1_000_000 + 50, "{balance}");

    // Safety: all four nodes committed the same block at every height.
    let common = rt.block_on(async {
        let mut lowest = u64::MAX;
        for url in &rpc {
            lowest = lowest.min(height(url).await.unwrap());
        }
        lowest
    });
    rt.block_on(async {
        for h in 1..=common {
            let mut hashes = BTreeMap::new();
            for url in &rpc {
                hashes.insert(block_hash(url, h).await, url.clone());
            }
            assert_eq!(hashes.len(), 1, "nodes disagree at height {h}: {hashes:?}");
        }
    });
}

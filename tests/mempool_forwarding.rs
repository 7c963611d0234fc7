//! Txs sent to one validator reach the others' proposals: the mempool
//! forwards them in batches, and a forwarded batch is taken but not sent on.

use tendermint_rpc::Client;
use xcc_tests::{runtime, Testnet};

const CHAIN: &str = "currency-1";

#[test]
fn txs_sent_to_one_validator_are_proposed_by_the_others() {
    let net = Testnet::start(&[CHAIN], 4, 150);
    let rpc = net.rpc(CHAIN);
    let bob = net.address("bob");
    let rt = runtime();
    let first = xcc_tests::client(&rpc[0]);
    let receiver = rt
        .block_on(first.status())
        .expect("status")
        .validator_info
        .address;

    // Proposers take turns, so once the txs are forwarded the chance that
    // the receiver proposed every block holding them is 4^-10.
    let mut proposers = Vec::new();
    for _ in 0..10 {
        let tx = net.json(&[
            "tx", "currency", "--from", "alice", "--node", &rpc[0], "transfer", "--to", &bob,
            "--denom", "usd", "--amount", "1",
        ]);
        assert_eq!(tx["code"], 0, "{tx}");
        let hash = tx["hash"].as_str().expect("a hash").parse().expect("hex");
        let proposer = rt.block_on(async {
            let found = first.tx(hash, false).await.expect("committed");
            let block = first.block(found.height).await.expect("its block");
            block.block.header.proposer_address
        });
        proposers.push(proposer);
    }
    assert!(
        proposers.iter().any(|p| *p != receiver),
        "every tx sent to one validator was proposed by it: {proposers:?}"
    );

    // The forward method itself, as anyone may call it: each tx meets its
    // own CheckTx (junk is answered, not taken), a batch at its limit is
    // answered, one over it or of another shape is refused with why.
    let forward = |txs: serde_json::Value| {
        let body = serde_json::json!({
            "jsonrpc": "2.0", "id": 1, "method": "xcc_forward_txs", "params": { "txs": txs },
        });
        rt.block_on(xcc_tests::rpc::raw_post(&rpc[1], &body.to_string()))
    };
    let at_limit = forward(serde_json::json!(vec!["AA=="; 2_000]));
    assert_eq!(at_limit["result"]["taken"], "0", "{at_limit}");
    let rejected = forward(serde_json::json!(vec!["AA=="; 2_001]));
    assert_eq!(rejected["error"]["code"], -32602, "{rejected}");
    assert!(
        rejected["error"]["data"]
            .as_str()
            .is_some_and(|why| why.contains("at most 2000 txs")),
        "{rejected}"
    );
    for shape in [
        serde_json::json!("AA=="),
        serde_json::json!(["not base64!"]),
    ] {
        let refused = forward(shape);
        assert_eq!(refused["error"]["code"], -32602, "{refused}");
    }
}

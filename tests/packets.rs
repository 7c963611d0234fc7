//! Proven packets between two real chains, carried by real relayers: a
//! relayer killed (SIGKILL) in the middle of its batches and restarted, two
//! relayers racing, and a destination chain down past a packet's timeout.
//! Every packet is received exactly once or proven timed out; none is lost.
//! One testnet for the whole file: parallel clusters would starve a small
//! machine.

use xcc_tests::{wait_until, Testnet};

const SOURCE: &str = "security-1";
const DEST: &str = "currency-1";

/// Alice sends `count` pings from SOURCE to DEST in one tx.
fn ping(net: &Testnet, count: usize, timeout_secs: u64) {
    let count = count.to_string();
    let timeout = timeout_secs.to_string();
    let tx = net.json(&[
        "tx",
        "ping",
        "--chain-id",
        SOURCE,
        "--from",
        "alice",
        "--to",
        DEST,
        "--count",
        &count,
        "--timeout-secs",
        &timeout,
    ]);
    assert_eq!(tx["code"], 0, "{tx}");
}

/// How many pings DEST's ping port handled from SOURCE.
fn received(net: &Testnet) -> u64 {
    let received = net.json(&["query", "--chain-id", DEST, "ping", "received", SOURCE]);
    received["count"].as_u64().unwrap_or(0)
}

fn pending(net: &Testnet) -> usize {
    let pending = net.json(&["query", "--chain-id", SOURCE, "ibc", "pending", DEST]);
    pending["packets"].as_array().map_or(0, Vec::len)
}

fn outcome(net: &Testnet, sequence: u64) -> Option<serde_json::Value> {
    let out = xcc_tests::xcc(
        net.home(),
        &[
            "query",
            "--chain-id",
            SOURCE,
            "ping",
            "outcome",
            DEST,
            &sequence.to_string(),
        ],
    );
    out.status
        .success()
        .then(|| serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("JSON"))
        .and_then(|v| v.get("outcome").cloned())
}

/// The time of the node's latest block, unix nanoseconds (0 while it does
/// not answer).
async fn block_time_ns(url: &str) -> u64 {
    use tendermint_rpc::Client;
    match xcc_tests::client(url).status().await {
        Ok(status) => status
            .sync_info
            .latest_block_time
            .unix_timestamp_nanos()
            .try_into()
            .unwrap_or(0),
        Err(_) => 0,
    }
}

/// Every ping so far received once, and every acknowledgement back home.
fn wait_all_settled(net: &Testnet, total: u64) {
    wait_until(
        &format!("{total} pings are received and acknowledged"),
        || received(net) >= total && pending(net) == 0,
    );
    assert_eq!(received(net), total, "a ping was received twice");
}

#[test]
fn packets_arrive_exactly_once_through_relayer_crashes_races_and_timeouts() {
    let net = Testnet::start_with(&[SOURCE, DEST], 1, 200, &["--no-relayer"]);

    // A relayer killed in the middle of its batches, then restarted: it
    // rebuilds its work from state and nothing is delivered twice.
    ping(&net, 200, 600);
    let mut relayer = net.spawn_relayer("relayer", &["--batch-size", "10"]);
    wait_until("the first batch arrives", || received(&net) > 0);
    relayer.kill();
    let at_kill = received(&net);
    eprintln!("relayer killed with {at_kill} of 200 pings received");
    let relayer = net.spawn_relayer("relayer", &["--batch-size", "10"]);
    wait_all_settled(&net, 200);
    for sequence in [1, 200] {
        let pong = outcome(&net, sequence).expect("an outcome");
        assert_eq!(pong["Pong"], "pong: ping", "{pong}");
    }
    drop(relayer);

    // Two relayers with their own keys race for the same packets.
    net.xcc(&["keys", "add", "relayer2"]);
    let first = net.spawn_relayer("relayer", &["--batch-size", "7"]);
    let second = net.spawn_relayer("relayer2", &["--batch-size", "7"]);
    ping(&net, 50, 600);
    wait_all_settled(&net, 250);
    drop((first, second));

    // The destination is down past a packet's timeout: the packet is never
    // received, and once the destination is back the relayer proves its
    // absence there and the source times it out.
    let dest_node = net.moniker(DEST, 0);
    net.kill(&dest_node);
    ping(&net, 1, 2);
    let relayer = net.spawn_relayer("relayer", &[]);
    let waiting = net.json(&["query", "--chain-id", SOURCE, "ibc", "pending", DEST]);
    let timeout = waiting["packets"][0]["timeout_timestamp_ns"]
        .as_u64()
        .expect("the pending ping's timeout");
    // Block times follow the clock, so the destination's first block after
    // the restart is past the timeout once the source's blocks are.
    let source_rpc = net.rpc(SOURCE)[0].clone();
    let rt = xcc_tests::runtime();
    wait_until("the source's block time passes the ping's timeout", || {
        rt.block_on(block_time_ns(&source_rpc)) > timeout
    });
    net.restart(&dest_node);
    wait_until("the ping times out on its source", || {
        outcome(&net, 251).is_some()
    });
    assert_eq!(outcome(&net, 251).expect("an outcome")["TimedOut"], true);
    assert_eq!(received(&net), 250, "a timed-out ping was received");
    assert_eq!(pending(&net), 0);
    drop(relayer);

    // `xcc testnet start` runs the relayer too.
    net.xcc(&["testnet", "start", "--relayer"]);
    ping(&net, 1, 600);
    wait_all_settled(&net, 251);
}

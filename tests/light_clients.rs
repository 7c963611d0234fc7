//! Light clients that never wedge a cross-tx, on real testnets: the relayer
//! keeps a quiet path's clients alive by refreshing them; a client left to
//! expire while a swap is prepared holds it, the admin recovers the client
//! and the swap ends atomically; and after more than 2/3 of a chain's
//! power rotated while its path was idle, packets still relay and proven
//! reads still verify, by bisection. The testnets run one at a time: two
//! at once would starve a small machine.

use std::sync::Mutex;
use std::time::Duration;

use xcc_tests::{height, runtime, wait_for_height, wait_until, Testnet};

const COORDINATOR: &str = "coordinator-1";
const SECURITY: &str = "security-1";
const CURRENCY: &str = "currency-1";
const CHAINS: [&str; 3] = [COORDINATOR, SECURITY, CURRENCY];
const TRUSTING_PERIOD_SECS: u64 = 20;

static ONE_TESTNET_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Every (host, counterparty) pair: each chain's client of each other.
fn clients() -> Vec<(&'static str, &'static str)> {
    CHAINS
        .iter()
        .flat_map(|&host| {
            CHAINS
                .iter()
                .filter(move |&&other| other != host)
                .map(move |&other| (host, other))
        })
        .collect()
}

fn client_status(net: &Testnet, host: &str, counterparty: &str) -> serde_json::Value {
    net.json(&["query", "--chain-id", host, "ibc", "client", counterparty])
}

/// The latest block time of `chain`, in unix seconds.
fn block_time_secs(net: &Testnet, chain: &str) -> u64 {
    use tendermint_rpc::Client as _;
    let rpc = net.rpc(chain)[0].clone();
    let status = runtime()
        .block_on(xcc_tests::client(&rpc).status())
        .expect("the node's status");
    u64::try_from(status.sync_info.latest_block_time.unix_timestamp()).unwrap_or(0)
}

fn swap(net: &Testnet, name: &str, units: u64, price: u64, deadline_secs: u64) -> String {
    net.swap(name, "HARB", "alice", "bob", units, price, deadline_secs)
}

#[test]
fn clients_stay_alive_on_a_quiet_path_and_an_expired_one_is_recovered() {
    let _one = ONE_TESTNET_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let trusting = TRUSTING_PERIOD_SECS.to_string();
    let net = Testnet::start_with_init(
        &[],
        1,
        200,
        &["--trusting-period", &trusting],
        &["--no-relayer"],
    );

    // (a) Three trusting periods with no traffic and the relayer running:
    // every client stays active, refreshed with no packet to carry.
    let mut relayer = net.relayer(&[]);
    // Measured in the chains' own time, which is what clients expire by.
    let quiet_until = block_time_secs(&net, COORDINATOR) + 3 * TRUSTING_PERIOD_SECS;
    let mut oldest_secs = 0;
    while block_time_secs(&net, COORDINATOR) < quiet_until {
        for (host, counterparty) in clients() {
            let status = client_status(&net, host, counterparty);
            assert_eq!(
                status["status"], "active",
                "{host} of {counterparty}: {status}"
            );
            oldest_secs = oldest_secs.max(status["age_secs"].as_u64().unwrap_or(0));
        }
        // How often the clients are looked at, not a wait for anything.
        std::thread::sleep(Duration::from_secs(2));
    }
    assert!(
        oldest_secs < TRUSTING_PERIOD_SECS,
        "a client aged {oldest_secs} s"
    );
    let id = swap(&net, "quiet", 2, 200, 120);
    let done = net.wait_phase(&id, "done");
    assert_eq!(done["outcome"], "committed", "{done}");
    net.audit();
    relayer.kill();

    // (b) A swap prepared on both participants, then no relayer until every
    // client expired: the swap is held, and no relayer can move it.
    let (alice_cash, bob_cash) = (net.cash("alice"), net.cash("bob"));
    let (alice_units, bob_units) = (net.units("HARB", "alice"), net.units("HARB", "bob"));
    let id = swap(&net, "held", 3, 300, 600);
    let mut participants_only = net.relayer(&[SECURITY, CURRENCY]);
    net.wait_leg(SECURITY, &id, "prepared");
    net.wait_leg(CURRENCY, &id, "prepared");
    participants_only.kill();
    wait_until("every client to expire", || {
        clients()
            .into_iter()
            .all(|(host, other)| client_status(&net, host, other)["status"] == "expired")
    });
    let mut relayer = net.relayer(&[]);
    let rpc = net.rpc(COORDINATOR)[0].clone();
    let rt = runtime();
    let now = rt.block_on(height(&rpc)).expect("a height");
    rt.block_on(wait_for_height(&rpc, now + 20));
    assert_eq!(net.json(&["xtx", "status", &id])["phase"], "preparing");
    let status = client_status(&net, SECURITY, COORDINATOR);
    assert_eq!(status["status"], "expired", "{status}");
    assert!(status["recovery"].is_string(), "{status}");

    // Only the admin can recover a client.
    let recover = |from: &str, host: &str, counterparty: &str| {
        xcc_tests::xcc(
            net.home(),
            &[
                "tx",
                "ibc",
                "--from",
                from,
                "--chain-id",
                host,
                "recover-client",
                "--client",
                counterparty,
            ],
        )
    };
    let refused = recover("alice", SECURITY, COORDINATOR);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not this chain's admin"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    for (host, counterparty) in clients() {
        let out = recover("operator", host, counterparty);
        assert!(
            out.status.success(),
            "recovering {host}'s client of {counterparty}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // An active client cannot be recovered.
    assert!(!recover("operator", SECURITY, COORDINATOR).status.success());

    let done = net.wait_phase(&id, "done");
    assert_eq!(done["outcome"], "committed", "{done}");
    net.audit();
    assert_eq!(net.units("HARB", "alice"), alice_units - 3);
    assert_eq!(net.units("HARB", "bob"), bob_units + 3);
    assert_eq!(net.cash("alice"), alice_cash + 300);
    assert_eq!(net.cash("bob"), bob_cash - 300);
    relayer.kill();
}

fn set_powers(net: &Testnet, chain: &str, powers: &[(usize, u64)]) {
    let rpc = net.rpc(chain)[0].clone();
    let rt = runtime();
    for &(index, power) in powers {
        net.xcc(&[
            "tx",
            "validators",
            "--from",
            "operator",
            "--chain-id",
            chain,
            "set-power",
            "--pub-key",
            &net.consensus_key(chain, index),
            "--power",
            &power.to_string(),
        ]);
    }
    // Block h's updates rule from h + 2.
    let now = rt.block_on(height(&rpc)).expect("a height");
    rt.block_on(wait_for_height(&rpc, now + 3));
}

/// Pings `to` from `from` (ping number `sequence` on that path) and waits
/// for the pong, which needs a relayer both ways.
fn ping_pong(net: &Testnet, from: &str, to: &str, sequence: u64, message: &str) {
    net.xcc(&[
        "tx",
        "ping",
        "--chain-id",
        from,
        "--from",
        "alice",
        "--to",
        to,
        "--message",
        message,
    ]);
    let sequence = sequence.to_string();
    let outcome = net.json(&[
        "query",
        "--chain-id",
        from,
        "ping",
        "outcome",
        to,
        &sequence,
        "--wait",
    ]);
    assert!(
        outcome.to_string().contains(&format!("pong: {message}")),
        "{outcome}"
    );
}

#[test]
fn packets_and_proofs_follow_a_rotation_of_more_than_two_thirds_of_the_power() {
    let _one = ONE_TESTNET_AT_A_TIME
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let net = Testnet::start_with(&[SECURITY, CURRENCY], 4, 200, &["--no-relayer"]);
    let mut relayer = net.relayer(&[]);
    ping_pong(&net, SECURITY, CURRENCY, 1, "before");
    relayer.kill();

    // With the path idle, the currency chain goes from four validators of
    // 10 to node0 alone: first node3 leaves and node0 gets 30 (the genesis
    // validators still hold 30 of 40 of the new signers' power), then node1
    // and node2 leave. Node0 held 10 of the genesis set's 40, less than
    // 1/3: no single skipping step from before the rotation verifies.
    set_powers(&net, CURRENCY, &[(3, 0), (0, 30)]);
    set_powers(&net, CURRENCY, &[(1, 0), (2, 0)]);

    // Packets relay both ways: the security chain's client of the currency
    // chain follows the rotation by bisection.
    let mut relayer = net.relayer(&[]);
    ping_pong(&net, SECURITY, CURRENCY, 2, "after");
    ping_pong(&net, CURRENCY, SECURITY, 1, "back");
    let log = std::fs::read_to_string(net.home().join("relayer/relayer.log")).unwrap_or_default();
    assert!(
        log.contains("bisected"),
        "the relayer never bisected:\n{log}"
    );

    // A proven read trusts only the genesis validators, and verifies.
    let balance = net.json(&["query", "currency", "balance", "bob", "--prove"]);
    assert_eq!(balance["amount"], 1_000_000, "{balance}");
    relayer.kill();
}

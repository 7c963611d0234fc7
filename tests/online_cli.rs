//! The online CLI against running chains: sending, countersigned files,
//! refusals that change nothing, and proven queries that trust only the
//! genesis validators.

use xcc_tests::{xcc, Testnet};

#[test]
fn the_cli_sends_queries_and_proves_against_the_genesis_validators() {
    let net = Testnet::start(&["security-1", "currency-1"], 1, 150);
    let alice = net.address("alice");
    let bob = net.address("bob");

    // An overdraft is refused: non-zero exit, the chain's reason, nothing changed.
    let account = ["query", "account", "alice", "--chain-id", "currency-1"];
    // No tx sent yet: the chain has no account record, only a balance.
    assert!(!xcc(net.home(), &account).status.success());
    let out = xcc(
        net.home(),
        &[
            "tx", "currency", "--from", "alice", "transfer", "--to", &bob, "--denom", "usd",
            "--amount", "2000000",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refused") || stderr.contains("failed"),
        "{stderr}"
    );
    assert_eq!(
        net.json(&["query", "currency", "balance", "alice", "--prove"])["amount"],
        1_000_000
    );
    assert!(
        !xcc(net.home(), &account).status.success(),
        "a refused tx created the account"
    );

    // A registration countersigned by the registrar, then sent as a file.
    let file = net.registration_file("alice", "DOCK", "12 Harbour Street", (1000, 10));
    let file = file.as_str();
    let refused = xcc(net.home(), &["tx", "broadcast", file]);
    assert!(
        !refused.status.success(),
        "sent without the registrar's signature"
    );
    net.xcc(&["tx", "sign", file, "--from", "registrar"]);
    let committed = net.json(&["tx", "broadcast", file]);
    assert_eq!(committed["code"], 0, "{committed}");
    // The same file again is a replay.
    assert!(!xcc(net.home(), &["tx", "broadcast", file]).status.success());

    let security = net.json(&["query", "security", "security", "DOCK"]);
    assert_eq!(security["issuer"], alice.as_str(), "{security}");
    assert_eq!(security["total_supply"], 1000);
    let held = net.json(&["query", "security", "balance", "DOCK", "alice", "--prove"]);
    assert_eq!(held["amount"], 1000, "{held}");
    let absent = net.json(&["query", "security", "balance", "DOCK", "bob", "--prove"]);
    assert_eq!(absent["amount"], 0, "{absent}");

    // Trusting another validator set (a second testnet's genesis of the same
    // chain id), the same answer no longer verifies.
    let other = tempfile::tempdir().unwrap();
    xcc_tests::ok(
        other.path(),
        &[
            "testnet",
            "init",
            "--validators",
            "1",
            "--chain",
            "security-1",
        ],
    );
    let foreign = other.path().join("security-1/node0/config/genesis.json");
    let config_path = net.home().join("client.toml");
    let config = std::fs::read_to_string(&config_path).unwrap();
    let ours = "security-1/node0/config/genesis.json";
    assert!(config.contains(ours));
    std::fs::write(
        &config_path,
        config.replace(ours, foreign.to_str().unwrap()),
    )
    .unwrap();
    let out = xcc(
        net.home(),
        &["query", "security", "balance", "DOCK", "alice", "--prove"],
    );
    assert!(
        !out.status.success(),
        "a proof verified against untrusted validators"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("header"), "{stderr}");
}

//! Validator updates end to end: the validator admin changes the set, the
//! nodes apply it two heights later, the chain runs on a set that the
//! genesis set could not have run on, and light clients follow the change.

use tendermint_rpc::{Client, Paging};
use xcc_tests::{height, runtime, wait_for_height, xcc, Testnet};

const CHAIN: &str = "currency-1";

fn set_power(net: &Testnet, from: &str, index: usize, power: u64) -> std::process::Output {
    xcc(
        net.home(),
        &[
            "tx",
            "validators",
            "--from",
            from,
            "--chain-id",
            CHAIN,
            "set-power",
            "--pub-key",
            &net.consensus_key(CHAIN, index),
            "--power",
            &power.to_string(),
        ],
    )
}

#[test]
fn the_admin_changes_the_validator_set_and_the_chain_runs_on_it() {
    let net = Testnet::start(&[CHAIN], 4, 150);
    let rpc = net.rpc(CHAIN);
    let rt = runtime();

    // Only the admin may change the set.
    assert!(!set_power(&net, "alice", 3, 0).status.success());

    // node3 leaves; node0 gets three times the others' power.
    for (index, power) in [(3, 0), (0, 30)] {
        let out = set_power(&net, "operator", index, power);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let changed_at = rt.block_on(height(&rpc[0])).unwrap();
    // Block h's updates rule from h + 2.
    let applied = rt.block_on(wait_for_height(&rpc[0], changed_at + 3));
    let validators = rt
        .block_on(xcc_tests::client(&rpc[0]).validators(
            tendermint::block::Height::try_from(applied).unwrap(),
            Paging::All,
        ))
        .unwrap()
        .validators;
    let powers: Vec<u64> = validators.iter().map(|v| v.power()).collect();
    assert_eq!(powers, vec![30, 10, 10], "{validators:?}");

    // With node2 and node3 gone, node0 and node1 hold 40 of 50: the chain
    // goes on, which it could not under the genesis set (20 of 40).
    net.kill(&net.moniker(CHAIN, 2));
    net.kill(&net.moniker(CHAIN, 3));
    let after_kill = rt.block_on(height(&rpc[0])).unwrap();
    rt.block_on(wait_for_height(&rpc[0], after_kill + 3));
    let bob = net.address("bob");
    let tx = net.json(&[
        "tx", "currency", "--from", "alice", "--node", &rpc[1], "transfer", "--to", &bob,
        "--denom", "usd", "--amount", "5",
    ]);
    assert_eq!(tx["code"], 0, "{tx}");

    // A light client trusting the genesis set follows the change: the
    // proven query verifies a header signed by the new set.
    let balance = net.json(&[
        "query", "currency", "balance", "bob", "--prove", "--node", &rpc[0],
    ]);
    assert_eq!(balance["amount"], 1_000_005, "{balance}");
}

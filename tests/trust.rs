//! Proof of trust on a real security chain of five `xcc-node`s: four are
//! trading platforms of equal power, one is the registrar's. Bidders
//! register for a lot on receipts the testnet's bank signs (`xcc bank
//! sign-receipt`), through the platforms in unequal shares; at the epoch
//! the platforms' powers become their capped shares of the fees, the nodes
//! apply them two heights later (read from `/validators`), a light client
//! verifies a header the new set signed, and the chain goes on with the
//! largest platform's validator killed. `xcc audit --trust` recomputes
//! every epoch from the receipts and checks the sets the nodes applied.

use tendermint_rpc::{Client, Paging};
use xcc_tests::{height, runtime, wait_for_height, wait_until, Testnet};

const SECURITY: &str = "security-1";
/// Fees of 100 each: platform-1 carries 1 receipt, platform-4 carries 4.
const FEE: u64 = 100;
/// Raw shares of the pool of 1,000 are 100, 200, 300 and 400; with the
/// registrar's 10 the two largest are capped together at
/// 3000 · (10 + 300) / (10000 − 2 · 3000) = 232, each 30% of the 774.
const EXPECTED: [u64; 4] = [100, 200, 232, 232];
const REGISTRAR_POWER: u64 = 10;

#[test]
fn platforms_earn_their_power_from_the_fees_routed_through_them() {
    let net = Testnet::start_with_init(
        &[SECURITY],
        5,
        200,
        &["--trust-platforms", "4", "--trust-epoch-blocks", "20"],
        &[],
    );
    let rpc = net.rpc(SECURITY);
    let rt = runtime();
    net.xcc(&[
        "auction",
        "create",
        "--from",
        "alice",
        "--symbol",
        "HARB",
        "--units",
        "10",
        "--currency-chain",
        "currency-1",
        "--kind",
        "english",
        "--start-price",
        "1000",
        "--duration-secs",
        "3600",
        "--guarantee",
        "10",
    ]);
    let mut receipt_number = 0;
    for platform in 1..=4 {
        for _ in 0..platform {
            receipt_number += 1;
            let payer = format!("bidder-{receipt_number}");
            net.xcc(&["keys", "add", &payer]);
            let file = net.home().join(format!("{payer}.receipt"));
            let file = file.to_str().expect("utf-8 path");
            net.xcc(&[
                "bank",
                "sign-receipt",
                "--bank",
                "bank",
                "--purpose",
                "bidder",
                "--id",
                &format!("fee-{receipt_number}"),
                "--payer",
                &net.address(&payer),
                "--platform",
                &format!("platform-{platform}"),
                "--lot",
                "1",
                "--amount",
                &FEE.to_string(),
                "--output",
                file,
            ]);
            let register = [
                "trust",
                "register-bidder",
                "--from",
                &payer,
                "--receipt",
                file,
            ];
            net.xcc(&register);
            // A receipt is used once.
            let again = xcc_tests::xcc(net.home(), &register);
            assert!(!again.status.success());
        }
    }

    // An epoch sees every fee: the platforms' powers are their capped shares.
    let mut platforms = serde_json::Value::Null;
    wait_until("the epoch's powers", || {
        platforms = net.json(&["trust", "platforms"]);
        let powers: Vec<u64> = platforms
            .as_array()
            .map(|all| all.iter().filter_map(|p| p["power"].as_u64()).collect())
            .unwrap_or_default();
        powers == EXPECTED
    });
    let epoch = net.json(&["trust", "epoch"]);
    let fees: Vec<u64> = epoch["powers"]
        .as_array()
        .expect("powers")
        .iter()
        .filter_map(|p| p["fees"].as_u64())
        .collect();
    assert_eq!(fees, [100, 200, 300, 400], "{epoch}");
    let shares = net.json(&["trust", "lot", "1"]);
    let shares: Vec<u64> = shares
        .as_array()
        .expect("shares")
        .iter()
        .filter_map(|s| s["share_bp"].as_u64())
        .collect();
    assert_eq!(shares, [1_000, 2_000, 3_000, 4_000]);
    let overview = net.json(&["query", "trust", "--lot", "1"]);
    assert_eq!(
        overview["platforms"].as_array().map(Vec::len),
        Some(4),
        "{overview}"
    );
    assert_eq!(
        overview["lot_shares"].as_array().map(Vec::len),
        Some(4),
        "{overview}"
    );
    assert!(
        overview["latest_epoch"]["number"].as_u64().is_some(),
        "{overview}"
    );

    // The epoch's block h returned the updates; they rule from h + 2.
    let applied = epoch["height"].as_u64().expect("the epoch's height") + 2;
    rt.block_on(wait_for_height(&rpc[0], applied));
    let set = rt
        .block_on(xcc_tests::client(&rpc[0]).validators(
            tendermint::block::Height::try_from(applied).expect("a height"),
            Paging::All,
        ))
        .expect("the validator set")
        .validators;
    let power_of = |index: usize| {
        use base64::Engine as _;
        let key = net.consensus_key(SECURITY, index);
        set.iter()
            .find(|v| base64::engine::general_purpose::STANDARD.encode(v.pub_key.to_bytes()) == key)
            .map_or(0, |v| v.power())
    };
    let powers: Vec<u64> = (0..5).map(power_of).collect();
    assert_eq!(powers[0], REGISTRAR_POWER, "{set:?}");
    assert_eq!(powers[1..], EXPECTED, "{set:?}");

    // An observer recomputes the epochs from the receipts and finds them applied.
    let audit = net.xcc(&["audit", "--trust"]);
    assert!(audit.contains("audit clean"), "{audit}");

    // A light client trusting the genesis set verifies a header of the new one.
    let balance = net.json(&[
        "query", "security", "balance", "HARB", "alice", "--prove", "--node", &rpc[0],
    ]);
    assert!(balance["amount"].as_u64().is_some(), "{balance}");

    // The largest platform's validator killed (30%): the rest go on.
    net.kill(&net.moniker(SECURITY, 4));
    let at_kill = rt.block_on(height(&rpc[0])).expect("a height");
    rt.block_on(wait_for_height(&rpc[0], at_kill + 5));
    let bob = net.address("bob");
    let sent = net.json(&[
        "tx", "security", "--from", "alice", "--node", &rpc[1], "transfer", "--to", &bob,
        "--symbol", "HARB", "--amount", "1",
    ]);
    assert_eq!(sent["code"], 0, "{sent}");
}

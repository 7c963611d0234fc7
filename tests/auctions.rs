//! An English auction on a real testnet (three chains of `xcc-node`s, the
//! real relayer), driven only through `xcc auction`: three bidders qualify
//! by cross-txs that hold their guarantees in the lot's escrow, a late bid
//! extends the end, the best bid wins and settles in one cross-tx (units
//! for the price), the losers' guarantees come back by the lot's packets,
//! and `xcc audit` is clean.

use xcc_tests::{wait_until, xcc, Testnet};

const BIDDERS: [&str; 3] = ["bob", "carol", "erin"];
const GUARANTEE: u64 = 100;

fn lot(net: &Testnet) -> serde_json::Value {
    net.json(&["auction", "show", "1"])
}

/// Runs `args` until the chain takes it (a step that opens with block
/// time, such as the first bid or the close, is refused before).
fn when_accepted(net: &Testnet, what: &str, args: &[&str]) {
    wait_until(what, || xcc(net.home(), args).status.success());
}

#[test]
fn an_english_auction_qualifies_extends_awards_and_settles_atomically() {
    let net = Testnet::start(&[], 1, 200);
    for who in BIDDERS {
        if who != "bob" {
            net.xcc(&["keys", "add", who]);
            net.whitelist("HARB", &net.address(who));
        }
        let account = net.address(who);
        net.xcc(&[
            "tx", "currency", "--from", "bank", "transfer", "--to", &account, "--denom", "usd",
            "--amount", "5000",
        ]);
    }
    let cash_before: Vec<u64> = BIDDERS.iter().map(|who| net.cash(who)).collect();
    let alice_cash = net.cash("alice");
    let alice_units = net.units("HARB", "alice");

    // Every bid extends: bidding lasts 10 s and the extension is 10 s.
    net.xcc(&[
        "auction",
        "create",
        "--from",
        "alice",
        "--symbol",
        "HARB",
        "--units",
        "10",
        "--kind",
        "english",
        "--start-price",
        "1000",
        "--step",
        "50",
        "--starts-in-secs",
        "2",
        "--duration-secs",
        "10",
        "--extension-secs",
        "10",
        "--max-extension-secs",
        "60",
        "--guarantee",
        "100",
        "--min-bidders",
        "2",
    ]);
    for who in BIDDERS {
        net.xcc(&["auction", "qualify", "--from", who, "--lot", "1", "--wait"]);
    }
    let qualified = lot(&net);
    assert_eq!(qualified["bidders"].as_array().map(Vec::len), Some(3));
    let first_end = qualified["end_ns"].as_u64().expect("an end");

    when_accepted(
        &net,
        "the first bid",
        &[
            "auction", "bid", "--from", "bob", "--lot", "1", "--amount", "1000",
        ],
    );
    // Too low: refused with what it needed.
    let low = xcc(
        net.home(),
        &[
            "auction", "bid", "--from", "carol", "--lot", "1", "--amount", "1020",
        ],
    );
    let said =
        String::from_utf8_lossy(&low.stderr).into_owned() + &String::from_utf8_lossy(&low.stdout);
    assert!(
        !low.status.success() && said.contains("at least 1050"),
        "{said}"
    );
    net.xcc(&[
        "auction", "bid", "--from", "carol", "--lot", "1", "--amount", "1050",
    ]);
    net.xcc(&[
        "auction", "bid", "--from", "erin", "--lot", "1", "--amount", "1200",
    ]);
    let extended = lot(&net);
    assert!(
        extended["end_ns"].as_u64().expect("an end") > first_end,
        "{extended}"
    );

    when_accepted(
        &net,
        "the close",
        &["auction", "close", "--from", "bob", "--lot", "1"],
    );
    let awarded = lot(&net);
    assert_eq!(awarded["winner"], net.address("erin"), "{awarded}");
    assert_eq!(awarded["price"], 1200);

    net.xcc(&[
        "auction", "settle", "--from", "erin", "--lot", "1", "--wait",
    ]);
    assert_eq!(net.units("HARB", "erin"), 10);
    assert_eq!(net.units("HARB", "alice"), alice_units - 10);
    assert_eq!(net.cash("alice"), alice_cash + 1200);
    // The losers' guarantees come back by the lot's packets.
    wait_until("the losers' guarantees back", || {
        net.cash("bob") == cash_before[0] && net.cash("carol") == cash_before[1]
    });
    assert_eq!(net.cash("erin"), cash_before[2] - 1200);
    let sold = lot(&net);
    let steps: Vec<&str> = sold["history"]
        .as_array()
        .expect("a history")
        .iter()
        .filter_map(|step| step["kind"].as_str())
        .collect();
    for step in [
        "created",
        "qualified",
        "bid",
        "extended",
        "awarded",
        "applied",
        "released",
        "sold",
    ] {
        assert!(steps.contains(&step), "{step} missing from {steps:?}");
    }
    assert_eq!(GUARANTEE, sold["terms"]["guarantee"].as_u64().unwrap_or(0));
    net.audit();
}

//! An English auction on a real testnet (three chains of `xcc-node`s, the
//! real relayer), driven only through `xcc auction`: three bidders qualify
//! by cross-txs that hold their guarantees in the lot's escrow, a late bid
//! extends the end, the best bid wins and settles in one cross-tx (units
//! for the price), the losers' guarantees come back by the lot's packets,
//! and `xcc audit` is clean.

use xcc_tests::{wait_until, xcc, Testnet};

const BIDDERS: [&str; 3] = ["bob", "carol", "erin"];
const GUARANTEE: u64 = 100;

#[test]
fn an_english_auction_qualifies_extends_awards_and_settles_atomically() {
    let net = Testnet::start(&[], 1, 200);
    net.fund_bidders("HARB", &BIDDERS);
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
    let qualified = net.lot(1);
    assert_eq!(qualified["bidders"].as_array().map(Vec::len), Some(3));
    let first_end = qualified["end_ns"].as_u64().expect("an end");

    net.when_accepted(
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
    let extended = net.lot(1);
    assert!(
        extended["end_ns"].as_u64().expect("an end") > first_end,
        "{extended}"
    );

    net.when_accepted(
        "the close",
        &["auction", "close", "--from", "bob", "--lot", "1"],
    );
    let awarded = net.lot(1);
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
    let sold = net.lot(1);
    let steps = net.lot_steps(1);
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
        assert!(
            steps.iter().any(|s| s == step),
            "{step} missing from {steps:?}"
        );
    }
    assert_eq!(GUARANTEE, sold["terms"]["guarantee"].as_u64().unwrap_or(0));
    net.audit();
}

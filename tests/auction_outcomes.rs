//! Auctions that do not simply sell to the best bid, on a real testnet
//! driven through `xcc auction`: a winner who cannot pay and one who lets
//! the payment window pass each forfeit their guarantee to the seller while
//! the lot goes down the line to the next bid; and a sealed-bid (Vickrey)
//! lot where the highest bidder never reveals, forfeits, and the best
//! revealed bid buys at the second price. `xcc audit` is clean after each.

use xcc_tests::{wait_until, xcc, Testnet};

const BIDDERS: [&str; 3] = ["bob", "carol", "erin"];
const GUARANTEE: u64 = 100;
const UNITS: u64 = 10;

/// Alice offers [`UNITS`] of HARB on `terms` (with the guarantee and two
/// bidders at least) and every bidder qualifies; returns the lot's id.
fn open_lot(net: &Testnet, terms: &[&str]) -> u64 {
    let guarantee = GUARANTEE.to_string();
    let mut terms = terms.to_vec();
    terms.extend(["--guarantee", &guarantee, "--min-bidders", "2"]);
    let id = net.create_lot("alice", "HARB", UNITS, &terms);
    for who in BIDDERS {
        let lot = id.to_string();
        net.xcc(&["auction", "qualify", "--from", who, "--lot", &lot, "--wait"]);
    }
    id
}

fn cash_of_all(net: &Testnet) -> Vec<u64> {
    ["alice", "bob", "carol", "erin"]
        .iter()
        .map(|who| net.cash(who))
        .collect()
}

/// Waits until alice, bob, carol and erin hold `before` moved by `moved`.
fn wait_cash(net: &Testnet, what: &str, before: &[u64], moved: [i64; 4]) {
    let expected: Vec<u64> = before
        .iter()
        .zip(moved)
        .map(|(b, m)| b.checked_add_signed(m).expect("no negative cash"))
        .collect();
    let mut last = Vec::new();
    wait_until(what, || {
        last = cash_of_all(net);
        last == expected
    });
}

fn said(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

#[test]
fn unpaid_wins_forfeit_and_a_sealed_lot_sells_at_the_second_price() {
    let net = Testnet::start(&[], 1, 200);
    net.fund_bidders("HARB", &BIDDERS);
    let units_before = net.units("HARB", "alice");

    // English: erin outbids everyone with more than she has.
    let before = cash_of_all(&net);
    let id = open_lot(
        &net,
        &[
            "--kind",
            "english",
            "--start-price",
            "1000",
            "--step",
            "50",
            "--starts-in-secs",
            "20",
            "--duration-secs",
            "15",
            "--extension-secs",
            "2",
            "--max-extension-secs",
            "10",
            "--payment-window-secs",
            "6",
        ],
    );
    let lot = id.to_string();
    let bid = |who: &str, amount: &str| {
        net.when_accepted(
            &format!("{who}'s bid"),
            &[
                "auction", "bid", "--from", who, "--lot", &lot, "--amount", amount,
            ],
        )
    };
    bid("bob", "1000");
    bid("carol", "1100");
    bid("erin", "6000");
    let close = ["auction", "close", "--from", "bob", "--lot", &lot];
    net.when_accepted("the close", &close);
    let awarded = net.lot(id);
    assert_eq!(
        (&awarded["winner"], &awarded["price"]),
        (&net.address("erin").into(), &6000.into()),
        "{awarded}"
    );

    // Erin's settlement aborts: she cannot pay. The lot passes to carol.
    let unpaid = xcc(
        net.home(),
        &[
            "auction", "settle", "--from", "erin", "--lot", &lot, "--wait",
        ],
    );
    assert!(!unpaid.status.success(), "{}", said(&unpaid));
    let passed = net.lot(id);
    assert_eq!(passed["winner"], net.address("carol"), "{passed}");
    assert_eq!(passed["price"], 1100, "{passed}");

    // Carol lets her window pass: before it ends the close is refused, after
    // it the close passes the lot to bob.
    let early = xcc(net.home(), &close);
    assert!(
        !early.status.success() && said(&early).contains("payment window"),
        "{}",
        said(&early)
    );
    net.when_accepted("the close after carol's window", &close);
    let passed = net.lot(id);
    assert_eq!(passed["winner"], net.address("bob"), "{passed}");
    assert_eq!(passed["price"], 1000, "{passed}");
    net.xcc(&[
        "auction", "settle", "--from", "bob", "--lot", &lot, "--wait",
    ]);

    // Alice sold for bob's price and has both forfeits.
    let g = GUARANTEE as i64;
    wait_cash(
        &net,
        "the English lot's cash",
        &before,
        [1000 + 2 * g, -1000, -g, -g],
    );
    assert_eq!(net.units("HARB", "bob"), UNITS);
    assert_eq!(net.units("HARB", "alice"), units_before - UNITS);
    let steps = net.lot_steps(id);
    assert_eq!(
        steps.iter().filter(|s| *s == "forfeited").count(),
        2,
        "{steps:?}"
    );
    assert!(
        steps.ends_with(&["applied".into(), "sold".into()]),
        "{steps:?}"
    );
    net.audit();

    // Sealed, second price: erin seals the best bid and never reveals.
    let before = cash_of_all(&net);
    let id = open_lot(
        &net,
        &[
            "--kind",
            "sealed",
            "--start-price",
            "500",
            "--starts-in-secs",
            "20",
            "--duration-secs",
            "20",
            "--reveal-secs",
            "20",
            "--second-price",
        ],
    );
    let lot = id.to_string();
    let commit = |who: &str, amount: &str, salt: Option<&str>| -> String {
        let mut args = vec![
            "auction", "commit", "--from", who, "--lot", &lot, "--amount", amount,
        ];
        if let Some(salt) = salt {
            args.extend(["--salt", salt]);
        }
        let mut printed = String::new();
        wait_until(&format!("{who}'s sealed bid"), || {
            let out = xcc(net.home(), &args);
            printed = String::from_utf8_lossy(&out.stderr).into_owned();
            out.status.success()
        });
        printed
            .split_whitespace()
            .skip_while(|word| *word != "salt")
            .nth(1)
            .map(|salt| salt.trim_end_matches(':').to_owned())
            .unwrap_or_else(|| panic!("no salt printed: {printed}"))
    };
    let bob_salt = commit("bob", "1000", Some("0b0b"));
    assert_eq!(bob_salt, "0b0b");
    let carol_salt = commit("carol", "1300", None);
    commit("erin", "1500", None);
    // A reveal that does not open its seal is refused.
    net.when_accepted(
        "bob's reveal",
        &[
            "auction", "reveal", "--from", "bob", "--lot", &lot, "--amount", "1000", "--salt",
            &bob_salt,
        ],
    );
    let wrong = xcc(
        net.home(),
        &[
            "auction",
            "reveal",
            "--from",
            "carol",
            "--lot",
            &lot,
            "--amount",
            "1400",
            "--salt",
            &carol_salt,
        ],
    );
    assert!(!wrong.status.success(), "{}", said(&wrong));
    net.xcc(&[
        "auction",
        "reveal",
        "--from",
        "carol",
        "--lot",
        &lot,
        "--amount",
        "1300",
        "--salt",
        &carol_salt,
    ]);
    net.when_accepted(
        "the close after the reveal window",
        &["auction", "close", "--from", "bob", "--lot", &lot],
    );
    let awarded = net.lot(id);
    assert_eq!(awarded["winner"], net.address("carol"), "{awarded}");
    assert_eq!(awarded["price"], 1000, "the second price: {awarded}");
    net.xcc(&[
        "auction", "settle", "--from", "carol", "--lot", &lot, "--wait",
    ]);
    wait_cash(
        &net,
        "the sealed lot's cash",
        &before,
        [1000 + g, 0, -1000, -g],
    );
    assert_eq!(net.units("HARB", "carol"), UNITS);
    let steps = net.lot_steps(id);
    for step in ["commit", "reveal", "forfeited", "awarded", "sold"] {
        assert!(steps.iter().any(|s| s == step), "{step} missing: {steps:?}");
    }
    net.audit();
}

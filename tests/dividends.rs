//! Dividends on a real testnet (three chains of two `xcc-node`s each, real
//! `xcc-relayer`s), driven through the `xcc` binary: a payout to every
//! holder at the record height commits; one the payer cannot fund aborts
//! and stays payable; a second payout of a paid dividend is refused; and
//! every coordinator validator SIGKILLed at each phase of a payout still
//! ends with every holder paid once, as does a payout of several pages
//! whose coordinator is killed between them. `xcc audit`, which checks each paid
//! dividend against the balances at its record height, is clean after each.

use xcc_tests::wait_until;
use xcc_tests::{Stop, Testnet, TwoLegs};

const COORDINATOR: &str = "coordinator-1";
const SECURITY: &str = "security-1";
const CURRENCY: &str = "currency-1";
/// A payout: the security chain reserves the dividend, the currency chain pays.
const PAYOUT: TwoLegs = TwoLegs {
    coordinator: COORDINATOR,
    first: SECURITY,
    second: CURRENCY,
};
const HOLDERS: [&str; 4] = ["alice", "bob", "carol", "erin"];

/// Declares a dividend of HARB paid by the bank; returns its id.
fn declare(net: &Testnet, amount_per_unit: &str) -> String {
    let bank = net.address("bank");
    let declared = net.json(&[
        "dividend",
        "declare",
        "--from",
        "issuer",
        "--symbol",
        "HARB",
        "--amount-per-unit",
        amount_per_unit,
        "--payer",
        &bank,
    ]);
    declared["events"]
        .as_array()
        .and_then(|events| events.iter().find(|e| e["type"] == "dividend_declared"))
        .and_then(|e| e["attributes"]["dividend_id"].as_str())
        .expect("a dividend id")
        .to_owned()
}

/// The bank pays dividend `id`; returns the payout's cross-tx id.
fn pay(net: &Testnet, id: &str) -> String {
    net.xcc(&["dividend", "pay", "--from", "bank", "--dividend", id])
        .trim()
        .to_owned()
}

fn status(net: &Testnet, id: &str) -> serde_json::Value {
    net.json(&["dividend", "status", id])
}

fn received(net: &Testnet, who: &str) -> u64 {
    let receipts = net.json(&["dividend", "received", who]);
    receipts.as_array().map_or(0, |r| {
        r.iter().map(|x| x["amount"].as_u64().unwrap_or(0)).sum()
    })
}

#[test]
fn payouts_pay_every_holder_once_or_nobody() {
    let net = Testnet::start_with(&[], 2, 200, &["--no-relayer"]);
    // Holders: alice (100 at genesis), bob 40, carol 25, erin 10.
    for (who, units) in [("bob", "40"), ("carol", "25"), ("erin", "10")] {
        if who != "bob" {
            net.xcc(&["keys", "add", who]);
        }
        let account = net.address(who);
        if who != "bob" {
            net.whitelist("HARB", &account);
        }
        net.xcc(&[
            "tx", "security", "--from", "issuer", "transfer", "--to", &account, "--symbol", "HARB",
            "--amount", units,
        ]);
    }
    let mut relayer = net.relayer(&[]);

    // 2.5 usd per unit at this height; erin sells out afterwards and is still paid.
    let id = declare(&net, "2.5");
    let alice = net.address("alice");
    net.xcc(&[
        "tx", "security", "--from", "erin", "transfer", "--to", &alice, "--symbol", "HARB",
        "--amount", "10",
    ]);
    let before: Vec<u64> = HOLDERS.iter().map(|h| net.cash(h)).collect();
    let payout = pay(&net, &id);
    let done = net.wait_phase(&payout, "done");
    assert_eq!(done["outcome"], "committed", "{done}");
    let paid: Vec<u64> = HOLDERS
        .iter()
        .zip(&before)
        .map(|(h, b)| net.cash(h) - b)
        .collect();
    assert_eq!(paid, [250, 100, 62, 25]);
    assert_eq!(received(&net, "carol"), 62);
    assert_eq!(status(&net, &id)["status"], "paid");
    net.audit();

    // A second payout of the same dividend is refused.
    let again = pay(&net, &id);
    let done = net.wait_phase(&again, "done");
    assert!(
        done["outcome"].as_str().unwrap().contains("not payable"),
        "{done}"
    );
    assert_eq!(received(&net, "carol"), 62);

    // More than the bank has: aborted, nobody paid, still payable.
    let huge = declare(&net, "100000000");
    let payout = pay(&net, &huge);
    let done = net.wait_phase(&payout, "done");
    assert!(
        done["outcome"].as_str().unwrap().starts_with("aborted"),
        "{done}"
    );
    assert_eq!(status(&net, &huge)["status"], "payable");
    assert_eq!(received(&net, "carol"), 62);
    net.audit();
    relayer.kill();

    // Every coordinator validator SIGKILLed at each phase of a payout.
    for stop in Stop::ALL {
        let id = declare(&net, "1");
        let carol_before = received(&net, "carol");
        let payout = pay(&net, &id);
        net.relay_to(&payout, PAYOUT, stop);
        net.kill_chain(COORDINATOR);
        net.restart_chain(COORDINATOR);
        let mut r = net.relayer(&[]);
        let done = net.wait_phase(&payout, "done");
        r.kill();
        assert_eq!(done["outcome"], "committed", "{stop:?}: {done}");
        assert_eq!(received(&net, "carol"), carol_before + 25, "{stop:?}");
        assert_eq!(status(&net, &id)["status"], "paid");
        net.audit();
    }
}

#[test]
fn a_payout_of_several_pages_survives_its_coordinator_killed_between_pages() {
    // MANY: 7 holders of one unit each, paid 2 to a page: 4 pages, legs 0-3
    // reserve them on the security chain and legs 4-7 pay them.
    let net = Testnet::start_with_init(
        &[],
        2,
        200,
        &["--holders", "7", "--dividend-page-holders", "2"],
        &["--no-relayer"],
    );
    let bank = net.address("bank");
    net.xcc(&[
        "dividend",
        "declare",
        "--from",
        "issuer",
        "--symbol",
        "MANY",
        "--amount-per-unit",
        "3",
        "--payer",
        &bank,
    ]);
    let id = "1";
    assert_eq!(status(&net, id)["pages"], 4, "{}", status(&net, id));
    let payout = pay(&net, id);

    // Every page reserved and voted, the coordinator killed before any
    // payment leg is prepared.
    net.relay_until(SECURITY, || {
        net.wait_legs(SECURITY, &payout, 0..4, "prepared")
    });
    net.relay_until(COORDINATOR, || {
        wait_until("every page's vote", || {
            let record = net.json(&["xtx", "status", &payout]);
            (0..4).all(|leg| record["legs"][leg]["state"] == "voted_ok")
        })
    });
    net.kill_chain(COORDINATOR);
    net.restart_chain(COORDINATOR);

    // Decided, the decision applied to the security pages only; killed again.
    net.relay_until(CURRENCY, || {
        net.wait_legs(CURRENCY, &payout, 4..8, "prepared")
    });
    net.relay_until(COORDINATOR, || {
        net.wait_phase(&payout, "decided");
    });
    net.relay_until(SECURITY, || {
        net.wait_legs(SECURITY, &payout, 0..4, "committed")
    });
    net.kill_chain(COORDINATOR);
    net.restart_chain(COORDINATOR);

    let mut relayer = net.relayer(&[]);
    let done = net.wait_phase(&payout, "done");
    relayer.kill();
    assert_eq!(done["outcome"], "committed", "{done}");
    let holders = net.json(&["query", "security", "holders", "MANY"]);
    let holders = holders["holders"].as_array().expect("holders");
    assert_eq!(holders.len(), 7);
    for holder in holders {
        let account = holder["account"].as_str().expect("an account");
        let receipts = net.json(&["dividend", "received", account]);
        assert_eq!(
            receipts.as_array().map(Vec::len),
            Some(1),
            "{account}: {receipts}"
        );
        assert_eq!(receipts[0]["amount"], 3, "{account}: {receipts}");
    }
    let paid = status(&net, id);
    assert_eq!(paid["status"], "paid", "{paid}");
    assert_eq!(paid["payment"]["pages_paid"], 4, "{paid}");
    assert_eq!(paid["payment"]["holders"], 7, "{paid}");
    net.audit();
}

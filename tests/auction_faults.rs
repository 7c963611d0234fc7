//! A lot's settlement survives its coordinator: on a testnet of two
//! validators per chain, four Dutch lots are taken, and each one's
//! settlement (the units on the security chain, the price on the currency
//! chain, one cross-tx) is relayed to a different phase of two-phase
//! commit before every coordinator validator is SIGKILLed and restarted.
//! Each still ends sold once: the units and the price moved together, the
//! winner's guarantee counted once, and `xcc audit` clean.

use xcc_tests::{wait_until, Stop, Testnet, TwoLegs};

const COORDINATOR: &str = "coordinator-1";
const SECURITY: &str = "security-1";
const CURRENCY: &str = "currency-1";
/// A settlement: the security chain delivers the units, the currency chain
/// pays the seller (depending on the delivery).
const SETTLEMENT: TwoLegs = TwoLegs {
    coordinator: COORDINATOR,
    first: SECURITY,
    second: CURRENCY,
};
const UNITS: u64 = 5;
const PRICE: u64 = 1_000;
const GUARANTEE: u64 = 100;

#[test]
fn a_settlement_ends_atomically_whenever_its_coordinator_is_killed() {
    let net = Testnet::start_with(&[], 2, 200, &["--no-relayer"]);
    let mut relayer = net.relayer(&[]);
    net.fund_bidders("HARB", &["bob", "carol"]);
    let bob_cash = net.cash("bob");

    // The price stays at the start for the whole test: one step an hour.
    let (price, guarantee) = (PRICE.to_string(), GUARANTEE.to_string());
    let terms = [
        "--kind",
        "dutch",
        "--start-price",
        &price,
        "--step",
        "100",
        "--interval-secs",
        "3600",
        "--floor",
        "500",
        "--starts-in-secs",
        "2",
        "--duration-secs",
        "3600",
        "--guarantee",
        &guarantee,
        "--min-bidders",
        "2",
    ];
    let lots: Vec<u64> = Stop::ALL
        .iter()
        .map(|_| net.create_lot("alice", "HARB", UNITS, &terms))
        .collect();
    for lot in &lots {
        let lot = lot.to_string();
        for who in ["bob", "carol"] {
            net.xcc(&["auction", "qualify", "--from", who, "--lot", &lot, "--wait"]);
        }
        net.when_accepted(
            "carol's take",
            &["auction", "take", "--from", "carol", "--lot", &lot],
        );
    }
    relayer.kill();

    for (sold, (stop, lot)) in Stop::ALL.into_iter().zip(&lots).enumerate() {
        let awarded = net.lot(*lot);
        assert_eq!(awarded["winner"], net.address("carol"), "{awarded}");
        assert_eq!(awarded["price"], PRICE, "{awarded}");
        let (alice, carol) = (net.cash("alice"), net.cash("carol"));
        let carol_units = net.units("HARB", "carol");
        let settlement = net
            .xcc(&[
                "auction",
                "settle",
                "--from",
                "carol",
                "--lot",
                &lot.to_string(),
            ])
            .trim()
            .to_owned();
        net.relay_to(&settlement, SETTLEMENT, stop);
        net.kill_chain(COORDINATOR);
        net.restart_chain(COORDINATOR);
        let mut relayer = net.relayer(&[]);
        let done = net.wait_phase(&settlement, "done");
        wait_until("the lot sold", || net.lot(*lot)["phase"] == 3);
        // Bob lost: his guarantee comes back once the lot is sold.
        let still_held = (lots.len() - sold - 1) as u64 * GUARANTEE;
        wait_until("bob's guarantee back", || {
            net.cash("bob") == bob_cash - still_held
        });
        relayer.kill();
        assert_eq!(done["outcome"], "committed", "{stop:?}: {done}");
        assert_eq!(net.units("HARB", "carol"), carol_units + UNITS, "{stop:?}");
        assert_eq!(net.cash("alice"), alice + PRICE, "{stop:?}");
        // Her guarantee, held since she qualified, paid part of the price.
        assert_eq!(net.cash("carol"), carol - (PRICE - GUARANTEE), "{stop:?}");
        let steps = net.lot_steps(*lot);
        assert_eq!(
            steps.iter().filter(|s| *s == "sold").count(),
            1,
            "{stop:?}: {steps:?}"
        );
        net.audit();
    }
}

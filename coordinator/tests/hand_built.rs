//! Cross-txs built by hand, in shapes `xcc swap`, `xcc market buy` and
//! `xcc dividend pay` never build: each must settle as its signers and
//! listings authorize, or abort and change nothing.

mod support;

use std::collections::BTreeMap;

use support::*;
use xcc_chain::testing::TestKey;
use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

fn alice() -> TestKey {
    TestKey::from_seed(3)
}

#[test]
fn one_payment_never_settles_two_fills_of_one_listing() {
    let mut f = fixture(10);
    let listing = f.list(&alice(), 20, 20);
    // Two fills of 10 units (400 owed), one payment of 200.
    let underpaid = f.signed(
        vec![
            leg(
                SECURITY,
                vec![fill(&f.bob, listing, 10), fill(&f.bob, listing, 10)],
                None,
            ),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 200)], None),
        ],
        &[&f.bob],
        1,
    );
    let id = f.submit(&underpaid);
    f.run_to_done(&[id]);
    f.assert_aborted(&id, "it pays the seller 200");
    assert_eq!(f.units_of(&f.bob).amount, 0);
    assert_eq!(f.cash_of(&f.alice).amount, CASH);

    // Paid in full, in two transfers, both fills settle.
    let paid = f.signed(
        vec![
            leg(
                SECURITY,
                vec![fill(&f.bob, listing, 10), fill(&f.bob, listing, 10)],
                None,
            ),
            leg(
                CURRENCY,
                vec![cash(&f.bob, &f.alice, 150), cash(&f.bob, &f.alice, 250)],
                None,
            ),
        ],
        &[&f.bob],
        2,
    );
    let id = f.submit(&paid);
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit, "{:?}", f.record(&id).timeline);
    assert_eq!(f.units_of(&f.bob).amount, 20);
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 400);
    f.assert_settled();
}

#[test]
fn one_payment_never_settles_fills_of_two_listings_of_one_seller() {
    let mut f = fixture(10);
    let first = f.list(&alice(), 10, 20);
    let second = f.list(&alice(), 10, 20);
    let underpaid = f.signed(
        vec![
            leg(
                SECURITY,
                vec![fill(&f.bob, first, 10), fill(&f.bob, second, 10)],
                None,
            ),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 200)], None),
        ],
        &[&f.bob],
        1,
    );
    let id = f.submit(&underpaid);
    f.run_to_done(&[id]);
    f.assert_aborted(&id, "does not pay");
    assert_eq!(f.units_of(&f.bob).amount, 0);
    let paid = f.signed(
        vec![
            leg(
                SECURITY,
                vec![fill(&f.bob, first, 10), fill(&f.bob, second, 10)],
                None,
            ),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 400)], None),
        ],
        &[&f.bob],
        2,
    );
    let id = f.submit(&paid);
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit, "{:?}", f.record(&id).timeline);
    assert_eq!(f.units_of(&f.bob).amount, 20);
    f.assert_settled();
}

#[test]
fn two_legs_on_one_chain_hold_apart_and_are_paid_for_together() {
    let mut f = fixture(10);
    let listing = f.list(&alice(), 20, 20);
    // Two legs fill 10 units each of one listing at 20: 400 is owed, and
    // one payment of 200 covers only one of them.
    let underpaid = f.signed(
        vec![
            leg(SECURITY, vec![fill(&f.bob, listing, 10)], None),
            leg(SECURITY, vec![fill(&f.bob, listing, 10)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 200)], None),
        ],
        &[&f.bob],
        1,
    );
    let id = f.submit(&underpaid);
    f.run_to_done(&[id]);
    f.assert_aborted(&id, "it pays the seller 200");
    assert_eq!(f.units_of(&f.bob).amount, 0);
    assert_eq!(f.cash_of(&f.bob).reserved, 0);
    // Paid in full, by two cash legs on one chain, each leg's holds apart.
    let paid = f.signed(
        vec![
            leg(SECURITY, vec![fill(&f.bob, listing, 10)], None),
            leg(SECURITY, vec![fill(&f.bob, listing, 10)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 200)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 200)], None),
        ],
        &[&f.bob],
        2,
    );
    let id = f.submit(&paid);
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit, "{:?}", f.record(&id).timeline);
    assert_eq!(f.units_of(&f.bob).amount, 20);
    assert_eq!(f.cash_of(&f.bob).amount, CASH - 400);
    f.assert_settled();
}

#[test]
fn two_cash_legs_of_one_payer_cannot_spend_its_balance_twice() {
    let mut f = fixture(10);
    let listing = f.list(&alice(), 10, 20);
    // Each cash leg alone fits bob's balance; together they do not.
    let spend = CASH - 100;
    let twice = f.signed(
        vec![
            leg(SECURITY, vec![fill(&f.bob, listing, 10)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, spend)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.carol, spend)], None),
        ],
        &[&f.bob],
        1,
    );
    let id = f.submit(&twice);
    f.run_to_done(&[id]);
    f.assert_aborted(&id, "needs");
    let bob = f.cash_of(&f.bob);
    assert_eq!((bob.amount, bob.reserved), (CASH, 0));
    assert_eq!(f.cash_of(&f.alice).amount, CASH);
}

impl Fixture {
    /// A payout of dividend `id` by dave, with the given legs.
    fn payout(&mut self, legs: Vec<xtx::Leg>, salt: u8) -> [u8; 32] {
        let dave = TestKey::from_seed(6);
        let signed = self.signed(legs, &[&dave], salt);
        self.submit(&signed)
    }
}

fn reserve(f: &Fixture, id: u64) -> Any {
    to_any(&sec::MsgReserveDividend {
        payer: f.dave.address.to_string(),
        dividend_id: id,
        page: 0,
    })
}

fn pay(f: &Fixture, id: u64, security_chain: &str) -> Any {
    to_any(&cash_pb::MsgPayDividend {
        payer: f.dave.address.to_string(),
        security_chain: security_chain.into(),
        dividend_id: id,
        denom: "usd".into(),
    })
}

#[test]
fn a_dividend_is_never_paid_without_its_payment_leg() {
    let mut f = fixture(10);
    let id = f.declare(SYMBOL, 1_000_000);
    let cases = [
        // The reservation alone.
        (
            vec![leg(SECURITY, vec![reserve(&f, id)], None)],
            "dependent leg pays",
        ),
        // A payment that does not depend on the reservation.
        (
            vec![
                leg(SECURITY, vec![reserve(&f, id)], None),
                leg(CURRENCY, vec![pay(&f, id, SECURITY)], None),
            ],
            "dependent leg pays",
        ),
        // A dependent leg that pays something else.
        (
            vec![
                leg(SECURITY, vec![reserve(&f, id)], None),
                leg(CURRENCY, vec![cash(&f.dave, &f.alice, 1)], Some(0)),
            ],
            "dependent leg pays",
        ),
    ];
    for (salt, (legs, reason)) in cases.into_iter().enumerate() {
        let payout = f.payout(legs, salt as u8);
        f.run_to_done(&[payout]);
        f.assert_aborted(&payout, reason);
        assert_eq!(
            f.dividend(id).status,
            sec::DividendStatus::Payable as i32,
            "case {salt}"
        );
    }
    f.assert_settled();
}

#[test]
fn a_pinned_whitelist_entry_cannot_expire_before_the_cross_tx_that_pins_it() {
    let mut f = fixture(10);
    // Hold the votes back: the security leg stays prepared, pinning bob.
    f.net.blocked.push((SECURITY.into(), COORDINATOR.into()));
    let signed = f.swap(&f.alice, &f.bob, 10, 100, 1);
    let deadline_s = (signed.cross_tx.as_ref().unwrap().deadline_ns).div_ceil(1_000_000_000);
    let id = f.submit(&signed);
    f.net.run_until(10, |net| {
        !legs(net, SECURITY, xtx::LegStatus::Unspecified).is_empty()
    });
    let expire = |f: &Fixture, expires_at: u64| {
        let issuer = TestKey::from_seed(2);
        let msg = to_any(&sec::MsgWhitelistAdd {
            authority: issuer.address.to_string(),
            symbol: SYMBOL.into(),
            account: f.bob.address.to_string(),
            expires_at: expires_at as i64,
        });
        f.net.chain(SECURITY).tx(&[&issuer], vec![msg])
    };
    let short = expire(&f, deadline_s - 1);
    let outcome = f
        .net
        .chains
        .get_mut(SECURITY)
        .unwrap()
        .assert_refused(short);
    assert!(outcome.log.contains("pinned until"), "{}", outcome.log);
    // Up to the deadline is allowed, and so is lengthening.
    let at_deadline = expire(&f, deadline_s);
    let outcomes = f
        .net
        .step(BTreeMap::from([(SECURITY.to_owned(), vec![at_deadline])]));
    assert!(
        outcomes[SECURITY][0].is_ok(),
        "{}",
        outcomes[SECURITY][0].log
    );
    f.net.blocked.clear();
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit);
    f.assert_settled();
}

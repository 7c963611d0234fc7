//! Dividend payouts end to end, in process: the issuer declares a dividend
//! on the security chain; a payout cross-tx reserves it there (returning
//! the entitlements read at the record height) and then, as a dependent
//! leg, pays every holder from the payer on the currency chain. Every
//! holder is paid and the dividend marked paid, or nobody is paid and it
//! stays payable.

mod support;

use std::time::Instant;

use support::*;
use xcc_chain::testing::{TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::xtx::signed_cross_tx;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as xtx;

const MICROS: u64 = 1_000_000;

impl Fixture {
    /// Dave's payout of dividend `id`: reserve it on the security chain,
    /// then pay what it returns on the currency chain.
    fn pay(&mut self, id: u64, salt: u8) -> [u8; 32] {
        let payer = self.dave.address.to_string();
        let cross_tx = xtx::CrossTx {
            legs: vec![
                xtx::Leg {
                    chain_id: SECURITY.into(),
                    msgs: vec![to_any(&sec::MsgReserveDividend {
                        payer: payer.clone(),
                        dividend_id: id,
                    })],
                    depends_on: None,
                },
                xtx::Leg {
                    chain_id: CURRENCY.into(),
                    msgs: vec![to_any(&cash::MsgPayDividend {
                        payer,
                        security_chain: SECURITY.into(),
                        dividend_id: id,
                        denom: "usd".into(),
                    })],
                    depends_on: Some(0),
                },
            ],
            deadline_ns: self.now() + 120 * BLOCK_INTERVAL_NS,
            salt: vec![salt],
        };
        let signed = signed_cross_tx(cross_tx, &[&self.dave.key]);
        self.submit(&signed)
    }

    fn received(&self, who: &xcc_chain::Address) -> Vec<cash::DividendReceipt> {
        self.net
            .chain(CURRENCY)
            .query_all(
                "/xcc.currency.v1.Query/DividendsReceived",
                |page| cash::QueryDividendsReceivedRequest {
                    account: who.to_string(),
                    page: Some(page),
                },
                |r: cash::QueryDividendsReceivedResponse| (r.receipts, r.page),
            )
            .unwrap()
    }
}

fn status(d: &sec::Dividend) -> sec::DividendStatus {
    sec::DividendStatus::try_from(d.status).unwrap()
}

#[test]
fn a_payout_pays_every_holder_at_the_record_height_exactly_once() {
    let mut f = fixture(10);
    let to_bob = vec![units(&f.issuer, &f.bob, 51)];
    ok(&mut f.net, SECURITY, &[&f.issuer], to_bob);
    // 1.5 usd per unit: alice (100) is owed 150, bob (51) 76 (76.5 rounded down).
    let id = f.declare(SYMBOL, 1_500_000);
    // Trades after the record height change nobody's entitlement.
    let later = vec![units(&f.alice, &f.carol, 60)];
    ok(&mut f.net, SECURITY, &[&f.alice], later);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    assert!(f.record(&payout).commit, "{:?}", f.record(&payout).timeline);
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 150);
    assert_eq!(f.cash_of(&f.bob).amount, CASH + 76);
    assert_eq!(f.cash_of(&f.carol).amount, CASH);
    assert_eq!(f.cash_of(&f.dave).amount, CASH - 226);
    let dividend = f.dividend(id);
    assert_eq!(status(&dividend), sec::DividendStatus::Paid);
    assert_eq!((dividend.total, dividend.holders), (226, 2));
    let alice = f.received(&f.alice.address);
    assert_eq!(
        (alice.len(), alice[0].amount, alice[0].dividend_id),
        (1, 150, id)
    );

    // A second payout of the same dividend aborts; nobody is paid twice.
    let again = f.pay(id, 2);
    f.run_to_done(&[again]);
    f.assert_aborted(&again, "not payable");
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 150);
    f.assert_settled();
}

#[test]
fn a_payer_short_of_cash_aborts_the_payout_and_the_dividend_stays_payable() {
    let mut f = fixture(10);
    // 1,000 usd per unit: alice's 100 units are owed 100,000; dave has 10,000.
    let id = f.declare(SYMBOL, 1_000 * MICROS);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    f.assert_aborted(&payout, "needs 100000");
    assert_eq!(status(&f.dividend(id)), sec::DividendStatus::Payable);
    assert_eq!(f.cash_of(&f.alice).amount, CASH);
    assert!(f.received(&f.alice.address).is_empty());
    f.assert_settled();
    // Once dave has the cash, the same dividend pays out.
    let bank_cash = vec![cash(&f.bob, &f.dave, CASH)];
    ok(&mut f.net, CURRENCY, &[&f.bob], bank_cash);
    let smaller = f.declare(SYMBOL, 100 * MICROS);
    let payout = f.pay(smaller, 2);
    f.run_to_done(&[payout]);
    assert!(f.record(&payout).commit);
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 10_000);
}

#[test]
fn declarations_are_the_issuers_and_never_in_the_future() {
    let mut f = fixture(10);
    let future = f.net.chain(SECURITY).height() + 5;
    let declare = |issuer: &TestKey, record_height: u64| {
        to_any(&sec::MsgDeclareDividend {
            issuer: issuer.address.to_string(),
            symbol: SYMBOL.into(),
            record_height,
            amount_per_unit_micros: MICROS,
            payer: issuer.address.to_string(),
            denom: "usd".into(),
            currency_chain: CURRENCY.into(),
        })
    };
    let chain = f.net.chains.get_mut(SECURITY).unwrap();
    let by_alice = chain.tx(&[&f.alice], vec![declare(&f.alice, 1)]);
    assert!(chain
        .assert_refused(by_alice)
        .log
        .contains("not the issuer"));
    let ahead = chain.tx(&[&f.issuer], vec![declare(&f.issuer, future)]);
    assert!(chain.assert_refused(ahead).log.contains("in the future"));
    // Reserving a dividend outside a payout cross-tx is refused.
    let direct = chain.tx(
        &[&f.issuer],
        vec![to_any(&sec::MsgReserveDividend {
            payer: f.issuer.address.to_string(),
            dividend_id: 1,
        })],
    );
    assert!(chain.assert_refused(direct).log.contains("cross-tx"));
}

#[test]
fn ten_thousand_holders_are_paid_in_one_atomic_payout() {
    const HOLDERS: usize = 10_000;
    let mut f = fixture_with(10, HOLDERS);
    // One usd per unit of BIG: 10,000 usd, all dave has.
    let id = f.declare(BIG, MICROS);
    let started = Instant::now();
    let start_height = f.net.chain(COORDINATOR).height();
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    let blocks = f.net.chain(COORDINATOR).height() - start_height;
    let record = f.record(&payout);
    assert!(record.commit, "{:?}", record.timeline);
    let mut payment = None;
    let receipts = f
        .net
        .chain(CURRENCY)
        .query_all(
            "/xcc.currency.v1.Query/DividendPayment",
            |page| cash::QueryDividendPaymentRequest {
                security_chain: SECURITY.into(),
                dividend_id: id,
                page: Some(page),
            },
            |r: cash::QueryDividendPaymentResponse| {
                payment = r.payment;
                (r.receipts, r.page)
            },
        )
        .unwrap();
    let paid = payment.expect("a payment");
    assert_eq!((paid.total, paid.holders), (HOLDERS as u64, HOLDERS as u64));
    assert_eq!(receipts.len(), HOLDERS);
    for index in [0, HOLDERS / 2, HOLDERS - 1] {
        assert_eq!(f.received(&big_holder(index))[0].amount, 1);
    }
    assert_eq!(f.cash_of(&f.dave).amount, 0);
    eprintln!(
        "payout to {HOLDERS} holders: {blocks} blocks from submission to done, {:.1} s in process",
        started.elapsed().as_secs_f64()
    );
    // Holders and receipts span many pages: the audit must read them all
    // to find each holder paid what the record height entitles it to.
    let violations: Vec<String> =
        xcc_audit::testing::audit_network(&f.net, COORDINATOR, SECURITY, CURRENCY)
            .iter()
            .map(ToString::to_string)
            .collect();
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn a_payout_whose_entitlements_no_acknowledgement_can_carry_aborts_cleanly() {
    // About 52 bytes of entitlement per holder: 16,000 holders need more
    // than a prepare's packet and acknowledgement may carry together.
    const HOLDERS: usize = 16_000;
    let mut f = fixture_with(10, HOLDERS);
    let id = f.declare(BIG, MICROS);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    f.assert_aborted(
        &payout,
        "a packet and its acknowledgement may carry together",
    );
    assert_eq!(status(&f.dividend(id)), sec::DividendStatus::Payable);
    assert!(f.received(&big_holder(0)).is_empty());
    f.assert_settled();
}

//! Dividend payouts end to end, in process: the issuer declares a dividend
//! on the security chain; a payout cross-tx reserves it there (returning
//! the entitlements read at the record height) and then, as a dependent
//! leg, pays every holder from the payer on the currency chain. Every
//! holder is paid and the dividend marked paid, or nobody is paid and it
//! stays payable.

mod support;

use std::time::Instant;

use prost::Message;
use support::*;
use xcc_chain::testing::{TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::xtx::signed_cross_tx;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as xtx;

const MICROS: u64 = 1_000_000;
use xcc_chain::xtx::MAX_PACKET_AND_ACK_BYTES;
use xcc_security::handler::dividend::{MAX_PAGE_HOLDERS, MAX_PAYOUT_PAGES};

impl Fixture {
    /// Dave's payout of dividend `id`, as clients build it: per page, a leg
    /// that reserves it on the security chain, and a leg that pays what it
    /// returns on the currency chain.
    fn pay(&mut self, id: u64, salt: u8) -> [u8; 32] {
        let dividend = self.dividend(id);
        let legs = xcc_security::payout::legs(SECURITY, &dividend, &self.dave.address.to_string());
        self.pay_with(legs, salt)
    }

    fn pay_with(&mut self, legs: Vec<xtx::Leg>, salt: u8) -> [u8; 32] {
        let cross_tx = xtx::CrossTx {
            legs,
            deadline_ns: self.now() + 120 * BLOCK_INTERVAL_NS,
            salt: vec![salt],
        };
        let signed = signed_cross_tx(cross_tx, &[&self.dave.key]);
        self.submit(&signed)
    }

    fn payment(&self, id: u64) -> cash::DividendPayment {
        let answer: cash::QueryDividendPaymentResponse = self
            .net
            .chain(CURRENCY)
            .query(
                "/xcc.currency.v1.Query/DividendPayment",
                &cash::QueryDividendPaymentRequest {
                    security_chain: SECURITY.into(),
                    dividend_id: id,
                    page: None,
                },
            )
            .unwrap();
        answer.payment.expect("a payment")
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
            page: 0,
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
    assert_audited(&f);
}

#[test]
fn a_full_page_at_the_most_holders_fits_its_packets_and_pays_with_the_rest() {
    // 16,000 holders in pages of the most a page may carry: a full first
    // page of 10,000 and a second of 6,000.
    const HOLDERS: usize = 16_000;
    let mut f = fixture_paged(10, HOLDERS, MAX_PAGE_HOLDERS);
    let to_dave = vec![cash(&f.bob, &f.dave, CASH)];
    ok(&mut f.net, CURRENCY, &[&f.bob], to_dave);
    let id = f.declare(BIG, MICROS);
    assert_eq!(f.dividend(id).pages, 2);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    let record = f.record(&payout);
    assert!(record.commit, "{:?}", record.timeline);
    let largest = record.legs.iter().map(|l| l.result_bytes).max().unwrap();
    let cross_tx = record.signed_cross_tx.as_ref().unwrap().encoded_len() as u64;
    assert!(
        largest + cross_tx < MAX_PACKET_AND_ACK_BYTES as u64,
        "a full page takes {largest} bytes beside a cross-tx of {cross_tx}"
    );
    let paid = f.payment(id);
    assert_eq!((paid.holders, paid.pages, paid.pages_paid), (16_000, 2, 2));
    for index in [0, 9_999, 10_000, HOLDERS - 1] {
        assert_eq!(f.received(&big_holder(index)).len(), 1, "holder {index}");
    }
    assert_eq!(status(&f.dividend(id)), sec::DividendStatus::Paid);
    assert_audited(&f);
}

#[test]
fn a_payout_has_at_most_32_pages() {
    // Pages of one holder: 32 holders take the 64 legs a cross-tx may
    // have; a 33rd holder cannot be paid in one payout and the declaration
    // says so.
    let mut f = fixture_paged(10, MAX_PAYOUT_PAGES as usize, 1);
    let id = f.declare(BIG, MICROS);
    assert_eq!(f.dividend(id).pages, MAX_PAYOUT_PAGES);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    assert!(f.record(&payout).commit);
    assert_eq!(f.payment(id).pages_paid, MAX_PAYOUT_PAGES);
    assert_audited(&f);

    let mut f = fixture_paged(10, MAX_PAYOUT_PAGES as usize + 1, 1);
    let record_height = f.net.chain(SECURITY).height();
    let declare = to_any(&sec::MsgDeclareDividend {
        issuer: f.issuer.address.to_string(),
        symbol: BIG.into(),
        record_height,
        amount_per_unit_micros: MICROS,
        payer: f.dave.address.to_string(),
        denom: "usd".into(),
        currency_chain: CURRENCY.into(),
    });
    let chain = f.net.chains.get_mut(SECURITY).unwrap();
    let tx = chain.tx(&[&f.issuer], vec![declare]);
    let refused = chain.assert_refused(tx);
    assert!(
        refused
            .log
            .contains("33 holders at the record height need 33 pages of 1"),
        "{}",
        refused.log
    );
}

#[test]
fn a_payout_pays_every_page_exactly_once_or_nothing() {
    // Three holders of BIG, one to a page.
    let mut f = fixture_paged(10, 3, 1);
    let id = f.declare(BIG, MICROS);
    let dividend = f.dividend(id);
    assert_eq!(dividend.pages, 3);
    let dave = f.dave.address.to_string();
    let full = || xcc_security::payout::legs(SECURITY, &dividend, &dave);
    let reserve = |page: u32| {
        to_any(&sec::MsgReserveDividend {
            payer: dave.clone(),
            dividend_id: id,
            page,
        })
    };
    // legs 0..3 reserve pages 0..3, legs 3..6 pay them.
    let mut left_out = full();
    left_out.remove(5);
    left_out.remove(2);
    let mut twice = full();
    twice[2].msgs = vec![reserve(1)];
    let mut beyond = full();
    beyond[2].msgs = vec![reserve(3)];
    let mut unpaid = full();
    unpaid[5].depends_on = Some(1);
    let mut paid_twice = full();
    let again = paid_twice[3].clone();
    paid_twice.push(again);
    let shapes = [
        (left_out, "page 2 is not reserved"),
        (twice, "page 1 is reserved twice"),
        (beyond, "it has no page 3"),
        (unpaid, "whose dependent leg pays it"),
        (paid_twice, "whose dependent leg pays it"),
    ];
    for (salt, (legs, reason)) in shapes.into_iter().enumerate() {
        let payout = f.pay_with(legs, salt as u8 + 1);
        f.run_to_done(&[payout]);
        f.assert_aborted(&payout, reason);
        assert_eq!(status(&f.dividend(id)), sec::DividendStatus::Payable);
        f.assert_settled();
    }
    for index in 0..3 {
        assert!(f.received(&big_holder(index)).is_empty());
    }
    assert_eq!(f.cash_of(&f.dave).amount, CASH);

    let payout = f.pay(id, 10);
    f.run_to_done(&[payout]);
    assert!(f.record(&payout).commit);
    for index in 0..3 {
        let received = f.received(&big_holder(index));
        assert_eq!((received.len(), received[0].amount), (1, 1));
    }
    let paid = f.payment(id);
    assert_eq!((paid.total, paid.pages_paid), (3, 3));
    assert_eq!(f.cash_of(&f.dave).amount, CASH - 3);
    assert_audited(&f);
}

#[test]
fn one_page_the_payer_cannot_cover_aborts_every_page() {
    // Dave can pay two of the three pages: the third fails its prepare and
    // the two prepared pages are released on both chains.
    let mut f = fixture_paged(10, 3, 1);
    let spend = vec![cash(&f.dave, &f.bob, CASH - 2)];
    ok(&mut f.net, CURRENCY, &[&f.dave], spend);
    let id = f.declare(BIG, MICROS);
    let payout = f.pay(id, 1);
    f.run_to_done(&[payout]);
    f.assert_aborted(&payout, "needs 1");
    let dividend = f.dividend(id);
    assert_eq!(status(&dividend), sec::DividendStatus::Payable);
    assert_eq!((dividend.total, dividend.reserved_pages), (0, 0));
    assert_eq!(f.cash_of(&f.dave).amount, 2);
    for index in 0..3 {
        assert!(f.received(&big_holder(index)).is_empty());
    }
    f.assert_settled();
}

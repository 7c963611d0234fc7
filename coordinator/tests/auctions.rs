//! Auctions on the three in-process chains: a lot on the security chain,
//! bidders qualified by cross-txs that hold their guarantees in the lot's
//! escrow on the currency chain, bids by block time. Every refusal leaves
//! the lot, the units and the cash as they were.

mod support;

use std::collections::BTreeMap;

use support::*;
use xcc_chain::testing::{TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::TxOutcome;
use xcc_proto::auction::v1 as auction;
use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::{to_any, Any};
use xcc_security::auction::legs::{qualification_legs, settlement_legs};

const GUARANTEE: u64 = 100;

fn english(f: &Fixture, secs: u64) -> auction::Terms {
    let now = f.net.chain(SECURITY).next_block().time_ns;
    auction::Terms {
        kind: Some(auction::terms::Kind::English(auction::English {
            extension_secs: 5,
            max_end_ns: now + (secs + 10) * BLOCK_INTERVAL_NS,
        })),
        start_price: 1_000,
        step_absolute: 100,
        step_basis_points: 0,
        reserve: 0,
        start_ns: now,
        end_ns: now + secs * BLOCK_INTERVAL_NS,
        guarantee: GUARANTEE,
        min_bidders: 2,
        payment_window_secs: 30,
        requires_registration: false,
    }
}

fn create(f: &mut Fixture, seller: &TestKey, units: u64, terms: auction::Terms) -> u64 {
    let msg = to_any(&auction::MsgCreateAuction {
        seller: seller.address.to_string(),
        symbol: SYMBOL.into(),
        units,
        denom: "usd".into(),
        currency_chain: CURRENCY.into(),
        terms: Some(terms),
    });
    ok(&mut f.net, SECURITY, &[seller], vec![msg]);
    let lots: auction::QueryLotsResponse = f
        .net
        .chain(SECURITY)
        .query(
            "/xcc.auction.v1.Query/Lots",
            &auction::QueryLotsRequest { page: None },
        )
        .unwrap();
    lots.lots.last().expect("a lot").id
}

fn lot(f: &Fixture, id: u64) -> auction::Lot {
    f.net
        .chain(SECURITY)
        .query(
            "/xcc.auction.v1.Query/Lot",
            &auction::QueryLotRequest { lot_id: id },
        )
        .unwrap()
}

fn history(f: &Fixture, id: u64) -> Vec<String> {
    let answer: auction::QueryLotHistoryResponse = f
        .net
        .chain(SECURITY)
        .query(
            "/xcc.auction.v1.Query/LotHistory",
            &auction::QueryLotHistoryRequest {
                lot_id: id,
                page: None,
            },
        )
        .unwrap();
    answer.events.into_iter().map(|e| e.kind).collect()
}

fn qualify_msg(bidder: &TestKey, lot_id: u64) -> Any {
    to_any(&auction::MsgQualifyBidder {
        bidder: bidder.address.to_string(),
        lot_id,
    })
}

fn guarantee_msg(bidder: &TestKey, lot_id: u64, amount: u64) -> Any {
    to_any(&cash_pb::MsgHoldGuarantee {
        bidder: bidder.address.to_string(),
        security_chain: SECURITY.into(),
        lot_id,
        denom: "usd".into(),
        amount,
    })
}

/// Runs a qualification cross-tx of these legs to its end; whether it
/// committed.
fn run_cross_tx(
    f: &mut Fixture,
    bidder: &TestKey,
    legs: Vec<xcc_proto::xtx::v1::Leg>,
    salt: u8,
) -> bool {
    let signed = f.signed(legs, &[bidder], salt);
    let id = f.submit(&signed);
    f.run_to_done(&[id]);
    f.record(&id).commit
}

/// A qualification in the shape the CLI builds.
fn qualify(f: &mut Fixture, bidder: &TestKey, lot_id: u64, salt: u8) -> bool {
    let shown = lot(f, lot_id);
    let legs = qualification_legs(SECURITY, &shown, &bidder.address.to_string());
    run_cross_tx(f, bidder, legs, salt)
}

fn escrow_balance(f: &Fixture, lot_id: u64) -> u64 {
    escrow_of(&f.net, lot_id)
}

fn escrow_of(net: &xcc_chain::testing::TestNetwork, lot_id: u64) -> u64 {
    let escrow = xcc_currency::escrow::escrow_account(SECURITY, lot_id);
    let answer: cash_pb::QueryBalanceResponse = net
        .chain(CURRENCY)
        .query(
            "/xcc.currency.v1.Query/Balance",
            &cash_pb::QueryBalanceRequest {
                account: escrow.to_string(),
                denom: "usd".into(),
            },
        )
        .unwrap();
    answer.amount
}

/// Cash sums to the supply, the lot's escrow counted.
fn assert_cash_conserved(f: &Fixture, lot_id: u64) {
    let accounts = [&f.issuer, &f.alice, &f.bob, &f.carol, &f.dave];
    let held: u64 = accounts.iter().map(|k| f.cash_of(k).amount).sum();
    assert_eq!(held + escrow_balance(f, lot_id), 4 * CASH);
    assert!(accounts.iter().all(|k| f.cash_of(k).reserved == 0));
}

/// The guarantee records of a lot in escrow.
fn guarantees(f: &Fixture, lot_id: u64) -> Vec<cash_pb::Guarantee> {
    let answer: cash_pb::QueryGuaranteesResponse = f
        .net
        .chain(CURRENCY)
        .query(
            "/xcc.currency.v1.Query/Guarantees",
            &cash_pb::QueryGuaranteesRequest {
                security_chain: SECURITY.into(),
                lot_id,
                page: None,
            },
        )
        .unwrap();
    answer.guarantees
}

fn guarantee(status: auction::GuaranteeStatus) -> i32 {
    status as i32
}

fn submit(f: &mut Fixture, signer: &TestKey, msg: Any) -> TxOutcome {
    f.net.submit(SECURITY, &[signer], vec![msg])
}

fn bid(bidder: &TestKey, lot_id: u64, amount: u64) -> Any {
    to_any(&auction::MsgBid {
        bidder: bidder.address.to_string(),
        lot_id,
        amount,
    })
}

fn close(signer: &TestKey, lot_id: u64) -> Any {
    to_any(&auction::MsgCloseAuction {
        signer: signer.address.to_string(),
        lot_id,
    })
}

fn cancel(seller: &TestKey, lot_id: u64) -> Any {
    to_any(&auction::MsgCancelAuction {
        seller: seller.address.to_string(),
        lot_id,
    })
}

#[test]
fn bidders_qualify_by_a_cross_tx_that_holds_their_guarantee_in_escrow() {
    let mut f = fixture(10);
    let before = f.units_of(&f.alice).amount;
    let terms = english(&f, 120);
    let id = create(&mut f, &TestKey::from_seed(3), 10, terms);
    assert_eq!(
        f.units_of(&f.alice).reserved,
        10,
        "the lot's units are reserved"
    );

    let (bob, carol, dave) = (
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    assert!(qualify(&mut f, &bob, id, 1));
    assert!(qualify(&mut f, &carol, id, 2));
    assert_eq!(escrow_balance(&f, id), 2 * GUARANTEE);
    let escrowed = guarantees(&f, id);
    assert_eq!(escrowed.len(), 2);
    let escrow = xcc_currency::escrow::escrow_account(SECURITY, id).to_string();
    assert!(escrowed
        .iter()
        .all(|g| g.amount == GUARANTEE && g.escrow == escrow && g.lot_id == id));
    let unnamed = f
        .net
        .chain(CURRENCY)
        .query::<cash_pb::QueryGuaranteesResponse>(
            "/xcc.currency.v1.Query/Guarantees",
            &cash_pb::QueryGuaranteesRequest {
                security_chain: String::new(),
                lot_id: id,
                page: None,
            },
        );
    assert!(unnamed.is_err(), "a lot without its chain is refused");
    assert_eq!(f.cash_of(&bob).amount, CASH - GUARANTEE);
    let bidders = lot(&f, id).bidders;
    assert_eq!(bidders.len(), 2);
    assert!(bidders
        .iter()
        .all(|b| b.guarantee == guarantee(auction::GuaranteeStatus::Held)));

    // Dave is not whitelisted: his qualification aborts, his cash stays.
    assert!(!qualify(&mut f, &dave, id, 3));
    // Bob again: he has his place already.
    assert!(!qualify(&mut f, &bob, id, 4));
    // A guarantee of the wrong amount, or held with no qualification
    // beside it, or a qualification with no guarantee: aborted.
    let wrong = vec![
        leg(SECURITY, vec![qualify_msg(&carol, id)], None),
        leg(
            CURRENCY,
            vec![guarantee_msg(&carol, id, GUARANTEE - 1)],
            None,
        ),
    ];
    assert!(!run_cross_tx(&mut f, &carol, wrong, 5));
    let alone = vec![leg(
        CURRENCY,
        vec![guarantee_msg(&carol, id, GUARANTEE)],
        None,
    )];
    assert!(!run_cross_tx(&mut f, &carol, alone, 6));
    let bare = vec![leg(SECURITY, vec![qualify_msg(&dave, id)], None)];
    assert!(!run_cross_tx(&mut f, &dave, bare, 7));
    assert_eq!(f.cash_of(&dave).amount, CASH);
    assert_eq!(f.cash_of(&carol).amount, CASH - GUARANTEE);
    assert_eq!(escrow_balance(&f, id), 2 * GUARANTEE);
    assert_eq!(lot(&f, id).bidders.len(), 2);
    // A qualification is only ever a leg.
    let direct = submit(&mut f, &bob, qualify_msg(&bob, id));
    assert!(direct.log.contains("only valid as a leg"), "{}", direct.log);
    assert_eq!(f.units_of(&f.alice).amount, before);
    assert_cash_conserved(&f, id);
    assert_audited(&f);
}

#[test]
fn an_english_auction_extends_on_a_late_bid_and_awards_the_best() {
    let mut f = fixture(10);
    let terms = english(&f, 40);
    let id = create(&mut f, &TestKey::from_seed(3), 10, terms);
    let (bob, carol, dave) = (
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    assert!(qualify(&mut f, &bob, id, 1));
    assert!(qualify(&mut f, &carol, id, 2));

    let ok_bid = submit(&mut f, &bob, bid(&bob, id, 1_000));
    assert!(ok_bid.is_ok(), "{}", ok_bid.log);
    // Refused, each with what it expected, and nothing changes.
    let unchanged = lot(&f, id);
    let low = submit(&mut f, &carol, bid(&carol, id, 1_050));
    assert!(low.log.contains("must be at least 1100"), "{}", low.log);
    let stranger = submit(&mut f, &dave, bid(&dave, id, 5_000));
    assert!(stranger.log.contains("not qualified"), "{}", stranger.log);
    let seller = submit(
        &mut f,
        &TestKey::from_seed(3),
        bid(&TestKey::from_seed(3), id, 5_000),
    );
    assert!(!seller.is_ok());
    let early = submit(&mut f, &dave, close(&dave, id));
    assert!(early.log.contains("is accepted from"), "{}", early.log);
    assert_eq!(lot(&f, id), unchanged);

    // Carol bids in the last five seconds: the end moves by five.
    let end = unchanged.end_ns;
    while f.net.chain(SECURITY).next_block().time_ns < end - 3 * BLOCK_INTERVAL_NS {
        f.net.step(BTreeMap::new());
    }
    let late = submit(&mut f, &carol, bid(&carol, id, 1_100));
    assert!(late.is_ok(), "{}", late.log);
    assert_eq!(lot(&f, id).end_ns, end + 5 * BLOCK_INTERVAL_NS);

    while f.net.chain(SECURITY).next_block().time_ns < end + 5 * BLOCK_INTERVAL_NS {
        f.net.step(BTreeMap::new());
    }
    let closed = submit(&mut f, &dave, close(&dave, id));
    assert!(closed.is_ok(), "{}", closed.log);
    let awarded = lot(&f, id);
    assert_eq!(awarded.phase, auction::LotPhase::Awarded as i32);
    assert_eq!(
        (awarded.winner, awarded.price),
        (carol.address.to_string(), 1_100)
    );
    assert_eq!(
        history(&f, id),
        [
            "created",
            "qualified",
            "qualified",
            "bid",
            "bid",
            "extended",
            "awarded"
        ]
    );
    assert_cash_conserved(&f, id);
    assert_audited(&f);
}

#[test]
fn a_lot_cancelled_before_any_bid_gives_the_seller_back_the_units() {
    let mut f = fixture(10);
    let alice = TestKey::from_seed(3);
    let terms = english(&f, 40);
    let id = create(&mut f, &alice, 10, terms);
    let bob = TestKey::from_seed(4);
    assert!(qualify(&mut f, &bob, id, 1));
    let stranger = submit(&mut f, &bob, cancel(&bob, id));
    assert!(stranger.log.contains("only the seller"), "{}", stranger.log);
    let cancelled = submit(&mut f, &alice, cancel(&alice, id));
    assert!(cancelled.is_ok(), "{}", cancelled.log);
    assert_eq!(f.units_of(&alice).reserved, 0);
    // Bob's guarantee comes back from escrow by the lot's packet.
    f.net.run_until(10, |net| escrow_of(net, id) == 0);
    assert_eq!(f.cash_of(&bob).amount, CASH);
    assert!(
        guarantees(&f, id).is_empty(),
        "no record outlives its guarantee"
    );
    let lot = lot(&f, id);
    assert_eq!(lot.phase, auction::LotPhase::Cancelled as i32);
    assert_eq!(
        lot.bidders[0].guarantee,
        guarantee(auction::GuaranteeStatus::Released)
    );
    // Bad terms are refused with what is wrong, and reserve nothing.
    let mut terms = english(&f, 40);
    terms.end_ns = terms.start_ns;
    let refused = f.net.submit(
        SECURITY,
        &[&alice],
        vec![to_any(&auction::MsgCreateAuction {
            seller: alice.address.to_string(),
            symbol: SYMBOL.into(),
            units: 10,
            denom: "usd".into(),
            currency_chain: CURRENCY.into(),
            terms: Some(terms),
        })],
    );
    assert!(
        refused.log.contains("must end after it starts"),
        "{}",
        refused.log
    );
    assert_eq!(f.units_of(&alice).reserved, 0);
    assert_audited(&f);
}

/// A lot of alice's 10 units, closed: bob bid 1,000 and carol
/// `carol_bids`, so carol is awarded it.
fn awarded_lot(f: &mut Fixture, carol_bids: u64) -> u64 {
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    let terms = english(f, 40);
    let id = create(f, &alice, 10, terms);
    assert!(qualify(f, &bob, id, 1));
    assert!(qualify(f, &carol, id, 2));
    assert!(submit(f, &bob, bid(&bob, id, 1_000)).is_ok());
    assert!(submit(f, &carol, bid(&carol, id, carol_bids)).is_ok());
    let until = lot(f, id).end_ns;
    wait_until(f, until);
    assert!(submit(f, &dave, close(&dave, id)).is_ok());
    id
}

/// Steps until the security chain's next block is at `time_ns` or later.
fn wait_until(f: &mut Fixture, time_ns: u64) {
    while f.net.chain(SECURITY).next_block().time_ns < time_ns {
        f.net.step(BTreeMap::new());
    }
}

#[test]
fn winners_who_do_not_pay_forfeit_to_the_seller_and_a_failed_lot_pays_back_the_rest() {
    let mut f = fixture(10);
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    let id = awarded_lot(&mut f, 1_100);
    assert_eq!(lot(&f, id).winner, carol.address.to_string());
    // Carol does not settle in her window: her guarantee goes to the
    // seller, and bob is offered the lot at his bid.
    let early = submit(&mut f, &dave, close(&dave, id));
    assert!(early.log.contains("payment window"), "{}", early.log);
    let until = lot(&f, id).pay_by_ns;
    wait_until(&mut f, until);
    assert!(submit(&mut f, &dave, close(&dave, id)).is_ok());
    let passed = lot(&f, id);
    assert_eq!(
        (passed.winner, passed.price),
        (bob.address.to_string(), 1_000)
    );
    // Bob does not either: the lot fails, nobody paid.
    wait_until(&mut f, passed.pay_by_ns);
    assert!(submit(&mut f, &dave, close(&dave, id)).is_ok());
    let failed = lot(&f, id);
    assert_eq!(failed.phase, auction::LotPhase::Failed as i32);
    assert_eq!(failed.failure, auction::Failure::NobodyPaid as i32);
    f.net.run_until(10, |net| escrow_of(net, id) == 0);
    assert_eq!(f.cash_of(&alice).amount, CASH + 2 * GUARANTEE);
    assert_eq!(f.cash_of(&bob).amount, CASH - GUARANTEE);
    assert_eq!(f.cash_of(&carol).amount, CASH - GUARANTEE);
    assert_eq!(f.units_of(&alice).reserved, 0, "the units are back");
    assert_cash_conserved(&f, id);

    // Too few bidders: every guarantee goes back.
    let mut terms = english(&f, 40);
    terms.min_bidders = 3;
    let short = create(&mut f, &alice, 10, terms);
    assert!(qualify(&mut f, &bob, short, 3));
    assert!(qualify(&mut f, &carol, short, 4));
    assert_eq!(escrow_balance(&f, short), 2 * GUARANTEE);
    let until = lot(&f, short).end_ns;
    wait_until(&mut f, until);
    assert!(submit(&mut f, &dave, close(&dave, short)).is_ok());
    assert_eq!(
        lot(&f, short).failure,
        auction::Failure::TooFewBidders as i32
    );
    f.net.run_until(10, |net| escrow_of(net, short) == 0);
    assert_eq!(f.cash_of(&bob).amount, CASH - GUARANTEE);
    assert_eq!(f.cash_of(&carol).amount, CASH - GUARANTEE);
    f.assert_settled();
    assert_audited(&f);
}

#[test]
fn a_disposition_that_overtakes_its_guarantee_waits_for_it() {
    let mut f = fixture(10);
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    let mut terms = english(&f, 30);
    terms.min_bidders = 1;
    let id = create(&mut f, &alice, 10, terms);
    assert!(qualify(&mut f, &bob, id, 1));
    assert!(submit(&mut f, &bob, bid(&bob, id, 1_000)).is_ok());
    // Carol's qualification is voted, but neither chain learns the
    // decision until the lot has closed.
    let legs = vec![
        leg(SECURITY, vec![qualify_msg(&carol, id)], None),
        leg(CURRENCY, vec![guarantee_msg(&carol, id, GUARANTEE)], None),
    ];
    let signed = f.signed(legs, &[&carol], 2);
    let tx = f.submit(&signed);
    f.net.run_until(20, |net| {
        let record: xcc_proto::coordinator::v1::CrossTxRecord = net
            .chain(COORDINATOR)
            .query(
                "/xcc.coordinator.v1.Query/CrossTx",
                &xcc_proto::coordinator::v1::QueryCrossTxRequest { tx_id: tx.to_vec() },
            )
            .unwrap();
        record.phase != coord_phase_preparing()
    });
    for chain in [SECURITY, CURRENCY] {
        f.net
            .blocked
            .push((COORDINATOR.to_owned(), chain.to_owned()));
    }
    let until = lot(&f, id).end_ns;
    wait_until(&mut f, until);
    assert!(submit(&mut f, &dave, close(&dave, id)).is_ok());
    assert_eq!(lot(&f, id).winner, bob.address.to_string());
    // The security chain commits first: carol's place is released at once,
    // and the escrow hears of it before it holds her guarantee.
    f.net.blocked.retain(|path| path.1 != SECURITY);
    f.net.run_until(10, |net| {
        lot_of(net, id).bidders.iter().any(|b| {
            b.bidder == carol.address.to_string()
                && b.guarantee == auction::GuaranteeStatus::Released as i32
        })
    });
    for _ in 0..3 {
        f.net.step(BTreeMap::new());
    }
    assert_eq!(f.cash_of(&carol).reserved, GUARANTEE, "still prepared");
    // Then the currency chain commits, and pays her back on the spot.
    f.net.blocked.clear();
    f.run_to_done(&[tx]);
    assert_eq!(f.cash_of(&carol).amount, CASH);
    assert_eq!(f.cash_of(&carol).reserved, 0);
    assert_eq!(escrow_balance(&f, id), GUARANTEE, "bob's stays: he won");
    assert_cash_conserved(&f, id);
    assert_audited(&f);
}

fn lot_of(net: &xcc_chain::testing::TestNetwork, id: u64) -> auction::Lot {
    net.chain(SECURITY)
        .query(
            "/xcc.auction.v1.Query/Lot",
            &auction::QueryLotRequest { lot_id: id },
        )
        .unwrap()
}

fn coord_phase_preparing() -> i32 {
    xcc_proto::coordinator::v1::Phase::Preparing as i32
}

/// The winner's settlement cross-tx in the shape the CLI builds: the
/// units for the price, both or neither; whether it committed.
fn settle(f: &mut Fixture, winner: &TestKey, lot_id: u64, salt: u8) -> bool {
    let shown = lot(f, lot_id);
    let legs = settlement_legs(SECURITY, &shown, &winner.address.to_string());
    run_cross_tx(f, winner, legs, salt)
}

#[test]
fn a_winner_who_cannot_pay_forfeits_and_the_next_best_buys_atomically() {
    let mut f = fixture(10);
    let (alice, bob, carol) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
    );
    let units_before = f.units_of(&alice).amount;
    // More than carol has: her settlement must abort.
    let id = awarded_lot(&mut f, 10_500);
    // Only the winner settles.
    assert!(!settle(&mut f, &bob, id, 3));
    assert!(!settle(&mut f, &carol, id, 4), "carol cannot pay");
    let passed = lot(&f, id);
    assert_eq!(
        (passed.winner, passed.price),
        (bob.address.to_string(), 1_000)
    );
    assert!(settle(&mut f, &bob, id, 5));
    let sold = lot(&f, id);
    assert_eq!(sold.phase, auction::LotPhase::Sold as i32);
    assert_eq!(f.units_of(&bob).amount, 10);
    assert_eq!(f.units_of(&alice).amount, units_before - 10);
    f.net.run_until(10, |net| escrow_of(net, id) == 0);
    assert!(
        guarantees(&f, id).is_empty(),
        "applied and forfeited: none left"
    );
    // Alice: bob's price (his guarantee counted) and carol's forfeit.
    assert_eq!(f.cash_of(&alice).amount, CASH + 1_000 + GUARANTEE);
    assert_eq!(f.cash_of(&bob).amount, CASH - 1_000);
    assert_eq!(f.cash_of(&carol).amount, CASH - GUARANTEE);
    let steps = history(&f, id);
    assert!(
        steps.ends_with(&["applied".to_owned(), "sold".to_owned()]),
        "{steps:?}"
    );
    // Over: nothing more settles it.
    assert!(!settle(&mut f, &bob, id, 6));
    f.assert_settled();
    assert_audited(&f);
}

fn settle_msg(winner: &TestKey, lot_id: u64) -> Any {
    to_any(&auction::MsgSettleLot {
        winner: winner.address.to_string(),
        lot_id,
    })
}

fn pay_msg(winner: &TestKey, lot_id: u64) -> Any {
    to_any(&cash_pb::MsgPayLot {
        winner: winner.address.to_string(),
        security_chain: SECURITY.into(),
        lot_id,
    })
}

#[test]
fn hand_built_settlements_never_pay_out_of_another_bidders_guarantee() {
    let mut f = fixture(10);
    let (alice, bob, carol) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
    );
    let id = awarded_lot(&mut f, 1_100);
    // Without a settling leg nothing is held: the lot stays carol's.
    let unsettled = [
        vec![leg(CURRENCY, vec![pay_msg(&carol, id)], None)],
        vec![
            leg(SECURITY, vec![bid(&carol, id, 5_000)], None),
            leg(CURRENCY, vec![pay_msg(&carol, id)], Some(0)),
        ],
    ];
    for (salt, legs) in unsettled.into_iter().enumerate() {
        assert!(
            !run_cross_tx(&mut f, &carol, legs, 10 + salt as u8),
            "shape {salt}"
        );
        assert_eq!(escrow_balance(&f, id), 2 * GUARANTEE, "shape {salt}");
        assert_eq!(guarantees(&f, id).len(), 2, "shape {salt}");
        let still = lot(&f, id);
        assert_eq!(still.winner, carol.address.to_string(), "shape {salt}");
        assert!(still.settling.is_empty(), "shape {salt}");
    }
    assert_eq!(f.cash_of(&alice).amount, CASH);

    // Two payments of one settlement: the second would pay the seller out
    // of bob's guarantee. Refused, it is carol's settlement that failed: she
    // forfeits hers, and bob's stays in escrow.
    let double = vec![
        leg(SECURITY, vec![settle_msg(&carol, id)], None),
        leg(CURRENCY, vec![pay_msg(&carol, id)], Some(0)),
        leg(CURRENCY, vec![pay_msg(&carol, id)], Some(0)),
    ];
    assert!(!run_cross_tx(&mut f, &carol, double, 20));
    f.net.run_until(10, |net| escrow_of(net, id) == GUARANTEE);
    assert_eq!(f.cash_of(&alice).amount, CASH + GUARANTEE);
    assert_eq!(f.cash_of(&carol).amount, CASH - GUARANTEE);
    let passed = guarantees(&f, id);
    assert_eq!(passed.len(), 1);
    assert_eq!(passed[0].bidder, bob.address.to_string());
    assert_eq!(lot(&f, id).winner, bob.address.to_string());

    // A payment that does not depend on its settlement: refused the same.
    let undepended = vec![
        leg(SECURITY, vec![settle_msg(&bob, id)], None),
        leg(CURRENCY, vec![pay_msg(&bob, id)], None),
    ];
    assert!(!run_cross_tx(&mut f, &bob, undepended, 21));
    f.net.run_until(10, |net| escrow_of(net, id) == 0);
    assert_eq!(lot(&f, id).phase, auction::LotPhase::Failed as i32);
    assert_eq!(f.cash_of(&alice).amount, CASH + 2 * GUARANTEE);
    assert_eq!(f.cash_of(&bob).amount, CASH - GUARANTEE);
    f.assert_settled();
    assert_audited(&f);
}

/// Dave's platform p1, registered on its receipt.
fn register_platform(f: &mut Fixture, operator: &TestKey) {
    use xcc_security::trust::receipt::{PlatformKeys, Purpose};
    let keys = PlatformKeys {
        validator_key: TestKey::from_seed(32).key.verification_key().to_bytes(),
        operator: operator.address,
    };
    let signed = receipt(
        f,
        "p1",
        Purpose::PlatformRegistration,
        operator,
        0,
        Some(keys),
    );
    let platform = to_any(&xcc_proto::trust::v1::MsgRegisterPlatform {
        submitter: operator.address.to_string(),
        receipt: Some(signed),
    });
    ok(&mut f.net, SECURITY, &[operator], vec![platform]);
}

/// `who` registers for `lot` on a receipt of a fee paid through p1.
fn register_bidder(f: &mut Fixture, who: &TestKey, receipt_id: &str, lot: u64) {
    use xcc_security::trust::receipt::Purpose;
    let signed = receipt(f, receipt_id, Purpose::BidderRegistration, who, lot, None);
    let register = to_any(&xcc_proto::trust::v1::MsgRegisterBidder {
        submitter: who.address.to_string(),
        receipt: Some(signed),
    });
    ok(&mut f.net, SECURITY, &[who], vec![register]);
}

/// A receipt of the fixture's bank, for `payer` through platform "p1".
fn receipt(
    f: &Fixture,
    id: &str,
    purpose: xcc_security::trust::receipt::Purpose,
    payer: &TestKey,
    lot: u64,
    platform_keys: Option<xcc_security::trust::receipt::PlatformKeys>,
) -> xcc_proto::trust::v1::SignedReceipt {
    let now = f.net.chain(SECURITY).next_block().time_ns;
    let receipt = xcc_security::trust::receipt::Receipt {
        bank: receipt_bank().key.verification_key().to_bytes(),
        id: id.into(),
        purpose,
        payer: payer.address,
        platform: "p1".into(),
        lot,
        amount: 50,
        denom: "usd".into(),
        issued_at_ns: now - BLOCK_INTERVAL_NS,
        expires_at_ns: now + 100 * BLOCK_INTERVAL_NS,
        platform_keys,
        kyc_expires_at_ns: 0,
    };
    xcc_security::trust::receipt::sign(&receipt_bank().key, SECURITY, &receipt)
}

#[test]
fn a_lot_that_requires_registration_qualifies_only_bidders_registered_on_a_receipt() {
    use xcc_proto::trust::v1 as trust;
    let mut f = fixture(10);
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    let mut terms = english(&f, 40);
    terms.requires_registration = true;
    terms.min_bidders = 1;
    let id = create(&mut f, &alice, 10, terms);
    // Unregistered, bob's qualification aborts and leaves no place.
    assert!(!qualify(&mut f, &bob, id, 1));
    assert!(lot(&f, id).bidders.is_empty());

    // Dave runs platform p1, registered on its receipt.
    register_platform(&mut f, &dave);
    // Bob pays the lot's registration fee through p1; his receipt registers him.
    register_bidder(&mut f, &bob, "fee-bob", id);
    assert!(qualify(&mut f, &bob, id, 2));
    assert!(!qualify(&mut f, &carol, id, 3), "carol is not registered");
    let bidders: Vec<String> = lot(&f, id)
        .bidders
        .iter()
        .map(|b| b.bidder.clone())
        .collect();
    assert_eq!(bidders, [bob.address.to_string()]);
    let trust: trust::QueryLotTrustResponse = f
        .net
        .chain(SECURITY)
        .query(
            "/xcc.trust.v1.Query/LotTrust",
            &trust::QueryLotTrustRequest { lot_id: id },
        )
        .unwrap();
    assert_eq!(trust.shares.len(), 1);
    assert_eq!(
        (trust.shares[0].fees, trust.shares[0].share_bp),
        (50, 10_000)
    );
    // The lot is still open: its units stay reserved.
    assert_audited(&f);
}

#[test]
fn a_lot_without_a_guarantee_qualifies_on_registration_receipts_and_sells_for_the_whole_price() {
    let mut f = fixture(10);
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    // Without a guarantee, a lot must take registered bidders.
    let mut terms = english(&f, 40);
    terms.guarantee = 0;
    let refused = submit(
        &mut f,
        &alice,
        to_any(&auction::MsgCreateAuction {
            seller: alice.address.to_string(),
            symbol: SYMBOL.into(),
            units: 10,
            denom: "usd".into(),
            currency_chain: CURRENCY.into(),
            terms: Some(terms),
        }),
    );
    assert!(
        refused.log.contains("must require registration"),
        "{}",
        refused.log
    );
    let mut terms = english(&f, 40);
    terms.guarantee = 0;
    terms.requires_registration = true;
    terms.min_bidders = 2;
    let id = create(&mut f, &alice, 10, terms);
    let units_before = f.units_of(&alice).amount;

    register_platform(&mut f, &dave);
    // Each registration qualifies its payer at once: nothing goes to escrow.
    for (who, name) in [(&bob, "fee-bob"), (&carol, "fee-carol")] {
        register_bidder(&mut f, who, name, id);
    }
    let qualified = lot(&f, id);
    assert_eq!(qualified.bidders.len(), 2);
    assert!(qualified
        .bidders
        .iter()
        .all(|b| b.guarantee == guarantee(auction::GuaranteeStatus::Held)));
    assert_eq!(escrow_balance(&f, id), 0);

    assert!(submit(&mut f, &bob, bid(&bob, id, 1_000)).is_ok());
    assert!(submit(&mut f, &carol, bid(&carol, id, 1_100)).is_ok());
    let until = lot(&f, id).end_ns;
    wait_until(&mut f, until);
    assert!(submit(&mut f, &dave, close(&dave, id)).is_ok());
    assert_eq!(lot(&f, id).winner, carol.address.to_string());
    assert!(settle(&mut f, &carol, id, 2));
    let sold = lot(&f, id);
    assert_eq!(sold.phase, auction::LotPhase::Sold as i32);
    assert_eq!(f.units_of(&carol).amount, 10);
    assert_eq!(f.units_of(&alice).amount, units_before - 10);
    // The whole price from carol's cash; bob paid nothing and gets nothing back.
    assert_eq!(f.cash_of(&alice).amount, CASH + 1_100);
    assert_eq!(f.cash_of(&carol).amount, CASH - 1_100);
    assert_eq!(f.cash_of(&bob).amount, CASH);
    assert!(guarantees(&f, id).is_empty());
    f.assert_settled();
    assert_audited(&f);
}

#[test]
fn a_trust_message_in_a_cross_tx_leg_is_refused_at_intake() {
    use xcc_security::trust::receipt::Purpose;
    let mut f = fixture(10);
    let (alice, bob, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(6),
    );
    let mut terms = english(&f, 40);
    terms.requires_registration = true;
    let id = create(&mut f, &alice, 10, terms);
    register_platform(&mut f, &dave);
    let signed = receipt(&f, "leg", Purpose::BidderRegistration, &bob, id, None);
    let leg = xcc_proto::xtx::v1::Leg {
        chain_id: SECURITY.into(),
        msgs: vec![to_any(&xcc_proto::trust::v1::MsgRegisterBidder {
            submitter: bob.address.to_string(),
            receipt: Some(signed),
        })],
        depends_on: None,
    };
    // Refused at intake, with why, and the coordinator's state unchanged.
    let signed = f.signed(vec![leg], &[&bob], 1);
    let refused = f.refused_at_intake(&signed);
    assert!(
        refused.log.contains("no participant chain handles"),
        "{}",
        refused.log
    );
    // Nothing registered: bob's qualification is still refused.
    assert!(!qualify(&mut f, &bob, id, 2));
    assert!(lot(&f, id).bidders.is_empty());
    assert_audited(&f);
}

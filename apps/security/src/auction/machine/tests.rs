use super::*;
use crate::auction::terms::Step as PriceStep;

const SECOND: u64 = 1_000_000_000;
const START: u64 = 100 * SECOND;
const END: u64 = 160 * SECOND;

fn address(seed: u8) -> Address {
    Address::from_public_key(&ed25519_consensus::SigningKey::from([seed; 32]).verification_key())
}

fn seller() -> Address {
    address(1)
}

fn terms(kind: Kind) -> Terms {
    Terms {
        kind,
        start_price: 1_000,
        step: PriceStep {
            absolute: 100,
            basis_points: 0,
        },
        reserve: 0,
        start_ns: START,
        end_ns: END,
        guarantee: 100,
        min_bidders: 1,
        payment_window_ns: 30 * SECOND,
        requires_registration: false,
    }
}

fn english() -> Kind {
    Kind::English {
        extension_ns: 10 * SECOND,
        max_end_ns: 175 * SECOND,
    }
}

fn sealed(second_price: bool) -> Kind {
    Kind::Sealed {
        reveal_ns: 20 * SECOND,
        second_price,
    }
}

/// A lot of `kind` with `bidders` qualified.
fn lot(kind: Kind, bidders: &[Address]) -> Lot {
    let mut lot = Lot::new(7, seller(), terms(kind));
    for bidder in bidders {
        lot = ok(&lot, Input::Qualify { bidder: *bidder }, START - SECOND).0;
        let held = Input::Qualified {
            bidder: *bidder,
            held: true,
        };
        lot = ok(&lot, held, START - SECOND).0;
    }
    lot
}

fn ok(lot: &Lot, input: Input, now_ns: u64) -> (Lot, Vec<Output>) {
    lot.apply(input.clone(), now_ns)
        .unwrap_or_else(|e| panic!("{input:?} at {now_ns}: {e}"))
}

fn refused(lot: &Lot, input: Input, now_ns: u64) -> Refusal {
    lot.apply(input, now_ns).unwrap_err()
}

fn bid(bidder: Address, amount: u64) -> Input {
    Input::Bid { bidder, amount }
}

fn awarded(lot: &Lot) -> Award {
    match lot.phase {
        Phase::Awarded(award) => award,
        ref other => panic!("not awarded: {other:?}"),
    }
}

fn dispositions(outputs: &[Output]) -> Vec<(Address, Guarantee)> {
    outputs
        .iter()
        .filter_map(|o| match o {
            Output::Guarantee {
                bidder,
                disposition,
            } => Some((*bidder, *disposition)),
            _ => None,
        })
        .collect()
}

#[test]
fn english_bids_rise_by_the_step_and_the_best_wins_at_its_price() {
    let (a, b) = (address(2), address(3));
    let lot0 = lot(english(), &[a, b]);
    assert!(matches!(
        refused(&lot0, bid(a, 999), START),
        Refusal::BidTooLow { minimum: 1_000, .. }
    ));
    let (lot1, _) = ok(&lot0, bid(a, 1_000), START);
    assert!(matches!(
        refused(&lot1, bid(b, 1_099), START + SECOND),
        Refusal::BidTooLow { minimum: 1_100, .. }
    ));
    let (lot2, _) = ok(&lot1, bid(b, 1_100), START + SECOND);
    // Before the start and at the end, no bid counts.
    assert!(matches!(
        refused(&lot0, bid(a, 1_000), START - 1),
        Refusal::OutsideWindow { .. }
    ));
    assert!(matches!(
        refused(&lot2, bid(a, 2_000), END),
        Refusal::OutsideWindow { .. }
    ));
    // Not yet closed before the end.
    assert!(matches!(
        refused(&lot2, Input::Close, END - 1),
        Refusal::OutsideWindow { .. }
    ));
    let (closed, outputs) = ok(&lot2, Input::Close, END);
    let award = awarded(&closed);
    assert_eq!((award.winner, award.price), (b, 1_100));
    assert_eq!(award.pay_by_ns, END + 30 * SECOND);
    assert!(
        dispositions(&outputs).is_empty(),
        "guarantees stay held until paid"
    );
}

#[test]
fn a_late_english_bid_extends_the_end_but_never_past_max_end() {
    let (a, b) = (address(2), address(3));
    let (lot1, outputs) = ok(&lot(english(), &[a, b]), bid(a, 1_000), END - 5 * SECOND);
    assert_eq!(lot1.end_ns, END + 10 * SECOND);
    assert_eq!(
        outputs,
        vec![Output::Extended {
            end_ns: END + 10 * SECOND
        }]
    );
    // A bid before the last 10 seconds extends nothing.
    let (early, outputs) = ok(&lot(english(), &[a]), bid(a, 1_000), END - 11 * SECOND);
    assert_eq!((early.end_ns, outputs), (END, Vec::new()));
    let (lot2, _) = ok(&lot1, bid(b, 1_100), END + 5 * SECOND);
    assert_eq!(lot2.end_ns, 175 * SECOND, "capped at max_end");
    let (lot3, outputs) = ok(&lot2, bid(a, 1_200), 174 * SECOND);
    assert_eq!((lot3.end_ns, outputs), (175 * SECOND, Vec::new()));
    assert!(matches!(
        refused(&lot3, bid(b, 2_000), 175 * SECOND),
        Refusal::OutsideWindow { .. }
    ));
}

#[test]
fn only_qualified_bidders_holding_a_guarantee_bid() {
    let (a, stranger) = (address(2), address(9));
    let lot0 = lot(english(), &[a]);
    assert!(matches!(
        refused(&lot0, bid(stranger, 1_000), START),
        Refusal::NotQualified { .. }
    ));
    assert!(matches!(
        refused(&lot0, Input::Qualify { bidder: a }, START),
        Refusal::AlreadyQualified { .. }
    ));
    assert!(matches!(
        refused(&lot0, Input::Qualify { bidder: seller() }, START),
        Refusal::SellerBids { .. }
    ));
    assert!(matches!(
        refused(&lot0, Input::Qualify { bidder: stranger }, END),
        Refusal::OutsideWindow { .. }
    ));
    // A winner who did not pay lost the guarantee: no second bid.
    let (lot1, _) = ok(&lot0, bid(a, 1_000), START);
    let (closed, _) = ok(&lot1, Input::Close, END);
    let (failed, outputs) = ok(&closed, Input::Close, END + 30 * SECOND);
    assert_eq!(failed.phase, Phase::Failed(Failure::NobodyPaid));
    assert_eq!(dispositions(&outputs), vec![(a, Guarantee::Forfeited)]);
    assert!(outputs.contains(&Output::ReturnUnits));
    let mut reopened = failed.clone();
    reopened.phase = Phase::Bidding;
    assert!(matches!(
        refused(&reopened, bid(a, 2_000), START),
        Refusal::GuaranteeNotHeld { .. }
    ));
}

#[test]
fn the_lot_fails_with_too_few_bidders_or_below_the_reserve_and_releases_everything() {
    let (a, b) = (address(2), address(3));
    let mut few = lot(english(), &[a]);
    few.terms.min_bidders = 2;
    let (few, _) = ok(&few, bid(a, 1_000), START);
    let (failed, outputs) = ok(&few, Input::Close, END);
    assert_eq!(
        failed.phase,
        Phase::Failed(Failure::TooFewBidders {
            qualified: 1,
            needed: 2
        })
    );
    assert_eq!(dispositions(&outputs), vec![(a, Guarantee::Released)]);

    let mut reserved = lot(english(), &[a, b]);
    reserved.terms.reserve = 1_500;
    let (reserved, _) = ok(&reserved, bid(a, 1_000), START);
    let (reserved, _) = ok(&reserved, bid(b, 1_100), START);
    let (failed, outputs) = ok(&reserved, Input::Close, END);
    assert_eq!(
        failed.phase,
        Phase::Failed(Failure::ReserveNotMet {
            best: 1_100,
            reserve: 1_500
        })
    );
    assert_eq!(
        dispositions(&outputs),
        vec![(a, Guarantee::Released), (b, Guarantee::Released)]
            .into_iter()
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_iter()
            .collect::<Vec<_>>()
    );
    let (no_bids, _) = ok(&lot(english(), &[a]), Input::Close, END);
    assert_eq!(no_bids.phase, Phase::Failed(Failure::NoValidBid));
}

#[test]
fn a_winner_who_does_not_pay_forfeits_and_the_next_best_is_awarded() {
    let (a, b, c) = (address(2), address(3), address(4));
    let mut lot0 = lot(english(), &[a, b, c]);
    lot0.terms.reserve = 1_050;
    let mut lot1 = lot0;
    for (bidder, amount) in [(a, 1_000), (b, 1_100), (c, 1_200)] {
        lot1 = ok(&lot1, bid(bidder, amount), START).0;
    }
    let (closed, _) = ok(&lot1, Input::Close, END);
    assert_eq!(awarded(&closed).winner, c);
    // The winner's settlement aborts: c forfeits, b is awarded at its bid.
    let tx = [5u8; 32];
    let (settling, _) = ok(
        &closed,
        Input::SettlementPrepared { tx_id: tx },
        END + SECOND,
    );
    assert!(matches!(
        refused(&settling, Input::Close, END + 60 * SECOND),
        Refusal::Settling { .. }
    ));
    assert!(matches!(
        refused(
            &settling,
            Input::SettlementDecided {
                tx_id: [6; 32],
                paid: true
            },
            END + 2 * SECOND
        ),
        Refusal::NotTheSettlement { .. }
    ));
    let (passed, outputs) = ok(
        &settling,
        Input::SettlementDecided {
            tx_id: tx,
            paid: false,
        },
        END + 2 * SECOND,
    );
    assert_eq!(dispositions(&outputs), vec![(c, Guarantee::Forfeited)]);
    let award = awarded(&passed);
    assert_eq!((award.winner, award.price), (b, 1_100));
    assert_eq!(award.pay_by_ns, END + 32 * SECOND);
    // b's window passes too: a is below the reserve, so the lot fails.
    assert!(matches!(
        refused(&passed, Input::Close, END + 31 * SECOND),
        Refusal::PaymentWindowOpen { .. }
    ));
    let (failed, outputs) = ok(&passed, Input::Close, END + 32 * SECOND);
    assert_eq!(failed.phase, Phase::Failed(Failure::NobodyPaid));
    assert_eq!(
        dispositions(&outputs),
        vec![(b, Guarantee::Forfeited), (a, Guarantee::Released)]
    );
    // Paid instead: the winner's guarantee counts, the others go back.
    let (settling, _) = ok(
        &passed,
        Input::SettlementPrepared { tx_id: tx },
        END + 3 * SECOND,
    );
    let (sold, outputs) = ok(
        &settling,
        Input::SettlementDecided {
            tx_id: tx,
            paid: true,
        },
        END + 40 * SECOND,
    );
    assert_eq!(
        sold.phase,
        Phase::Sold {
            winner: b,
            price: 1_100
        }
    );
    assert_eq!(
        dispositions(&outputs),
        vec![(b, Guarantee::Applied), (a, Guarantee::Released)]
    );
    // Over: nothing more fits.
    assert!(matches!(
        refused(&sold, Input::Close, END + 100 * SECOND),
        Refusal::WrongPhase { .. }
    ));
}

#[test]
fn a_dutch_lot_goes_to_the_first_taker_at_the_price_of_that_block() {
    let (a, b) = (address(2), address(3));
    let dutch = Kind::Dutch {
        interval_ns: 10 * SECOND,
        floor: 700,
    };
    let lot0 = lot(dutch, &[a, b]);
    assert!(matches!(
        refused(&lot0, bid(a, 1_000), START),
        Refusal::WrongKind { .. }
    ));
    let (taken, outputs) = ok(&lot0, Input::Take { bidder: b }, START + 25 * SECOND);
    let award = awarded(&taken);
    assert_eq!((award.winner, award.price), (b, 800));
    assert!(outputs
        .iter()
        .any(|o| matches!(o, Output::Awarded { price: 800, .. })));
    assert!(matches!(
        refused(&taken, Input::Take { bidder: a }, START + 26 * SECOND),
        Refusal::WrongPhase { .. }
    ));
    // No taker by the end: the lot fails.
    let (failed, _) = ok(&lot0, Input::Close, END);
    assert_eq!(failed.phase, Phase::Failed(Failure::NoValidBid));
    let mut short = lot0.clone();
    short.terms.min_bidders = 3;
    assert!(matches!(
        refused(&short, Input::Take { bidder: a }, START),
        Refusal::WrongPhase { .. }
    ));
}

#[test]
fn sealed_bids_are_revealed_in_the_window_and_a_bidder_who_does_not_reveal_forfeits() {
    let (a, b, c) = (address(2), address(3), address(4));
    let lot0 = lot(sealed(false), &[a, b, c]);
    let mut lot1 = lot0.clone();
    for (bidder, amount) in [(a, 1_500), (b, 1_200), (c, 2_000)] {
        let sealed = sealed_bid(7, &bidder, amount, b"salt");
        lot1 = ok(&lot1, Input::Commit { bidder, sealed }, START + SECOND).0;
    }
    let reveal = |bidder, amount: u64, salt: &[u8]| Input::Reveal {
        bidder,
        amount,
        salt: salt.to_vec(),
    };
    // Not before the end, not with another amount or salt.
    assert!(matches!(
        refused(&lot1, reveal(a, 1_500, b"salt"), END - 1),
        Refusal::OutsideWindow { .. }
    ));
    assert!(matches!(
        refused(&lot1, reveal(a, 1_501, b"salt"), END),
        Refusal::RevealMismatch { .. }
    ));
    assert!(matches!(
        refused(&lot1, reveal(a, 1_500, b"other"), END),
        Refusal::RevealMismatch { .. }
    ));
    assert!(matches!(
        refused(&lot1, bid(a, 5_000), START),
        Refusal::WrongKind { .. }
    ));
    let (lot2, _) = ok(&lot1, reveal(a, 1_500, b"salt"), END);
    let (lot3, _) = ok(&lot2, reveal(b, 1_200, b"salt"), END + SECOND);
    assert!(matches!(
        refused(&lot3, reveal(a, 1_500, b"salt"), END + 2 * SECOND),
        Refusal::NothingToReveal { .. }
    ));
    // c never reveals; the window closes at END + 20 s.
    assert!(matches!(
        refused(&lot3, reveal(c, 2_000, b"salt"), END + 20 * SECOND),
        Refusal::OutsideWindow { .. }
    ));
    assert!(matches!(
        refused(&lot3, Input::Close, END + 19 * SECOND),
        Refusal::OutsideWindow { .. }
    ));
    let (closed, outputs) = ok(&lot3, Input::Close, END + 20 * SECOND);
    assert_eq!(dispositions(&outputs), vec![(c, Guarantee::Forfeited)]);
    let award = awarded(&closed);
    assert_eq!((award.winner, award.price), (a, 1_500), "at its own price");
}

#[test]
fn a_vickrey_winner_pays_the_second_price() {
    let (a, b) = (address(2), address(3));
    let mut lot1 = lot(sealed(true), &[a, b]);
    for (bidder, amount) in [(a, 1_500), (b, 1_200)] {
        let sealed = sealed_bid(7, &bidder, amount, &[bidder.as_bytes()[0]]);
        lot1 = ok(&lot1, Input::Commit { bidder, sealed }, START).0;
    }
    for (bidder, amount) in [(a, 1_500), (b, 1_200)] {
        let salt = vec![bidder.as_bytes()[0]];
        lot1 = ok(
            &lot1,
            Input::Reveal {
                bidder,
                amount,
                salt,
            },
            END,
        )
        .0;
    }
    let (closed, _) = ok(&lot1, Input::Close, END + 20 * SECOND);
    let award = awarded(&closed);
    assert_eq!((award.winner, award.price), (a, 1_200));
    // Alone, the winner pays the start price.
    let mut alone = lot(sealed(true), &[a]);
    let sealed = sealed_bid(7, &a, 1_500, b"s");
    alone = ok(&alone, Input::Commit { bidder: a, sealed }, START).0;
    alone = ok(
        &alone,
        Input::Reveal {
            bidder: a,
            amount: 1_500,
            salt: b"s".to_vec(),
        },
        END,
    )
    .0;
    let (closed, _) = ok(&alone, Input::Close, END + 20 * SECOND);
    assert_eq!(awarded(&closed).price, 1_000);
}

#[test]
fn only_the_seller_cancels_and_only_before_the_first_bid() {
    let a = address(2);
    let lot0 = lot(english(), &[a]);
    assert!(matches!(
        refused(&lot0, Input::Cancel { by: a }, START),
        Refusal::NotSeller { .. }
    ));
    let (cancelled, outputs) = ok(&lot0, Input::Cancel { by: seller() }, START);
    assert_eq!(cancelled.phase, Phase::Cancelled);
    assert_eq!(dispositions(&outputs), vec![(a, Guarantee::Released)]);
    assert!(outputs.contains(&Output::ReturnUnits));
    let (bid_on, _) = ok(&lot0, bid(a, 1_000), START);
    assert!(matches!(
        refused(&bid_on, Input::Cancel { by: seller() }, START),
        Refusal::HasBids { .. }
    ));
}

#[test]
fn a_refused_input_names_what_it_expected() {
    let lot0 = lot(english(), &[]);
    let text = refused(&lot0, bid(address(2), 1), START).to_string();
    assert!(text.contains("not qualified"), "{text}");
    let (cancelled, _) = ok(&lot0, Input::Cancel { by: seller() }, START);
    let text = refused(&cancelled, Input::Close, END).to_string();
    assert_eq!(
        text,
        "lot 7 is cancelled: a close needs it bidding past its end, or awarded past the payment window"
    );
}

#[test]
fn a_qualification_holds_a_place_until_its_cross_tx_decides() {
    let (a, b) = (address(2), address(3));
    let lot0 = lot(english(), &[]);
    let (pending, _) = ok(&lot0, Input::Qualify { bidder: a }, START);
    assert!(matches!(
        refused(&pending, bid(a, 1_000), START),
        Refusal::QualificationPending { .. }
    ));
    assert!(matches!(
        refused(&pending, Input::Qualify { bidder: a }, START),
        Refusal::AlreadyQualified { .. }
    ));
    // Aborted: the place is given up, and a new qualification may come.
    let (aborted, _) = ok(
        &pending,
        Input::Qualified {
            bidder: a,
            held: false,
        },
        START,
    );
    assert_eq!(aborted, lot0);
    assert!(matches!(
        refused(
            &aborted,
            Input::Qualified {
                bidder: a,
                held: true
            },
            START
        ),
        Refusal::NotPending { .. }
    ));
    // Committed after the lot closed: released at once, never in the count.
    let (pending, _) = ok(&lot0, Input::Qualify { bidder: a }, START);
    let (pending, _) = ok(&pending, Input::Qualify { bidder: b }, START);
    let (pending, _) = ok(
        &pending,
        Input::Qualified {
            bidder: b,
            held: true,
        },
        START,
    );
    let (pending, _) = ok(&pending, bid(b, 1_000), START);
    let (closed, _) = ok(&pending, Input::Close, END);
    assert_eq!(awarded(&closed).winner, b);
    let (late, outputs) = ok(
        &closed,
        Input::Qualified {
            bidder: a,
            held: true,
        },
        END + SECOND,
    );
    assert_eq!(dispositions(&outputs), vec![(a, Guarantee::Released)]);
    assert_eq!(late.bidders[&a].guarantee, Guarantee::Released);
}

#[test]
fn a_lot_takes_its_256_bidders_and_refuses_the_next() {
    let mut full = lot(english(), &[]);
    for n in 0..MAX_BIDDERS {
        let mut seed = [9u8; 32];
        seed[..4].copy_from_slice(&n.to_be_bytes());
        let bidder =
            Address::from_public_key(&ed25519_consensus::SigningKey::from(seed).verification_key());
        full = ok(&full, Input::Qualify { bidder }, START).0;
    }
    assert_eq!(full.bidders.len(), MAX_BIDDERS as usize);
    assert!(matches!(
        refused(&full, Input::Qualify { bidder: address(2) }, START),
        Refusal::TooManyBidders { max: 256, .. }
    ));
}

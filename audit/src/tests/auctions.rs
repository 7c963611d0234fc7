//! The auction judge on hand-built lots and escrows: a sale by the rules is
//! clean, and each way a lot or its escrow can be wrong is named.

use xcc_proto::auction::v1 as auction;
use xcc_proto::currency::v1 as cash;

use super::{reading, SECURITY};
use crate::auctions::AuctionViolation;
use crate::reading::{DenomReading, Reading};
use crate::{judge, Violation};

const LOT: u64 = 7;
const GUARANTEE: u64 = 100;

fn escrow() -> String {
    xcc_currency::escrow::escrow_account(SECURITY, LOT).to_string()
}

fn bidder(
    name: &str,
    status: auction::GuaranteeStatus,
    bid: Option<(u64, u64)>,
) -> auction::BidderRecord {
    auction::BidderRecord {
        bidder: name.into(),
        guarantee: status as i32,
        has_bid: bid.is_some(),
        amount: bid.map_or(0, |(amount, _)| amount),
        seq: bid.map_or(0, |(_, seq)| seq),
        sealed: Vec::new(),
    }
}

fn terms(kind: auction::terms::Kind) -> auction::Terms {
    auction::Terms {
        kind: Some(kind),
        start_price: 1_000,
        step_absolute: 50,
        reserve: 0,
        guarantee: GUARANTEE,
        min_bidders: 1,
        ..Default::default()
    }
}

fn english() -> auction::terms::Kind {
    auction::terms::Kind::English(auction::English::default())
}

fn vickrey() -> auction::terms::Kind {
    auction::terms::Kind::Sealed(auction::Sealed {
        reveal_secs: 10,
        second_price: true,
    })
}

fn lot(
    kind: auction::terms::Kind,
    phase: auction::LotPhase,
    bidders: Vec<auction::BidderRecord>,
    winner: &str,
    price: u64,
) -> auction::Lot {
    auction::Lot {
        id: LOT,
        seller: "seller".into(),
        symbol: "HARB".into(),
        units: 10,
        denom: "usd".into(),
        terms: Some(terms(kind)),
        bidders,
        phase: phase as i32,
        winner: winner.into(),
        price,
        ..Default::default()
    }
}

fn guarantee(name: &str) -> cash::Guarantee {
    cash::Guarantee {
        bidder: name.into(),
        security_chain: SECURITY.into(),
        lot_id: LOT,
        denom: "usd".into(),
        amount: GUARANTEE,
        escrow: escrow(),
        held_height: 1,
    }
}

/// `lot` read twice alike, with `guarantees` in escrow and the escrow
/// holding `escrowed`; the denom's supply is whatever its balances sum to.
fn auction_reading(lot: auction::Lot, guarantees: Vec<cash::Guarantee>, escrowed: u64) -> Reading {
    let mut r = reading(Vec::new(), Vec::new(), Vec::new());
    r.lots = vec![lot.clone()];
    r.lots_after = vec![lot];
    r.guarantees = guarantees;
    r.denoms.push(DenomReading {
        denom: cash::Denom {
            denom: "usd".into(),
            mint_authority: String::new(),
            supply: escrowed,
        },
        balances: vec![cash::AccountBalance {
            account: escrow(),
            amount: escrowed,
            reserved: 0,
        }],
    });
    r
}

fn auction_violations(r: &Reading) -> Vec<AuctionViolation> {
    judge(r)
        .into_iter()
        .map(|v| match v {
            Violation::Auction(v) => v,
            other => panic!("not an auction violation: {other}"),
        })
        .collect()
}

use auction::GuaranteeStatus::{Applied, Forfeited, Held, Released};
use auction::LotPhase::{Awarded, Bidding, Failed, Sold};

#[test]
fn a_lot_sold_by_its_rules_with_its_escrow_emptied_is_clean() {
    let sold = lot(
        english(),
        Sold,
        vec![
            bidder("bob", Released, Some((1_000, 0))),
            bidder("carol", Applied, Some((1_200, 1))),
        ],
        "carol",
        1_200,
    );
    assert_eq!(
        auction_violations(&auction_reading(sold, Vec::new(), 0)),
        vec![]
    );
    let bidding = lot(
        english(),
        Bidding,
        vec![bidder("bob", Held, Some((1_000, 0)))],
        "",
        0,
    );
    let held = auction_reading(bidding, vec![guarantee("bob")], GUARANTEE);
    assert_eq!(auction_violations(&held), vec![]);
}

#[test]
fn a_lot_awarded_past_a_better_bid_that_did_not_forfeit_is_named() {
    let bidders = |better: auction::GuaranteeStatus| {
        vec![
            bidder("bob", better, Some((1_500, 0))),
            bidder("carol", Held, Some((1_200, 1))),
        ]
    };
    let unfair = lot(english(), Awarded, bidders(Released), "carol", 1_200);
    let guarantees = vec![guarantee("carol")];
    assert_eq!(
        auction_violations(&auction_reading(unfair, guarantees.clone(), GUARANTEE)),
        vec![AuctionViolation::NotTheBestBid {
            lot: LOT,
            winner: "carol".into(),
            better: "bob".into(),
        }]
    );
    // Bob won first and did not pay: carol, next in line, pays her own bid.
    let passed_on = lot(english(), Awarded, bidders(Forfeited), "carol", 1_200);
    assert_eq!(
        auction_violations(&auction_reading(passed_on, guarantees, GUARANTEE)),
        vec![]
    );
    // The same amount bid earlier ranks first.
    let tie = lot(
        english(),
        Sold,
        vec![
            bidder("bob", Released, Some((1_200, 0))),
            bidder("carol", Applied, Some((1_200, 1))),
        ],
        "carol",
        1_200,
    );
    assert!(matches!(
        auction_violations(&auction_reading(tie, Vec::new(), 0)).as_slice(),
        [AuctionViolation::NotTheBestBid { better, .. }] if better == "bob"
    ));
    let nobody = lot(english(), Sold, Vec::new(), "dave", 1_200);
    assert_eq!(
        auction_violations(&auction_reading(nobody, Vec::new(), 0)),
        vec![AuctionViolation::WinnerWithoutBid {
            lot: LOT,
            winner: "dave".into(),
        }]
    );
}

#[test]
fn a_price_its_kind_does_not_set_is_named() {
    let bidders = vec![
        bidder("bob", Released, Some((1_300, 0))),
        bidder("carol", Applied, Some((2_000, 1))),
        bidder("erin", Released, Some((1_100, 2))),
    ];
    let second = lot(vickrey(), Sold, bidders.clone(), "carol", 1_300);
    assert_eq!(
        auction_violations(&auction_reading(second, Vec::new(), 0)),
        vec![]
    );
    let own = lot(vickrey(), Sold, bidders.clone(), "carol", 2_000);
    assert_eq!(
        auction_violations(&auction_reading(own, Vec::new(), 0)),
        vec![AuctionViolation::WrongPrice {
            lot: LOT,
            price: 2_000,
            expected: 1_300,
        }]
    );
    let english = lot(english(), Sold, bidders, "carol", 1_300);
    assert_eq!(
        auction_violations(&auction_reading(english, Vec::new(), 0)),
        vec![AuctionViolation::WrongPrice {
            lot: LOT,
            price: 1_300,
            expected: 2_000,
        }]
    );
    // Alone, a Vickrey winner pays the reserve (above the start price).
    let mut alone = lot(
        vickrey(),
        Sold,
        vec![bidder("carol", Applied, Some((2_000, 0)))],
        "carol",
        1_500,
    );
    if let Some(terms) = alone.terms.as_mut() {
        terms.reserve = 1_500;
    }
    assert_eq!(
        auction_violations(&auction_reading(alone.clone(), Vec::new(), 0)),
        vec![]
    );
    if let Some(terms) = alone.terms.as_mut() {
        terms.reserve = 2_500;
    }
    alone.price = 2_500;
    assert!(
        auction_violations(&auction_reading(alone, Vec::new(), 0)).contains(
            &AuctionViolation::BelowReserve {
                lot: LOT,
                price: 2_000,
                reserve: 2_500,
            }
        )
    );
}

#[test]
fn a_guarantee_the_lot_disposed_of_but_the_escrow_kept_is_named_once_nothing_travels() {
    let failed = lot(
        english(),
        Failed,
        vec![bidder("bob", Released, None)],
        "",
        0,
    );
    let kept = auction_reading(failed.clone(), vec![guarantee("bob")], GUARANTEE);
    assert_eq!(
        auction_violations(&kept),
        vec![AuctionViolation::GuaranteeNotDisposed {
            lot: LOT,
            bidder: "bob".into(),
            status: "released".into(),
        }]
    );
    assert!(Violation::from(auction_violations(&kept)[0].clone())
        .to_string()
        .contains("released by the lot but is still in escrow"));
    // Its disposition is still on its way: not yet a violation.
    let mut travelling = kept.clone();
    travelling
        .dispositions_in_flight
        .push(auction::GuaranteeDisposition {
            lot_id: LOT,
            bidder: "bob".into(),
            disposition: auction::Disposition::Release as i32,
            seller: "seller".into(),
        });
    assert_eq!(auction_violations(&travelling), vec![]);
    // Nor while the lot changed between its two reads.
    let mut moving = kept;
    moving.lots_after[0].bidders[0].guarantee = Held as i32;
    assert_eq!(auction_violations(&moving), vec![]);
    // A lot that says held with nothing in escrow.
    let open = lot(english(), Bidding, vec![bidder("bob", Held, None)], "", 0);
    assert_eq!(
        auction_violations(&auction_reading(open, Vec::new(), 0)),
        vec![AuctionViolation::GuaranteeMissing {
            lot: LOT,
            bidder: "bob".into(),
        }]
    );
    // A closed lot still holding a guarantee, escrow and all.
    let mut closed = failed;
    closed.bidders[0].guarantee = Held as i32;
    assert_eq!(
        auction_violations(&auction_reading(closed, vec![guarantee("bob")], GUARANTEE)),
        vec![AuctionViolation::HeldAfterClose {
            lot: LOT,
            phase: "failed".into(),
            bidder: "bob".into(),
        }]
    );
}

#[test]
fn an_escrow_short_of_its_guarantees_or_a_guarantee_off_its_lot_is_named() {
    let open = lot(
        english(),
        Bidding,
        vec![bidder("bob", Held, None), bidder("carol", Held, None)],
        "",
        0,
    );
    let both = vec![guarantee("bob"), guarantee("carol")];
    let short = auction_reading(open.clone(), both.clone(), GUARANTEE);
    assert_eq!(
        auction_violations(&short),
        vec![AuctionViolation::EscrowShort {
            lot: LOT,
            escrow: escrow(),
            denom: "usd".into(),
            balance: GUARANTEE,
            guaranteed: 2 * GUARANTEE,
        }]
    );
    // Cash sent to an escrow beside its guarantees is no violation.
    let surplus = auction_reading(open.clone(), both, 5 * GUARANTEE);
    assert_eq!(auction_violations(&surplus), vec![]);

    let mut stranger = guarantee("dave");
    stranger.amount = 1;
    let mut guarantees = vec![guarantee("bob"), guarantee("carol"), stranger];
    let odd = auction_reading(open.clone(), guarantees.clone(), 3 * GUARANTEE);
    assert_eq!(
        auction_violations(&odd),
        vec![AuctionViolation::GuaranteeWithoutBidder {
            lot: LOT,
            bidder: "dave".into(),
        }]
    );
    guarantees.truncate(2);
    guarantees[1].amount = GUARANTEE - 1;
    let off = auction_reading(open, guarantees, 2 * GUARANTEE);
    let found = auction_violations(&off);
    assert!(
        matches!(
            found.as_slice(),
            [AuctionViolation::GuaranteeOffTerms { bidder, .. }] if bidder == "carol"
        ),
        "{found:?}"
    );
}

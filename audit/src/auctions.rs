//! Auctions (DESIGN.md section 11, with 8.4 and 8.6): every guarantee in escrow is backed by its lot's escrow
//! account and belongs to a bidder of that lot on the lot's terms; once
//! nothing is in flight, the lot and the escrow agree bidder by bidder (a
//! guarantee the lot released, forfeited or applied has left escrow, so a
//! sold or failed lot holds nothing); and a lot awarded or sold went to the
//! best bid still in line, at the price its kind sets.

use std::collections::{BTreeMap, BTreeSet};

use xcc_proto::auction::v1 as auction;
use xcc_proto::currency::v1 as cash;

use crate::reading::Reading;
use crate::reservations::in_flight;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuctionViolation {
    #[error(
        "lot {lot}: its escrow {escrow} holds {balance} {denom}, its guarantees count {guaranteed}"
    )]
    EscrowShort {
        lot: u64,
        escrow: String,
        denom: String,
        balance: u64,
        guaranteed: u64,
    },
    #[error("lot {lot}: {bidder} has a guarantee in escrow but is no bidder of the lot")]
    GuaranteeWithoutBidder { lot: u64, bidder: String },
    #[error("lot {lot}: {bidder}'s guarantee is {found}, the lot's terms say {expected}")]
    GuaranteeOffTerms {
        lot: u64,
        bidder: String,
        expected: String,
        found: String,
    },
    #[error("lot {lot}: {bidder}'s guarantee is held by the lot but not in escrow")]
    GuaranteeMissing { lot: u64, bidder: String },
    #[error("lot {lot}: {bidder}'s guarantee was {status} by the lot but is still in escrow")]
    GuaranteeNotDisposed {
        lot: u64,
        bidder: String,
        status: String,
    },
    #[error("lot {lot} is {phase} and still holds {bidder}'s guarantee")]
    HeldAfterClose {
        lot: u64,
        phase: String,
        bidder: String,
    },
    #[error("lot {lot} went to {winner}, who has no standing bid in it")]
    WinnerWithoutBid { lot: u64, winner: String },
    #[error("lot {lot} went to {winner} though {better} bid better and did not forfeit")]
    NotTheBestBid {
        lot: u64,
        winner: String,
        better: String,
    },
    #[error("lot {lot} went for {price}; its rules make it {expected}")]
    WrongPrice { lot: u64, price: u64, expected: u64 },
    #[error("lot {lot} went for {price}, below its reserve of {reserve}")]
    BelowReserve { lot: u64, price: u64, reserve: u64 },
}

pub fn judge(reading: &Reading) -> Vec<AuctionViolation> {
    let mut violations = escrows_back_guarantees(reading);
    violations.extend(guarantees_on_terms(reading));
    if !in_flight(reading) {
        violations.extend(lots_agree_with_escrow(reading));
    }
    for lot in &reading.lots {
        violations.extend(closed_lot_holds_nothing(lot));
        violations.extend(award_follows_the_rules(lot));
    }
    violations
}

fn guarantees_of(reading: &Reading, lot: u64) -> impl Iterator<Item = &cash::Guarantee> {
    reading.guarantees.iter().filter(move |g| g.lot_id == lot)
}

/// What the escrow account of each lot holds of the lot's denom covers
/// every guarantee recorded in it. More is no violation: anyone may send
/// cash to any account, an escrow's too.
fn escrows_back_guarantees(reading: &Reading) -> Vec<AuctionViolation> {
    let balances: BTreeMap<(&str, &str), u64> = reading
        .denoms
        .iter()
        .flat_map(|d| {
            d.balances
                .iter()
                .map(move |b| ((d.denom.denom.as_str(), b.account.as_str()), b.amount))
        })
        .collect();
    let mut violations = Vec::new();
    for lot in &reading.lots {
        let escrow = xcc_currency::escrow::escrow_account(&reading.security_chain, lot.id);
        let escrow = escrow.to_string();
        let guaranteed = guarantees_of(reading, lot.id)
            .filter(|g| g.denom == lot.denom)
            .fold(0u64, |sum, g| sum.saturating_add(g.amount));
        let balance = balances
            .get(&(lot.denom.as_str(), escrow.as_str()))
            .copied()
            .unwrap_or(0);
        if balance < guaranteed {
            violations.push(AuctionViolation::EscrowShort {
                lot: lot.id,
                escrow,
                denom: lot.denom.clone(),
                balance,
                guaranteed,
            });
        }
    }
    violations
}

/// Each guarantee names a bidder of its lot and is what the lot asks.
fn guarantees_on_terms(reading: &Reading) -> Vec<AuctionViolation> {
    let lots: BTreeMap<u64, &auction::Lot> = reading.lots.iter().map(|l| (l.id, l)).collect();
    // A qualification prepared after the first read of the lots may have
    // committed its guarantee before the currency chain was read.
    let bidders: BTreeSet<(u64, &str)> = reading
        .lots
        .iter()
        .chain(&reading.lots_after)
        .flat_map(|l| l.bidders.iter().map(move |b| (l.id, b.bidder.as_str())))
        .collect();
    let mut violations = Vec::new();
    for guarantee in &reading.guarantees {
        let (lot, bidder) = (guarantee.lot_id, guarantee.bidder.clone());
        let stored = lots.get(&lot).copied();
        let Some(stored) = stored.or_else(|| reading.lots_after.iter().find(|l| l.id == lot))
        else {
            violations.push(AuctionViolation::GuaranteeWithoutBidder { lot, bidder });
            continue;
        };
        if !bidders.contains(&(lot, bidder.as_str())) {
            violations.push(AuctionViolation::GuaranteeWithoutBidder { lot, bidder });
            continue;
        }
        let wanted = stored.terms.as_ref().map_or(0, |t| t.guarantee);
        let escrow = xcc_currency::escrow::escrow_account(&reading.security_chain, lot);
        if guarantee.amount != wanted
            || guarantee.denom != stored.denom
            || guarantee.escrow != escrow.to_string()
        {
            violations.push(AuctionViolation::GuaranteeOffTerms {
                lot,
                bidder,
                expected: format!("{wanted} {} in {escrow}", stored.denom),
                found: format!(
                    "{} {} in {}",
                    guarantee.amount, guarantee.denom, guarantee.escrow
                ),
            });
        }
    }
    violations
}

fn status(bidder: &auction::BidderRecord) -> auction::GuaranteeStatus {
    auction::GuaranteeStatus::try_from(bidder.guarantee)
        .unwrap_or(auction::GuaranteeStatus::Unspecified)
}

/// Bidder by bidder, what the lot says of a guarantee is what the escrow
/// holds. A bidder is left out while a disposition of theirs is on its
/// way, while their qualification is undecided, or when their record
/// changed between the two reads of the lots.
fn lots_agree_with_escrow(reading: &Reading) -> Vec<AuctionViolation> {
    let in_escrow: BTreeSet<(u64, &str)> = reading
        .guarantees
        .iter()
        .map(|g| (g.lot_id, g.bidder.as_str()))
        .collect();
    let travelling: BTreeSet<(u64, &str)> = reading
        .dispositions_in_flight
        .iter()
        .map(|d| (d.lot_id, d.bidder.as_str()))
        .collect();
    let after: BTreeMap<(u64, &str), &auction::BidderRecord> = reading
        .lots_after
        .iter()
        .flat_map(|l| {
            l.bidders
                .iter()
                .map(move |b| ((l.id, b.bidder.as_str()), b))
        })
        .collect();
    let mut violations = Vec::new();
    for lot in &reading.lots {
        // Its bidders registered on bank receipts: nothing is in escrow.
        if lot.terms.as_ref().is_some_and(|t| t.guarantee == 0) {
            continue;
        }
        for bidder in &lot.bidders {
            let key = (lot.id, bidder.bidder.as_str());
            let steady = after.get(&key).is_some_and(|later| *later == bidder);
            if !steady || travelling.contains(&key) {
                continue;
            }
            let held = in_escrow.contains(&key);
            let (lot, who) = (lot.id, bidder.bidder.clone());
            match status(bidder) {
                auction::GuaranteeStatus::Held if !held => {
                    violations.push(AuctionViolation::GuaranteeMissing { lot, bidder: who });
                }
                s @ (auction::GuaranteeStatus::Released
                | auction::GuaranteeStatus::Forfeited
                | auction::GuaranteeStatus::Applied)
                    if held =>
                {
                    violations.push(AuctionViolation::GuaranteeNotDisposed {
                        lot,
                        bidder: who,
                        status: disposed(s).to_owned(),
                    });
                }
                _ => {}
            }
        }
    }
    violations
}

fn disposed(status: auction::GuaranteeStatus) -> &'static str {
    match status {
        auction::GuaranteeStatus::Released => "released",
        auction::GuaranteeStatus::Forfeited => "forfeited",
        auction::GuaranteeStatus::Applied => "applied",
        _ => "kept",
    }
}

fn phase(lot: &auction::Lot) -> auction::LotPhase {
    auction::LotPhase::try_from(lot.phase).unwrap_or(auction::LotPhase::Unspecified)
}

/// A lot sold, failed or cancelled holds no bidder's guarantee.
fn closed_lot_holds_nothing(lot: &auction::Lot) -> Vec<AuctionViolation> {
    let phase = match phase(lot) {
        auction::LotPhase::Sold => "sold",
        auction::LotPhase::Failed => "failed",
        auction::LotPhase::Cancelled => "cancelled",
        _ => return Vec::new(),
    };
    lot.bidders
        .iter()
        .filter(|b| status(b) == auction::GuaranteeStatus::Held)
        .map(|b| AuctionViolation::HeldAfterClose {
            lot: lot.id,
            phase: phase.to_owned(),
            bidder: b.bidder.clone(),
        })
        .collect()
}

/// Whether bid `a` ranks before bid `b`: more, or as much and earlier.
fn ranks_before(a: &auction::BidderRecord, b: &auction::BidderRecord) -> bool {
    a.amount > b.amount || (a.amount == b.amount && a.seq < b.seq)
}

/// The lot went to the best standing bid of a bidder who did not forfeit,
/// at its own price or, for a first Vickrey winner, at the next bid (never
/// below the start price or the reserve).
fn award_follows_the_rules(lot: &auction::Lot) -> Vec<AuctionViolation> {
    if !matches!(
        phase(lot),
        auction::LotPhase::Awarded | auction::LotPhase::Sold
    ) {
        return Vec::new();
    }
    let id = lot.id;
    let Some(winner) = lot
        .bidders
        .iter()
        .find(|b| b.bidder == lot.winner && b.has_bid)
    else {
        return vec![AuctionViolation::WinnerWithoutBid {
            lot: id,
            winner: lot.winner.clone(),
        }];
    };
    let mut violations = Vec::new();
    let forfeited = |b: &auction::BidderRecord| status(b) == auction::GuaranteeStatus::Forfeited;
    let bids = || lot.bidders.iter().filter(|b| b.has_bid);
    if let Some(better) = bids().find(|b| ranks_before(b, winner) && !forfeited(b)) {
        violations.push(AuctionViolation::NotTheBestBid {
            lot: id,
            winner: lot.winner.clone(),
            better: better.bidder.clone(),
        });
    }
    let terms = lot.terms.unwrap_or_default();
    if winner.amount < terms.reserve {
        violations.push(AuctionViolation::BelowReserve {
            lot: id,
            price: winner.amount,
            reserve: terms.reserve,
        });
    }
    let vickrey = matches!(
        &terms.kind,
        Some(auction::terms::Kind::Sealed(sealed)) if sealed.second_price
    );
    let passed_on = bids().any(forfeited);
    let expected = if vickrey && !passed_on {
        bids()
            .filter(|b| b.bidder != winner.bidder)
            .map(|b| b.amount)
            .max()
            .unwrap_or(terms.start_price)
            .max(terms.start_price)
            .max(terms.reserve)
    } else {
        winner.amount
    };
    if lot.price != expected {
        violations.push(AuctionViolation::WrongPrice {
            lot: id,
            price: lot.price,
            expected,
        });
    }
    violations
}

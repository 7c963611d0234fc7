//! A lot as stored (`xcc.auction.v1.Lot`) and as the machine knows it;
//! every conversion between the two lives here.

use std::collections::BTreeMap;

use xcc_chain::state::{parse_stored, Record};
use xcc_proto::auction::v1 as pb;

use super::machine::{Award, Bidder, Failure, Guarantee, Lot, Phase, Standing};
use super::terms::{Kind, Step, Terms};
use crate::symbol::Symbol;

const SECOND_NS: u64 = 1_000_000_000;

/// A lot with what the machine does not need: the units it sells and where
/// they are paid for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuctionLot {
    pub lot: Lot,
    pub symbol: Symbol,
    pub units: u64,
    pub denom: String,
    pub currency_chain: String,
    pub created_height: u64,
}

/// Terms as a message gives them: times in seconds become nanoseconds.
pub fn terms_from_proto(terms: &pb::Terms) -> Result<Terms, String> {
    let secs = |value: u64, what: &str| {
        value
            .checked_mul(SECOND_NS)
            .ok_or_else(|| format!("{what} of {value} s is out of range"))
    };
    let kind = match terms.kind.as_ref().ok_or("terms without a kind")? {
        pb::terms::Kind::English(english) => Kind::English {
            extension_ns: secs(english.extension_secs, "the extension")?,
            max_end_ns: english.max_end_ns,
        },
        pb::terms::Kind::Dutch(dutch) => Kind::Dutch {
            interval_ns: secs(dutch.interval_secs, "the interval")?,
            floor: dutch.floor,
        },
        pb::terms::Kind::Sealed(sealed) => Kind::Sealed {
            reveal_ns: secs(sealed.reveal_secs, "the reveal window")?,
            second_price: sealed.second_price,
        },
    };
    Ok(Terms {
        kind,
        start_price: terms.start_price,
        step: Step {
            absolute: terms.step_absolute,
            basis_points: terms.step_basis_points,
        },
        reserve: terms.reserve,
        start_ns: terms.start_ns,
        end_ns: terms.end_ns,
        guarantee: terms.guarantee,
        min_bidders: terms.min_bidders,
        payment_window_ns: secs(terms.payment_window_secs, "the payment window")?,
        requires_registration: terms.requires_registration,
    })
}

pub fn terms_to_proto(terms: &Terms) -> pb::Terms {
    let kind = match terms.kind {
        Kind::English {
            extension_ns,
            max_end_ns,
        } => pb::terms::Kind::English(pb::English {
            extension_secs: extension_ns / SECOND_NS,
            max_end_ns,
        }),
        Kind::Dutch { interval_ns, floor } => pb::terms::Kind::Dutch(pb::Dutch {
            interval_secs: interval_ns / SECOND_NS,
            floor,
        }),
        Kind::Sealed {
            reveal_ns,
            second_price,
        } => pb::terms::Kind::Sealed(pb::Sealed {
            reveal_secs: reveal_ns / SECOND_NS,
            second_price,
        }),
    };
    pb::Terms {
        kind: Some(kind),
        start_price: terms.start_price,
        step_absolute: terms.step.absolute,
        step_basis_points: terms.step.basis_points,
        reserve: terms.reserve,
        start_ns: terms.start_ns,
        end_ns: terms.end_ns,
        guarantee: terms.guarantee,
        min_bidders: terms.min_bidders,
        payment_window_secs: terms.payment_window_ns / SECOND_NS,
        requires_registration: terms.requires_registration,
    }
}

fn guarantee_from_stored(status: i32) -> Result<Guarantee, String> {
    match pb::GuaranteeStatus::try_from(status) {
        Ok(pb::GuaranteeStatus::Pending) => Ok(Guarantee::Pending),
        Ok(pb::GuaranteeStatus::Held) => Ok(Guarantee::Held),
        Ok(pb::GuaranteeStatus::Released) => Ok(Guarantee::Released),
        Ok(pb::GuaranteeStatus::Applied) => Ok(Guarantee::Applied),
        Ok(pb::GuaranteeStatus::Forfeited) => Ok(Guarantee::Forfeited),
        _ => Err(format!("unknown guarantee status {status}")),
    }
}

pub fn guarantee_to_stored(guarantee: Guarantee) -> pb::GuaranteeStatus {
    match guarantee {
        Guarantee::Pending => pb::GuaranteeStatus::Pending,
        Guarantee::Held => pb::GuaranteeStatus::Held,
        Guarantee::Released => pb::GuaranteeStatus::Released,
        Guarantee::Applied => pb::GuaranteeStatus::Applied,
        Guarantee::Forfeited => pb::GuaranteeStatus::Forfeited,
    }
}

fn failure_from_stored(proto: &pb::Lot) -> Result<Failure, String> {
    let narrow =
        |value: u64| u32::try_from(value).map_err(|_| format!("count {value} out of range"));
    match pb::Failure::try_from(proto.failure) {
        Ok(pb::Failure::TooFewBidders) => Ok(Failure::TooFewBidders {
            qualified: narrow(proto.failure_found)?,
            needed: narrow(proto.failure_needed)?,
        }),
        Ok(pb::Failure::NoValidBid) => Ok(Failure::NoValidBid),
        Ok(pb::Failure::ReserveNotMet) => Ok(Failure::ReserveNotMet {
            best: proto.failure_found,
            reserve: proto.failure_needed,
        }),
        Ok(pb::Failure::NobodyPaid) => Ok(Failure::NobodyPaid),
        _ => Err(format!("unknown failure {}", proto.failure)),
    }
}

/// The stored failure and its two figures.
fn failure_to_stored(failure: Failure) -> (pb::Failure, u64, u64) {
    match failure {
        Failure::TooFewBidders { qualified, needed } => (
            pb::Failure::TooFewBidders,
            u64::from(qualified),
            u64::from(needed),
        ),
        Failure::NoValidBid => (pb::Failure::NoValidBid, 0, 0),
        Failure::ReserveNotMet { best, reserve } => (pb::Failure::ReserveNotMet, best, reserve),
        Failure::NobodyPaid => (pb::Failure::NobodyPaid, 0, 0),
    }
}

fn tx_id(bytes: &[u8]) -> Result<Option<[u8; 32]>, String> {
    if bytes.is_empty() {
        return Ok(None);
    }
    bytes
        .try_into()
        .map(Some)
        .map_err(|_| format!("a settlement id of {} bytes", bytes.len()))
}

fn phase_from_stored(proto: &pb::Lot) -> Result<Phase, String> {
    let winner = || parse_stored("winner", &proto.winner);
    match pb::LotPhase::try_from(proto.phase) {
        Ok(pb::LotPhase::Bidding) => Ok(Phase::Bidding),
        Ok(pb::LotPhase::Awarded) => Ok(Phase::Awarded(Award {
            winner: winner()?,
            price: proto.price,
            pay_by_ns: proto.pay_by_ns,
            settling: tx_id(&proto.settling)?,
        })),
        Ok(pb::LotPhase::Sold) => Ok(Phase::Sold {
            winner: winner()?,
            price: proto.price,
        }),
        Ok(pb::LotPhase::Failed) => Ok(Phase::Failed(failure_from_stored(proto)?)),
        Ok(pb::LotPhase::Cancelled) => Ok(Phase::Cancelled),
        _ => Err(format!("unknown lot phase {}", proto.phase)),
    }
}

fn bidder_from_stored(record: pb::BidderRecord) -> Result<(xcc_chain::Address, Bidder), String> {
    let sealed = match record.sealed.as_slice() {
        [] => None,
        bytes => Some(
            bytes
                .try_into()
                .map_err(|_| format!("a sealed bid of {} bytes", bytes.len()))?,
        ),
    };
    let bidder = Bidder {
        guarantee: guarantee_from_stored(record.guarantee)?,
        bid: record.has_bid.then_some(Standing {
            amount: record.amount,
            seq: record.seq,
        }),
        sealed,
    };
    Ok((parse_stored("bidder", &record.bidder)?, bidder))
}

impl Record for AuctionLot {
    type Proto = pb::Lot;

    fn from_proto(proto: pb::Lot) -> Result<Self, String> {
        let terms = terms_from_proto(proto.terms.as_ref().ok_or("a lot without terms")?)?;
        let phase = phase_from_stored(&proto)?;
        let bidders = proto
            .bidders
            .into_iter()
            .map(bidder_from_stored)
            .collect::<Result<BTreeMap<_, _>, _>>()?;
        Ok(AuctionLot {
            lot: Lot {
                id: proto.id,
                seller: parse_stored("seller", &proto.seller)?,
                terms,
                end_ns: proto.end_ns,
                bidders,
                next_seq: proto.next_seq,
                phase,
            },
            symbol: parse_stored("symbol", &proto.symbol)?,
            units: proto.units,
            denom: proto.denom,
            currency_chain: proto.currency_chain,
            created_height: proto.created_height,
        })
    }

    fn to_proto(&self) -> pb::Lot {
        let lot = &self.lot;
        let mut proto = pb::Lot {
            id: lot.id,
            seller: lot.seller.to_string(),
            symbol: self.symbol.to_string(),
            units: self.units,
            denom: self.denom.clone(),
            currency_chain: self.currency_chain.clone(),
            terms: Some(terms_to_proto(&lot.terms)),
            end_ns: lot.end_ns,
            bidders: lot
                .bidders
                .iter()
                .map(|(address, bidder)| pb::BidderRecord {
                    bidder: address.to_string(),
                    guarantee: guarantee_to_stored(bidder.guarantee) as i32,
                    has_bid: bidder.bid.is_some(),
                    amount: bidder.bid.map_or(0, |bid| bid.amount),
                    seq: bidder.bid.map_or(0, |bid| bid.seq),
                    sealed: bidder.sealed.map(|s| s.to_vec()).unwrap_or_default(),
                })
                .collect(),
            next_seq: lot.next_seq,
            created_height: self.created_height,
            ..Default::default()
        };
        let phase = match lot.phase {
            Phase::Bidding => pb::LotPhase::Bidding,
            Phase::Awarded(award) => {
                proto.winner = award.winner.to_string();
                proto.price = award.price;
                proto.pay_by_ns = award.pay_by_ns;
                proto.settling = award.settling.map(|id| id.to_vec()).unwrap_or_default();
                pb::LotPhase::Awarded
            }
            Phase::Sold { winner, price } => {
                proto.winner = winner.to_string();
                proto.price = price;
                pb::LotPhase::Sold
            }
            Phase::Failed(failure) => {
                let (stored, found, needed) = failure_to_stored(failure);
                proto.failure = stored as i32;
                proto.failure_found = found;
                proto.failure_needed = needed;
                pb::LotPhase::Failed
            }
            Phase::Cancelled => pb::LotPhase::Cancelled,
        };
        proto.phase = phase as i32;
        proto
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auction::machine::Input;

    fn address(seed: u8) -> xcc_chain::Address {
        xcc_chain::Address::from_public_key(
            &ed25519_consensus::SigningKey::from([seed; 32]).verification_key(),
        )
    }

    fn stored(lot: Lot) -> AuctionLot {
        AuctionLot {
            lot,
            symbol: "HARB".parse().unwrap(),
            units: 10,
            denom: "usd".into(),
            currency_chain: "currency-1".into(),
            created_height: 3,
        }
    }

    #[test]
    fn a_lot_in_every_phase_reads_back_as_it_was_written() {
        let terms = Terms {
            kind: Kind::Sealed {
                reveal_ns: 20 * SECOND_NS,
                second_price: true,
            },
            start_price: 1_000,
            step: Step {
                absolute: 1,
                basis_points: 100,
            },
            reserve: 1_100,
            start_ns: 100 * SECOND_NS,
            end_ns: 200 * SECOND_NS,
            guarantee: 100,
            min_bidders: 2,
            payment_window_ns: 60 * SECOND_NS,
            requires_registration: false,
        };
        let (a, b) = (address(2), address(3));
        let mut lot = Lot::new(1, address(1), terms);
        for bidder in [a, b] {
            lot = lot.apply(Input::Qualify { bidder }, 0).unwrap().0;
        }
        lot = lot
            .apply(
                Input::Qualified {
                    bidder: a,
                    held: true,
                },
                0,
            )
            .unwrap()
            .0;
        let sealed = crate::auction::machine::sealed_bid(1, &a, 1_500, b"s");
        lot = lot
            .apply(Input::Commit { bidder: a, sealed }, 100 * SECOND_NS)
            .unwrap()
            .0;
        let mut phases = vec![lot.clone()];
        let (closed, _) = lot.apply(Input::Close, 220 * SECOND_NS).unwrap();
        phases.push(closed);
        for phase in [
            Phase::Awarded(Award {
                winner: b,
                price: 1_200,
                pay_by_ns: 5,
                settling: Some([9; 32]),
            }),
            Phase::Sold {
                winner: a,
                price: 7,
            },
            Phase::Failed(Failure::ReserveNotMet {
                best: 1,
                reserve: 2,
            }),
            Phase::Cancelled,
        ] {
            phases.push(Lot {
                phase,
                ..lot.clone()
            });
        }
        for lot in phases {
            let record = stored(lot);
            let read = AuctionLot::from_proto(record.to_proto()).unwrap();
            assert_eq!(read, record);
        }
    }

    #[test]
    fn a_corrupt_lot_is_refused_with_what_is_wrong() {
        let lot = Lot::new(
            1,
            address(1),
            terms_from_proto(&pb::Terms {
                kind: Some(pb::terms::Kind::Dutch(pb::Dutch {
                    interval_secs: 1,
                    floor: 1,
                })),
                ..Default::default()
            })
            .unwrap(),
        );
        let good = stored(lot).to_proto();
        let cases = [
            (
                pb::Lot {
                    phase: 9,
                    ..good.clone()
                },
                "lot phase",
            ),
            (
                pb::Lot {
                    terms: None,
                    ..good.clone()
                },
                "without terms",
            ),
            (
                pb::Lot {
                    phase: pb::LotPhase::Awarded as i32,
                    winner: "nobody".into(),
                    ..good.clone()
                },
                "winner",
            ),
        ];
        for (proto, expected) in cases {
            let error = AuctionLot::from_proto(proto).unwrap_err();
            assert!(error.contains(expected), "{error}");
        }
        let overflow = pb::Terms {
            kind: Some(pb::terms::Kind::Dutch(pb::Dutch {
                interval_secs: u64::MAX,
                floor: 1,
            })),
            ..Default::default()
        };
        assert!(terms_from_proto(&overflow)
            .unwrap_err()
            .contains("out of range"));
    }
}

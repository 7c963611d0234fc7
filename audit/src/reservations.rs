//! 8.4, what a finished audit can see of liveness: each hold belongs to a
//! prepared leg and each prepared leg to a hold; once nothing is in flight,
//! nothing is held but what open listings and auction lots reserve.

use std::collections::{BTreeMap, BTreeSet};

use xcc_proto::auction::v1 as auction;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;

use crate::reading::{leg_status, Reading};
use crate::TxId;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReservationViolation {
    #[error("{chain}: a hold without a prepared leg for {tx_id}")]
    HoldWithoutLeg { chain: String, tx_id: TxId },
    #[error("{chain}: a prepared leg without a hold for {tx_id}")]
    LegWithoutHold { chain: String, tx_id: TxId },
    #[error("{symbol}: {slots} holder slots still reserved")]
    SlotsReserved { symbol: String, slots: u32 },
    #[error("{symbol}: {account} has {reserved} units reserved (listings and lots hold {listed}) and {pending_in} pending")]
    UnitsHeld {
        symbol: String,
        account: String,
        reserved: u64,
        listed: u64,
        pending_in: u64,
    },
    #[error("{denom}: {account} still has {reserved} reserved")]
    CashHeld {
        denom: String,
        account: String,
        reserved: u64,
    },
}

pub fn judge(reading: &Reading) -> Vec<ReservationViolation> {
    let security_holds = reading.security_holds.iter().map(|h| h.tx_id.as_slice());
    let cash_holds = reading.cash_holds.iter().map(|h| h.tx_id.as_slice());
    let mut violations =
        holds_match_legs(reading, &reading.security_chain, security_holds.collect());
    violations.extend(holds_match_legs(
        reading,
        &reading.currency_chain,
        cash_holds.collect(),
    ));
    if !in_flight(reading) {
        violations.extend(nothing_held(reading));
    }
    violations
}

fn holds_match_legs(
    reading: &Reading,
    chain: &str,
    held: BTreeSet<&[u8]>,
) -> Vec<ReservationViolation> {
    let prepared: BTreeSet<&[u8]> = reading
        .legs
        .get(chain)
        .into_iter()
        .flatten()
        .filter(|l| leg_status(l) == xtx::LegStatus::Prepared)
        .map(|l| l.tx_id.as_slice())
        .collect();
    held.symmetric_difference(&prepared)
        .map(|id| {
            let (chain, tx_id) = (chain.to_owned(), TxId::of(id));
            if held.contains(id) {
                ReservationViolation::HoldWithoutLeg { chain, tx_id }
            } else {
                ReservationViolation::LegWithoutHold { chain, tx_id }
            }
        })
        .collect()
}

pub(crate) fn in_flight(reading: &Reading) -> bool {
    reading
        .records_after
        .iter()
        .any(|r| r.phase != coord::Phase::Done as i32)
        || reading
            .legs
            .values()
            .flatten()
            .any(|l| leg_status(l) == xtx::LegStatus::Prepared)
}

fn nothing_held(reading: &Reading) -> Vec<ReservationViolation> {
    let mut violations = Vec::new();
    let mut listed: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for listing in &reading.listings {
        // Saturating: the chain's numbers are not ours to trust.
        let entry = listed
            .entry((&listing.symbol, &listing.seller))
            .or_default();
        *entry = entry
            .saturating_add(listing.units)
            .saturating_add(listing.reserved);
    }
    // A lot bidding or awarded reserves its units until it is sold or over.
    let open = [
        auction::LotPhase::Bidding as i32,
        auction::LotPhase::Awarded as i32,
    ];
    for lot in reading.lots.iter().filter(|lot| open.contains(&lot.phase)) {
        let entry = listed.entry((&lot.symbol, &lot.seller)).or_default();
        *entry = entry.saturating_add(lot.units);
    }
    for s in &reading.securities {
        let symbol = s.security.symbol.as_str();
        if s.security.reserved_slots != 0 {
            violations.push(ReservationViolation::SlotsReserved {
                symbol: symbol.to_owned(),
                slots: s.security.reserved_slots,
            });
        }
        let issuer = sec::Holding {
            account: s.security.issuer.clone(),
            amount: s.issuer.amount,
            reserved: s.issuer.reserved,
            pending_in: s.issuer.pending_in,
        };
        for holding in s.holders.iter().chain(std::iter::once(&issuer)) {
            let expected = listed
                .get(&(symbol, holding.account.as_str()))
                .copied()
                .unwrap_or(0);
            if holding.reserved != expected || holding.pending_in != 0 {
                violations.push(ReservationViolation::UnitsHeld {
                    symbol: symbol.to_owned(),
                    account: holding.account.clone(),
                    reserved: holding.reserved,
                    listed: expected,
                    pending_in: holding.pending_in,
                });
            }
        }
    }
    for denom in &reading.denoms {
        for balance in denom.balances.iter().filter(|b| b.reserved != 0) {
            violations.push(ReservationViolation::CashHeld {
                denom: denom.denom.denom.clone(),
                account: balance.account.clone(),
                reserved: balance.reserved,
            });
        }
    }
    violations
}

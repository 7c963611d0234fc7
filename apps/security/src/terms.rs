//! What a cross-tx promises the security chain, read from its other legs:
//! the cash it pays each seller, and the payout leg of a dividend. A listing
//! is the seller's standing authorization to sell for a price; the seller
//! signs nothing else, so a fill holds only if the cross-tx pays the seller
//! for every fill of its listings in the whole cross-tx (every leg on this
//! chain, not only the one being prepared), each payment counted once.

use std::collections::BTreeMap;

use prost::{Message, Name};
use xcc_chain::state::StateRead;
use xcc_chain::Address;
use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::security::v1 as pb;
use xcc_proto::xtx::v1 as xtx_pb;
use xcc_proto::Any;

use crate::domain::{Dividend, Listing};
use crate::error::SecurityError;
use crate::state::SecurityRead;

/// Where a seller must be paid: (seller, currency chain, denom).
pub type PaymentKey = (String, String, String);

fn decode<M: Message + Default + Name>(any: &Any) -> Option<M> {
    (any.type_url == M::type_url())
        .then(|| M::decode(any.value.as_slice()).ok())
        .flatten()
}

/// Currency transfers of the cross-tx: (leg chain, transfer).
fn cash_transfers(
    cross_tx: &xtx_pb::CrossTx,
) -> impl Iterator<Item = (&str, cash_pb::MsgTransfer)> {
    cross_tx.legs.iter().flat_map(|leg| {
        leg.msgs
            .iter()
            .filter_map(decode::<cash_pb::MsgTransfer>)
            .map(move |t| (leg.chain_id.as_str(), t))
    })
}

/// Cash the cross-tx pays from `payer` to `payee` on other chains than
/// `own_chain`, per denom: the price of a swap's units.
pub fn payments(
    cross_tx: &xtx_pb::CrossTx,
    own_chain: &str,
    payer: &Address,
    payee: &Address,
) -> BTreeMap<String, u64> {
    let (payer, payee) = (payer.to_string(), payee.to_string());
    let mut paid = BTreeMap::new();
    for (_, transfer) in cash_transfers(cross_tx)
        .filter(|(chain, t)| *chain != own_chain && t.from == payer && t.to == payee)
    {
        let total = paid.entry(transfer.denom).or_insert(0u64);
        *total = total.saturating_add(transfer.amount);
    }
    paid
}

/// Everything the cross-tx pays each seller by others, per chain and denom.
fn paid_to_sellers(cross_tx: &xtx_pb::CrossTx) -> BTreeMap<PaymentKey, u128> {
    let mut paid = BTreeMap::new();
    for (chain, t) in cash_transfers(cross_tx).filter(|(_, t)| t.from != t.to) {
        *paid.entry((t.to, chain.to_owned(), t.denom)).or_default() += u128::from(t.amount);
    }
    paid
}

/// What the fills of the whole cross-tx on this chain owe each seller, at
/// the listings' prices. A fill of a listing not (or no longer) stored is
/// left out: the leg holding it fails on its own.
fn owed_to_sellers(
    state: &dyn StateRead,
    cross_tx: &xtx_pb::CrossTx,
    own_chain: &str,
) -> Result<BTreeMap<PaymentKey, u128>, SecurityError> {
    let mut owed = BTreeMap::new();
    let fills = cross_tx
        .legs
        .iter()
        .filter(|leg| leg.chain_id == own_chain)
        .flat_map(|leg| leg.msgs.iter().filter_map(decode::<pb::MsgFillListing>));
    for fill in fills {
        let Some(listing) = state.find_listing(fill.listing_id)? else {
            continue;
        };
        let price = u128::from(fill.units) * u128::from(listing.price_per_unit);
        *owed.entry(listing.payment_key()).or_default() += price;
    }
    Ok(owed)
}

/// What the whole cross-tx owes and pays each seller, read once per leg:
/// listings keep their seller, price and denom while fills hold them.
pub struct SellerPayments {
    owed: BTreeMap<PaymentKey, u128>,
    paid: BTreeMap<PaymentKey, u128>,
}

impl SellerPayments {
    pub fn of(
        state: &dyn StateRead,
        cross_tx: &xtx_pb::CrossTx,
        own_chain: &str,
    ) -> Result<Self, SecurityError> {
        Ok(SellerPayments {
            owed: owed_to_sellers(state, cross_tx, own_chain)?,
            paid: paid_to_sellers(cross_tx),
        })
    }

    /// Refuses unless the cross-tx pays the seller of `listing` for every
    /// fill of its listings (of that currency chain and denom).
    pub fn require_paid(&self, listing: &Listing) -> Result<(), SecurityError> {
        let key = listing.payment_key();
        let owed = self.owed.get(&key).copied().unwrap_or(0);
        let paid = self.paid.get(&key).copied().unwrap_or(0);
        if paid < owed {
            return Err(SecurityError::PaymentMissing(format!(
                "the cross-tx's fills of {}'s listings cost {owed} {} on {}, it pays the seller {paid}",
                listing.seller, listing.denom, listing.currency_chain
            )));
        }
        Ok(())
    }
}

/// Refuses unless the cross-tx pays every page of the dividend exactly
/// once: its legs on this chain reserve each page `0..pages` once, and each
/// reserving leg has exactly one dependent leg on the dividend's currency
/// chain that pays this dividend. A reservation alone would mark the
/// dividend paid with nothing paid; a page left out would leave its holders
/// unpaid.
pub fn require_payout(
    cross_tx: &xtx_pb::CrossTx,
    own_chain: &str,
    dividend: &Dividend,
    pages: u32,
) -> Result<(), SecurityError> {
    let payer = dividend.payer.to_string();
    let pays_it = |msg: &Any| {
        decode::<cash_pb::MsgPayDividend>(msg).is_some_and(|pay| {
            pay.payer == payer
                && pay.security_chain == own_chain
                && pay.dividend_id == dividend.id
                && pay.denom == dividend.denom
        })
    };
    let missing = || SecurityError::PayoutLegMissing {
        dividend_id: dividend.id,
        currency_chain: dividend.currency_chain.clone(),
        denom: dividend.denom.clone(),
    };
    let pages_wrong = |reason: String| SecurityError::PayoutPages {
        dividend_id: dividend.id,
        pages,
        reason,
    };
    let mut reserved = vec![false; pages as usize];
    for (index, leg) in cross_tx.legs.iter().enumerate() {
        if leg.chain_id != own_chain {
            continue;
        }
        let reservations = leg
            .msgs
            .iter()
            .filter_map(decode::<pb::MsgReserveDividend>)
            .filter(|m| m.dividend_id == dividend.id);
        for reservation in reservations {
            let page = reservation.page as usize;
            match reserved.get_mut(page) {
                None => return Err(pages_wrong(format!("it has no page {page}"))),
                Some(true) => return Err(pages_wrong(format!("page {page} is reserved twice"))),
                Some(seen) => *seen = true,
            }
            let payments = cross_tx
                .legs
                .iter()
                .filter(|other| {
                    other.depends_on == Some(index as u32)
                        && other.chain_id == dividend.currency_chain
                        && other.msgs.iter().any(pays_it)
                })
                .count();
            if payments != 1 {
                return Err(missing());
            }
        }
    }
    if let Some(page) = reserved.iter().position(|seen| !seen) {
        return Err(pages_wrong(format!("page {page} is not reserved")));
    }
    Ok(())
}

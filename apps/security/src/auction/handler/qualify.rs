//! A bidder qualifies for a lot by a cross-tx: this leg, on the security
//! chain, checks that they may hold the security (so a winner always can)
//! and takes a place in the lot; the currency leg beside it holds their
//! guarantee in the lot's escrow. Committed, the place is the bidder's;
//! aborted, it is given up. The place is taken at prepare, so the lot's
//! bidder count and each bidder's single place hold whatever commits.

use prost::{Message, Name};
use xcc_chain::participant::{LegId, LegRequest};
use xcc_chain::state::StateWrite;
use xcc_chain::{Address, MsgContext};
use xcc_proto::currency::v1 as cash_pb;

use super::step;
use crate::auction::error::AuctionError;
use crate::auction::machine::Input;
use crate::auction::record::AuctionLot;
use crate::auction::state::AuctionRead;
use crate::auction::state_key;
use crate::handler::position::require_may_hold;
use crate::state::SecurityRead;
use crate::trust::state::TrustRead;

/// The guarantee the cross-tx holds on `lot`'s currency chain for `bidder`,
/// or why there is none.
fn require_guarantee_leg(
    leg: &LegRequest<'_>,
    own_chain: &str,
    stored: &AuctionLot,
    bidder: &Address,
) -> Result<(), AuctionError> {
    let guarantee = stored.lot.terms.guarantee;
    let wanted = |hold: &cash_pb::MsgHoldGuarantee| {
        hold.bidder == bidder.to_string()
            && hold.security_chain == own_chain
            && hold.lot_id == stored.lot.id
            && hold.denom == stored.denom
            && hold.amount == guarantee
    };
    let holds: Vec<cash_pb::MsgHoldGuarantee> = leg
        .cross_tx
        .legs
        .iter()
        .filter(|other| other.chain_id == stored.currency_chain)
        .flat_map(|other| other.msgs.iter())
        .filter(|any| any.type_url == cash_pb::MsgHoldGuarantee::type_url())
        .filter_map(|any| cash_pb::MsgHoldGuarantee::decode(any.value.as_slice()).ok())
        .collect();
    if holds.iter().filter(|hold| wanted(hold)).count() == 1 {
        return Ok(());
    }
    Err(AuctionError::GuaranteeLegMissing {
        lot: stored.lot.id,
        bidder: bidder.to_string(),
        guarantee,
        denom: stored.denom.clone(),
        currency_chain: stored.currency_chain.clone(),
        found: format!(
            "{} guarantee hold(s) on that chain, none or several of them it",
            holds.len()
        ),
    })
}

pub fn prepare(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    bidder: &Address,
    lot_id: u64,
) -> Result<(), AuctionError> {
    let stored = state.lot(lot_id)?;
    if stored.lot.terms.guarantee == 0 {
        return Err(AuctionError::Invalid(format!(
            "lot {lot_id} holds no guarantees: its bidders qualify by registering on a bank's receipt"
        )));
    }
    let security = state.security(&stored.symbol)?;
    require_may_hold(state, &security, bidder, ctx.block.time_seconds())?;
    require_guarantee_leg(leg, ctx.chain_id, &stored, bidder)?;
    if stored.lot.terms.requires_registration && !state.is_registered(lot_id, bidder)? {
        return Err(AuctionError::NotRegistered {
            lot: lot_id,
            bidder: bidder.to_string(),
        });
    }
    let key = state_key::qualifying(&leg.tx_id, leg.leg_index as u32);
    if state.get_raw(&key)?.is_some() {
        return Err(AuctionError::Invalid(
            "a leg qualifies one bidder for one lot".into(),
        ));
    }
    step::apply(ctx, state, stored, Input::Qualify { bidder: *bidder })?;
    let mut held = lot_id.to_be_bytes().to_vec();
    held.extend_from_slice(bidder.as_bytes());
    state.put_raw(key, held);
    Ok(())
}

/// A bidder qualifies for a lot without a guarantee on their registration
/// receipt alone: whitelisted, they take a place and hold it at once, as a
/// committed qualification cross-tx would have.
pub fn on_receipt(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    bidder: &Address,
    lot_id: u64,
) -> Result<(), AuctionError> {
    let stored = state.lot(lot_id)?;
    let security = state.security(&stored.symbol)?;
    require_may_hold(state, &security, bidder, ctx.block.time_seconds())?;
    step::apply(ctx, state, stored, Input::Qualify { bidder: *bidder })?;
    let stored = state.lot(lot_id)?;
    step::apply(
        ctx,
        state,
        stored,
        Input::Qualified {
            bidder: *bidder,
            held: true,
        },
    )
}

/// The decision for a leg's qualification, if it holds one.
pub fn settle(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegId,
    held: bool,
) -> Result<(), AuctionError> {
    let key = state_key::qualifying(&leg.tx_id, leg.leg_index);
    let Some(bytes) = state.get_raw(&key)? else {
        return Ok(());
    };
    let (lot_id, bidder) = bytes.split_at(8);
    let lot_id = u64::from_be_bytes(lot_id.try_into().map_err(|_| corrupt(&key))?);
    let bidder = Address::from_bytes(bidder.try_into().map_err(|_| corrupt(&key))?);
    state.delete(key);
    let stored = state.lot(lot_id)?;
    step::apply(ctx, state, stored, Input::Qualified { bidder, held })
}

fn corrupt(key: &[u8]) -> AuctionError {
    AuctionError::Invalid(format!(
        "corrupt qualification {}",
        String::from_utf8_lossy(key)
    ))
}

//! A lot's settlement, one cross-tx: this leg, on the security chain,
//! holds the lot for the awarded winner and moves its units to them; the
//! currency leg that depends on it pays the seller the price (the winner's
//! guarantee from escrow, the rest from the winner). Committed, the lot is
//! sold and every other guarantee released; aborted, the winner forfeits
//! and the lot passes on.

use prost::Message;
use xcc_chain::participant::{LegId, LegRequest};
use xcc_chain::state::{Record, StateWrite};
use xcc_chain::{Address, MsgContext};
use xcc_proto::auction::v1 as pb;
use xcc_proto::security::v1 as security_pb;

use super::step;
use crate::auction::error::AuctionError;
use crate::auction::machine::{Input, Phase};
use crate::auction::state::AuctionRead;
use crate::auction::state_key;
use crate::domain::HeldMovement;
use crate::handler::movement::{self, Movement};

/// Holds the lot for its settlement and reserves the units' movement;
/// returns what the paying leg must pay.
pub fn prepare(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    winner: &Address,
    lot_id: u64,
) -> Result<pb::LotSettlement, AuctionError> {
    let stored = state.lot(lot_id)?;
    let Phase::Awarded(award) = stored.lot.phase else {
        return Err(AuctionError::Invalid(format!(
            "lot {lot_id} is {}, not awarded",
            stored.lot.phase.name()
        )));
    };
    if award.winner != *winner {
        return Err(AuctionError::Invalid(format!(
            "lot {lot_id} is awarded to {}, not {winner}",
            award.winner
        )));
    }
    let key = state_key::settling(&leg.tx_id, leg.leg_index as u32);
    if state.get_raw(&key)?.is_some() {
        return Err(AuctionError::Invalid("a leg settles one lot".into()));
    }
    let seller = stored.lot.seller;
    let takes_slot = movement::reserve(
        ctx,
        state,
        leg,
        Movement {
            symbol: &stored.symbol,
            from: &seller,
            to: winner,
            amount: stored.units,
            // The lot reserved them when it opened.
            from_listing: true,
        },
    )?;
    let held = HeldMovement {
        symbol: stored.symbol.clone(),
        from: seller,
        to: *winner,
        amount: stored.units,
        takes_slot,
        listing_id: None,
        price_per_unit: award.price / stored.units.max(1),
        denom: stored.denom.clone(),
    };
    let settlement = pb::LotSettlement {
        lot_id,
        security_chain: ctx.chain_id.to_owned(),
        winner: winner.to_string(),
        seller: seller.to_string(),
        price: award.price,
        guarantee: stored.lot.terms.guarantee,
        denom: stored.denom.clone(),
        currency_chain: stored.currency_chain.clone(),
    };
    step::apply(
        ctx,
        state,
        stored,
        Input::SettlementPrepared { tx_id: leg.tx_id },
    )?;
    let mut value = lot_id.to_be_bytes().to_vec();
    value.extend_from_slice(&held.to_proto().encode_to_vec());
    state.put_raw(key, value);
    Ok(settlement)
}

/// The decision for a leg's settlement, if it holds one.
pub fn settle(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegId,
    paid: bool,
) -> Result<(), AuctionError> {
    let key = state_key::settling(&leg.tx_id, leg.leg_index);
    let Some(bytes) = state.get_raw(&key)? else {
        return Ok(());
    };
    let corrupt =
        || AuctionError::Invalid(format!("corrupt settlement {}", hex::encode(leg.tx_id)));
    if bytes.len() < 8 {
        return Err(corrupt());
    }
    let (lot_id, held) = bytes.split_at(8);
    let lot_id = u64::from_be_bytes(lot_id.try_into().map_err(|_| corrupt())?);
    let held = security_pb::HeldTransfer::decode(held).map_err(|_| corrupt())?;
    let held = HeldMovement::from_proto(held).map_err(|_| corrupt())?;
    state.delete(key);
    if paid {
        movement::settle(ctx, state, &leg.tx_id, &held)?;
    } else {
        // The units stay reserved by the lot, for the next bidder.
        movement::unwind(state, &held, false)?;
    }
    let stored = state.lot(lot_id)?;
    step::apply(
        ctx,
        state,
        stored,
        Input::SettlementDecided {
            tx_id: leg.tx_id,
            paid,
        },
    )
}

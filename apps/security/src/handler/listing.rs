//! Listings: a holder puts units up for sale at a price per unit, payable in
//! a denom on a currency chain. The listing is the seller's standing, signed
//! authorization to deliver to whoever pays, so its units are reserved out of
//! the seller's position until sold or cancelled. A fill runs only as a
//! cross-tx leg: prepare moves units from the listing's `units` to its
//! `reserved` (and holds them as a movement, `movement`), commit delivers
//! them, release puts them back on sale.

use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::movement::{self, Movement};
use crate::domain::{HeldMovement, Listing};
use crate::error::SecurityError;
use crate::state::{SecurityRead, SecurityWrite};
use crate::state_key;
use crate::symbol::Symbol;
use crate::terms::SellerPayments;

pub struct NewListing<'a> {
    pub seller: &'a Address,
    pub symbol: &'a Symbol,
    pub units: u64,
    pub price_per_unit: u64,
    pub denom: &'a str,
    pub currency_chain: &'a str,
}

pub fn create(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    new: NewListing<'_>,
) -> Result<(), SecurityError> {
    movement::reserve_for_sale(
        state,
        new.symbol,
        new.seller,
        new.units,
        ctx.block.time_seconds(),
    )?;
    let id = state.get_u64(state_key::NEXT_LISTING)? + 1;
    state.put_u64(state_key::NEXT_LISTING.to_vec(), id);
    let listing = Listing {
        id,
        seller: *new.seller,
        symbol: new.symbol.clone(),
        units: new.units,
        reserved: 0,
        price_per_unit: new.price_per_unit,
        denom: new.denom.to_owned(),
        currency_chain: new.currency_chain.to_owned(),
        created_height: ctx.block.height,
        cancelled: false,
    };
    state.put_listing(&listing);
    ctx.emit(
        Event::new("listing_created")
            .attr("listing_id", id)
            .attr("symbol", new.symbol)
            .attr("seller", new.seller)
            .attr("units", new.units)
            .attr("price_per_unit", new.price_per_unit)
            .attr("denom", new.denom),
    );
    Ok(())
}

pub fn cancel(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    seller: &Address,
    listing_id: u64,
) -> Result<(), SecurityError> {
    let mut listing = state.listing(listing_id)?;
    if listing.cancelled {
        return Err(SecurityError::UnknownListing(listing_id));
    }
    if listing.seller != *seller {
        return Err(SecurityError::NotSeller {
            listing_id,
            account: *seller,
        });
    }
    movement::free_reserved(state, &listing.symbol, seller, listing.units)?;
    listing.units = 0;
    listing.cancelled = true;
    state.put_listing(&listing);
    ctx.emit(
        Event::new("listing_cancelled")
            .attr("listing_id", listing_id)
            .attr("seller", seller),
    );
    Ok(())
}

/// What one fill buys.
pub struct Fill<'a> {
    pub buyer: &'a Address,
    pub listing_id: u64,
    pub units: u64,
}

/// Reserves a fill for a cross-tx leg: the listing's units for the buyer,
/// provided the cross-tx pays the seller (`payments`, read once per leg on
/// its first fill). Returns the held movement and the fill's terms, which
/// the leg's result reports.
pub fn prepare_fill(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    payments: &mut Option<SellerPayments>,
    fill: Fill<'_>,
) -> Result<(HeldMovement, pb::FillTerms), SecurityError> {
    let Fill {
        buyer,
        listing_id,
        units,
    } = fill;
    let mut listing = state.listing(listing_id)?;
    if listing.cancelled || listing.units < units {
        return Err(SecurityError::ListingShort {
            listing_id,
            available: if listing.cancelled { 0 } else { listing.units },
            wanted: units,
        });
    }
    if listing.seller == *buyer {
        return Err(SecurityError::Invalid(
            "a seller cannot fill its own listing".into(),
        ));
    }
    units
        .checked_mul(listing.price_per_unit)
        .ok_or_else(|| SecurityError::Invalid("the fill's price overflows".into()))?;
    let payments = match payments {
        Some(payments) => payments,
        None => payments.insert(SellerPayments::of(state, leg.cross_tx, ctx.chain_id)?),
    };
    payments.require_paid(&listing)?;
    let movement = Movement {
        symbol: &listing.symbol,
        from: &listing.seller,
        to: buyer,
        amount: units,
        from_listing: true,
    };
    let takes_slot = movement::reserve(ctx, state, leg, movement)?;
    listing.units -= units;
    listing.reserved += units;
    state.put_listing(&listing);
    let terms = pb::FillTerms {
        listing_id,
        seller: listing.seller.to_string(),
        buyer: buyer.to_string(),
        symbol: listing.symbol.to_string(),
        units,
        price_per_unit: listing.price_per_unit,
        denom: listing.denom.clone(),
        currency_chain: listing.currency_chain.clone(),
    };
    let held = HeldMovement {
        symbol: listing.symbol,
        from: listing.seller,
        to: *buyer,
        amount: units,
        takes_slot,
        listing_id: Some(listing_id),
        price_per_unit: listing.price_per_unit,
        denom: listing.denom,
    };
    Ok((held, terms))
}

/// A fill made final: the units leave the listing for the buyer.
pub fn commit_fill(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldMovement,
    listing_id: u64,
) -> Result<(), SecurityError> {
    movement::settle(ctx, state, tx_id, held)?;
    let mut listing = state.listing(listing_id)?;
    listing.reserved = listing.reserved.saturating_sub(held.amount);
    state.put_listing(&listing);
    Ok(())
}

/// A fill given up: unsold units go back on sale, or to the seller if the
/// seller withdrew the listing meanwhile.
pub fn release_fill(
    state: &mut dyn StateWrite,
    held: &HeldMovement,
    listing_id: u64,
) -> Result<(), SecurityError> {
    let mut back_to_seller = true;
    if let Some(mut listing) = state.find_listing(listing_id).ok().flatten() {
        listing.reserved = listing.reserved.saturating_sub(held.amount);
        if !listing.cancelled {
            listing.units += held.amount;
            back_to_seller = false;
        }
        state.put_listing(&listing);
    }
    movement::unwind(state, held, back_to_seller)
}

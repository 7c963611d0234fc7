//! Listings: a holder puts units up for sale at a price per unit, payable in
//! a denom on a currency chain. The listing is the seller's standing, signed
//! authorization to deliver to whoever pays, so its units are reserved out of
//! the seller's position until sold or cancelled. Fills run only as
//! cross-tx legs (`crate::hold`), which move units from `units` to
//! `reserved` while prepared.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::occupancy::{load_position, write_positions, Position, PositionChange};
use super::position::require_may_hold;
use super::registry::{issuer_of, load_security};
use crate::error::SecurityError;
use crate::state_key;
use crate::symbol::Symbol;

pub fn load_listing(state: &dyn StateRead, id: u64) -> Result<pb::Listing, SecurityError> {
    find_listing(state, id)?.ok_or(SecurityError::UnknownListing(id))
}

pub fn find_listing(state: &dyn StateRead, id: u64) -> Result<Option<pb::Listing>, SecurityError> {
    Ok(state.get_proto::<pb::Listing>(&state_key::listing(id))?)
}

/// Saves a listing, or removes it once nothing is left for sale or in
/// progress.
pub fn save_listing(state: &mut dyn StateWrite, listing: &pb::Listing) {
    let key = state_key::listing(listing.id);
    if listing.units == 0 && listing.reserved == 0 {
        state.delete(key);
    } else {
        state.put_proto(key, listing);
    }
}

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
    let mut security = load_security(state, new.symbol)?;
    let issuer = issuer_of(&security)?;
    require_may_hold(
        state,
        new.symbol,
        &issuer,
        new.seller,
        ctx.block.time_seconds(),
    )?;
    let position = load_position(state, new.symbol, new.seller)?;
    position.require_available(new.symbol, new.seller, new.units)?;
    let change = PositionChange {
        account: *new.seller,
        before: position,
        after: Position {
            reserved: position.reserved + new.units,
            ..position
        },
    };
    write_positions(state, new.symbol, &mut security, &issuer, &[change], true)?;
    let id = state.get_u64(state_key::NEXT_LISTING)? + 1;
    state.put_u64(state_key::NEXT_LISTING.to_vec(), id);
    let listing = pb::Listing {
        id,
        seller: new.seller.to_string(),
        symbol: new.symbol.to_string(),
        units: new.units,
        reserved: 0,
        price_per_unit: new.price_per_unit,
        denom: new.denom.to_owned(),
        currency_chain: new.currency_chain.to_owned(),
        created_height: ctx.block.height,
        cancelled: false,
    };
    save_listing(state, &listing);
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
    let mut listing = load_listing(state, listing_id)?;
    if listing.seller != seller.to_string() || listing.cancelled {
        return Err(if listing.cancelled {
            SecurityError::UnknownListing(listing_id)
        } else {
            SecurityError::NotSeller {
                listing_id,
                account: *seller,
            }
        });
    }
    let symbol: Symbol = listing
        .symbol
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("stored listing symbol: {e}")))?;
    give_back(state, &symbol, seller, listing.units)?;
    listing.units = 0;
    listing.cancelled = true;
    save_listing(state, &listing);
    ctx.emit(
        Event::new("listing_cancelled")
            .attr("listing_id", listing_id)
            .attr("seller", seller),
    );
    Ok(())
}

/// Returns `units` the seller had reserved for a listing to its free units.
pub fn give_back(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    seller: &Address,
    units: u64,
) -> Result<(), SecurityError> {
    let key = state_key::reserved(symbol, seller);
    let reserved = state.get_u64(&key)?;
    let left = reserved.saturating_sub(units);
    if left == 0 {
        state.delete(key);
    } else {
        state.put_u64(key, left);
    }
    Ok(())
}

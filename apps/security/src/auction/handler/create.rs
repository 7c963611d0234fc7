//! A seller opens a lot: the units are reserved out of their position, as
//! a listing's are, until the lot is sold, fails or is cancelled.

use xcc_chain::state::{StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Event, MsgContext};

use crate::auction::error::AuctionError;
use crate::auction::machine::Lot;
use crate::auction::msg::NewLot;
use crate::auction::record::AuctionLot;
use crate::auction::state::AuctionWrite;
use crate::auction::state_key;
use crate::handler::movement;

pub fn create(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    new: &NewLot,
) -> Result<(), AuctionError> {
    new.terms.check(ctx.block.time_ns)?;
    movement::reserve_for_sale(
        state,
        &new.symbol,
        &new.seller,
        new.units,
        ctx.block.time_seconds(),
    )?;
    let id = state.get_u64(state_key::NEXT_LOT)? + 1;
    state.put_u64(state_key::NEXT_LOT.to_vec(), id);
    let lot = AuctionLot {
        lot: Lot::new(id, new.seller, new.terms),
        symbol: new.symbol.clone(),
        units: new.units,
        denom: new.denom.clone(),
        currency_chain: new.currency_chain.clone(),
        created_height: ctx.block.height,
    };
    state.put_lot(&lot);
    state.record_step(id, ctx.block, "created", new.seller.to_string(), new.units)?;
    ctx.emit(
        Event::new("auction_created")
            .attr("lot_id", id)
            .attr("kind", new.terms.kind.name())
            .attr("symbol", &new.symbol)
            .attr("seller", new.seller)
            .attr("units", new.units)
            .attr("start_price", new.terms.start_price)
            .attr("end_ns", new.terms.end_ns),
    );
    Ok(())
}

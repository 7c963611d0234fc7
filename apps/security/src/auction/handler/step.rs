//! One input to a lot's machine, and what the chain does with its outputs:
//! each step goes into the lot's history and out as an event.

use xcc_chain::state::StateWrite;
use xcc_chain::{Address, Event, MsgContext};

use crate::auction::error::AuctionError;
use crate::auction::machine::{Failure, Guarantee, Input, Output};
use crate::auction::port;
use crate::auction::record::AuctionLot;
use crate::auction::state::{AuctionRead, AuctionWrite};
use crate::handler::movement;

/// Applies `input` to lot `lot_id` at this block's time.
pub fn step(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    lot_id: u64,
    input: Input,
) -> Result<(), AuctionError> {
    let stored = state.lot(lot_id)?;
    apply(ctx, state, stored, input)
}

/// Applies `input` to `stored` and carries out the outputs.
pub fn apply(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    stored: AuctionLot,
    input: Input,
) -> Result<(), AuctionError> {
    let (lot, outputs) = stored.lot.apply(input.clone(), ctx.block.time_ns)?;
    let id = lot.id;
    let next = AuctionLot { lot, ..stored };
    if let Some((kind, account, amount)) = input_step(&input) {
        state.record_step(id, ctx.block, kind, account.to_string(), amount)?;
        ctx.emit(
            Event::new("auction_step")
                .attr("lot_id", id)
                .attr("step", kind)
                .attr("account", account)
                .attr("amount", amount),
        );
    }
    for output in &outputs {
        carry_out(ctx, state, &next, output)?;
    }
    state.put_lot(&next);
    Ok(())
}

/// The history entry an input makes by itself; outputs make the rest.
fn input_step(input: &Input) -> Option<(&'static str, Address, u64)> {
    match input {
        Input::Qualified {
            bidder, held: true, ..
        } => Some(("qualified", *bidder, 0)),
        Input::Bid { bidder, amount } => Some(("bid", *bidder, *amount)),
        Input::Take { bidder } => Some(("take", *bidder, 0)),
        Input::Commit { bidder, .. } => Some(("commit", *bidder, 0)),
        Input::Reveal { bidder, amount, .. } => Some(("reveal", *bidder, *amount)),
        Input::Cancel { by } => Some(("cancelled", *by, 0)),
        Input::Qualify { .. }
        | Input::Qualified { held: false, .. }
        | Input::Close
        | Input::SettlementPrepared { .. }
        | Input::SettlementDecided { .. } => None,
    }
}

fn failure_name(failure: Failure) -> &'static str {
    match failure {
        Failure::TooFewBidders { .. } => "too few bidders",
        Failure::NoValidBid => "no valid bid",
        Failure::ReserveNotMet { .. } => "reserve not met",
        Failure::NobodyPaid => "nobody paid",
    }
}

fn disposition_name(disposition: Guarantee) -> &'static str {
    match disposition {
        Guarantee::Pending => "pending",
        Guarantee::Held => "held",
        Guarantee::Released => "released",
        Guarantee::Applied => "applied",
        Guarantee::Forfeited => "forfeited",
    }
}

fn carry_out(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    lot: &AuctionLot,
    output: &Output,
) -> Result<(), AuctionError> {
    let id = lot.lot.id;
    let seller = lot.lot.seller;
    let (kind, account, amount) = match output {
        Output::Extended { end_ns } => ("extended", seller, *end_ns),
        Output::Awarded { winner, price, .. } => ("awarded", *winner, *price),
        Output::Guarantee {
            bidder,
            disposition,
        } => {
            // A lot without a guarantee holds nothing in escrow to dispose of.
            if lot.lot.terms.guarantee > 0 {
                port::send_disposition(ctx, state, lot, bidder, *disposition)?;
            }
            ctx.emit(
                Event::new("auction_guarantee")
                    .attr("lot_id", id)
                    .attr("bidder", bidder)
                    .attr("disposition", disposition_name(*disposition)),
            );
            (
                disposition_name(*disposition),
                *bidder,
                lot.lot.terms.guarantee,
            )
        }
        Output::ReturnUnits => {
            movement::free_reserved(state, &lot.symbol, &seller, lot.units)?;
            ("units_returned", seller, lot.units)
        }
        Output::Sold { winner, price } => ("sold", *winner, *price),
        Output::Failed(failure) => {
            ctx.emit(
                Event::new("auction_failed")
                    .attr("lot_id", id)
                    .attr("reason", failure_name(*failure)),
            );
            ("failed", seller, 0)
        }
    };
    state.record_step(id, ctx.block, kind, account.to_string(), amount)?;
    Ok(())
}

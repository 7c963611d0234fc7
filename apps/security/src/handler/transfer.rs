//! Transfers of units under the whitelist and the holder cap: directly, or
//! as a cross-tx leg whose units are reserved at prepare and moved at
//! commit (`movement`).

use xcc_chain::participant::LegRequest;
use xcc_chain::state::StateWrite;
use xcc_chain::{Address, Event, MsgContext};

use super::movement::{self, Movement};
use super::occupancy::{write_positions, PositionChange};
use super::position::open_movement;
use crate::domain::{HeldMovement, Position};
use crate::error::SecurityError;
use crate::state::SecurityRead;
use crate::symbol::Symbol;
use crate::terms;

/// What one transfer moves.
pub struct Transfer<'a> {
    pub from: &'a Address,
    pub to: &'a Address,
    pub symbol: &'a Symbol,
    pub amount: u64,
}

pub fn execute(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    t: Transfer<'_>,
) -> Result<(), SecurityError> {
    let Transfer {
        from,
        to,
        symbol,
        amount,
    } = t;
    let mut security = open_movement(state, symbol, from, to, ctx.block.time_seconds())?;
    let sender = state.position(symbol, from)?;
    sender.require_available(symbol, from, amount)?;
    let receiver = state.position(symbol, to)?;
    // Total supply bounds every balance, so this cannot overflow; check anyway.
    let to_after = receiver
        .balance
        .checked_add(amount)
        .ok_or_else(|| SecurityError::Invalid("balance overflow".into()))?;
    let changes = [
        PositionChange {
            account: *from,
            before: sender,
            after: Position {
                balance: sender.balance - amount,
                ..sender
            },
        },
        PositionChange {
            account: *to,
            before: receiver,
            after: Position {
                balance: to_after,
                ..receiver
            },
        },
    ];
    write_positions(state, &mut security, &changes, true)?;
    ctx.emit(
        Event::new("security_transfer")
            .attr("symbol", symbol)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", amount),
    );
    Ok(())
}

/// Reserves a transfer for a cross-tx leg. Units for cash in one cross-tx
/// are a trade at the price paid per unit.
pub fn prepare(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    t: Transfer<'_>,
) -> Result<HeldMovement, SecurityError> {
    let movement = Movement {
        symbol: t.symbol,
        from: t.from,
        to: t.to,
        amount: t.amount,
        from_listing: false,
    };
    let takes_slot = movement::reserve(ctx, state, leg, movement)?;
    let paid = terms::payments(leg.cross_tx, ctx.chain_id, t.to, t.from);
    let (price_per_unit, denom) = match paid.into_iter().collect::<Vec<_>>().as_slice() {
        [(denom, total)] => (total / t.amount, denom.clone()),
        _ => (0, String::new()),
    };
    Ok(HeldMovement {
        symbol: t.symbol.clone(),
        from: *t.from,
        to: *t.to,
        amount: t.amount,
        takes_slot,
        listing_id: None,
        price_per_unit,
        denom,
    })
}

pub fn commit(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldMovement,
) -> Result<(), SecurityError> {
    movement::settle(ctx, state, tx_id, held)
}

pub fn release(state: &mut dyn StateWrite, held: &HeldMovement) -> Result<(), SecurityError> {
    movement::unwind(state, held, true)
}

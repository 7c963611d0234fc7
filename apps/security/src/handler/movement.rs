//! A movement of units held by a cross-tx leg: the part of two-phase
//! commit that transfers and fills share. Prepare reserves the units out
//! of the sender's position (a fill's units are reserved by their listing
//! already) and marks them pending in for the receiver, taking a holder
//! slot if the receiver holds none; both whitelist entries are pinned.
//! Commit moves the units and records the trade; release gives everything
//! back. Nothing waits: a conflict fails the prepare.

use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::occupancy::{write_positions, PositionChange};
use super::position::open_movement;
use super::whitelist::{pin_parties, whitelist_status, Pin, WhitelistStatus};
use crate::domain::{HeldMovement, Position};
use crate::error::SecurityError;
use crate::state::SecurityRead;
use crate::state_key;
use crate::symbol::Symbol;

/// One movement of units a leg reserves.
pub struct Movement<'a> {
    pub symbol: &'a Symbol,
    pub from: &'a Address,
    pub to: &'a Address,
    pub amount: u64,
    /// The units are already reserved by the listing they are sold from.
    pub from_listing: bool,
}

/// The leg's deadline in unix seconds, rounded up.
fn deadline_seconds(leg: &LegRequest<'_>) -> u64 {
    leg.cross_tx.deadline_ns.div_ceil(1_000_000_000)
}

/// Reserves one movement and tells whether the receiver took a holder
/// slot; the caller undoes everything on error.
pub fn reserve(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    movement: Movement<'_>,
) -> Result<bool, SecurityError> {
    let Movement {
        symbol,
        from,
        to,
        amount,
        from_listing,
    } = movement;
    let now = ctx.block.time_seconds();
    let mut security = open_movement(state, symbol, from, to, now)?;
    // The entries are pinned until the deadline, so they must last that long.
    let deadline = i64::try_from(deadline_seconds(leg)).unwrap_or(i64::MAX);
    for account in [from, to].into_iter().filter(|a| **a != security.issuer) {
        if let WhitelistStatus::Active { expires_at } =
            whitelist_status(state, symbol, account, now)?
        {
            if expires_at < deadline {
                return Err(SecurityError::WhitelistEndsBeforeDeadline {
                    symbol: symbol.clone(),
                    account: *account,
                    expires_at,
                    deadline,
                });
            }
        }
    }
    let sender = state.position(symbol, from)?;
    let sender_after = if from_listing {
        sender
    } else {
        sender.require_available(symbol, from, amount)?;
        Position {
            reserved: sender.reserved + amount,
            ..sender
        }
    };
    let receiver = state.position(symbol, to)?;
    let receiver_after = Position {
        pending_in: receiver
            .pending_in
            .checked_add(amount)
            .ok_or_else(|| SecurityError::Invalid("pending units overflow".into()))?,
        ..receiver
    };
    let takes_slot = *to != security.issuer && receiver.balance == 0 && receiver.pending_in == 0;
    let changes = [
        PositionChange {
            account: *from,
            before: sender,
            after: sender_after,
        },
        PositionChange {
            account: *to,
            before: receiver,
            after: receiver_after,
        },
    ];
    write_positions(state, &mut security, &changes, true)?;
    let issuer = security.issuer;
    pin_parties(
        state,
        symbol,
        &issuer,
        [from, to],
        Pin::Until(deadline_seconds(leg)),
    )?;
    Ok(takes_slot)
}

/// A held movement made final: the units change hands, and a movement paid
/// for in the same cross-tx counts as a trade.
pub fn settle(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldMovement,
) -> Result<(), SecurityError> {
    let HeldMovement {
        symbol, from, to, ..
    } = held;
    let mut security = state.security(symbol)?;
    let sender = state.position(symbol, from)?;
    let receiver = state.position(symbol, to)?;
    if sender.balance < held.amount
        || sender.reserved < held.amount
        || receiver.pending_in < held.amount
    {
        return Err(SecurityError::HoldNotCovered(hex::encode(tx_id)));
    }
    let changes = [
        PositionChange {
            account: *from,
            before: sender,
            after: Position {
                balance: sender.balance - held.amount,
                reserved: sender.reserved - held.amount,
                ..sender
            },
        },
        PositionChange {
            account: *to,
            before: receiver,
            after: Position {
                balance: receiver.balance + held.amount,
                pending_in: receiver.pending_in - held.amount,
                ..receiver
            },
        },
    ];
    write_positions(state, &mut security, &changes, false)?;
    pin_parties(state, symbol, &security.issuer, [from, to], Pin::Release)?;
    if held.price_per_unit > 0 {
        record_trade(ctx, state, tx_id, held)?;
    }
    ctx.emit(
        Event::new("security_transfer")
            .attr("symbol", symbol)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", held.amount)
            .attr("tx_id", hex::encode(tx_id)),
    );
    Ok(())
}

/// The security's trade statistics: one more trade at this price, told to
/// explorers as a `security_trade` event (price history is theirs to keep).
fn record_trade(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldMovement,
) -> Result<(), SecurityError> {
    let key = state_key::trade_stats(&held.symbol);
    let mut stats: pb::TradeStats = state.get_proto(&key)?.unwrap_or_default();
    stats.symbol = held.symbol.to_string();
    stats.trades += 1;
    stats.volume_units = stats.volume_units.saturating_add(held.amount);
    stats.last_price = held.price_per_unit;
    stats.last_denom = held.denom.clone();
    stats.last_height = ctx.block.height;
    state.put_proto(key, &stats);
    ctx.emit(
        Event::new("security_trade")
            .attr("symbol", &held.symbol)
            .attr("seller", held.from)
            .attr("buyer", held.to)
            .attr("units", held.amount)
            .attr("price_per_unit", held.price_per_unit)
            .attr("denom", &held.denom)
            .attr("tx_id", hex::encode(tx_id)),
    );
    Ok(())
}

/// A held movement given back: the receiver's pending units go, and the
/// sender's reserved units are freed unless `back_to_sender` is false
/// (a fill's units return to their listing, still reserved by it).
pub fn unwind(
    state: &mut dyn StateWrite,
    held: &HeldMovement,
    back_to_sender: bool,
) -> Result<(), SecurityError> {
    let HeldMovement {
        symbol, from, to, ..
    } = held;
    let mut security = state.security(symbol)?;
    if back_to_sender {
        free_reserved(state, symbol, from, held.amount)?;
    }
    let receiver = state.position(symbol, to)?;
    let change = PositionChange {
        account: *to,
        before: receiver,
        after: Position {
            pending_in: receiver.pending_in.saturating_sub(held.amount),
            ..receiver
        },
    };
    write_positions(state, &mut security, &[change], false)?;
    pin_parties(state, symbol, &security.issuer, [from, to], Pin::Release)?;
    Ok(())
}

/// Returns `units` reserved out of `account`'s position to its free units.
pub fn free_reserved(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    account: &Address,
    units: u64,
) -> Result<(), SecurityError> {
    let key = state_key::reserved(symbol, account);
    let left = state.get_u64(&key)?.saturating_sub(units);
    // Zero deletes the counter.
    state.put_u64(key, left);
    Ok(())
}

/// Reserves `units` of `seller`'s free units for sale (a listing or a lot),
/// once the seller may hold the security at block time `now` (unix
/// seconds).
pub fn reserve_for_sale(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    seller: &Address,
    units: u64,
    now: i64,
) -> Result<(), SecurityError> {
    let mut security = state.security(symbol)?;
    super::position::require_may_hold(state, &security, seller, now)?;
    let position = state.position(symbol, seller)?;
    position.require_available(symbol, seller, units)?;
    let change = PositionChange {
        account: *seller,
        before: position,
        after: Position {
            reserved: position.reserved + units,
            ..position
        },
    };
    write_positions(state, &mut security, &[change], true)
}

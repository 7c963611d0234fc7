//! Reservations of units for cross-tx legs, the security chain's side of
//! two-phase commit. A prepared transfer reserves the units out of the
//! sender's position and marks them pending in for the receiver, taking a
//! holder slot if the receiver holds none; both whitelist entries are
//! pinned. Commit moves the units and records the trade; release gives
//! everything back. Nothing waits: a conflict fails the prepare.

use prost::Message;
use xcc_chain::page::{every, paginate, PageRequest, PageResponse};
use xcc_chain::participant::{LegId, LegRequest, Reservations};
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, ExecError, MsgContext, QueryError};
use xcc_proto::security::v1 as pb;

use crate::error::SecurityError;
use crate::handler::dividend::{
    entitlements, load_dividend, paging, save_dividend, state_at, status_name,
};
use crate::handler::listing::{give_back, load_listing, save_listing};
use crate::handler::occupancy::{load_position, write_positions, Position, PositionChange};
use crate::handler::position::open_movement;
use crate::handler::{issuer_of, load_security, whitelist_status, WhitelistStatus};
use crate::msg::SecurityMsg;
use crate::symbol::Symbol;
use crate::{state_key, terms, SecurityModule};

/// Counts a prepared cross-tx in (`Pin::Until`) or out (`Pin::Release`)
/// of those relying on a whitelist entry. While any does, the entry keeps
/// the latest deadline among them: it may not be shortened below it.
fn pin(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    account: &Address,
    change: Pin,
) -> Result<(), SecurityError> {
    let key = state_key::pins(symbol, account);
    let until_key = state_key::pinned_until(symbol, account);
    let pins = state.get_u64(&key)?;
    let pins = match change {
        Pin::Until(deadline) => {
            let until = state.get_u64(&until_key)?.max(deadline);
            state.put_u64(until_key.clone(), until);
            pins.saturating_add(1)
        }
        Pin::Release => pins.saturating_sub(1),
    };
    if pins == 0 {
        state.delete(key);
        state.delete(until_key);
    } else {
        state.put_u64(key, pins);
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Pin {
    /// Pinned by a cross-tx with this deadline (unix seconds, rounded up).
    Until(u64),
    Release,
}

fn deadline_seconds(leg: &LegRequest<'_>) -> u64 {
    leg.cross_tx.deadline_ns.div_ceil(1_000_000_000)
}

/// One movement of units a leg reserves.
struct Movement<'a> {
    symbol: &'a Symbol,
    from: &'a Address,
    to: &'a Address,
    amount: u64,
    /// The units are already reserved by the listing they are sold from.
    from_listing: bool,
}

/// Reserves one unit movement; the caller undoes everything on error.
fn reserve(
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
    let (mut security, issuer) = open_movement(state, symbol, from, to, now)?;
    // The entries are pinned until the deadline, so they must last that long.
    let deadline = i64::try_from(deadline_seconds(leg)).unwrap_or(i64::MAX);
    for account in [from, to].into_iter().filter(|a| **a != issuer) {
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
    let sender = load_position(state, symbol, from)?;
    let sender_after = if from_listing {
        sender
    } else {
        sender.require_available(symbol, from, amount)?;
        Position {
            reserved: sender.reserved + amount,
            ..sender
        }
    };
    let receiver = load_position(state, symbol, to)?;
    let receiver_after = Position {
        pending_in: receiver
            .pending_in
            .checked_add(amount)
            .ok_or_else(|| SecurityError::Invalid("pending units overflow".into()))?,
        ..receiver
    };
    let takes_slot = *to != issuer && receiver.balance == 0 && receiver.pending_in == 0;
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
    write_positions(state, symbol, &mut security, &issuer, &changes, true)?;
    pin_parties(
        state,
        symbol,
        &issuer,
        [from, to],
        Pin::Until(deadline_seconds(leg)),
    )?;
    Ok(takes_slot)
}

/// The security and the parties (from, to) of a held movement.
fn parties(held: &pb::HeldTransfer) -> Result<(Symbol, Address, Address), SecurityError> {
    Ok((
        parse_symbol(&held.symbol)?,
        parse_address("from", &held.from)?,
        parse_address("to", &held.to)?,
    ))
}

/// Pins or unpins the whitelist entries of the parties; the
/// issuer has none.
fn pin_parties(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    issuer: &Address,
    parties: [&Address; 2],
    change: Pin,
) -> Result<(), SecurityError> {
    for account in parties.into_iter().filter(|a| *a != issuer) {
        pin(state, symbol, account, change)?;
    }
    Ok(())
}

fn parse_address(field: &str, value: &str) -> Result<Address, SecurityError> {
    value
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("stored {field}: {e}")))
}

fn parse_symbol(value: &str) -> Result<Symbol, SecurityError> {
    value
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("stored symbol: {e}")))
}

fn fill(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    payments: &terms::SellerPayments,
    buyer: &Address,
    listing_id: u64,
    units: u64,
) -> Result<(pb::HeldTransfer, pb::FillTerms), SecurityError> {
    let mut listing = load_listing(state, listing_id)?;
    if listing.cancelled || listing.units < units {
        return Err(SecurityError::ListingShort {
            listing_id,
            available: if listing.cancelled { 0 } else { listing.units },
            wanted: units,
        });
    }
    let seller = parse_address("seller", &listing.seller)?;
    if seller == *buyer {
        return Err(SecurityError::Invalid(
            "a seller cannot fill its own listing".into(),
        ));
    }
    units
        .checked_mul(listing.price_per_unit)
        .ok_or_else(|| SecurityError::Invalid("the fill's price overflows".into()))?;
    payments.require_paid(&listing)?;
    let symbol = parse_symbol(&listing.symbol)?;
    let movement = Movement {
        symbol: &symbol,
        from: &seller,
        to: buyer,
        amount: units,
        from_listing: true,
    };
    let slot = reserve(ctx, state, leg, movement)?;
    listing.units -= units;
    listing.reserved += units;
    save_listing(state, &listing);
    let terms = pb::FillTerms {
        listing_id,
        seller: listing.seller.clone(),
        buyer: buyer.to_string(),
        symbol: listing.symbol.clone(),
        units,
        price_per_unit: listing.price_per_unit,
        denom: listing.denom.clone(),
        currency_chain: listing.currency_chain,
    };
    let held = pb::HeldTransfer {
        symbol: listing.symbol,
        from: listing.seller,
        to: buyer.to_string(),
        amount: units,
        slot,
        listing_id,
        price_per_unit: listing.price_per_unit,
        denom: listing.denom,
    };
    Ok((held, terms))
}

fn transfer(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    (from, to, symbol, amount): (&Address, &Address, &Symbol, u64),
) -> Result<pb::HeldTransfer, SecurityError> {
    let movement = Movement {
        symbol,
        from,
        to,
        amount,
        from_listing: false,
    };
    let slot = reserve(ctx, state, leg, movement)?;
    // Units for cash in one cross-tx are a trade at the price paid per unit.
    let paid = terms::payments(leg.cross_tx, ctx.chain_id, to, from);
    let (price_per_unit, denom) = match paid.into_iter().collect::<Vec<_>>().as_slice() {
        [(denom, total)] => (total / amount, denom.clone()),
        _ => (0, String::new()),
    };
    Ok(pb::HeldTransfer {
        symbol: symbol.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        amount,
        slot,
        listing_id: 0,
        price_per_unit,
        denom,
    })
}

fn load_hold(state: &dyn StateRead, leg: &LegId) -> Result<pb::Hold, SecurityError> {
    Ok(state
        .get_proto::<pb::Hold>(&state_key::hold(leg))?
        .unwrap_or_default())
}

/// Reserves one page of a payable dividend for the payout `leg.tx_id`; the
/// page's entitlements, read at the record height, are the leg's result.
/// The other pages are reserved by the payout's other legs on this chain.
fn reserve_dividend(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    payer: &Address,
    (dividend_id, page): (u64, u32),
) -> Result<pb::Entitlements, SecurityError> {
    let mut dividend = load_dividend(state, dividend_id)?;
    let payable = dividend.status == pb::DividendStatus::Payable as i32;
    let same_payout =
        dividend.status == pb::DividendStatus::Reserved as i32 && dividend.tx_id == leg.tx_id;
    if !payable && !same_payout {
        return Err(SecurityError::DividendNotPayable {
            id: dividend_id,
            status: status_name(dividend.status),
        });
    }
    if dividend.payer != payer.to_string() {
        return Err(SecurityError::Invalid(format!(
            "{payer} is not the payer of dividend {dividend_id}"
        )));
    }
    let (pages, _) = paging(&dividend);
    terms::require_payout(leg.cross_tx, ctx.chain_id, &dividend, pages)?;
    let at_record = state_at(ctx.history, dividend.record_height)?;
    let entitled = entitlements(at_record.as_ref(), ctx.chain_id, &dividend, page)?;
    if payable {
        dividend.status = pb::DividendStatus::Reserved as i32;
        dividend.tx_id = leg.tx_id.to_vec();
        dividend.total = 0;
        dividend.holders = 0;
        dividend.reserved_pages = 0;
    }
    dividend.reserved_pages += 1;
    dividend.total += entitled.total;
    dividend.holders += entitled.entries.len() as u64;
    save_dividend(state, &dividend);
    Ok(entitled)
}

/// A payout leg's decision for its page: paid once the first page commits
/// (the decision is the whole payout's), payable again once every reserved
/// page of the payout is released.
fn settle_dividend(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    hold: &pb::Hold,
    paid: bool,
) -> Result<(), SecurityError> {
    let mut dividend = load_dividend(state, hold.dividend_id)?;
    let reserved_by_it =
        dividend.status == pb::DividendStatus::Reserved as i32 && dividend.tx_id == hold.tx_id;
    if !reserved_by_it {
        // Another page of the payout settled it already.
        return Ok(());
    }
    if paid {
        dividend.status = pb::DividendStatus::Paid as i32;
        dividend.paid_height = ctx.block.height;
        ctx.emit(
            Event::new("dividend_paid")
                .attr("dividend_id", hold.dividend_id)
                .attr("total", dividend.total)
                .attr("holders", dividend.holders)
                .attr("pages", dividend.reserved_pages),
        );
    } else {
        dividend.reserved_pages = dividend.reserved_pages.saturating_sub(1);
        dividend.total = dividend.total.saturating_sub(hold.dividend_page_total);
        dividend.holders = dividend.holders.saturating_sub(hold.dividend_page_holders);
        if dividend.reserved_pages == 0 {
            dividend.status = pb::DividendStatus::Payable as i32;
            dividend.tx_id = Vec::new();
            dividend.total = 0;
            dividend.holders = 0;
        }
    }
    save_dividend(state, &dividend);
    Ok(())
}

/// One held movement made final.
fn apply(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &pb::HeldTransfer,
) -> Result<(), SecurityError> {
    let (symbol, from, to) = parties(held)?;
    let mut security = load_security(state, &symbol)?;
    let issuer = issuer_of(&security)?;
    let sender = load_position(state, &symbol, &from)?;
    let receiver = load_position(state, &symbol, &to)?;
    if sender.balance < held.amount
        || sender.reserved < held.amount
        || receiver.pending_in < held.amount
    {
        return Err(SecurityError::HoldNotCovered(hex::encode(tx_id)));
    }
    let changes = [
        PositionChange {
            account: from,
            before: sender,
            after: Position {
                balance: sender.balance - held.amount,
                reserved: sender.reserved - held.amount,
                ..sender
            },
        },
        PositionChange {
            account: to,
            before: receiver,
            after: Position {
                balance: receiver.balance + held.amount,
                pending_in: receiver.pending_in - held.amount,
                ..receiver
            },
        },
    ];
    write_positions(state, &symbol, &mut security, &issuer, &changes, false)?;
    pin_parties(state, &symbol, &issuer, [&from, &to], Pin::Release)?;
    if held.listing_id != 0 {
        let mut listing = load_listing(state, held.listing_id)?;
        listing.reserved = listing.reserved.saturating_sub(held.amount);
        save_listing(state, &listing);
    }
    if held.price_per_unit > 0 {
        let key = state_key::trade_stats(&symbol);
        let mut stats: pb::TradeStats = state.get_proto(&key)?.unwrap_or_default();
        stats.symbol = symbol.to_string();
        stats.trades += 1;
        stats.volume_units = stats.volume_units.saturating_add(held.amount);
        stats.last_price = held.price_per_unit;
        stats.last_denom = held.denom.clone();
        stats.last_height = ctx.block.height;
        state.put_proto(key, &stats);
    }
    ctx.emit(
        Event::new("security_transfer")
            .attr("symbol", &symbol)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", held.amount)
            .attr("tx_id", hex::encode(tx_id)),
    );
    Ok(())
}

/// One held movement given back.
fn give_up(state: &mut dyn StateWrite, held: &pb::HeldTransfer) -> Result<(), SecurityError> {
    let (symbol, from, to) = parties(held)?;
    let mut security = load_security(state, &symbol)?;
    let issuer = issuer_of(&security)?;
    let mut back_to_seller = true;
    if held.listing_id != 0 {
        if let Ok(mut listing) = load_listing(state, held.listing_id) {
            listing.reserved = listing.reserved.saturating_sub(held.amount);
            // Unsold units go back on sale unless the seller withdrew the listing.
            if !listing.cancelled {
                listing.units += held.amount;
                back_to_seller = false;
            }
            save_listing(state, &listing);
        }
    }
    if back_to_seller {
        give_back(state, &symbol, &from, held.amount)?;
    }
    let receiver = load_position(state, &symbol, &to)?;
    let change = PositionChange {
        account: to,
        before: receiver,
        after: Position {
            pending_in: receiver.pending_in.saturating_sub(held.amount),
            ..receiver
        },
    };
    write_positions(state, &symbol, &mut security, &issuer, &[change], false)?;
    pin_parties(state, &symbol, &issuer, [&from, &to], Pin::Release)?;
    Ok(())
}

impl Reservations for SecurityModule {
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError> {
        let mut result = pb::LegResult::default();
        let mut hold = pb::Hold {
            tx_id: leg.tx_id.to_vec(),
            leg_index: leg.leg_index as u32,
            ..Default::default()
        };
        let mut seller_payments = None;
        for any in leg.msgs() {
            let msg = SecurityMsg::decode(any)?;
            leg.require_signed(&msg.signers())?;
            let held = match &msg {
                SecurityMsg::Transfer {
                    from,
                    to,
                    symbol,
                    amount,
                } => transfer(ctx, state, leg, (from, to, symbol, *amount))?,
                SecurityMsg::FillListing {
                    buyer,
                    listing_id,
                    units,
                } => {
                    // Read on the first fill, for every fill of the leg.
                    let payments = match seller_payments.take() {
                        Some(payments) => payments,
                        None => terms::SellerPayments::of(state, leg.cross_tx, ctx.chain_id)?,
                    };
                    let filled = fill(ctx, state, leg, &payments, buyer, *listing_id, *units);
                    seller_payments = Some(payments);
                    let (held, terms) = filled?;
                    result.fills.push(terms);
                    held
                }
                SecurityMsg::ReserveDividend {
                    payer,
                    dividend_id,
                    page,
                } if hold.dividend_id == 0 => {
                    let entitled = reserve_dividend(ctx, state, leg, payer, (*dividend_id, *page))?;
                    hold.dividend_id = *dividend_id;
                    hold.dividend_page_total = entitled.total;
                    hold.dividend_page_holders = entitled.entries.len() as u64;
                    result.entitlements = Some(entitled);
                    continue;
                }
                _ => {
                    return Err(SecurityError::Invalid(
                        "a cross-tx leg on the security chain may only transfer, fill listings \
                         or reserve one page of one dividend"
                            .into(),
                    )
                    .into())
                }
            };
            hold.transfers.push(held);
        }
        state.put_proto(state_key::hold(&leg.id()), &hold);
        ctx.emit(Event::new("units_reserved").attr("tx_id", hex::encode(leg.tx_id)));
        Ok(result.encode_to_vec())
    }

    fn commit(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegId,
    ) -> Result<(), ExecError> {
        let hold = load_hold(state, leg)?;
        for held in &hold.transfers {
            apply(ctx, state, &leg.tx_id, held)?;
        }
        if hold.dividend_id != 0 {
            settle_dividend(ctx, state, &hold, true)?;
        }
        state.delete(state_key::hold(leg));
        Ok(())
    }

    fn release(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegId,
    ) -> Result<(), ExecError> {
        let hold = load_hold(state, leg)?;
        for held in &hold.transfers {
            give_up(state, held)?;
        }
        if hold.dividend_id != 0 {
            settle_dividend(ctx, state, &hold, false)?;
        }
        state.delete(state_key::hold(leg));
        ctx.emit(Event::new("units_released").attr("tx_id", hex::encode(leg.tx_id)));
        Ok(())
    }
}

/// A page of the holds, for queries and audits.
pub fn holds(
    state: &dyn StateRead,
    page: Option<PageRequest>,
) -> Result<(Vec<pb::Hold>, PageResponse), QueryError> {
    paginate(state, state_key::all_holds(), page, every)
}

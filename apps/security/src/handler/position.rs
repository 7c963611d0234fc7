//! Positions: balances, transfers under the whitelist and the holder cap, and
//! freezing. The issuer is exempt from the whitelist and is not counted as a
//! holder: the cap limits investors, not the treasury.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::occupancy::{load_position, write_positions, Position, PositionChange};
use super::registry::{issuer_of, load_security, require_issuer};
use super::whitelist::require_whitelisted;
use crate::error::SecurityError;
use crate::state_key;
use crate::symbol::Symbol;

pub fn balance(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<u64, SecurityError> {
    Ok(state.get_u64(&state_key::balance(symbol, account))?)
}

pub fn is_frozen(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<bool, SecurityError> {
    Ok(state
        .get_raw(&state_key::frozen(symbol, account))?
        .is_some())
}

/// Refuses unless `account` may send or receive units of the security now:
/// not frozen, and whitelisted unless it is the issuer.
pub fn require_may_hold(
    state: &dyn StateRead,
    symbol: &Symbol,
    issuer: &Address,
    account: &Address,
    now: i64,
) -> Result<(), SecurityError> {
    if is_frozen(state, symbol, account)? {
        return Err(SecurityError::Frozen {
            symbol: symbol.clone(),
            account: *account,
        });
    }
    if account != issuer {
        require_whitelisted(state, symbol, account, now)?;
    }
    Ok(())
}

/// The security and its issuer, once both parties may move its units now
/// (at block time `now`, unix seconds).
pub fn open_movement(
    state: &dyn StateRead,
    symbol: &Symbol,
    from: &Address,
    to: &Address,
    now: i64,
) -> Result<(pb::Security, Address), SecurityError> {
    let security = load_security(state, symbol)?;
    let issuer = issuer_of(&security)?;
    for account in [from, to] {
        require_may_hold(state, symbol, &issuer, account, now)?;
    }
    Ok((security, issuer))
}

pub fn transfer(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    symbol: &Symbol,
    amount: u64,
) -> Result<(), SecurityError> {
    let (mut security, issuer) = open_movement(state, symbol, from, to, ctx.block.time_seconds())?;
    let sender = load_position(state, symbol, from)?;
    sender.require_available(symbol, from, amount)?;
    let receiver = load_position(state, symbol, to)?;
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
    write_positions(state, symbol, &mut security, &issuer, &changes, true)?;
    ctx.emit(
        Event::new("security_transfer")
            .attr("symbol", symbol)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", amount),
    );
    Ok(())
}

pub fn set_frozen(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    issuer: &Address,
    symbol: &Symbol,
    account: &Address,
    frozen: bool,
) -> Result<(), SecurityError> {
    require_issuer(state, symbol, issuer)?;
    if account == issuer {
        return Err(SecurityError::Invalid(
            "the issuer cannot freeze its own position".into(),
        ));
    }
    let key = state_key::frozen(symbol, account);
    match (frozen, state.get_raw(&key)?.is_some()) {
        (true, true) => {
            return Err(SecurityError::AlreadyInState(format!(
                "{account} is already frozen in {symbol}"
            )))
        }
        (false, false) => {
            return Err(SecurityError::NotInState(format!(
                "{account} is not frozen in {symbol}"
            )))
        }
        (true, false) => state.put_raw(key, vec![1]),
        (false, true) => state.delete(key),
    }
    let kind = if frozen {
        "position_frozen"
    } else {
        "position_unfrozen"
    };
    ctx.emit(
        Event::new(kind)
            .attr("symbol", symbol)
            .attr("account", account),
    );
    Ok(())
}

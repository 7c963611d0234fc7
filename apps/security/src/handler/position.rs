//! Positions: balances, transfers under the whitelist and the holder cap, and
//! freezing. The issuer is exempt from the whitelist and is not counted as a
//! holder: the cap limits investors, not the treasury.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};

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

pub fn transfer(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    symbol: &Symbol,
    amount: u64,
) -> Result<(), SecurityError> {
    let mut security = load_security(state, symbol)?;
    let issuer = issuer_of(&security)?;
    let now = ctx.block.time_seconds();
    for account in [from, to] {
        if is_frozen(state, symbol, account)? {
            return Err(SecurityError::Frozen {
                symbol: symbol.clone(),
                account: *account,
            });
        }
        if *account != issuer {
            require_whitelisted(state, symbol, account, now)?;
        }
    }
    let from_balance = balance(state, symbol, from)?;
    if from_balance < amount {
        return Err(SecurityError::InsufficientBalance {
            symbol: symbol.clone(),
            account: *from,
            available: from_balance,
            needed: amount,
        });
    }
    let to_balance = balance(state, symbol, to)?;
    // Total supply bounds every balance, so this cannot overflow; check anyway.
    let to_after = to_balance
        .checked_add(amount)
        .ok_or_else(|| SecurityError::Invalid("balance overflow".into()))?;

    let joins = *to != issuer && to_balance == 0;
    let leaves = *from != issuer && from_balance == amount;
    let holders = (security.holders + u32::from(joins)).saturating_sub(u32::from(leaves));
    if joins && !leaves && holders > security.holder_cap {
        return Err(SecurityError::HolderCapExceeded {
            symbol: symbol.clone(),
            holders,
            cap: security.holder_cap,
        });
    }

    state.put_u64(state_key::balance(symbol, from), from_balance - amount);
    state.put_u64(state_key::balance(symbol, to), to_after);
    if holders != security.holders {
        security.holders = holders;
        state.put_proto(state_key::security(symbol), &security);
    }
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

//! Who may hold and move a security's units, and freezing. The issuer is
//! exempt from the whitelist and is not counted as a holder: the cap limits
//! investors, not the treasury.

use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, Event, MsgContext};

use super::registry::require_issuer;
use super::whitelist::require_whitelisted;
use crate::domain::Security;
use crate::error::SecurityError;
use crate::state::SecurityRead;
use crate::state_key;
use crate::symbol::Symbol;

/// Refuses unless `account` may send or receive units of the security now:
/// not frozen, and whitelisted unless it is the issuer.
pub fn require_may_hold(
    state: &dyn StateRead,
    security: &Security,
    account: &Address,
    now: i64,
) -> Result<(), SecurityError> {
    let symbol = &security.symbol;
    if state.is_frozen(symbol, account)? {
        return Err(SecurityError::Frozen {
            symbol: symbol.clone(),
            account: *account,
        });
    }
    if *account != security.issuer {
        require_whitelisted(state, symbol, account, now)?;
    }
    Ok(())
}

/// The security, once both parties may move its units now (at block time
/// `now`, unix seconds).
pub fn open_movement(
    state: &dyn StateRead,
    symbol: &Symbol,
    from: &Address,
    to: &Address,
    now: i64,
) -> Result<Security, SecurityError> {
    let security = state.security(symbol)?;
    for account in [from, to] {
        require_may_hold(state, &security, account, now)?;
    }
    Ok(security)
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
    match (frozen, state.is_frozen(symbol, account)?) {
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

//! Registration of securities, countersigned by the registrar.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use crate::domain::Security;
use crate::error::SecurityError;
use crate::msg::Registration;
use crate::state::{SecurityRead, SecurityWrite};
use crate::state_key;
use crate::symbol::Symbol;

/// Loads a security and checks that `account` is its issuer.
pub fn require_issuer(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<Security, SecurityError> {
    let security = state.security(symbol)?;
    if security.issuer != *account {
        return Err(SecurityError::NotIssuer {
            symbol: symbol.clone(),
            account: *account,
        });
    }
    Ok(security)
}

pub fn register(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    r: &Registration,
) -> Result<(), SecurityError> {
    if state.registrar()? != Some(r.registrar) {
        return Err(SecurityError::NotRegistrar(r.registrar));
    }
    let key = state_key::security(&r.symbol);
    if state.get_raw(&key)?.is_some() {
        return Err(SecurityError::SymbolTaken(r.symbol.clone()));
    }
    let security = Security {
        symbol: r.symbol.clone(),
        name: r.name.clone(),
        issuer: r.issuer,
        registrar: r.registrar,
        property: Some(r.property.clone()),
        total_supply: r.total_supply,
        holder_cap: r.holder_cap,
        holders: 0,
        registered_height: ctx.block.height,
        reserved_slots: 0,
    };
    state.put_security(&security);
    state.put_u64(state_key::balance(&r.symbol, &r.issuer), r.total_supply);
    ctx.emit(
        Event::new("security_registered")
            .attr("symbol", &r.symbol)
            .attr("issuer", r.issuer)
            .attr("total_supply", r.total_supply)
            .attr("holder_cap", r.holder_cap),
    );
    Ok(())
}

/// Writes a security from genesis: registered by `registrar`, the supply
/// with the issuer but for the holdings given, the whitelist as listed.
pub fn import(
    state: &mut dyn StateWrite,
    registrar: Address,
    g: &crate::GenesisSecurity,
) -> Result<(), SecurityError> {
    let key = state_key::security(&g.symbol);
    if state.get_raw(&key)?.is_some() {
        return Err(SecurityError::SymbolTaken(g.symbol.clone()));
    }
    for account in &g.whitelist {
        let entry = pb::WhitelistEntry {
            expires_at: g.whitelist_expires_at,
            added_by: g.issuer.to_string(),
        };
        state.put_proto(state_key::whitelist(&g.symbol, account), &entry);
    }
    let mut issuer_units = g.total_supply;
    let mut holders = 0u32;
    for holding in &g.balances {
        if holding.account == g.issuer || holding.amount == 0 {
            return Err(SecurityError::Invalid(
                "holdings are of others than the issuer, positive".into(),
            ));
        }
        if !g.whitelist.contains(&holding.account) {
            return Err(SecurityError::NotWhitelisted {
                symbol: g.symbol.clone(),
                account: holding.account,
            });
        }
        issuer_units = issuer_units
            .checked_sub(holding.amount)
            .ok_or_else(|| SecurityError::Invalid("holdings exceed the supply".into()))?;
        if state.get_u64(&state_key::balance(&g.symbol, &holding.account))? != 0 {
            return Err(SecurityError::Invalid(format!(
                "{} appears twice",
                holding.account
            )));
        }
        state.put_u64(
            state_key::balance(&g.symbol, &holding.account),
            holding.amount,
        );
        holders += 1;
    }
    if holders > g.holder_cap {
        return Err(SecurityError::HolderCapExceeded {
            symbol: g.symbol.clone(),
            holders,
            cap: g.holder_cap,
        });
    }
    state.put_u64(state_key::balance(&g.symbol, &g.issuer), issuer_units);
    let security = Security {
        symbol: g.symbol.clone(),
        name: g.name.clone(),
        issuer: g.issuer,
        registrar,
        property: None,
        total_supply: g.total_supply,
        holder_cap: g.holder_cap,
        holders,
        registered_height: 0,
        reserved_slots: 0,
    };
    state.put_security(&security);
    Ok(())
}

//! Registration of securities, countersigned by the registrar.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use crate::error::SecurityError;
use crate::msg::Registration;
use crate::state_key;
use crate::symbol::Symbol;

pub fn registrar(state: &dyn StateRead) -> Result<Option<Address>, SecurityError> {
    Ok(match state.get_raw(state_key::REGISTRAR)? {
        Some(bytes) => Some(
            String::from_utf8_lossy(&bytes)
                .parse()
                .map_err(|e| SecurityError::Invalid(format!("stored registrar: {e}")))?,
        ),
        None => None,
    })
}

pub fn load_security(
    state: &dyn StateRead,
    symbol: &Symbol,
) -> Result<pb::Security, SecurityError> {
    state
        .get_proto::<pb::Security>(&state_key::security(symbol))?
        .ok_or_else(|| SecurityError::UnknownSecurity(symbol.clone()))
}

pub fn issuer_of(security: &pb::Security) -> Result<Address, SecurityError> {
    security
        .issuer
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("stored issuer of {}: {e}", security.symbol)))
}

/// Loads a security and checks that `account` is its issuer.
pub fn require_issuer(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<pb::Security, SecurityError> {
    let security = load_security(state, symbol)?;
    if issuer_of(&security)? != *account {
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
    if registrar(state)? != Some(r.registrar) {
        return Err(SecurityError::NotRegistrar(r.registrar));
    }
    let key = state_key::security(&r.symbol);
    if state.get_raw(&key)?.is_some() {
        return Err(SecurityError::SymbolTaken(r.symbol.clone()));
    }
    let security = pb::Security {
        symbol: r.symbol.to_string(),
        name: r.name.clone(),
        issuer: r.issuer.to_string(),
        registrar: r.registrar.to_string(),
        property: Some(r.property.clone()),
        total_supply: r.total_supply,
        holder_cap: r.holder_cap,
        holders: 0,
        registered_height: ctx.block.height,
        reserved_slots: 0,
    };
    state.put_proto(key, &security);
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
    let security = pb::Security {
        symbol: g.symbol.to_string(),
        name: g.name.clone(),
        issuer: g.issuer.to_string(),
        registrar: registrar.to_string(),
        property: None,
        total_supply: g.total_supply,
        holder_cap: g.holder_cap,
        holders,
        registered_height: 0,
        reserved_slots: 0,
    };
    state.put_proto(key, &security);
    Ok(())
}

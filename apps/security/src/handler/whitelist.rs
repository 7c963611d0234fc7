//! KYC agents and the whitelist. Entries expire at a unix time compared with
//! block time.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::registry::require_issuer;
use crate::error::SecurityError;
use crate::state::SecurityRead;
use crate::state_key;
use crate::symbol::Symbol;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WhitelistStatus {
    Active { expires_at: i64 },
    Expired { expires_at: i64 },
    NotListed,
}

pub fn whitelist_status(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
    now: i64,
) -> Result<WhitelistStatus, SecurityError> {
    Ok(
        match state.get_proto::<pb::WhitelistEntry>(&state_key::whitelist(symbol, account))? {
            Some(entry) if entry.expires_at > now => WhitelistStatus::Active {
                expires_at: entry.expires_at,
            },
            Some(entry) => WhitelistStatus::Expired {
                expires_at: entry.expires_at,
            },
            None => WhitelistStatus::NotListed,
        },
    )
}

/// Refuses unless `account` is whitelisted and unexpired at `now`.
pub fn require_whitelisted(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
    now: i64,
) -> Result<(), SecurityError> {
    match whitelist_status(state, symbol, account, now)? {
        WhitelistStatus::Active { .. } => Ok(()),
        WhitelistStatus::Expired { expires_at } => Err(SecurityError::WhitelistExpired {
            symbol: symbol.clone(),
            account: *account,
            expires_at,
        }),
        WhitelistStatus::NotListed => Err(SecurityError::NotWhitelisted {
            symbol: symbol.clone(),
            account: *account,
        }),
    }
}

pub fn is_kyc_authority(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<bool, SecurityError> {
    Ok(state.security(symbol)?.issuer == *account
        || state
            .get_raw(&state_key::kyc_agent(symbol, account))?
            .is_some())
}

fn require_kyc_authority(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<(), SecurityError> {
    if !is_kyc_authority(state, symbol, account)? {
        return Err(SecurityError::NotKycAuthority {
            symbol: symbol.clone(),
            account: *account,
        });
    }
    Ok(())
}

/// A prepared cross-tx counted in (`Pin::Until`) or out (`Pin::Release`)
/// of those relying on a whitelist entry.
#[derive(Clone, Copy)]
pub enum Pin {
    /// Pinned by a cross-tx with this deadline (unix seconds, rounded up).
    Until(u64),
    Release,
}

/// Pins or unpins the whitelist entries of a movement's parties; the
/// issuer has none. While any cross-tx pins an entry, the entry keeps the
/// latest deadline among them: it may not be shortened below it.
pub fn pin_parties(
    state: &mut dyn StateWrite,
    symbol: &Symbol,
    issuer: &Address,
    parties: [&Address; 2],
    change: Pin,
) -> Result<(), SecurityError> {
    for account in parties.into_iter().filter(|a| *a != issuer) {
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
    }
    Ok(())
}

/// The latest deadline of the prepared cross-txs that rely on `account`'s
/// entry (unix seconds); `None` when none does.
fn pinned_until(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<Option<i64>, SecurityError> {
    if state.get_u64(&state_key::pins(symbol, account))? == 0 {
        return Ok(None);
    }
    let until = state.get_u64(&state_key::pinned_until(symbol, account))?;
    Ok(Some(i64::try_from(until).unwrap_or(i64::MAX)))
}

pub fn appoint_agent(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    issuer: &Address,
    symbol: &Symbol,
    agent: &Address,
) -> Result<(), SecurityError> {
    require_issuer(state, symbol, issuer)?;
    if agent == issuer {
        return Err(SecurityError::Invalid(
            "the issuer is a KYC authority already".into(),
        ));
    }
    let key = state_key::kyc_agent(symbol, agent);
    if state.get_raw(&key)?.is_some() {
        return Err(SecurityError::AlreadyInState(format!(
            "{agent} is already a KYC agent of {symbol}"
        )));
    }
    state.put_raw(key, vec![1]);
    ctx.emit(
        Event::new("kyc_agent_appointed")
            .attr("symbol", symbol)
            .attr("agent", agent),
    );
    Ok(())
}

pub fn revoke_agent(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    issuer: &Address,
    symbol: &Symbol,
    agent: &Address,
) -> Result<(), SecurityError> {
    require_issuer(state, symbol, issuer)?;
    let key = state_key::kyc_agent(symbol, agent);
    if state.get_raw(&key)?.is_none() {
        return Err(SecurityError::NotInState(format!(
            "{agent} is not a KYC agent of {symbol}"
        )));
    }
    state.delete(key);
    ctx.emit(
        Event::new("kyc_agent_revoked")
            .attr("symbol", symbol)
            .attr("agent", agent),
    );
    Ok(())
}

pub fn add(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    authority: &Address,
    symbol: &Symbol,
    account: &Address,
    expires_at: i64,
) -> Result<(), SecurityError> {
    require_kyc_authority(state, symbol, authority)?;
    let now = ctx.block.time_seconds();
    if expires_at <= now {
        return Err(SecurityError::Invalid(format!(
            "expires_at {expires_at} is not after block time {now}"
        )));
    }
    let pinned_until = pinned_until(state, symbol, account)?;
    let current = state.get_proto::<pb::WhitelistEntry>(&state_key::whitelist(symbol, account))?;
    let shortens = current.is_some_and(|entry| expires_at < entry.expires_at);
    if shortens && pinned_until.is_some_and(|until| expires_at < until) {
        return Err(SecurityError::WhitelistPinnedUntil {
            symbol: symbol.clone(),
            account: *account,
            pinned_until: pinned_until.unwrap_or_default(),
            expires_at,
        });
    }
    let entry = pb::WhitelistEntry {
        expires_at,
        added_by: authority.to_string(),
    };
    state.put_proto(state_key::whitelist(symbol, account), &entry);
    ctx.emit(
        Event::new("whitelist_added")
            .attr("symbol", symbol)
            .attr("account", account)
            .attr("expires_at", expires_at),
    );
    Ok(())
}

pub fn remove(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    authority: &Address,
    symbol: &Symbol,
    account: &Address,
) -> Result<(), SecurityError> {
    require_kyc_authority(state, symbol, authority)?;
    let key = state_key::whitelist(symbol, account);
    if state.get_raw(&key)?.is_none() {
        return Err(SecurityError::NotWhitelisted {
            symbol: symbol.clone(),
            account: *account,
        });
    }
    // A prepared cross-tx relies on the entry until it ends.
    let pins = state.get_u64(&state_key::pins(symbol, account))?;
    if pins > 0 {
        return Err(SecurityError::WhitelistPinned {
            symbol: symbol.clone(),
            account: *account,
            pins,
        });
    }
    // Units may only be held by whitelisted accounts; freezing is the
    // issuer's tool for a holder who must not trade.
    let position = state.position(symbol, account)?;
    if position.balance > 0 || position.pending_in > 0 {
        return Err(SecurityError::WhitelistedHolder {
            symbol: symbol.clone(),
            account: *account,
            balance: position.balance,
            pending_in: position.pending_in,
        });
    }
    state.delete(key);
    ctx.emit(
        Event::new("whitelist_removed")
            .attr("symbol", symbol)
            .attr("account", account),
    );
    Ok(())
}

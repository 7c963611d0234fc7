//! Transfers of cash: directly, or as a cross-tx leg. A prepared transfer
//! reserves its amount out of the payer's balance (others cannot spend it,
//! the payer still holds it, so supply and balances stay whole) and credits
//! the payee only on commit. Nothing waits: a payer short of spendable cash
//! fails the prepare.

use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, Event, MsgContext};

use crate::denom::DenomName;
use crate::domain::HeldTransfer;
use crate::error::CurrencyError;
use crate::state::{CurrencyRead, CurrencyWrite};

pub fn execute(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<(), CurrencyError> {
    require_spendable(state, from, denom, amount)?;
    let from_balance = state.balance(from, denom)?;
    let to_balance = state.balance(to, denom)? + amount;
    state.put_balance(from, denom, from_balance - amount)?;
    state.put_balance(to, denom, to_balance)?;
    ctx.emit(
        Event::new("transfer")
            .attr("denom", denom)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", amount),
    );
    Ok(())
}

/// Refuses unless the denom exists and `from` may spend `amount` of it:
/// cash held for prepared cross-txs is not the sender's to spend.
fn require_spendable(
    state: &dyn StateRead,
    from: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<(), CurrencyError> {
    state.denom(denom)?;
    let available = state.spendable(from, denom)?;
    if available < amount {
        return Err(CurrencyError::InsufficientBalance {
            denom: denom.clone(),
            account: *from,
            available,
            needed: amount,
        });
    }
    Ok(())
}

/// Reserves `amount` of `from`'s spendable cash for transfers to be made on
/// commit; the caller undoes everything on error.
pub fn reserve(
    state: &mut dyn StateWrite,
    from: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<(), CurrencyError> {
    require_spendable(state, from, denom, amount)?;
    let now_reserved = state.reserved(from, denom)? + amount;
    state.put_reserved(from, denom, now_reserved);
    Ok(())
}

/// Reserves a transfer for a cross-tx leg.
pub fn prepare(
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<HeldTransfer, CurrencyError> {
    reserve(state, from, denom, amount)?;
    Ok(HeldTransfer {
        denom: denom.clone(),
        from: *from,
        to: *to,
        amount,
    })
}

/// A held transfer made final; `report` emits it as a transfer (a payout
/// reports itself once, not per holder).
pub fn commit(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldTransfer,
    report: bool,
) -> Result<(), CurrencyError> {
    let now_reserved = state.reserved(&held.from, &held.denom)?;
    let from_balance = state.balance(&held.from, &held.denom)?;
    // The reservation guaranteed both; anything else is corrupt state.
    if now_reserved < held.amount || from_balance < held.amount {
        return Err(CurrencyError::HoldNotCovered(hex::encode(tx_id)));
    }
    state.put_reserved(&held.from, &held.denom, now_reserved - held.amount);
    state.put_balance(&held.from, &held.denom, from_balance - held.amount)?;
    let to_balance = state.balance(&held.to, &held.denom)? + held.amount;
    state.put_balance(&held.to, &held.denom, to_balance)?;
    if report {
        ctx.emit(
            Event::new("transfer")
                .attr("denom", &held.denom)
                .attr("from", held.from)
                .attr("to", held.to)
                .attr("amount", held.amount)
                .attr("tx_id", hex::encode(tx_id)),
        );
    }
    Ok(())
}

/// A held transfer given back: the payer may spend the cash again.
pub fn release(state: &mut dyn StateWrite, held: &HeldTransfer) -> Result<(), CurrencyError> {
    let now_reserved = state.reserved(&held.from, &held.denom)?;
    state.put_reserved(
        &held.from,
        &held.denom,
        now_reserved.saturating_sub(held.amount),
    );
    Ok(())
}

//! Minting: the denom's mint authority creates money, raising the supply.

use xcc_chain::state::StateWrite;
use xcc_chain::{Address, Event, MsgContext};

use crate::denom::DenomName;
use crate::error::CurrencyError;
use crate::state::{CurrencyRead, CurrencyWrite};

/// Credits `amount` of new money to `to`, raising the supply.
pub fn credit_new(
    state: &mut dyn StateWrite,
    denom: &DenomName,
    to: &Address,
    amount: u64,
) -> Result<(), CurrencyError> {
    let mut record = state.denom(denom)?;
    record.supply = record
        .supply
        .checked_add(amount)
        .ok_or_else(|| CurrencyError::SupplyOverflow(denom.clone()))?;
    // Supply bounds every balance, so the balance cannot overflow once it did not.
    let to_balance = state.balance(to, denom)? + amount;
    state.put_denom(&record);
    state.put_balance(to, denom, to_balance)?;
    Ok(())
}

pub fn execute(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    authority: &Address,
    denom: &DenomName,
    to: &Address,
    amount: u64,
) -> Result<(), CurrencyError> {
    if state.denom(denom)?.mint_authority != *authority {
        return Err(CurrencyError::NotMintAuthority {
            denom: denom.clone(),
            account: *authority,
        });
    }
    credit_new(state, denom, to, amount)?;
    ctx.emit(
        Event::new("mint")
            .attr("denom", denom)
            .attr("to", to)
            .attr("amount", amount),
    );
    Ok(())
}

//! Mint and transfer. Every check comes before the first write.

use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, ExecError, MsgContext};
use xcc_proto::currency::v1 as pb;

use crate::denom::DenomName;
use crate::error::CurrencyError;
use crate::msg::CurrencyMsg;
use crate::state_key;

pub fn load_denom(state: &dyn StateRead, denom: &DenomName) -> Result<pb::Denom, CurrencyError> {
    state
        .get_proto::<pb::Denom>(&state_key::denom(denom))?
        .ok_or_else(|| CurrencyError::UnknownDenom(denom.clone()))
}

pub fn balance(
    state: &dyn StateRead,
    account: &Address,
    denom: &DenomName,
) -> Result<u64, CurrencyError> {
    Ok(state.get_u64(&state_key::balance(account, denom))?)
}

pub fn execute(
    msg: &CurrencyMsg,
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
) -> Result<(), ExecError> {
    let result = match msg {
        CurrencyMsg::Mint {
            authority,
            denom,
            to,
            amount,
        } => mint(ctx, state, authority, denom, to, *amount),
        CurrencyMsg::Transfer {
            from,
            to,
            denom,
            amount,
        } => transfer(ctx, state, from, to, denom, *amount),
        CurrencyMsg::PayDividend { .. } => Err(CurrencyError::Invalid(
            "a dividend is paid only by a payout cross-tx".into(),
        )),
    };
    Ok(result?)
}

/// Credits `amount` of new money to `to`, raising the supply.
pub fn credit_new(
    state: &mut dyn StateWrite,
    denom: &DenomName,
    to: &Address,
    amount: u64,
) -> Result<(), CurrencyError> {
    let mut record = load_denom(state, denom)?;
    record.supply = record
        .supply
        .checked_add(amount)
        .ok_or_else(|| CurrencyError::SupplyOverflow(denom.clone()))?;
    // Supply bounds every balance, so the balance cannot overflow once it did not.
    let to_balance = balance(state, to, denom)? + amount;
    state.put_proto(state_key::denom(denom), &record);
    state.put_u64(state_key::balance(to, denom), to_balance);
    Ok(())
}

fn mint(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    authority: &Address,
    denom: &DenomName,
    to: &Address,
    amount: u64,
) -> Result<(), CurrencyError> {
    let record = load_denom(state, denom)?;
    if record.mint_authority != authority.to_string() {
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

fn transfer(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    from: &Address,
    to: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<(), CurrencyError> {
    load_denom(state, denom)?;
    let from_balance = balance(state, from, denom)?;
    // Cash held for prepared cross-txs is not the sender's to spend.
    let available = crate::hold::spendable(state, from, denom)?;
    if available < amount {
        return Err(CurrencyError::InsufficientBalance {
            denom: denom.clone(),
            account: *from,
            available,
            needed: amount,
        });
    }
    let to_balance = balance(state, to, denom)? + amount;
    state.put_u64(state_key::balance(from, denom), from_balance - amount);
    state.put_u64(state_key::balance(to, denom), to_balance);
    ctx.emit(
        Event::new("transfer")
            .attr("denom", denom)
            .attr("from", from)
            .attr("to", to)
            .attr("amount", amount),
    );
    Ok(())
}

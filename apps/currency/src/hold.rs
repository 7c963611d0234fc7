//! Reservations of cash for cross-tx legs. A prepared transfer reserves its
//! amount out of the payer's balance (others cannot spend it, the payer
//! still holds it, so supply and balances stay whole) and credits the payee
//! only on commit. Nothing waits: a payer short of spendable cash fails the
//! prepare.

use xcc_chain::participant::{LegRequest, Reservations};
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, ExecError, MsgContext};
use xcc_proto::currency::v1 as pb;

use crate::denom::DenomName;
use crate::error::CurrencyError;
use crate::handler::{balance, load_denom};
use crate::msg::CurrencyMsg;
use crate::{state_key, CurrencyModule};

pub fn reserved(
    state: &dyn StateRead,
    account: &Address,
    denom: &DenomName,
) -> Result<u64, CurrencyError> {
    Ok(state.get_u64(&state_key::reserved(account, denom))?)
}

/// What `account` may spend now: its balance less what cross-txs hold.
pub fn spendable(
    state: &dyn StateRead,
    account: &Address,
    denom: &DenomName,
) -> Result<u64, CurrencyError> {
    Ok(balance(state, account, denom)?.saturating_sub(reserved(state, account, denom)?))
}

fn set_reserved(state: &mut dyn StateWrite, account: &Address, denom: &DenomName, amount: u64) {
    let key = state_key::reserved(account, denom);
    if amount == 0 {
        state.delete(key);
    } else {
        state.put_u64(key, amount);
    }
}

struct Held {
    denom: DenomName,
    from: Address,
    to: Address,
    amount: u64,
}

fn parse(field: &str, value: &str) -> Result<Address, ExecError> {
    value
        .parse()
        .map_err(|e| CurrencyError::Invalid(format!("held {field}: {e}")).into())
}

fn load_hold(state: &dyn StateRead, tx_id: &[u8; 32]) -> Result<Vec<Held>, ExecError> {
    let Some(hold) = state.get_proto::<pb::Hold>(&state_key::hold(tx_id))? else {
        return Ok(Vec::new());
    };
    hold.transfers
        .into_iter()
        .map(|t| {
            Ok(Held {
                denom: t
                    .denom
                    .parse()
                    .map_err(|e| CurrencyError::Invalid(format!("held denom: {e}")))?,
                from: parse("from", &t.from)?,
                to: parse("to", &t.to)?,
                amount: t.amount,
            })
        })
        .collect()
}

/// Reserves one transfer of a leg; the caller undoes everything on error.
fn reserve(
    state: &mut dyn StateWrite,
    held: &mut Vec<pb::HeldTransfer>,
    msg: &CurrencyMsg,
) -> Result<(), CurrencyError> {
    let CurrencyMsg::Transfer {
        from,
        to,
        denom,
        amount,
    } = msg
    else {
        return Err(CurrencyError::Invalid(
            "a cross-tx leg on the currency chain may only transfer".into(),
        ));
    };
    load_denom(state, denom)?;
    let available = spendable(state, from, denom)?;
    if available < *amount {
        return Err(CurrencyError::InsufficientBalance {
            denom: denom.clone(),
            account: *from,
            available,
            needed: *amount,
        });
    }
    let now_reserved = reserved(state, from, denom)? + amount;
    set_reserved(state, from, denom, now_reserved);
    held.push(pb::HeldTransfer {
        denom: denom.to_string(),
        from: from.to_string(),
        to: to.to_string(),
        amount: *amount,
    });
    Ok(())
}

impl Reservations for CurrencyModule {
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError> {
        let mut held = Vec::new();
        for any in leg.msgs() {
            let msg = CurrencyMsg::decode(any)?;
            leg.require_signed(&msg.signers())?;
            reserve(state, &mut held, &msg)?;
        }
        let total: u64 = held.iter().map(|t| t.amount).sum();
        state.put_proto(
            state_key::hold(&leg.tx_id),
            &pb::Hold {
                tx_id: leg.tx_id.to_vec(),
                transfers: held,
            },
        );
        ctx.emit(
            Event::new("cash_reserved")
                .attr("tx_id", hex::encode(leg.tx_id))
                .attr("amount", total),
        );
        Ok(Vec::new())
    }

    fn commit(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        tx_id: &[u8; 32],
    ) -> Result<(), ExecError> {
        for held in load_hold(state, tx_id)? {
            let now_reserved = reserved(state, &held.from, &held.denom)?;
            let from_balance = balance(state, &held.from, &held.denom)?;
            // The reservation guaranteed both; anything else is corrupt state.
            if now_reserved < held.amount || from_balance < held.amount {
                return Err(CurrencyError::HoldNotCovered(hex::encode(tx_id)).into());
            }
            set_reserved(state, &held.from, &held.denom, now_reserved - held.amount);
            state.put_u64(
                state_key::balance(&held.from, &held.denom),
                from_balance - held.amount,
            );
            let to_balance = balance(state, &held.to, &held.denom)? + held.amount;
            state.put_u64(state_key::balance(&held.to, &held.denom), to_balance);
            ctx.emit(
                Event::new("transfer")
                    .attr("denom", &held.denom)
                    .attr("from", held.from)
                    .attr("to", held.to)
                    .attr("amount", held.amount)
                    .attr("tx_id", hex::encode(tx_id)),
            );
        }
        state.delete(state_key::hold(tx_id));
        Ok(())
    }

    fn release(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        tx_id: &[u8; 32],
    ) -> Result<(), ExecError> {
        for held in load_hold(state, tx_id)? {
            let now_reserved = reserved(state, &held.from, &held.denom)?;
            set_reserved(
                state,
                &held.from,
                &held.denom,
                now_reserved.saturating_sub(held.amount),
            );
        }
        state.delete(state_key::hold(tx_id));
        ctx.emit(Event::new("cash_released").attr("tx_id", hex::encode(tx_id)));
        Ok(())
    }
}

/// Every hold, for queries and audits.
pub fn holds(state: &dyn StateRead) -> Result<Vec<pb::Hold>, CurrencyError> {
    Ok(state
        .prefix_proto::<pb::Hold>(state_key::all_holds())?
        .into_iter()
        .map(|(_, hold)| hold)
        .collect())
}

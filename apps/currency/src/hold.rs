//! Reservations of cash for cross-tx legs. A prepared transfer reserves its
//! amount out of the payer's balance (others cannot spend it, the payer
//! still holds it, so supply and balances stay whole) and credits the payee
//! only on commit. Nothing waits: a payer short of spendable cash fails the
//! prepare.

use prost::Message;
use xcc_chain::page::{every, paginate, PageRequest, PageResponse};
use xcc_chain::participant::{LegId, LegRequest, Reservations};
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, ExecError, MsgContext, QueryError};
use xcc_proto::currency::v1 as pb;
use xcc_proto::security::v1 as security_pb;

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

/// A hold's transfers and, for a payout, its dividend.
fn load_hold(
    state: &dyn StateRead,
    leg: &LegId,
) -> Result<(Vec<Held>, Option<pb::DividendPayment>), ExecError> {
    let Some(hold) = state.get_proto::<pb::Hold>(&state_key::hold(leg))? else {
        return Ok((Vec::new(), None));
    };
    let transfers = hold
        .transfers
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
        .collect::<Result<_, ExecError>>()?;
    Ok((transfers, hold.dividend))
}

/// Reserves `amount` of `from`'s spendable cash for transfers to be made on
/// commit; the caller undoes everything on error.
fn reserve(
    state: &mut dyn StateWrite,
    from: &Address,
    denom: &DenomName,
    amount: u64,
) -> Result<(), CurrencyError> {
    load_denom(state, denom)?;
    let available = spendable(state, from, denom)?;
    if available < amount {
        return Err(CurrencyError::InsufficientBalance {
            denom: denom.clone(),
            account: *from,
            available,
            needed: amount,
        });
    }
    let now_reserved = reserved(state, from, denom)? + amount;
    set_reserved(state, from, denom, now_reserved);
    Ok(())
}

fn held(denom: &DenomName, from: &Address, to: &str, amount: u64) -> pb::HeldTransfer {
    pb::HeldTransfer {
        denom: denom.to_string(),
        from: from.to_string(),
        to: to.to_owned(),
        amount,
    }
}

/// A dividend payout: the entitlements the security leg returned (this
/// leg's input) are checked against the message and reserved in full from
/// the payer.
fn reserve_dividend(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    transfers: &mut Vec<pb::HeldTransfer>,
    (payer, security_chain, dividend_id, denom): (&Address, &str, u64, &DenomName),
) -> Result<pb::DividendPayment, CurrencyError> {
    // Only the security chain's leg can say what its holders are owed.
    let source = leg.cross_tx.legs[leg.leg_index].depends_on;
    let source_chain = source.and_then(|on| leg.cross_tx.legs.get(on as usize));
    if source_chain.is_none_or(|l| l.chain_id != security_chain) {
        return Err(CurrencyError::Invalid(format!(
            "a dividend payout depends on the leg of {security_chain} that reserves it"
        )));
    }
    // One page, one payment: a second leg taking the same page as input
    // would pay its holders twice.
    let takers = leg
        .cross_tx
        .legs
        .iter()
        .filter(|other| other.depends_on == source)
        .count();
    if takers > 1 {
        return Err(CurrencyError::Invalid(format!(
            "{takers} legs depend on the reservation this payout pays; a page is paid by one leg"
        )));
    }
    let entitled = security_pb::LegResult::decode(leg.input)
        .map_err(|e| CurrencyError::Invalid(format!("the result this leg depends on: {e}")))?
        .entitlements
        .ok_or_else(|| {
            CurrencyError::Invalid("the leg this payout depends on reserved no dividend".into())
        })?;
    let matches = entitled.security_chain == security_chain
        && entitled.dividend_id == dividend_id
        && entitled.payer == payer.to_string()
        && entitled.denom == denom.to_string()
        && entitled.currency_chain == ctx.chain_id;
    if !matches {
        return Err(CurrencyError::Invalid(format!(
            "the entitlements are of dividend {} on {} paid by {} in {} on {}, not this payout's",
            entitled.dividend_id,
            entitled.security_chain,
            entitled.payer,
            entitled.denom,
            entitled.currency_chain
        )));
    }
    if state
        .get_raw(&state_key::dividend_payment(security_chain, dividend_id))?
        .is_some()
    {
        return Err(CurrencyError::Invalid(format!(
            "dividend {dividend_id} of {security_chain} is already paid"
        )));
    }
    let total = entitled
        .entries
        .iter()
        .try_fold(0u64, |sum, e| sum.checked_add(e.amount))
        .filter(|sum| *sum == entitled.total)
        .ok_or_else(|| {
            CurrencyError::Invalid("the entitlements do not add up to their total".into())
        })?;
    reserve(state, payer, denom, total)?;
    for entry in &entitled.entries {
        entry
            .account
            .parse::<Address>()
            .map_err(|e| CurrencyError::Invalid(format!("entitled account: {e}")))?;
        transfers.push(held(denom, payer, &entry.account, entry.amount));
    }
    Ok(pb::DividendPayment {
        security_chain: security_chain.to_owned(),
        dividend_id,
        denom: denom.to_string(),
        payer: payer.to_string(),
        total,
        holders: entitled.entries.len() as u64,
        paid_height: 0,
        tx_id: leg.tx_id.to_vec(),
        pages: entitled.pages,
        pages_paid: 0,
    })
}

impl Reservations for CurrencyModule {
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError> {
        let mut transfers = Vec::new();
        let mut dividend = None;
        for any in leg.msgs() {
            let msg = CurrencyMsg::decode(any)?;
            leg.require_signed(&msg.signers())?;
            match &msg {
                CurrencyMsg::Transfer {
                    from,
                    to,
                    denom,
                    amount,
                } => {
                    reserve(state, from, denom, *amount)?;
                    transfers.push(held(denom, from, &to.to_string(), *amount));
                }
                CurrencyMsg::PayDividend {
                    payer,
                    security_chain,
                    dividend_id,
                    denom,
                } if dividend.is_none() => {
                    let fields = (payer, security_chain.as_str(), *dividend_id, denom);
                    dividend = Some(reserve_dividend(ctx, state, leg, &mut transfers, fields)?);
                }
                _ => return Err(CurrencyError::Invalid(
                    "a cross-tx leg on the currency chain may only transfer or pay one dividend"
                        .into(),
                )
                .into()),
            }
        }
        let total: u64 = transfers.iter().map(|t| t.amount).sum();
        state.put_proto(
            state_key::hold(&leg.id()),
            &pb::Hold {
                tx_id: leg.tx_id.to_vec(),
                transfers,
                dividend,
                leg_index: leg.leg_index as u32,
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
        leg: &LegId,
    ) -> Result<(), ExecError> {
        let tx_id = &leg.tx_id;
        let (transfers, dividend) = load_hold(state, leg)?;
        for held in &transfers {
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
            // A payout reports itself once, not per holder.
            if dividend.is_none() {
                ctx.emit(
                    Event::new("transfer")
                        .attr("denom", &held.denom)
                        .attr("from", held.from)
                        .attr("to", held.to)
                        .attr("amount", held.amount)
                        .attr("tx_id", hex::encode(tx_id)),
                );
            }
        }
        if let Some(page) = dividend {
            let key = state_key::dividend_payment(&page.security_chain, page.dividend_id);
            // The pages of one payout add up in one payment record.
            let mut payment = match state.get_proto::<pb::DividendPayment>(&key)? {
                Some(paid) if paid.tx_id == page.tx_id => pb::DividendPayment {
                    total: paid.total + page.total,
                    holders: paid.holders + page.holders,
                    pages_paid: paid.pages_paid + 1,
                    ..paid
                },
                Some(_) => {
                    return Err(CurrencyError::Invalid(format!(
                        "dividend {} of {} was paid by another cross-tx",
                        page.dividend_id, page.security_chain
                    ))
                    .into())
                }
                None => pb::DividendPayment {
                    pages_paid: 1,
                    ..page
                },
            };
            payment.paid_height = ctx.block.height;
            for held in &transfers {
                let receipt = pb::DividendReceipt {
                    security_chain: payment.security_chain.clone(),
                    dividend_id: payment.dividend_id,
                    denom: payment.denom.clone(),
                    amount: held.amount,
                    paid_height: ctx.block.height,
                };
                let key = state_key::dividend_receipt(
                    &held.to,
                    &payment.security_chain,
                    payment.dividend_id,
                );
                state.put_proto(key, &receipt);
            }
            state.put_proto(key, &payment);
            ctx.emit(
                Event::new("dividend_paid")
                    .attr("security_chain", &payment.security_chain)
                    .attr("dividend_id", payment.dividend_id)
                    .attr("page", payment.pages_paid)
                    .attr("pages", payment.pages)
                    .attr("total", payment.total)
                    .attr("holders", payment.holders),
            );
        }
        state.delete(state_key::hold(leg));
        Ok(())
    }

    fn release(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegId,
    ) -> Result<(), ExecError> {
        let tx_id = &leg.tx_id;
        for held in load_hold(state, leg)?.0 {
            let now_reserved = reserved(state, &held.from, &held.denom)?;
            set_reserved(
                state,
                &held.from,
                &held.denom,
                now_reserved.saturating_sub(held.amount),
            );
        }
        state.delete(state_key::hold(leg));
        ctx.emit(Event::new("cash_released").attr("tx_id", hex::encode(tx_id)));
        Ok(())
    }
}

/// A page of the holds, for queries and audits.
pub fn holds(
    state: &dyn StateRead,
    page: Option<PageRequest>,
) -> Result<(Vec<pb::Hold>, PageResponse), QueryError> {
    paginate(state, state_key::all_holds(), page, every)
}

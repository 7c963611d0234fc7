//! The currency chain's side of two-phase commit: each message of a leg is
//! dispatched to its action's prepare (`handler::{transfer, dividend}`),
//! and the leg's hold, what those prepares reserved, to their commit or
//! release.

use xcc_chain::page::{every, paginate, PageRequest, PageResponse};
use xcc_chain::participant::{LegId, LegRequest, Reservations, Settlement};
use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Event, ExecError, MsgContext, QueryError};
use xcc_proto::currency::v1 as pb;

use crate::domain::Hold;
use crate::error::CurrencyError;
use crate::escrow;
use crate::handler::{dividend, transfer};
use crate::msg::CurrencyMsg;
use crate::state::{CurrencyRead, CurrencyWrite};
use crate::{state_key, CurrencyModule};

impl Reservations for CurrencyModule {
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError> {
        let mut hold = Hold::empty(leg.id());
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
                    let held = transfer::prepare(state, from, to, denom, *amount)?;
                    hold.transfers.push(held);
                }
                CurrencyMsg::PayDividend {
                    payer,
                    security_chain,
                    dividend_id,
                    denom,
                } if hold.dividend.is_none() => {
                    let payout = dividend::Payout {
                        payer,
                        security_chain,
                        dividend_id: *dividend_id,
                        denom,
                    };
                    let page = dividend::prepare(ctx, state, leg, &mut hold.transfers, payout)?;
                    hold.dividend = Some(page);
                }
                CurrencyMsg::HoldGuarantee {
                    bidder,
                    security_chain,
                    lot_id,
                    denom,
                    amount,
                } if hold.guarantee.is_none() && hold.dividend.is_none() => {
                    let request = escrow::GuaranteeRequest {
                        bidder,
                        security_chain,
                        lot_id: *lot_id,
                        denom,
                        amount: *amount,
                    };
                    let (held, guarantee) = escrow::prepare(state, leg, &request)?;
                    hold.transfers.push(held);
                    hold.guarantee = Some(guarantee);
                }
                CurrencyMsg::PayLot {
                    winner,
                    security_chain,
                    lot_id,
                } if hold.applied_guarantee.is_none()
                    && hold.guarantee.is_none()
                    && hold.dividend.is_none() =>
                {
                    let payment = escrow::LotPayment {
                        winner,
                        security_chain,
                        lot_id: *lot_id,
                    };
                    let applied =
                        escrow::prepare_payment(ctx, state, leg, &mut hold.transfers, payment)?;
                    hold.applied_guarantee = Some(applied);
                }
                _ => return Err(CurrencyError::Invalid(
                    "a cross-tx leg on the currency chain may only transfer, pay one dividend, \
                         hold one guarantee or pay for one lot"
                        .into(),
                )
                .into()),
            }
        }
        let total: u64 = hold.transfers.iter().map(|t| t.amount).sum();
        state.put_hold(&hold);
        ctx.emit(
            Event::new("cash_reserved")
                .attr("tx_id", hex::encode(leg.tx_id))
                .attr("amount", total),
        );
        Ok(Vec::new())
    }

    fn settle(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegId,
        settlement: Settlement,
    ) -> Result<(), ExecError> {
        let commit = settlement == Settlement::Commit;
        let hold = state.hold(leg)?;
        // A payout reports itself once, not per holder.
        let report = hold.dividend.is_none();
        for held in &hold.transfers {
            if commit {
                transfer::commit(ctx, state, &leg.tx_id, held, report)?;
            } else {
                transfer::release(state, held)?;
            }
        }
        if let (Some(page), true) = (&hold.dividend, commit) {
            dividend::commit(ctx, state, page, &hold.transfers)?;
        }
        if let (Some(guarantee), true) = (&hold.guarantee, commit) {
            escrow::commit(ctx, state, guarantee)?;
        }
        if let (Some(guarantee), true) = (&hold.applied_guarantee, commit) {
            escrow::applied(state, guarantee);
        }
        state.delete_hold(leg);
        if !commit {
            ctx.emit(Event::new("cash_released").attr("tx_id", hex::encode(leg.tx_id)));
        }
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

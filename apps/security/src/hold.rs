//! The security chain's side of two-phase commit: each message of a leg is
//! dispatched to its action's prepare (`handler::{transfer, listing,
//! dividend}`), and each part of the leg's hold, what those prepares
//! reserved, to its action's commit or release; then the hold is removed.

use prost::Message;
use xcc_chain::page::{every, paginate, PageRequest, PageResponse};
use xcc_chain::participant::{LegId, LegRequest, Reservations, Settlement};
use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Event, ExecError, MsgContext, QueryError};
use xcc_proto::security::v1 as pb;

use crate::auction::{self, msg::AuctionMsg};
use crate::domain::Hold;
use crate::error::SecurityError;
use crate::handler::listing::Fill;
use crate::handler::transfer::Transfer;
use crate::handler::{dividend, listing, transfer};
use crate::msg::SecurityMsg;
use crate::state::{SecurityRead, SecurityWrite};
use crate::{state_key, SecurityModule};

impl Reservations for SecurityModule {
    fn prepare(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        leg: &LegRequest<'_>,
    ) -> Result<Vec<u8>, ExecError> {
        let mut result = pb::LegResult::default();
        let mut hold = Hold::empty(leg.id());
        let mut seller_payments = None;
        for any in leg.msgs() {
            if auction::msg::is_auction_msg(&any.type_url) {
                match AuctionMsg::decode(any)? {
                    AuctionMsg::Qualify { bidder, lot_id } => {
                        leg.require_signed(&[bidder])?;
                        auction::handler::qualify::prepare(ctx, state, leg, &bidder, lot_id)?;
                        continue;
                    }
                    AuctionMsg::Settle { winner, lot_id } if result.lot_settlement.is_none() => {
                        leg.require_signed(&[winner])?;
                        let settlement =
                            auction::handler::settle::prepare(ctx, state, leg, &winner, lot_id)?;
                        result.lot_settlement = Some(settlement);
                        continue;
                    }
                    _ => {
                        return Err(SecurityError::Invalid(
                            "of the auction's messages, a cross-tx leg may only qualify a bidder \
                             or settle one lot"
                                .into(),
                        )
                        .into())
                    }
                }
            }
            let msg = SecurityMsg::decode(any)?;
            leg.require_signed(&msg.signers())?;
            match &msg {
                SecurityMsg::Transfer {
                    from,
                    to,
                    symbol,
                    amount,
                } => {
                    let t = Transfer {
                        from,
                        to,
                        symbol,
                        amount: *amount,
                    };
                    hold.movements.push(transfer::prepare(ctx, state, leg, t)?);
                }
                SecurityMsg::FillListing {
                    buyer,
                    listing_id,
                    units,
                } => {
                    let fill = Fill {
                        buyer,
                        listing_id: *listing_id,
                        units: *units,
                    };
                    let (held, terms) =
                        listing::prepare_fill(ctx, state, leg, &mut seller_payments, fill)?;
                    result.fills.push(terms);
                    hold.movements.push(held);
                }
                SecurityMsg::ReserveDividend {
                    payer,
                    dividend_id,
                    page,
                } if hold.dividend.is_none() => {
                    let (held, entitled) =
                        dividend::prepare(ctx, state, leg, payer, (*dividend_id, *page))?;
                    hold.dividend = Some(held);
                    result.entitlements = Some(entitled);
                }
                _ => {
                    return Err(SecurityError::Invalid(
                        "a cross-tx leg on the security chain may only transfer, fill listings \
                         or reserve one page of one dividend"
                            .into(),
                    )
                    .into())
                }
            }
        }
        state.put_hold(&hold);
        ctx.emit(Event::new("units_reserved").attr("tx_id", hex::encode(leg.tx_id)));
        Ok(result.encode_to_vec())
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
        for held in &hold.movements {
            match (held.listing_id, settlement) {
                (Some(id), Settlement::Commit) => {
                    listing::commit_fill(ctx, state, &leg.tx_id, held, id)?
                }
                (Some(id), Settlement::Release) => listing::release_fill(state, held, id)?,
                (None, Settlement::Commit) => transfer::commit(ctx, state, &leg.tx_id, held)?,
                (None, Settlement::Release) => transfer::release(state, held)?,
            }
        }
        if let Some(page) = &hold.dividend {
            dividend::settle(ctx, state, &leg.tx_id, page, commit)?;
        }
        auction::handler::qualify::settle(ctx, state, leg, commit)?;
        auction::handler::settle::settle(ctx, state, leg, commit)?;
        state.delete_hold(leg);
        if !commit {
            ctx.emit(Event::new("units_released").attr("tx_id", hex::encode(leg.tx_id)));
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

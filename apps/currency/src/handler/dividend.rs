//! Dividend payouts: a leg pays one page of a dividend declared on a
//! security chain. Prepare checks the page's entitlements, which the
//! security chain's leg returned (this leg's input), against the message
//! and reserves them in full from the payer; commit pays every holder of
//! the page, adds the page to the dividend's payment record and leaves each
//! holder a receipt.

use prost::Message;
use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::currency::v1 as pb;
use xcc_proto::security::v1 as security_pb;

use super::transfer::reserve;
use crate::denom::DenomName;
use crate::domain::{DividendPayment, HeldTransfer};
use crate::error::CurrencyError;
use crate::state::{CurrencyRead, CurrencyWrite};
use crate::state_key;

/// What one payment of a page names.
pub struct Payout<'a> {
    pub payer: &'a Address,
    pub security_chain: &'a str,
    pub dividend_id: u64,
    pub denom: &'a DenomName,
}

/// Reserves the page for a cross-tx leg: its transfers to every entitled
/// holder go into `transfers`, and the page's payment is returned.
pub fn prepare(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    transfers: &mut Vec<HeldTransfer>,
    payout: Payout<'_>,
) -> Result<DividendPayment, CurrencyError> {
    let Payout {
        payer,
        security_chain,
        dividend_id,
        denom,
    } = payout;
    // Only the security chain's leg can say what its holders are owed.
    if leg.input_leg().is_none_or(|l| l.chain_id != security_chain) {
        return Err(CurrencyError::Invalid(format!(
            "a dividend payout depends on the leg of {security_chain} that reserves it"
        )));
    }
    // One page, one payment: a second leg taking the same page as input
    // would pay its holders twice.
    let takers = leg.takers_of_input();
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
        let holder = entry
            .account
            .parse::<Address>()
            .map_err(|e| CurrencyError::Invalid(format!("entitled account: {e}")))?;
        transfers.push(HeldTransfer {
            denom: denom.clone(),
            from: *payer,
            to: holder,
            amount: entry.amount,
        });
    }
    Ok(DividendPayment {
        security_chain: security_chain.to_owned(),
        dividend_id,
        denom: denom.clone(),
        payer: *payer,
        total,
        holders: entitled.entries.len() as u64,
        paid_height: 0,
        tx_id: leg.tx_id,
        pages: entitled.pages,
        pages_paid: 0,
    })
}

/// The page paid (its transfers committed): the pages of one payout add up
/// in one payment record, and each holder gets a receipt.
pub fn commit(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    page: &DividendPayment,
    transfers: &[HeldTransfer],
) -> Result<(), CurrencyError> {
    let mut payment = match state.dividend_payment(&page.security_chain, page.dividend_id)? {
        Some(paid) if paid.tx_id == page.tx_id => DividendPayment {
            total: paid.total + page.total,
            holders: paid.holders + page.holders,
            pages_paid: paid.pages_paid + 1,
            ..paid
        },
        Some(_) => {
            return Err(CurrencyError::Invalid(format!(
                "dividend {} of {} was paid by another cross-tx",
                page.dividend_id, page.security_chain
            )))
        }
        None => DividendPayment {
            pages_paid: 1,
            ..page.clone()
        },
    };
    payment.paid_height = ctx.block.height;
    for held in transfers {
        let receipt = pb::DividendReceipt {
            security_chain: payment.security_chain.clone(),
            dividend_id: payment.dividend_id,
            denom: payment.denom.to_string(),
            amount: held.amount,
            paid_height: ctx.block.height,
        };
        let key =
            state_key::dividend_receipt(&held.to, &payment.security_chain, payment.dividend_id);
        state.put_proto(key, &receipt);
        let payee =
            state_key::dividend_payee(&payment.security_chain, payment.dividend_id, &held.to);
        state.put_raw(payee, vec![1]);
    }
    state.put_dividend_payment(&payment);
    ctx.emit(
        Event::new("dividend_paid")
            .attr("security_chain", &payment.security_chain)
            .attr("dividend_id", payment.dividend_id)
            .attr("page", payment.pages_paid)
            .attr("pages", payment.pages)
            .attr("total", payment.total)
            .attr("holders", payment.holders),
    );
    Ok(())
}

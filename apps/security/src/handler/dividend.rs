//! Dividends: the issuer declares one with a record height; a payout
//! cross-tx reserves it page by page (`prepare`), each page's entitlements
//! computed from the balances committed at the record height, and the
//! currency chain pays them; the payout's decision settles it (`settle`). Entitlement = floor(units * amount_per_unit_micros / 1,000,000):
//! what rounding leaves unpaid stays with the payer, so no cash is created
//! or lost. The issuer's own units earn nothing, as they count as no holder.

use xcc_chain::module::History;
use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::registry::require_issuer;
use crate::domain::{Dividend, DividendStatus, HeldPage};
use crate::error::SecurityError;
use crate::state::{SecurityRead, SecurityWrite};
use crate::state_key;
use crate::symbol::Symbol;
use crate::terms;

pub const MICROS_PER_UNIT: u128 = 1_000_000;

/// The most holders one page of a payout carries. A page's entitlements
/// (about 60 bytes a holder) travel in one acknowledgement and in one
/// prepare packet beside the cross-tx, both within
/// `xcc_chain::xtx::MAX_PACKET_AND_ACK_BYTES`.
pub const MAX_PAGE_HOLDERS: u32 = 10_000;
pub const DEFAULT_PAGE_HOLDERS: u32 = 5_000;
/// The most pages of one payout: each takes a reservation leg and a
/// payment leg, so at most 320,000 holders are paid in one cross-tx.
pub const MAX_PAYOUT_PAGES: u32 = (xcc_chain::xtx::MAX_LEGS / 2) as u32;
/// Balances read at a time while a page is assembled.
const SCAN_CHUNK: usize = 1_000;

pub struct Declaration<'a> {
    pub issuer: &'a Address,
    pub symbol: &'a Symbol,
    pub record_height: u64,
    pub amount_per_unit_micros: u64,
    pub payer: &'a Address,
    pub denom: &'a str,
    pub currency_chain: &'a str,
}

/// The committed state after `record_height`, which every node keeps while
/// a dividend may read it.
pub fn state_at(
    history: &dyn History,
    record_height: u64,
) -> Result<Box<dyn StateRead + '_>, SecurityError> {
    history
        .at(record_height)?
        .ok_or_else(|| SecurityError::RecordHeight {
            record_height,
            reason: "is no longer retained by this chain's store".into(),
        })
}

pub fn declare(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    d: Declaration<'_>,
) -> Result<(), SecurityError> {
    require_issuer(state, d.symbol, d.issuer)?;
    // The record height's state must be committed and still readable.
    let last_committed = ctx.block.height.saturating_sub(1);
    if d.record_height > last_committed {
        return Err(SecurityError::RecordHeight {
            record_height: d.record_height,
            reason: format!("is in the future: the last committed height is {last_committed}"),
        });
    }
    // Decided by a chain parameter, never by what this node's store kept.
    let window = state.record_window()?;
    if last_committed - d.record_height >= window {
        return Err(SecurityError::RecordHeight {
            record_height: d.record_height,
            reason: format!(
                "is {} blocks back, the record window is {window} blocks",
                last_committed - d.record_height
            ),
        });
    }
    let at_record = state_at(ctx.history, d.record_height)?;
    // The holder count at the record height fixes the payout's pages.
    let holders = at_record
        .security(d.symbol)
        .map_err(|_| SecurityError::RecordHeight {
            record_height: d.record_height,
            reason: format!("precedes the registration of {}", d.symbol),
        })?
        .holders;
    let page_holders = state.dividend_page_holders()?;
    let pages = holders.div_ceil(page_holders).max(1);
    if pages > MAX_PAYOUT_PAGES {
        return Err(SecurityError::TooManyHolders {
            holders,
            page_holders,
            pages,
            max_pages: MAX_PAYOUT_PAGES,
        });
    }
    let id = state.get_u64(state_key::NEXT_DIVIDEND)? + 1;
    state.put_u64(state_key::NEXT_DIVIDEND.to_vec(), id);
    let dividend = Dividend {
        id,
        symbol: d.symbol.clone(),
        issuer: *d.issuer,
        record_height: d.record_height,
        amount_per_unit_micros: d.amount_per_unit_micros,
        payer: *d.payer,
        denom: d.denom.to_owned(),
        currency_chain: d.currency_chain.to_owned(),
        status: DividendStatus::Payable,
        declared_height: ctx.block.height,
        payout: None,
        paid_height: 0,
        total: 0,
        holders: 0,
        pages,
        page_holders,
        reserved_pages: 0,
    };
    state.put_dividend(&dividend);
    ctx.emit(
        Event::new("dividend_declared")
            .attr("dividend_id", id)
            .attr("symbol", d.symbol)
            .attr("record_height", d.record_height)
            .attr("amount_per_unit_micros", d.amount_per_unit_micros),
    );
    Ok(())
}

/// One holder's entitlement; `None` when rounding leaves it nothing.
pub fn entitlement(units: u64, amount_per_unit_micros: u64) -> Option<u64> {
    let amount = u128::from(units) * u128::from(amount_per_unit_micros) / MICROS_PER_UNIT;
    u64::try_from(amount).ok().filter(|a| *a > 0)
}

/// One page of the holders' entitlements, read from `at_record` (the state
/// after the record height): holders in account order, `page_holders` to a
/// page. The issuer is no holder. The last page also checks that no holder
/// is left beyond it, so the pages cover every holder.
pub fn entitlements(
    at_record: &dyn StateRead,
    chain_id: &str,
    dividend: &Dividend,
    page: u32,
) -> Result<pb::Entitlements, SecurityError> {
    let (pages, page_holders) = dividend.paging();
    let first = u64::from(page) * page_holders;
    let end = first.saturating_add(page_holders);
    let prefix = state_key::balances(&dividend.symbol);
    let mut start = prefix.clone();
    let (mut seen, mut left_over) = (0u64, false);
    let mut entries = Vec::new();
    let mut total: u64 = 0;
    'scan: loop {
        let chunk = at_record.prefix_page_raw(&prefix, &start, SCAN_CHUNK)?;
        for (key, value) in &chunk {
            let units = xcc_chain::state::decode_u64(key, value)?;
            let Some(account) = state_key::account_suffix(&prefix, key) else {
                continue;
            };
            if units == 0 || account == dividend.issuer {
                continue;
            }
            if seen == end {
                left_over = true;
                break 'scan;
            }
            seen += 1;
            if seen <= first {
                continue;
            }
            if let Some(amount) = entitlement(units, dividend.amount_per_unit_micros) {
                total = total.checked_add(amount).ok_or_else(|| {
                    SecurityError::Invalid("the dividend's total overflows".into())
                })?;
                entries.push(pb::Entitlement {
                    account: account.to_string(),
                    units,
                    amount,
                });
            }
        }
        match chunk.last() {
            Some((key, _)) if chunk.len() == SCAN_CHUNK => {
                start = key.clone();
                start.push(0);
            }
            _ => break,
        }
    }
    if left_over && page + 1 == pages {
        return Err(SecurityError::Invalid(format!(
            "dividend {} has holders beyond its {pages} pages",
            dividend.id
        )));
    }
    Ok(pb::Entitlements {
        security_chain: chain_id.to_owned(),
        dividend_id: dividend.id,
        symbol: dividend.symbol.to_string(),
        payer: dividend.payer.to_string(),
        denom: dividend.denom.clone(),
        entries,
        total,
        currency_chain: dividend.currency_chain.clone(),
        page,
        pages,
    })
}

/// Reserves one page of a payable dividend for the payout `leg.tx_id`; the
/// page's entitlements, read at the record height, are the leg's result.
/// The other pages are reserved by the payout's other legs on this chain.
pub fn prepare(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    payer: &Address,
    (dividend_id, page): (u64, u32),
) -> Result<(HeldPage, pb::Entitlements), SecurityError> {
    let mut dividend = state.dividend(dividend_id)?;
    let payable = dividend.status == DividendStatus::Payable;
    if !payable && !dividend.reserved_by(&leg.tx_id) {
        return Err(SecurityError::DividendNotPayable {
            id: dividend_id,
            status: dividend.status.name().to_owned(),
        });
    }
    if dividend.payer != *payer {
        return Err(SecurityError::Invalid(format!(
            "{payer} is not the payer of dividend {dividend_id}"
        )));
    }
    let (pages, _) = dividend.paging();
    terms::require_payout(leg.cross_tx, ctx.chain_id, &dividend, pages)?;
    let at_record = state_at(ctx.history, dividend.record_height)?;
    let entitled = entitlements(at_record.as_ref(), ctx.chain_id, &dividend, page)?;
    if payable {
        dividend.status = DividendStatus::Reserved;
        dividend.payout = Some(leg.tx_id);
        dividend.total = 0;
        dividend.holders = 0;
        dividend.reserved_pages = 0;
    }
    dividend.reserved_pages += 1;
    dividend.total += entitled.total;
    dividend.holders += entitled.entries.len() as u64;
    state.put_dividend(&dividend);
    let held = HeldPage {
        dividend_id,
        total: entitled.total,
        holders: entitled.entries.len() as u64,
    };
    Ok((held, entitled))
}

/// A payout leg's decision for its page: paid once the first page commits
/// (the decision is the whole payout's), payable again once every reserved
/// page of the payout is released.
pub fn settle(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    tx_id: &[u8; 32],
    held: &HeldPage,
    paid: bool,
) -> Result<(), SecurityError> {
    let mut dividend = state.dividend(held.dividend_id)?;
    if !dividend.reserved_by(tx_id) {
        // Another page of the payout settled it already.
        return Ok(());
    }
    if paid {
        dividend.status = DividendStatus::Paid;
        dividend.paid_height = ctx.block.height;
        ctx.emit(
            Event::new("dividend_paid")
                .attr("dividend_id", held.dividend_id)
                .attr("total", dividend.total)
                .attr("holders", dividend.holders)
                .attr("pages", dividend.reserved_pages),
        );
    } else {
        dividend.reserved_pages = dividend.reserved_pages.saturating_sub(1);
        dividend.total = dividend.total.saturating_sub(held.total);
        dividend.holders = dividend.holders.saturating_sub(held.holders);
        if dividend.reserved_pages == 0 {
            dividend.status = DividendStatus::Payable;
            dividend.payout = None;
            dividend.total = 0;
            dividend.holders = 0;
        }
    }
    state.put_dividend(&dividend);
    Ok(())
}

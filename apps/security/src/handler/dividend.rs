//! Dividends: the issuer declares one with a record height; a payout
//! cross-tx reserves it (`crate::hold`), its entitlements computed from the
//! balances committed at the record height, and the currency chain pays
//! them. Entitlement = floor(units * amount_per_unit_micros / 1,000,000):
//! what rounding leaves unpaid stays with the payer, so no cash is created
//! or lost. The issuer's own units earn nothing, as they count as no holder.

use xcc_chain::module::History;
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::security::v1 as pb;

use super::registry::{load_security, require_issuer};
use crate::error::SecurityError;
use crate::state_key;
use crate::symbol::Symbol;

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

/// How many blocks back a record height may be; every node keeps them.
pub fn record_window(state: &dyn StateRead) -> Result<u64, xcc_chain::state::StateError> {
    let window = state.get_u64(state_key::RECORD_WINDOW)?;
    // Chains started before the parameter existed get the default.
    Ok(if window == 0 {
        crate::DEFAULT_RECORD_WINDOW_BLOCKS
    } else {
        window
    })
}

/// How many holders a page of a payout declared now carries.
pub fn page_holders(state: &dyn StateRead) -> Result<u32, xcc_chain::state::StateError> {
    let stored = state.get_u64(state_key::DIVIDEND_PAGE_HOLDERS)?;
    // Chains started before the parameter existed get the default.
    Ok(u32::try_from(stored)
        .ok()
        .filter(|holders| *holders > 0)
        .unwrap_or(DEFAULT_PAGE_HOLDERS))
}

/// A dividend's pages and holders per page; one unbounded page for a
/// dividend declared before payouts had pages.
pub fn paging(dividend: &pb::Dividend) -> (u32, u64) {
    if dividend.pages == 0 {
        (1, u64::MAX)
    } else {
        (dividend.pages, u64::from(dividend.page_holders))
    }
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

pub fn load_dividend(state: &dyn StateRead, id: u64) -> Result<pb::Dividend, SecurityError> {
    state
        .get_proto::<pb::Dividend>(&state_key::dividend(id))?
        .ok_or(SecurityError::UnknownDividend(id))
}

pub fn save_dividend(state: &mut dyn StateWrite, dividend: &pb::Dividend) {
    state.put_proto(state_key::dividend(dividend.id), dividend);
}

pub fn status_name(status: i32) -> String {
    pb::DividendStatus::try_from(status)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("DIVIDEND_STATUS_")
                .to_lowercase()
        })
        .unwrap_or_else(|_| status.to_string())
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
    let window = record_window(state)?;
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
    let holders = load_security(at_record.as_ref(), d.symbol)
        .map_err(|_| SecurityError::RecordHeight {
            record_height: d.record_height,
            reason: format!("precedes the registration of {}", d.symbol),
        })?
        .holders;
    let page_holders = page_holders(state)?;
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
    let dividend = pb::Dividend {
        id,
        symbol: d.symbol.to_string(),
        issuer: d.issuer.to_string(),
        record_height: d.record_height,
        amount_per_unit_micros: d.amount_per_unit_micros,
        payer: d.payer.to_string(),
        denom: d.denom.to_owned(),
        currency_chain: d.currency_chain.to_owned(),
        status: pb::DividendStatus::Payable as i32,
        declared_height: ctx.block.height,
        pages,
        page_holders,
        ..Default::default()
    };
    save_dividend(state, &dividend);
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
    dividend: &pb::Dividend,
    page: u32,
) -> Result<pb::Entitlements, SecurityError> {
    let symbol: Symbol = dividend
        .symbol
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("stored dividend symbol: {e}")))?;
    let (pages, page_holders) = paging(dividend);
    let first = u64::from(page) * page_holders;
    let end = first.saturating_add(page_holders);
    let prefix = state_key::balances(&symbol);
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
            if units == 0 || account.to_string() == dividend.issuer {
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
        symbol: dividend.symbol.clone(),
        payer: dividend.payer.clone(),
        denom: dividend.denom.clone(),
        entries,
        total,
        currency_chain: dividend.currency_chain.clone(),
        page,
        pages,
    })
}

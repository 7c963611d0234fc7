//! Message handlers, one file per action: its direct execution and, for
//! what a cross-tx leg may do, its prepare, commit and release. Each checks
//! everything before it writes anything, so a refused message leaves state
//! untouched even within its tx.

pub mod dividend;
pub mod listing;
pub mod movement;
pub mod occupancy;
pub mod position;
pub mod registry;
pub mod transfer;
pub mod whitelist;

pub use whitelist::{is_kyc_authority, whitelist_status, WhitelistStatus};

use xcc_chain::state::StateWrite;
use xcc_chain::{ExecError, MsgContext};

use crate::error::SecurityError;
use crate::msg::SecurityMsg;

pub fn execute(
    msg: &SecurityMsg,
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
) -> Result<(), ExecError> {
    let result: Result<(), SecurityError> = match msg {
        SecurityMsg::Register(registration) => registry::register(ctx, state, registration),
        SecurityMsg::AppointKycAgent {
            issuer,
            symbol,
            agent,
        } => whitelist::appoint_agent(ctx, state, issuer, symbol, agent),
        SecurityMsg::RevokeKycAgent {
            issuer,
            symbol,
            agent,
        } => whitelist::revoke_agent(ctx, state, issuer, symbol, agent),
        SecurityMsg::WhitelistAdd {
            authority,
            symbol,
            account,
            expires_at,
        } => whitelist::add(ctx, state, authority, symbol, account, *expires_at),
        SecurityMsg::WhitelistRemove {
            authority,
            symbol,
            account,
        } => whitelist::remove(ctx, state, authority, symbol, account),
        SecurityMsg::Transfer {
            from,
            to,
            symbol,
            amount,
        } => transfer::execute(
            ctx,
            state,
            transfer::Transfer {
                from,
                to,
                symbol,
                amount: *amount,
            },
        ),
        SecurityMsg::Freeze {
            issuer,
            symbol,
            account,
        } => position::set_frozen(ctx, state, issuer, symbol, account, true),
        SecurityMsg::CreateListing {
            seller,
            symbol,
            units,
            price_per_unit,
            denom,
            currency_chain,
        } => listing::create(
            ctx,
            state,
            listing::NewListing {
                seller,
                symbol,
                units: *units,
                price_per_unit: *price_per_unit,
                denom,
                currency_chain,
            },
        ),
        SecurityMsg::CancelListing { seller, listing_id } => {
            listing::cancel(ctx, state, seller, *listing_id)
        }
        SecurityMsg::FillListing { .. } => Err(SecurityError::CrossTxOnly("filling a listing")),
        SecurityMsg::DeclareDividend {
            issuer,
            symbol,
            record_height,
            amount_per_unit_micros,
            payer,
            denom,
            currency_chain,
        } => dividend::declare(
            ctx,
            state,
            dividend::Declaration {
                issuer,
                symbol,
                record_height: *record_height,
                amount_per_unit_micros: *amount_per_unit_micros,
                payer,
                denom,
                currency_chain,
            },
        ),
        SecurityMsg::ReserveDividend { .. } => Err(SecurityError::CrossTxOnly(
            "reserving a dividend for its payout",
        )),
        SecurityMsg::Unfreeze {
            issuer,
            symbol,
            account,
        } => position::set_frozen(ctx, state, issuer, symbol, account, false),
    };
    Ok(result?)
}

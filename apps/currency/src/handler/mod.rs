//! Message handlers, one file per action: its direct execution and, for
//! what a cross-tx leg may do, its prepare, commit and release. Every check
//! comes before the first write.

pub mod dividend;
pub mod mint;
pub mod transfer;

use xcc_chain::state::StateWrite;
use xcc_chain::{ExecError, MsgContext};

use crate::error::CurrencyError;
use crate::msg::CurrencyMsg;

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
        } => mint::execute(ctx, state, authority, denom, to, *amount),
        CurrencyMsg::Transfer {
            from,
            to,
            denom,
            amount,
        } => transfer::execute(ctx, state, from, to, denom, *amount),
        CurrencyMsg::PayDividend { .. } => Err(CurrencyError::Invalid(
            "a dividend is paid only by a payout cross-tx".into(),
        )),
        CurrencyMsg::HoldGuarantee { .. } => Err(CurrencyError::Invalid(
            "a guarantee is held only by a qualification cross-tx".into(),
        )),
        CurrencyMsg::PayLot { .. } => Err(CurrencyError::Invalid(
            "a lot is paid for only by a settlement cross-tx".into(),
        )),
    };
    Ok(result?)
}

//! The trust module's messages carried out, one file per action.

pub mod bank;
pub mod bidder;
pub mod platform;

use xcc_chain::state::StateRead;
use xcc_chain::MsgContext;
use xcc_proto::trust::v1 as pb;

use super::error::TrustError;
use super::receipt::{self, Purpose, Receipt};
use super::state::Params;

/// The chain's parameters and the receipt of `purpose`, verified at this
/// block and paying in the chain's fee denom.
pub fn fee_receipt(
    ctx: &MsgContext<'_>,
    state: &dyn StateRead,
    signed: &pb::SignedReceipt,
    purpose: Purpose,
) -> Result<(Params, Receipt), TrustError> {
    let params = super::params(state)?;
    let receipt = receipt::verify(
        state,
        ctx.chain_id,
        ctx.block.time_ns,
        Some(signed),
        purpose,
    )?;
    if receipt.denom != params.fee_denom {
        return Err(TrustError::WrongDenom {
            expected: params.fee_denom,
            found: receipt.denom,
        });
    }
    Ok((params, receipt))
}

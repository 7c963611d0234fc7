//! A trading platform registers on a bank's platform-registration receipt,
//! which names the consensus key it runs a validator with and its operator.
//! It holds no power until an epoch gives it some.

use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::trust::v1 as pb;

use crate::trust::error::TrustError;
use crate::trust::receipt::Purpose;
use crate::trust::state::{TrustRead, TrustWrite};
use crate::trust::MAX_PLATFORMS;

pub fn platform_count(state: &dyn StateRead) -> Result<usize, TrustError> {
    let prefix = crate::trust::state_key::all_platforms();
    Ok(state
        .prefix_page_raw(prefix, prefix, MAX_PLATFORMS + 1)?
        .len())
}

pub fn register(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    submitter: &Address,
    signed: &pb::SignedReceipt,
) -> Result<(), TrustError> {
    let (_, receipt) = super::fee_receipt(ctx, state, signed, Purpose::PlatformRegistration)?;
    let keys = receipt
        .platform_keys
        .clone()
        .ok_or_else(|| TrustError::Invalid("a platform registration names its keys".into()))?;
    if *submitter != keys.operator {
        return Err(TrustError::NotThePayer {
            expected: keys.operator.to_string(),
            found: submitter.to_string(),
        });
    }
    if state.platform(&receipt.platform)?.is_some() {
        return Err(TrustError::PlatformExists(receipt.platform));
    }
    if state.validator_key_taken(&keys.validator_key)? {
        return Err(TrustError::ValidatorKeyTaken(hex::encode(
            keys.validator_key,
        )));
    }
    if platform_count(state)? >= MAX_PLATFORMS {
        return Err(TrustError::TooManyPlatforms(MAX_PLATFORMS));
    }
    state.put_platform(&pb::Platform {
        id: receipt.platform.clone(),
        validator_key: keys.validator_key.to_vec(),
        operator: keys.operator.to_string(),
        registered_height: ctx.block.height,
        power: 0,
        fees_total: 0,
    });
    state.take_validator_key(&keys.validator_key, &receipt.platform);
    state.mark_used(&receipt.bank, &receipt.id, receipt.expires_at_ns);
    ctx.emit(
        Event::new("platform_registered")
            .attr("platform_id", &receipt.platform)
            .attr("validator_key", hex::encode(keys.validator_key))
            .attr("operator", keys.operator)
            .attr("bank", receipt.bank_hex())
            .attr("receipt_id", &receipt.id),
    );
    Ok(())
}

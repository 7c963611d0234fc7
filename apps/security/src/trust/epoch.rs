//! The end of an epoch, at the first block of the next: each platform's
//! power from the fees of the trailing window, returned as validator
//! updates for the platforms whose power changed (applied from two heights
//! on, as CometBFT does). The work is bounded by the platforms (at most
//! `MAX_PLATFORMS`) times the window, whatever the chain's age; fee buckets
//! that fall out of the window are deleted.

use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::{Event, MsgContext, ValidatorUpdate};
use xcc_proto::trust::v1 as pb;

use super::error::TrustError;
use super::power::powers;
use super::state::{Params, TrustRead, TrustWrite};
use super::{state_key, MAX_PLATFORMS};

/// The epoch that ends just before `height`, if `height` opens one.
pub fn ended_before(params: &Params, height: u64) -> Option<u64> {
    let opens =
        params.epoch_blocks > 0 && height > 1 && (height - 1).is_multiple_of(params.epoch_blocks);
    opens.then(|| params.epoch_of(height) - 1)
}

pub fn end_epoch(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    params: &Params,
    ended: u64,
) -> Result<(), TrustError> {
    let prefix = state_key::all_platforms();
    let mut platforms: Vec<pb::Platform> = state
        .prefix_page_raw(prefix, prefix, MAX_PLATFORMS)?
        .into_iter()
        .map(|(key, bytes)| {
            prost::Message::decode(bytes.as_slice()).map_err(|e| {
                TrustError::Invalid(format!(
                    "stored platform {}: {e}",
                    String::from_utf8_lossy(&key)
                ))
            })
        })
        .collect::<Result<_, _>>()?;
    platforms.sort_by(|a, b| a.id.cmp(&b.id));
    let first = ended.saturating_sub(params.window_epochs.saturating_sub(1));
    let mut fees = Vec::with_capacity(platforms.len());
    for platform in &platforms {
        let mut sum = 0u64;
        for epoch in first..=ended {
            sum = sum.saturating_add(state.epoch_fees(epoch, &platform.id)?);
        }
        fees.push((platform.id.clone(), sum));
    }
    let computed = powers(&fees, params.power);
    let mut record = pb::Epoch {
        number: ended,
        height: ctx.block.height,
        powers: Vec::with_capacity(platforms.len()),
    };
    for ((platform, (_, fee)), power) in platforms.iter_mut().zip(&fees).zip(&computed) {
        record.powers.push(pb::EpochPower {
            platform_id: platform.id.clone(),
            fees: *fee,
            power: *power,
        });
        if platform.power == *power {
            continue;
        }
        let public_key: [u8; 32] =
            platform.validator_key.as_slice().try_into().map_err(|_| {
                TrustError::Invalid(format!("platform {}'s stored key", platform.id))
            })?;
        ctx.update_validator(ValidatorUpdate {
            public_key,
            power: *power,
        });
        ctx.emit(
            Event::new("platform_power")
                .attr("platform_id", &platform.id)
                .attr("epoch", ended)
                .attr("fees", fee)
                .attr("power", power),
        );
        platform.power = *power;
        state.put_platform(platform);
    }
    state.put_proto(state_key::epoch(ended), &record);
    state.put_u64(state_key::LAST_EPOCH.to_vec(), ended);
    // The bucket just out of the window is never read again.
    if let Some(gone) = first.checked_sub(1) {
        let bucket = state_key::epoch_fees_of(gone);
        for (key, _) in state.prefix_page_raw(&bucket, &bucket, MAX_PLATFORMS)? {
            state.delete(key);
        }
    }
    Ok(())
}

//! Proof of trust, recomputed by an observer: each epoch's fees are the
//! sums of the receipts the chain recorded in the epoch's window, its
//! powers are what `xcc_security::trust::power` gives for those fees, no
//! platform reaches the cap, and the nodes applied those powers two heights
//! after the epoch's block.

use std::collections::BTreeMap;

use xcc_security::trust::power::{powers, PowerParams, BP};

use crate::reading::Reading;
use crate::trust_reading::EpochReading;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrustViolation {
    #[error("epoch {epoch}: platform {platform} is recorded with {recorded} of fees, its receipts carried {from_receipts}")]
    FeesDiffer {
        epoch: u64,
        platform: String,
        recorded: u64,
        from_receipts: u64,
    },
    #[error("epoch {epoch}: platform {platform} has power {recorded}, its fees give {recomputed}")]
    PowerDiffers {
        epoch: u64,
        platform: String,
        recorded: u64,
        recomputed: u64,
    },
    #[error("epoch {epoch}: platform {platform}'s power {power} is {share_bp} bp of the whole {whole}, at or over the cap of {cap_bp} bp")]
    OverCap {
        epoch: u64,
        platform: String,
        power: u64,
        whole: u64,
        share_bp: u64,
        cap_bp: u64,
    },
    #[error("epoch {epoch}: at height {height} platform {platform}'s validator has power {found}, not the epoch's {expected}")]
    NotApplied {
        epoch: u64,
        platform: String,
        height: u64,
        expected: u64,
        found: u64,
    },
}

pub fn judge(reading: &Reading) -> Vec<TrustViolation> {
    let Some(params) = reading.trust.params else {
        return Vec::new();
    };
    let mut violations = Vec::new();
    for epoch in &reading.trust.epochs {
        judge_epoch(epoch, params, &reading.trust.platform_keys, &mut violations);
    }
    violations
}

fn judge_epoch(
    epoch: &EpochReading,
    params: PowerParams,
    keys: &BTreeMap<String, [u8; 32]>,
    violations: &mut Vec<TrustViolation>,
) {
    let number = epoch.epoch.number;
    let mut recorded: Vec<(String, u64)> = epoch
        .epoch
        .powers
        .iter()
        .map(|p| (p.platform_id.clone(), p.fees))
        .collect();
    recorded.sort();
    for (platform, fees) in &recorded {
        let from_receipts = epoch.receipt_fees.get(platform).copied().unwrap_or(0);
        if from_receipts != *fees {
            violations.push(TrustViolation::FeesDiffer {
                epoch: number,
                platform: platform.clone(),
                recorded: *fees,
                from_receipts,
            });
        }
    }
    for (platform, from_receipts) in &epoch.receipt_fees {
        if !recorded.iter().any(|(id, _)| id == platform) {
            violations.push(TrustViolation::FeesDiffer {
                epoch: number,
                platform: platform.clone(),
                recorded: 0,
                from_receipts: *from_receipts,
            });
        }
    }
    let recomputed = powers(&recorded, params);
    let whole = params.floor + epoch.epoch.powers.iter().map(|p| p.power).sum::<u64>();
    for ((platform, _), power) in recorded.iter().zip(&recomputed) {
        let Some(entry) = epoch
            .epoch
            .powers
            .iter()
            .find(|p| &p.platform_id == platform)
        else {
            continue;
        };
        if entry.power != *power {
            violations.push(TrustViolation::PowerDiffers {
                epoch: number,
                platform: platform.clone(),
                recorded: entry.power,
                recomputed: *power,
            });
        }
        if u128::from(entry.power) * u128::from(BP)
            > u128::from(params.max_share_bp) * u128::from(whole)
        {
            violations.push(TrustViolation::OverCap {
                epoch: number,
                platform: platform.clone(),
                power: entry.power,
                whole,
                share_bp: entry.power * BP / whole.max(1),
                cap_bp: params.max_share_bp,
            });
        }
        if let (Some(applied), Some(key)) = (&epoch.applied, keys.get(platform)) {
            let found = applied.get(key).copied().unwrap_or(0);
            if found != entry.power {
                violations.push(TrustViolation::NotApplied {
                    epoch: number,
                    platform: platform.clone(),
                    height: epoch.epoch.height + 2,
                    expected: entry.power,
                    found,
                });
            }
        }
    }
}

//! The trust judge on hand-built readings: an epoch recomputed from its
//! receipts and found applied is clean; each way it can go wrong is named.

use std::collections::BTreeMap;

use xcc_proto::trust::v1 as trust;
use xcc_security::trust::power::PowerParams;

use crate::reading::Reading;
use crate::trust::{judge, TrustViolation};
use crate::trust_reading::{EpochReading, TrustReading};

const PARAMS: PowerParams = PowerParams {
    pool: 1_000,
    max_share_bp: 3_000,
    floor: 100,
};

fn key(platform: &str) -> [u8; 32] {
    let mut key = [0u8; 32];
    key[..platform.len()].copy_from_slice(platform.as_bytes());
    key
}

/// Fees 100, 200, 300, 400 through a, b, c, d: powers 100, 200, 300, 300
/// (d capped), applied at the epoch's height + 2.
fn reading() -> Reading {
    let table = [
        ("a", 100, 100),
        ("b", 200, 200),
        ("c", 300, 300),
        ("d", 400, 300),
    ];
    let epoch = trust::Epoch {
        number: 3,
        height: 61,
        powers: table
            .iter()
            .map(|(id, fees, power)| trust::EpochPower {
                platform_id: id.to_string(),
                fees: *fees,
                power: *power,
            })
            .collect(),
    };
    let receipt_fees = table
        .iter()
        .map(|(id, fees, _)| (id.to_string(), *fees))
        .collect();
    let applied = table
        .iter()
        .map(|(id, _, power)| (key(id), *power))
        .collect();
    Reading {
        trust: TrustReading {
            params: Some(PARAMS),
            window_epochs: 2,
            platform_keys: table
                .iter()
                .map(|(id, _, _)| (id.to_string(), key(id)))
                .collect(),
            epochs: vec![EpochReading {
                epoch,
                receipt_fees,
                applied: Some(applied),
            }],
        },
        ..Reading::default()
    }
}

#[test]
fn an_epoch_recomputed_from_its_receipts_and_applied_is_clean() {
    assert_eq!(judge(&reading()), []);
    // A source that cannot read validator sets checks the rest.
    let mut blind = reading();
    blind.trust.epochs[0].applied = None;
    assert_eq!(judge(&blind), []);
    // A chain without proof of trust has nothing to judge.
    assert_eq!(judge(&Reading::default()), []);
}

#[test]
fn fees_the_receipts_do_not_carry_are_found() {
    let mut r = reading();
    r.trust.epochs[0].receipt_fees.insert("b".into(), 150);
    r.trust.epochs[0].receipt_fees.insert("e".into(), 10);
    let found = judge(&r);
    assert!(found.contains(&TrustViolation::FeesDiffer {
        epoch: 3,
        platform: "b".into(),
        recorded: 200,
        from_receipts: 150,
    }));
    assert!(found.contains(&TrustViolation::FeesDiffer {
        epoch: 3,
        platform: "e".into(),
        recorded: 0,
        from_receipts: 10,
    }));
}

#[test]
fn a_power_its_fees_do_not_give_is_found_and_one_over_the_cap_too() {
    let mut r = reading();
    r.trust.epochs[0].epoch.powers[3].power = 400;
    r.trust.epochs[0].applied = None;
    let found = judge(&r);
    assert!(found.contains(&TrustViolation::PowerDiffers {
        epoch: 3,
        platform: "d".into(),
        recorded: 400,
        recomputed: 300,
    }));
    // 400 of 100 + 1,000: 36%.
    assert!(found
        .iter()
        .any(|v| matches!(v, TrustViolation::OverCap { platform, .. } if platform == "d")));
}

#[test]
fn a_set_the_nodes_did_not_apply_is_found() {
    let mut r = reading();
    let applied: BTreeMap<[u8; 32], u64> = [(key("a"), 100), (key("b"), 200), (key("c"), 300)]
        .into_iter()
        .collect();
    r.trust.epochs[0].applied = Some(applied);
    assert_eq!(
        judge(&r),
        [TrustViolation::NotApplied {
            epoch: 3,
            platform: "d".into(),
            height: 63,
            expected: 300,
            found: 0,
        }]
    );
}

//! Judging hand-built readings. Each record carries a real signed cross-tx,
//! as the coordinator's do, so the authorization judge sees what it would.

use std::collections::BTreeMap;

use ed25519_consensus::SigningKey;
use xcc_chain::Address;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

use crate::reading::{DenomReading, Reading};
use crate::{judge, AtomicityViolation, ConservationViolation, ReservationViolation, Violation};

mod auctions;
mod authorization;
mod trust;

const SECURITY: &str = "security-1";
const CURRENCY: &str = "currency-1";

struct Account {
    key: SigningKey,
    address: String,
}

fn account(seed: u8) -> Account {
    let key = SigningKey::from([seed; 32]);
    let address = Address::from_public_key(&key.verification_key()).to_string();
    Account { key, address }
}

/// A decided, done cross-tx of `legs` (each with its recorded OK result),
/// signed by `signers`.
fn record(
    legs: Vec<(&str, Vec<Any>, Vec<u8>)>,
    signers: &[&Account],
    commit: bool,
) -> coord::CrossTxRecord {
    let cross_tx = xtx::CrossTx {
        legs: legs
            .iter()
            .map(|(chain, msgs, _)| xtx::Leg {
                chain_id: (*chain).into(),
                msgs: msgs.clone(),
                depends_on: None,
            })
            .collect(),
        deadline_ns: 1_000,
        salt: vec![1],
    };
    let tx_id = xcc_chain::xtx::cross_tx_id(&cross_tx).to_vec();
    let keys: Vec<&SigningKey> = signers.iter().map(|a| &a.key).collect();
    coord::CrossTxRecord {
        tx_id,
        signed_cross_tx: Some(xcc_chain::xtx::signed_cross_tx(cross_tx, &keys)),
        phase: coord::Phase::Done as i32,
        decided: true,
        commit,
        legs: legs
            .into_iter()
            .map(|(chain, _, result)| coord::Leg {
                chain_id: chain.into(),
                state: coord::LegState::VotedOk as i32,
                result,
                decision_due: true,
                decision_acked: true,
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// Units one way, cash the other, signed by both parties.
fn swap(commit: bool) -> coord::CrossTxRecord {
    let (a, b) = (account(1), account(2));
    let units = sec::MsgTransfer {
        from: a.address.clone(),
        to: b.address.clone(),
        symbol: "BLDG".into(),
        amount: 5,
    };
    let cash = cash::MsgTransfer {
        from: b.address.clone(),
        to: a.address.clone(),
        denom: "usd".into(),
        amount: 500,
    };
    let legs = vec![
        (SECURITY, vec![to_any(&units)], Vec::new()),
        (CURRENCY, vec![to_any(&cash)], Vec::new()),
    ];
    record(legs, &[&a, &b], commit)
}

fn leg(tx_id: &[u8], status: xtx::LegStatus, prepared: bool) -> xtx::LegRecord {
    xtx::LegRecord {
        tx_id: tx_id.to_vec(),
        status: status as i32,
        prepared_at: prepared.then(xtx::ChainPoint::default),
        ..Default::default()
    }
}

fn reading(
    records: Vec<coord::CrossTxRecord>,
    security: Vec<xtx::LegRecord>,
    currency: Vec<xtx::LegRecord>,
) -> Reading {
    Reading {
        security_chain: SECURITY.into(),
        currency_chain: CURRENCY.into(),
        records_before: records.clone(),
        records_after: records,
        legs: BTreeMap::from([(SECURITY.into(), security), (CURRENCY.into(), currency)]),
        ..Reading::default()
    }
}

/// `records` as read once every leg applied its decision.
fn settled(records: Vec<coord::CrossTxRecord>) -> Reading {
    let applied = |r: &coord::CrossTxRecord| {
        let status = if r.commit {
            xtx::LegStatus::Committed
        } else {
            xtx::LegStatus::Aborted
        };
        leg(&r.tx_id, status, true)
    };
    let legs: Vec<_> = records.iter().map(applied).collect();
    reading(records, legs.clone(), legs)
}

#[test]
fn a_committed_swap_on_both_legs_is_clean() {
    assert_eq!(judge(&settled(vec![swap(true)])), Vec::<Violation>::new());
}

#[test]
fn a_half_committed_swap_is_a_violation() {
    let swap = swap(true);
    let id = swap.tx_id.clone();
    let r = reading(
        vec![swap],
        vec![leg(&id, xtx::LegStatus::Committed, true)],
        vec![leg(&id, xtx::LegStatus::Aborted, true)],
    );
    let violations = judge(&r);
    assert!(
        violations.iter().any(|v| matches!(
            v,
            Violation::Atomicity(AtomicityViolation::DoneButLegDiffers { chain, .. })
                if chain == CURRENCY
        )),
        "{violations:?}"
    );
    assert!(
        violations.iter().any(|v| v.to_string().contains(CURRENCY)),
        "{violations:?}"
    );
}

#[test]
fn a_leg_that_could_not_apply_the_decision_is_a_violation() {
    let mut swap = swap(true);
    swap.phase = coord::Phase::Decided as i32;
    swap.legs[1].decision_fault = "the hold is not covered".into();
    let violations = judge(&settled(vec![swap]));
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(
        matches!(
            &violations[0],
            Violation::Atomicity(AtomicityViolation::DecisionFault { chain, .. }) if chain == CURRENCY
        ),
        "{violations:?}"
    );
}

#[test]
fn a_prepared_leg_without_its_hold_is_a_violation() {
    let r = reading(
        Vec::new(),
        vec![leg(&[2; 32], xtx::LegStatus::Prepared, true)],
        Vec::new(),
    );
    let violations = judge(&r);
    assert!(
        violations.iter().any(|v| matches!(
            v,
            Violation::Reservation(ReservationViolation::LegWithoutHold { .. })
        )),
        "{violations:?}"
    );
    assert!(violations
        .iter()
        .any(|v| v.to_string().contains("without a hold")));
}

#[test]
fn sums_that_differ_from_the_supply_are_violations() {
    let mut r = reading(Vec::new(), Vec::new(), Vec::new());
    r.denoms.push(DenomReading {
        denom: cash::Denom {
            denom: "usd".into(),
            mint_authority: String::new(),
            supply: 100,
        },
        balances: vec![cash::AccountBalance {
            account: "a".into(),
            amount: 99,
            reserved: 0,
        }],
    });
    let violations = judge(&r);
    assert_eq!(
        violations,
        vec![Violation::Conservation(ConservationViolation::Cash {
            denom: "usd".into(),
            sum: 99,
            supply: 100,
        })]
    );
    assert_eq!(
        violations[0].to_string(),
        "usd: balances sum to 99, the supply is 100"
    );
}

#[test]
fn units_an_open_lot_reserves_are_explained_and_a_closed_lot_explains_none() {
    use crate::reading::SecurityReading;
    use xcc_proto::auction::v1 as auction;
    let seller = "seller";
    let mut r = reading(Vec::new(), Vec::new(), Vec::new());
    r.securities.push(SecurityReading {
        security: sec::Security {
            symbol: "HARB".into(),
            issuer: "issuer".into(),
            holder_cap: 10,
            holders: 1,
            ..Default::default()
        },
        issuer: sec::QueryBalanceResponse::default(),
        holders: vec![sec::Holding {
            account: seller.into(),
            amount: 10,
            reserved: 10,
            pending_in: 0,
        }],
        unlisted: Vec::new(),
    });
    let lot = |phase: auction::LotPhase| auction::Lot {
        id: 1,
        seller: seller.into(),
        symbol: "HARB".into(),
        units: 10,
        phase: phase as i32,
        ..Default::default()
    };
    let held = |r: &Reading| {
        judge(r)
            .into_iter()
            .filter(|v| {
                matches!(
                    v,
                    Violation::Reservation(ReservationViolation::UnitsHeld { .. })
                )
            })
            .count()
    };
    assert_eq!(held(&r), 1, "10 units reserved by nothing");
    for open in [auction::LotPhase::Bidding, auction::LotPhase::Awarded] {
        r.lots = vec![lot(open)];
        assert_eq!(held(&r), 0, "{open:?}");
    }
    for over in [
        auction::LotPhase::Sold,
        auction::LotPhase::Failed,
        auction::LotPhase::Cancelled,
    ] {
        r.lots = vec![lot(over)];
        assert_eq!(held(&r), 1, "{over:?}");
    }
}

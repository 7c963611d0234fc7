//! 8.6 on hand-built records: who signed, what fills owe, what is paid.

use prost::Message;

use super::*;
use crate::AuthorizationViolation;

const PRICE: u64 = 100;
const UNITS: u64 = 10;

/// A buyer (seed 2) fills `UNITS` of a seller's (seed 3) listing at `PRICE`
/// and pays the seller `paid`; signed by `signers`.
fn fill(paid: u64, signers: &[&Account]) -> coord::CrossTxRecord {
    let (buyer, seller) = (account(2), account(3));
    let msg = sec::MsgFillListing {
        buyer: buyer.address.clone(),
        listing_id: 7,
        units: UNITS,
    };
    let terms = sec::FillTerms {
        listing_id: 7,
        seller: seller.address.clone(),
        buyer: buyer.address.clone(),
        symbol: "BLDG".into(),
        units: UNITS,
        price_per_unit: PRICE,
        denom: "usd".into(),
        currency_chain: CURRENCY.into(),
    };
    let result = sec::LegResult {
        fills: vec![terms],
        ..Default::default()
    };
    let pay = cash::MsgTransfer {
        from: buyer.address.clone(),
        to: seller.address.clone(),
        denom: "usd".into(),
        amount: paid,
    };
    let legs = vec![
        (SECURITY, vec![to_any(&msg)], result.encode_to_vec()),
        (CURRENCY, vec![to_any(&pay)], Vec::new()),
    ];
    record(legs, signers, true)
}

fn authorization(violations: Vec<Violation>) -> Vec<AuthorizationViolation> {
    violations
        .into_iter()
        .map(|v| match v {
            Violation::Authorization(a) => a,
            other => panic!("not an authorization violation: {other}"),
        })
        .collect()
}

#[test]
fn a_seller_underpaid_for_a_fill_is_an_authorization_violation() {
    let (buyer, seller) = (account(2), account(3));
    let underpaid = fill(500, &[&buyer]);
    let tx_id = crate::TxId::of(&underpaid.tx_id);
    let violations = authorization(judge(&settled(vec![underpaid])));
    assert_eq!(
        violations,
        vec![AuthorizationViolation::SellerUnderpaid {
            tx_id: tx_id.clone(),
            seller: seller.address.clone(),
            currency_chain: CURRENCY.into(),
            denom: "usd".into(),
            owed: 1000,
            paid: 500,
        }]
    );
    let shown = violations[0].to_string();
    for part in [&seller.address, "1000", "500", &tx_id.to_string()] {
        assert!(shown.contains(part), "{shown}");
    }

    assert_eq!(judge(&settled(vec![fill(1000, &[&buyer])])), Vec::new());
    // A seller who signed authorized the sale at any price.
    assert_eq!(
        judge(&settled(vec![fill(500, &[&buyer, &seller])])),
        Vec::new()
    );
}

#[test]
fn cash_taken_from_an_account_that_did_not_sign_is_a_violation() {
    let (buyer, victim) = (account(2), account(4));
    let take = cash::MsgTransfer {
        from: victim.address.clone(),
        to: buyer.address.clone(),
        denom: "usd".into(),
        amount: 1,
    };
    let r = record(
        vec![(CURRENCY, vec![to_any(&take)], Vec::new())],
        &[&buyer],
        true,
    );
    let tx_id = crate::TxId::of(&r.tx_id);
    assert_eq!(
        authorization(judge(&settled(vec![r]))),
        vec![AuthorizationViolation::Unsigned {
            tx_id,
            chain: CURRENCY.into(),
            msg: "/xcc.currency.v1.MsgTransfer".into(),
            account: victim.address,
        }]
    );
}

#[test]
fn an_aborted_cross_tx_authorizes_nothing_and_is_not_judged() {
    let buyer = account(2);
    let mut aborted = fill(0, &[&buyer]);
    aborted.commit = false;
    assert_eq!(judge(&settled(vec![aborted])), Vec::new());
}

#[test]
fn a_committed_record_that_does_not_verify_is_a_violation() {
    let mut unsigned = swap(true);
    if let Some(signed) = unsigned.signed_cross_tx.as_mut() {
        signed.signatures.clear();
    }
    let violations = authorization(judge(&settled(vec![unsigned])));
    assert!(
        matches!(
            violations.as_slice(),
            [AuthorizationViolation::Unverifiable { .. }]
        ),
        "{violations:?}"
    );
}

#[test]
fn fills_that_differ_from_the_leg_result_are_a_violation() {
    let buyer = account(2);
    let mut r = fill(1000, &[&buyer]);
    r.legs[0].result = sec::LegResult::default().encode_to_vec();
    let violations = authorization(judge(&settled(vec![r.clone()])));
    assert!(
        matches!(
            violations.as_slice(),
            [AuthorizationViolation::FillCount {
                msgs: 1,
                fills: 0,
                ..
            }]
        ),
        "{violations:?}"
    );
    r.legs[0].result = vec![0xff];
    let violations = authorization(judge(&settled(vec![r])));
    assert!(
        matches!(
            violations.as_slice(),
            [AuthorizationViolation::UndecodableResult { .. }]
        ),
        "{violations:?}"
    );
}

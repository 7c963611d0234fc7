//! 8.6, the dividend half: a dividend is paid only if every holder received
//! exactly its entitlement at the record height, in the dividend's denom;
//! one still payable is paid nothing.

use std::collections::BTreeMap;

use xcc_proto::coordinator::v1 as coord;
use xcc_proto::security::v1 as sec;
use xcc_security::handler::dividend::entitlement;

use crate::reading::{DividendReading, Reading};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DividendViolation {
    #[error("dividend {dividend} is marked paid but the currency chain paid nothing")]
    PaidNothing { dividend: u64 },
    /// `paid` is None when the account got nothing.
    #[error("dividend {dividend}: {account} is owed {owed}, was paid {paid:?}")]
    WrongAmount {
        dividend: u64,
        account: String,
        owed: u64,
        paid: Option<u64>,
    },
    #[error("dividend {dividend}: {account} was paid without an entitlement")]
    NotEntitled { dividend: u64, account: String },
    #[error("dividend {dividend} is in {expected} but the currency chain paid it in {found:?}")]
    WrongDenom {
        dividend: u64,
        expected: String,
        found: String,
    },
    #[error("dividend {dividend} is payable but the currency chain paid it")]
    PaidWhilePayable { dividend: u64 },
}

pub fn judge(reading: &Reading) -> Vec<DividendViolation> {
    reading
        .dividends
        .iter()
        .flat_map(|d| judge_dividend(d, payout_in_flight(reading, d)))
        .collect()
}

/// Whether the payout that holds the dividend was still being decided or
/// applied when the participants were read: its security leg may have
/// committed before its currency leg did.
fn payout_in_flight(reading: &Reading, d: &DividendReading) -> bool {
    reading
        .records_before
        .iter()
        .find(|r| r.tx_id == d.dividend.tx_id)
        .is_some_and(|r| r.phase != coord::Phase::Done as i32)
}

fn judge_dividend(d: &DividendReading, in_flight: bool) -> Vec<DividendViolation> {
    let dividend = d.dividend.id;
    let status = sec::DividendStatus::try_from(d.dividend.status)
        .unwrap_or(sec::DividendStatus::Unspecified);
    match (status, &d.payment) {
        (sec::DividendStatus::Paid, None) if in_flight => Vec::new(),
        (sec::DividendStatus::Paid, None) => vec![DividendViolation::PaidNothing { dividend }],
        (sec::DividendStatus::Paid, Some(payment)) => {
            let mut violations = Vec::new();
            // A payment without its record paid in no denom at all.
            let found = payment.payment.as_ref().map_or("", |p| p.denom.as_str());
            if found != d.dividend.denom {
                violations.push(DividendViolation::WrongDenom {
                    dividend,
                    expected: d.dividend.denom.clone(),
                    found: found.to_owned(),
                });
            }
            let expected: BTreeMap<&str, u64> = d
                .holders_at_record
                .iter()
                .filter_map(|h| {
                    let owed = entitlement(h.amount, d.dividend.amount_per_unit_micros)?;
                    Some((h.account.as_str(), owed))
                })
                .collect();
            let paid: BTreeMap<&str, u64> = payment
                .accounts
                .iter()
                .zip(&payment.receipts)
                .map(|(account, receipt)| (account.as_str(), receipt.amount))
                .collect();
            for (account, owed) in &expected {
                let got = paid.get(account).copied();
                if got != Some(*owed) {
                    violations.push(DividendViolation::WrongAmount {
                        dividend,
                        account: (*account).to_owned(),
                        owed: *owed,
                        paid: got,
                    });
                }
            }
            for account in paid.keys().filter(|a| !expected.contains_key(*a)) {
                violations.push(DividendViolation::NotEntitled {
                    dividend,
                    account: (*account).to_owned(),
                });
            }
            violations
        }
        (sec::DividendStatus::Payable, Some(_)) => {
            vec![DividendViolation::PaidWhilePayable { dividend }]
        }
        _ => Vec::new(),
    }
}

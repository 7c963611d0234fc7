//! `xcc audit`: reads every chain of a testnet and checks what must always
//! hold (DESIGN.md section 8): every cross-tx committed on all its legs or
//! none, supplies equal to the sum of balances, holders whitelisted and
//! within the cap, each paid dividend paid exactly its entitlements at its
//! record height, and no reservation left once every cross-tx is done.
//! Reading is effectful; judging (`judge`) is a pure function of what was
//! read.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::bail;
use tendermint_rpc::HttpClient;
use xcc_node_config::AppKind;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;

use crate::query::{chain_id, module_query};
use crate::rpc;
use crate::send::latest_height;

/// What the audit read from the chains.
#[derive(Default)]
pub struct Reading {
    pub security_chain: String,
    pub currency_chain: String,
    /// The coordinator's records, read before and after the participants.
    pub records_before: Vec<coord::CrossTxRecord>,
    pub records_after: Vec<coord::CrossTxRecord>,
    /// Leg records per participant chain.
    pub legs: BTreeMap<String, Vec<xtx::LegRecord>>,
    pub securities: Vec<SecurityReading>,
    pub security_holds: Vec<sec::Hold>,
    pub listings: Vec<sec::Listing>,
    pub denoms: Vec<DenomReading>,
    pub cash_holds: Vec<cash::Hold>,
    pub dividends: Vec<DividendReading>,
}

pub struct DividendReading {
    pub dividend: sec::Dividend,
    /// The holders at the record height (the issuer is none).
    pub holders_at_record: Vec<sec::Holding>,
    /// What the currency chain records as paid, if anything.
    pub payment: Option<cash::QueryDividendPaymentResponse>,
}

pub struct SecurityReading {
    pub security: sec::Security,
    pub issuer: sec::QueryBalanceResponse,
    pub holders: Vec<sec::Holding>,
    /// Holders without a whitelist entry.
    pub unlisted: Vec<String>,
}

pub struct DenomReading {
    pub denom: cash::Denom,
    pub balances: Vec<cash::AccountBalance>,
}

pub async fn run(home: &Path) -> anyhow::Result<()> {
    let reading = read(home).await?;
    let violations = judge(&reading);
    let legs: usize = reading.legs.values().map(Vec::len).sum();
    if violations.is_empty() {
        println!(
            "audit clean: {} cross-txs, {legs} legs, {} securities, {} denoms",
            reading.records_after.len(),
            reading.securities.len(),
            reading.denoms.len()
        );
        return Ok(());
    }
    for violation in &violations {
        println!("VIOLATION: {violation}");
    }
    bail!("{} violation(s) found", violations.len())
}

async fn client(home: &Path, kind: AppKind) -> anyhow::Result<(String, HttpClient)> {
    let chain = chain_id(home, None, Some(kind))?;
    let client = rpc::connect(home, &chain, None).await?;
    Ok((chain, client))
}

async fn records(client: &HttpClient) -> anyhow::Result<Vec<coord::CrossTxRecord>> {
    let response: coord::QueryCrossTxsResponse = module_query(
        client,
        "/xcc.coordinator.v1.Query/CrossTxs",
        &coord::QueryCrossTxsRequest::default(),
        None,
    )
    .await?;
    Ok(response.records)
}

async fn legs(client: &HttpClient, height: u64) -> anyhow::Result<Vec<xtx::LegRecord>> {
    let response: xtx::QueryLegsResponse = module_query(
        client,
        "/xcc.xtx.v1.Query/Legs",
        &xtx::QueryLegsRequest::default(),
        Some(height),
    )
    .await?;
    Ok(response.legs)
}

pub async fn read(home: &Path) -> anyhow::Result<Reading> {
    let (_, coordinator) = client(home, AppKind::Coordinator).await?;
    let (security_chain, security) = client(home, AppKind::Security).await?;
    let (currency_chain, currency) = client(home, AppKind::Currency).await?;
    let mut reading = Reading {
        records_before: records(&coordinator).await?,
        ..Reading::default()
    };

    // Each chain is read at one height, so its sums are consistent.
    let h = latest_height(&security).await?;
    reading
        .legs
        .insert(security_chain.clone(), legs(&security, h).await?);
    reading.security_chain = security_chain;
    let all: sec::QuerySecuritiesResponse = module_query(
        &security,
        "/xcc.security.v1.Query/Securities",
        &sec::QuerySecuritiesRequest {},
        Some(h),
    )
    .await?;
    for security_record in all.securities {
        let symbol = security_record.symbol.clone();
        let holders: sec::QueryHoldersResponse = module_query(
            &security,
            "/xcc.security.v1.Query/Holders",
            &sec::QueryHoldersRequest {
                symbol: symbol.clone(),
            },
            Some(h),
        )
        .await?;
        let issuer: sec::QueryBalanceResponse = module_query(
            &security,
            "/xcc.security.v1.Query/Balance",
            &sec::QueryBalanceRequest {
                symbol: symbol.clone(),
                account: security_record.issuer.clone(),
            },
            Some(h),
        )
        .await?;
        let mut unlisted = Vec::new();
        for holding in &holders.holders {
            let entry: sec::QueryWhitelistResponse = module_query(
                &security,
                "/xcc.security.v1.Query/Whitelist",
                &sec::QueryWhitelistRequest {
                    symbol: symbol.clone(),
                    account: holding.account.clone(),
                },
                Some(h),
            )
            .await?;
            if !entry.listed {
                unlisted.push(holding.account.clone());
            }
        }
        reading.securities.push(SecurityReading {
            security: security_record,
            issuer,
            holders: holders.holders,
            unlisted,
        });
    }
    let holds: sec::QueryHoldsResponse = module_query(
        &security,
        "/xcc.security.v1.Query/Holds",
        &sec::QueryHoldsRequest {},
        Some(h),
    )
    .await?;
    reading.security_holds = holds.holds;
    let listings: sec::QueryListingsResponse = module_query(
        &security,
        "/xcc.security.v1.Query/Listings",
        &sec::QueryListingsRequest::default(),
        Some(h),
    )
    .await?;
    reading.listings = listings.listings;
    let dividends: sec::QueryDividendsResponse = module_query(
        &security,
        "/xcc.security.v1.Query/Dividends",
        &sec::QueryDividendsRequest::default(),
        Some(h),
    )
    .await?;
    for dividend in dividends.dividends {
        let holders: sec::QueryHoldersResponse = module_query(
            &security,
            "/xcc.security.v1.Query/Holders",
            &sec::QueryHoldersRequest {
                symbol: dividend.symbol.clone(),
            },
            Some(dividend.record_height),
        )
        .await?;
        reading.dividends.push(DividendReading {
            dividend,
            holders_at_record: holders.holders,
            payment: None,
        });
    }

    let h = latest_height(&currency).await?;
    reading
        .legs
        .insert(currency_chain.clone(), legs(&currency, h).await?);
    reading.currency_chain = currency_chain;
    let denoms: cash::QueryDenomsResponse = module_query(
        &currency,
        "/xcc.currency.v1.Query/Denoms",
        &cash::QueryDenomsRequest {},
        Some(h),
    )
    .await?;
    for denom in denoms.denoms {
        let balances: cash::QueryDenomBalancesResponse = module_query(
            &currency,
            "/xcc.currency.v1.Query/DenomBalances",
            &cash::QueryDenomBalancesRequest {
                denom: denom.denom.clone(),
            },
            Some(h),
        )
        .await?;
        reading.denoms.push(DenomReading {
            denom,
            balances: balances.balances,
        });
    }
    let holds: cash::QueryHoldsResponse = module_query(
        &currency,
        "/xcc.currency.v1.Query/Holds",
        &cash::QueryHoldsRequest {},
        Some(h),
    )
    .await?;
    reading.cash_holds = holds.holds;
    for d in &mut reading.dividends {
        // Absent (an error) until paid.
        d.payment = module_query(
            &currency,
            "/xcc.currency.v1.Query/DividendPayment",
            &cash::QueryDividendPaymentRequest {
                security_chain: reading.security_chain.clone(),
                dividend_id: d.dividend.id,
            },
            Some(h),
        )
        .await
        .ok();
    }

    reading.records_after = records(&coordinator).await?;
    Ok(reading)
}

fn status(leg: &xtx::LegRecord) -> xtx::LegStatus {
    xtx::LegStatus::try_from(leg.status).unwrap_or(xtx::LegStatus::Unspecified)
}

/// Every violation in what was read, in words.
pub fn judge(reading: &Reading) -> Vec<String> {
    let mut violations = Vec::new();
    let leg_of = |chain: &str, tx_id: &[u8]| {
        reading
            .legs
            .get(chain)
            .and_then(|legs| legs.iter().find(|l| l.tx_id == tx_id))
    };

    // 1. Atomicity. A done cross-tx (read before the participants) has its
    //    decision applied on every leg it was sent to.
    for record in &reading.records_before {
        if record.phase != coord::Phase::Done as i32 {
            continue;
        }
        let id = hex::encode(&record.tx_id);
        for leg in record.legs.iter().filter(|l| l.decision_due) {
            let expected = if record.commit {
                xtx::LegStatus::Committed
            } else {
                xtx::LegStatus::Aborted
            };
            match leg_of(&leg.chain_id, &record.tx_id).map(status) {
                Some(found) if found == expected => {}
                found => violations.push(format!(
                    "cross-tx {id} is done ({}) but its leg on {} is {:?}",
                    if record.commit { "commit" } else { "abort" },
                    leg.chain_id,
                    found
                )),
            }
        }
    }
    // A leg committed or released (read before the records after) agrees
    // with the decision, which is recorded before any decision packet leaves.
    let decided: BTreeMap<&[u8], bool> = reading
        .records_after
        .iter()
        .filter(|r| r.decided)
        .map(|r| (r.tx_id.as_slice(), r.commit))
        .collect();
    let retained: BTreeSet<&[u8]> = reading
        .records_after
        .iter()
        .map(|r| r.tx_id.as_slice())
        .collect();
    for (chain, legs) in &reading.legs {
        for leg in legs {
            let id = hex::encode(&leg.tx_id);
            let applied = match status(leg) {
                xtx::LegStatus::Committed => Some(true),
                xtx::LegStatus::Aborted if leg.prepared_at.is_some() => Some(false),
                _ => None,
            };
            let Some(committed) = applied else { continue };
            match decided.get(leg.tx_id.as_slice()) {
                Some(decision) if *decision == committed => {}
                Some(_) => violations.push(format!(
                    "the leg of {id} on {chain} {} against the coordinator's decision",
                    if committed { "committed" } else { "aborted" }
                )),
                None if retained.contains(leg.tx_id.as_slice()) => violations.push(format!(
                    "the leg of {id} on {chain} was decided before the coordinator decided"
                )),
                // Pruned from the coordinator after its retention window.
                None => {}
            }
        }
    }

    // 2. Conservation.
    for denom in &reading.denoms {
        let sum: u128 = denom.balances.iter().map(|b| u128::from(b.amount)).sum();
        if sum != u128::from(denom.denom.supply) {
            violations.push(format!(
                "{}: balances sum to {sum}, the supply is {}",
                denom.denom.denom, denom.denom.supply
            ));
        }
    }
    for s in &reading.securities {
        let symbol = &s.security.symbol;
        let sum: u128 = s.holders.iter().map(|h| u128::from(h.amount)).sum::<u128>()
            + u128::from(s.issuer.amount);
        if sum != u128::from(s.security.total_supply) {
            violations.push(format!(
                "{symbol}: positions sum to {sum}, the supply is {}",
                s.security.total_supply
            ));
        }
        // 3. Compliance.
        for account in &s.unlisted {
            violations.push(format!(
                "{symbol}: {account} holds units but is not whitelisted"
            ));
        }
        let holders = s.holders.len() as u64;
        if holders != u64::from(s.security.holders) {
            violations.push(format!(
                "{symbol}: {holders} accounts hold units, the security counts {}",
                s.security.holders
            ));
        }
        if holders + u64::from(s.security.reserved_slots) > u64::from(s.security.holder_cap) {
            violations.push(format!(
                "{symbol}: {holders} holders and {} reserved slots exceed the cap of {}",
                s.security.reserved_slots, s.security.holder_cap
            ));
        }
    }

    // 4. Dividends: a paid one paid exactly its entitlements at the record
    //    height; one still payable paid nothing.
    for d in &reading.dividends {
        violations.extend(judge_dividend(d));
    }

    // 5. Reservations: each hold belongs to a prepared leg and each prepared
    //    leg to a hold; once nothing is in flight, nothing is held but what
    //    open listings reserve.
    for (chain, holds) in [
        (
            &reading.security_chain,
            reading
                .security_holds
                .iter()
                .map(|h| h.tx_id.as_slice())
                .collect::<Vec<_>>(),
        ),
        (
            &reading.currency_chain,
            reading
                .cash_holds
                .iter()
                .map(|h| h.tx_id.as_slice())
                .collect(),
        ),
    ] {
        let prepared: BTreeSet<&[u8]> = reading
            .legs
            .get(chain)
            .into_iter()
            .flatten()
            .filter(|l| status(l) == xtx::LegStatus::Prepared)
            .map(|l| l.tx_id.as_slice())
            .collect();
        let held: BTreeSet<&[u8]> = holds.into_iter().collect();
        for id in held.symmetric_difference(&prepared) {
            let what = if held.contains(id) {
                "a hold without a prepared leg"
            } else {
                "a prepared leg without a hold"
            };
            violations.push(format!("{chain}: {what} for {}", hex::encode(id)));
        }
    }
    let in_flight = reading
        .records_after
        .iter()
        .any(|r| r.phase != coord::Phase::Done as i32)
        || reading
            .legs
            .values()
            .flatten()
            .any(|l| status(l) == xtx::LegStatus::Prepared);
    if !in_flight {
        let mut listed: BTreeMap<(&str, &str), u64> = BTreeMap::new();
        for listing in &reading.listings {
            *listed
                .entry((&listing.symbol, &listing.seller))
                .or_default() += listing.units + listing.reserved;
        }
        for s in &reading.securities {
            let symbol = s.security.symbol.as_str();
            if s.security.reserved_slots != 0 {
                violations.push(format!(
                    "{symbol}: {} holder slots still reserved",
                    s.security.reserved_slots
                ));
            }
            let issuer = sec::Holding {
                account: s.security.issuer.clone(),
                amount: s.issuer.amount,
                reserved: s.issuer.reserved,
                pending_in: s.issuer.pending_in,
            };
            for holding in s.holders.iter().chain(std::iter::once(&issuer)) {
                let expected = listed
                    .get(&(symbol, holding.account.as_str()))
                    .copied()
                    .unwrap_or(0);
                if holding.reserved != expected || holding.pending_in != 0 {
                    violations.push(format!(
                        "{symbol}: {} has {} units reserved (listings hold {expected}) and {} pending",
                        holding.account, holding.reserved, holding.pending_in
                    ));
                }
            }
        }
        for denom in &reading.denoms {
            for balance in denom.balances.iter().filter(|b| b.reserved != 0) {
                violations.push(format!(
                    "{}: {} still has {} reserved",
                    denom.denom.denom, balance.account, balance.reserved
                ));
            }
        }
    }
    violations
}

fn judge_dividend(d: &DividendReading) -> Vec<String> {
    use xcc_security::handler::dividend::entitlement;
    let id = d.dividend.id;
    let status = sec::DividendStatus::try_from(d.dividend.status)
        .unwrap_or(sec::DividendStatus::Unspecified);
    match (status, &d.payment) {
        (sec::DividendStatus::Paid, None) => vec![format!(
            "dividend {id} is marked paid but the currency chain paid nothing"
        )],
        (sec::DividendStatus::Paid, Some(payment)) => {
            let expected: BTreeMap<&str, u64> = d
                .holders_at_record
                .iter()
                .filter_map(|h| {
                    Some((
                        h.account.as_str(),
                        entitlement(h.amount, d.dividend.amount_per_unit_micros)?,
                    ))
                })
                .collect();
            let paid: BTreeMap<&str, u64> = payment
                .accounts
                .iter()
                .zip(&payment.receipts)
                .map(|(account, receipt)| (account.as_str(), receipt.amount))
                .collect();
            let mut violations = Vec::new();
            for (account, owed) in &expected {
                match paid.get(account) {
                    Some(amount) if amount == owed => {}
                    other => violations.push(format!(
                        "dividend {id}: {account} is owed {owed}, was paid {other:?}"
                    )),
                }
            }
            for account in paid.keys().filter(|a| !expected.contains_key(*a)) {
                violations.push(format!(
                    "dividend {id}: {account} was paid without an entitlement"
                ));
            }
            violations
        }
        (sec::DividendStatus::Payable, Some(_)) => vec![format!(
            "dividend {id} is payable but the currency chain paid it"
        )],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leg(tx: u8, status: xtx::LegStatus, prepared: bool) -> xtx::LegRecord {
        xtx::LegRecord {
            tx_id: vec![tx; 32],
            status: status as i32,
            prepared_at: prepared.then(xtx::ChainPoint::default),
            ..Default::default()
        }
    }

    fn record(tx: u8, commit: bool) -> coord::CrossTxRecord {
        let leg = |chain: &str| coord::Leg {
            chain_id: chain.into(),
            decision_due: true,
            decision_acked: true,
            ..Default::default()
        };
        coord::CrossTxRecord {
            tx_id: vec![tx; 32],
            phase: coord::Phase::Done as i32,
            decided: true,
            commit,
            legs: vec![leg("security-1"), leg("currency-1")],
            ..Default::default()
        }
    }

    fn reading(
        records: Vec<coord::CrossTxRecord>,
        security: Vec<xtx::LegRecord>,
        currency: Vec<xtx::LegRecord>,
    ) -> Reading {
        Reading {
            security_chain: "security-1".into(),
            currency_chain: "currency-1".into(),
            records_before: records.clone(),
            records_after: records,
            legs: BTreeMap::from([
                ("security-1".into(), security),
                ("currency-1".into(), currency),
            ]),
            ..Reading::default()
        }
    }

    #[test]
    fn a_committed_swap_on_both_legs_is_clean() {
        let r = reading(
            vec![record(1, true)],
            vec![leg(1, xtx::LegStatus::Committed, true)],
            vec![leg(1, xtx::LegStatus::Committed, true)],
        );
        assert_eq!(judge(&r), Vec::<String>::new());
    }

    #[test]
    fn a_half_committed_swap_is_a_violation() {
        let r = reading(
            vec![record(1, true)],
            vec![leg(1, xtx::LegStatus::Committed, true)],
            vec![leg(1, xtx::LegStatus::Aborted, true)],
        );
        let violations = judge(&r);
        assert!(
            violations.iter().any(|v| v.contains("currency-1")),
            "{violations:?}"
        );
    }

    #[test]
    fn a_prepared_leg_without_its_hold_is_a_violation() {
        let mut r = reading(
            Vec::new(),
            vec![leg(2, xtx::LegStatus::Prepared, true)],
            Vec::new(),
        );
        r.security_holds = Vec::new();
        assert!(judge(&r).iter().any(|v| v.contains("without a hold")));
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
        assert!(judge(&r).iter().any(|v| v.contains("supply")));
    }
}

//! 8.3 Compliance: no account outside the whitelist holds a security; no
//! security has more holders than its cap; and the whitelist entries a
//! prepared cross-tx relies on last until its deadline, so what it
//! delivers goes to an account whitelisted throughout.

use crate::reading::Reading;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComplianceViolation {
    #[error("{symbol}: {account} holds units but is not whitelisted")]
    NotWhitelisted { symbol: String, account: String },
    #[error("{symbol}: {holders} accounts hold units, the security counts {counted}")]
    HolderCount {
        symbol: String,
        holders: u64,
        counted: u32,
    },
    #[error(
        "{symbol}: {holders} holders and {reserved_slots} reserved slots exceed the cap of {cap}"
    )]
    OverCap {
        symbol: String,
        holders: u64,
        reserved_slots: u32,
        cap: u32,
    },
    #[error(
        "{symbol}: the entry of {account}, pinned by cross-tx {tx_id} due at {deadline_s}, \
         expires at {expires_at}"
    )]
    PinnedEntryShort {
        symbol: String,
        account: String,
        tx_id: String,
        deadline_s: u64,
        expires_at: i64,
    },
}

pub fn judge(reading: &Reading) -> Vec<ComplianceViolation> {
    let mut violations = Vec::new();
    for s in &reading.securities {
        let symbol = &s.security.symbol;
        for account in &s.unlisted {
            violations.push(ComplianceViolation::NotWhitelisted {
                symbol: symbol.clone(),
                account: account.clone(),
            });
        }
        let holders = s.holders.len() as u64;
        if holders != u64::from(s.security.holders) {
            violations.push(ComplianceViolation::HolderCount {
                symbol: symbol.clone(),
                holders,
                counted: s.security.holders,
            });
        }
        // Reserved slots count: a prepared buy may still add its holder.
        if holders + u64::from(s.security.reserved_slots) > u64::from(s.security.holder_cap) {
            violations.push(ComplianceViolation::OverCap {
                symbol: symbol.clone(),
                holders,
                reserved_slots: s.security.reserved_slots,
                cap: s.security.holder_cap,
            });
        }
    }
    violations.extend(pinned_entries(reading));
    violations
}

/// Every party of a held movement (but an issuer, who has no entry) keeps
/// an entry expiring no earlier than its cross-tx's deadline.
fn pinned_entries(reading: &Reading) -> Vec<ComplianceViolation> {
    let issuers: Vec<&str> = reading
        .securities
        .iter()
        .map(|s| s.security.issuer.as_str())
        .collect();
    let deadline_of = |tx_id: &[u8]| {
        reading
            .legs
            .get(&reading.security_chain)
            .and_then(|legs| legs.iter().find(|l| l.tx_id == tx_id))
            .map(|leg| leg.deadline_ns.div_ceil(1_000_000_000))
    };
    reading
        .pinned_entries
        .iter()
        .filter(|pin| !issuers.contains(&pin.account.as_str()))
        .filter_map(|pin| {
            let deadline_s = deadline_of(&pin.tx_id)?;
            let expires_at = if pin.entry.listed {
                pin.entry.expires_at
            } else {
                0
            };
            (expires_at < i64::try_from(deadline_s).unwrap_or(i64::MAX)).then(|| {
                ComplianceViolation::PinnedEntryShort {
                    symbol: pin.symbol.clone(),
                    account: pin.account.clone(),
                    tx_id: hex::encode(&pin.tx_id),
                    deadline_s,
                    expires_at,
                }
            })
        })
        .collect()
}

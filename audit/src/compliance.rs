//! 8.3 Compliance: no account outside the whitelist holds a security; no
//! security has more holders than its cap.

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
    violations
}

//! 8.2 Conservation: supplies equal the sum of balances; only issuance and
//! minting change them.

use crate::reading::Reading;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConservationViolation {
    #[error("{denom}: balances sum to {sum}, the supply is {supply}")]
    Cash {
        denom: String,
        sum: u128,
        supply: u64,
    },
    /// `sum` counts the issuer's position with the holders'.
    #[error("{symbol}: positions sum to {sum}, the supply is {supply}")]
    Units {
        symbol: String,
        sum: u128,
        supply: u64,
    },
}

pub fn judge(reading: &Reading) -> Vec<ConservationViolation> {
    let mut violations = Vec::new();
    for denom in &reading.denoms {
        // u128: a sum of u64 balances cannot overflow it.
        let sum: u128 = denom.balances.iter().map(|b| u128::from(b.amount)).sum();
        if sum != u128::from(denom.denom.supply) {
            violations.push(ConservationViolation::Cash {
                denom: denom.denom.denom.clone(),
                sum,
                supply: denom.denom.supply,
            });
        }
    }
    for s in &reading.securities {
        let sum: u128 = s.holders.iter().map(|h| u128::from(h.amount)).sum::<u128>()
            + u128::from(s.issuer.amount);
        if sum != u128::from(s.security.total_supply) {
            violations.push(ConservationViolation::Units {
                symbol: s.security.symbol.clone(),
                sum,
                supply: s.security.total_supply,
            });
        }
    }
    violations
}

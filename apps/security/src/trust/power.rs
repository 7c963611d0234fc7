//! Proof-of-trust power: each platform's voting power is its share of the
//! fees routed through it over the trailing window, capped so that no
//! platform holds `max_share_bp` or more of the chain's whole power (the
//! registrar's validators' floor included). Integer arithmetic only; every
//! tie goes to the lower platform id, so every node computes the same set.

/// Basis points in one.
pub const BP: u64 = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PowerParams {
    /// The power shared among the platforms before the cap.
    pub pool: u64,
    /// No platform holds more than this share of the whole power; below a
    /// third, so no one platform can halt the chain.
    pub max_share_bp: u64,
    /// The registrar's validators' power, outside the pool and never capped.
    pub floor: u64,
}

/// The powers of `fees` (platform id and fees, sorted by id, ids unique),
/// in the same order. No fees at all: the pool is shared equally.
pub fn powers(fees: &[(String, u64)], params: PowerParams) -> Vec<u64> {
    let weights: Vec<u128> = if fees.iter().all(|(_, fee)| *fee == 0) {
        vec![1; fees.len()]
    } else {
        fees.iter().map(|(_, fee)| u128::from(*fee)).collect()
    };
    let shares = proportional(&weights, params.pool);
    cap(&shares, params)
}

/// `total` shared in proportion to `weights`: the floor of each exact share,
/// and what is left one unit each to the largest remainders (ties to the
/// lower index).
fn proportional(weights: &[u128], total: u64) -> Vec<u64> {
    let sum: u128 = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let exact: Vec<(u128, u128)> = weights
        .iter()
        .map(|w| {
            let scaled = w * u128::from(total);
            (scaled / sum, scaled % sum)
        })
        .collect();
    let mut shares: Vec<u64> = exact.iter().map(|(q, _)| *q as u64).collect();
    let given: u64 = shares.iter().sum();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| exact[b].1.cmp(&exact[a].1).then(a.cmp(&b)));
    for &index in order.iter().take((total - given) as usize) {
        shares[index] += 1;
    }
    shares
}

/// Lowers the largest shares to the cap. With the `k` largest capped at a
/// common `x` and the rest summing to `s`, the whole is `floor + s + k·x`,
/// and `x` is the most that keeps `x·BP <= max·(floor + s + k·x)`:
/// `x = max·(floor + s) / (BP − k·max)`. The fewest `k` for which the
/// largest uncapped share is within the cap is the answer.
fn cap(shares: &[u64], params: PowerParams) -> Vec<u64> {
    let max = u128::from(params.max_share_bp);
    let bp = u128::from(BP);
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].cmp(&shares[a]).then(a.cmp(&b)));
    let floor = u128::from(params.floor);
    for k in 0..=order.len() {
        let rest: u128 = order[k..].iter().map(|&i| u128::from(shares[i])).sum();
        let capped_at = if k == 0 {
            None
        } else {
            let room = bp.checked_sub(k as u128 * max).filter(|room| *room > 0);
            match room {
                Some(room) => Some(max * (floor + rest) / room),
                // k shares each under the cap cannot reach it: none is capped.
                None => break,
            }
        };
        let whole = floor + rest + capped_at.unwrap_or(0) * k as u128;
        let fits = order
            .get(k)
            .is_none_or(|&i| u128::from(shares[i]) * bp <= max * whole);
        if fits {
            let mut capped = shares.to_vec();
            if let Some(x) = capped_at {
                for &i in &order[..k] {
                    capped[i] = capped[i].min(x as u64);
                }
            }
            return capped;
        }
    }
    shares.to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fees(table: &[(&str, u64)]) -> Vec<(String, u64)> {
        table
            .iter()
            .map(|(id, fee)| (id.to_string(), *fee))
            .collect()
    }

    const PARAMS: PowerParams = PowerParams {
        pool: 1_000,
        max_share_bp: 3_000,
        floor: 100,
    };

    fn whole(powers: &[u64]) -> u64 {
        PARAMS.floor + powers.iter().sum::<u64>()
    }

    #[test]
    fn shares_follow_the_fees_when_none_reaches_the_cap() {
        // 1000 · 25/100 = 250 of a whole of 1100: 22.7%, under 30%.
        let p = powers(&fees(&[("a", 25), ("b", 25), ("c", 25), ("d", 25)]), PARAMS);
        assert_eq!(p, [250, 250, 250, 250]);
        // 1000 · {20, 20, 30, 30}% = {200, 200, 300, 300}; 300 of 1100 = 27.3%.
        let p = powers(&fees(&[("a", 2), ("b", 2), ("c", 3), ("d", 3)]), PARAMS);
        assert_eq!(p, [200, 200, 300, 300]);
    }

    #[test]
    fn a_remainder_goes_to_the_largest_fractions_then_the_lower_id() {
        // 1000/3 = 333.33 each: one unit left, to "a" (ties to the lower id).
        let p = powers(
            &fees(&[("a", 1), ("b", 1), ("c", 1)]),
            PowerParams {
                max_share_bp: 3_333,
                ..PARAMS
            },
        );
        assert_eq!(p.iter().sum::<u64>(), 1_000);
        assert_eq!(p, [334, 333, 333]);
        // 1000 · {1, 2}/3 = 333.33, 666.67: "b"'s .67 is the larger fraction.
        let p = proportional(&[1, 2], 1_000);
        assert_eq!(p, [333, 667]);
    }

    #[test]
    fn the_largest_platform_is_capped_below_its_share_of_the_whole() {
        // Raw {700, 100, 100, 100}. k = 1: the rest is 300, so
        // x = 3000 · (100 + 300) / (10000 − 3000) = 171 (171.4 floored).
        // Whole 100 + 300 + 171 = 571; 171 / 571 = 29.9%; 100 / 571 = 17.5%.
        let p = powers(&fees(&[("a", 70), ("b", 10), ("c", 10), ("d", 10)]), PARAMS);
        assert_eq!(p, [171, 100, 100, 100]);
        assert!(p[0] * BP < PARAMS.max_share_bp * whole(&p));
    }

    #[test]
    fn two_large_platforms_are_capped_together() {
        // Raw {450, 450, 50, 50}. k = 1: x = 3000 · (100 + 550) / 7000 = 278,
        // but "b" at 450 > 30% of 100 + 550 + 278 = 928. k = 2: rest 100,
        // x = 3000 · 200 / 4000 = 150; whole 100 + 100 + 300 = 500, 150 = 30%.
        let p = powers(&fees(&[("a", 45), ("b", 45), ("c", 5), ("d", 5)]), PARAMS);
        assert_eq!(p, [150, 150, 50, 50]);
        assert!(p[0] * BP <= PARAMS.max_share_bp * whole(&p));
    }

    #[test]
    fn one_platform_with_every_fee_keeps_below_a_third_of_the_floor_and_itself() {
        // Raw {1000, 0, 0}. k = 1: x = 3000 · 100 / 7000 = 42; whole 142: 29.6%.
        let p = powers(&fees(&[("a", 9), ("b", 0), ("c", 0)]), PARAMS);
        assert_eq!(p, [42, 0, 0]);
    }

    #[test]
    fn an_epoch_without_receipts_shares_the_pool_equally() {
        let p = powers(&fees(&[("a", 0), ("b", 0), ("c", 0), ("d", 0)]), PARAMS);
        assert_eq!(p, [250, 250, 250, 250]);
        assert_eq!(powers(&[], PARAMS), Vec::<u64>::new());
    }

    #[test]
    fn every_result_keeps_each_platform_under_the_cap() {
        for seed in 0u64..200 {
            let table: Vec<(String, u64)> = (0..1 + seed % 7)
                .map(|i| (format!("p{i}"), (seed * 7919 + i * 104_729) % 1_000))
                .collect();
            let p = powers(&table, PARAMS);
            for power in &p {
                assert!(
                    power * BP <= PARAMS.max_share_bp * whole(&p),
                    "{table:?} -> {p:?}"
                );
            }
        }
    }
}

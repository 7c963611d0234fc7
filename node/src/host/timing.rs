//! Block times, as the host proposes and accepts them: pure functions of
//! the clock reading they are given, so they can be tested without one.

use std::time::Duration;

use tendermint::Time;

use crate::block::BlockError;

/// How far ahead of this node's clock a proposed block time may be.
pub const MAX_CLOCK_DRIFT: Duration = Duration::from_secs(10);

/// The time of a block this node proposes at clock reading `now`: `now`,
/// unless that is not after the last block's time, which block times must
/// strictly follow (then one millisecond after it).
pub fn proposal_time(now: Time, last_block: Option<Time>) -> Time {
    let Some(last) = last_block else {
        return now;
    };
    match last + Duration::from_millis(1) {
        Ok(floor) if floor >= now => floor,
        _ => now,
    }
}

/// Refuses a proposed block time more than [`MAX_CLOCK_DRIFT`] ahead of
/// this node's clock reading `now`.
pub fn require_not_ahead(block_time: Time, now: Time) -> Result<(), BlockError> {
    match now + MAX_CLOCK_DRIFT {
        Ok(limit) if block_time > limit => Err(BlockError::Invalid(
            "block time too far in the future".into(),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64, nanos: u32) -> Time {
        Time::from_unix_timestamp(secs, nanos).unwrap()
    }

    #[test]
    fn a_proposal_takes_the_clock_when_it_is_after_the_last_block() {
        assert_eq!(proposal_time(at(100, 0), None), at(100, 0));
        assert_eq!(proposal_time(at(100, 0), Some(at(99, 0))), at(100, 0));
        // 1 ms after the last block is the floor: a clock exactly there wins.
        assert_eq!(
            proposal_time(at(100, 1_000_000), Some(at(100, 0))),
            at(100, 1_000_000)
        );
    }

    #[test]
    fn a_proposal_follows_the_last_block_when_the_clock_lags() {
        // A clock behind or level with the last block: one ms after it.
        assert_eq!(
            proposal_time(at(90, 0), Some(at(100, 0))),
            at(100, 1_000_000)
        );
        assert_eq!(
            proposal_time(at(100, 0), Some(at(100, 0))),
            at(100, 1_000_000)
        );
        assert_eq!(
            proposal_time(at(100, 500_000), Some(at(100, 0))),
            at(100, 1_000_000)
        );
    }

    #[test]
    fn a_block_up_to_ten_seconds_ahead_is_accepted_and_not_one_ns_more() {
        let now = at(1_000, 0);
        assert!(require_not_ahead(at(990, 0), now).is_ok());
        assert!(require_not_ahead(at(1_010, 0), now).is_ok());
        let refused = require_not_ahead(at(1_010, 1), now).unwrap_err();
        assert!(refused.to_string().contains("too far in the future"));
    }
}

//! Skipping verification with bisection, as tendermint-light-client's
//! scheduler does it: from a trusted height, verify the target directly;
//! when the validators trusted there signed too little of it (more than
//! 2/3 of the power rotated since), verify a header halfway first and go
//! on from there. Any validator-set history the chain went through can be
//! followed, one step per rotation of less than 2/3.
//!
//! The relayer runs it to build the `MsgUpdateClient`s a destination needs;
//! the CLI runs it to trust a header for a proven read. The schedule is
//! pure; the verdicts are the chain's own (`client::check_step`).

use std::collections::BTreeMap;
use std::future::Future;

use tendermint::block::signed_header::SignedHeader;
use tendermint::{validator, Time};
use xcc_proto::ibc::v1 as pb;

use super::client::{self, Step, StepError};

/// Where headers and validator sets come from (a node's RPC).
pub trait HeaderSource {
    type Error;
    fn signed_header(
        &self,
        height: u64,
    ) -> impl Future<Output = Result<SignedHeader, Self::Error>> + Send;
    fn validators(
        &self,
        height: u64,
    ) -> impl Future<Output = Result<validator::Set, Self::Error>> + Send;
}

/// Which step to try next: a stack of heights still to verify, the
/// innermost last.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    trusted: u64,
    targets: Vec<u64>,
}

impl Schedule {
    pub fn new(trusted: u64, target: u64) -> Self {
        let targets = if target > trusted {
            vec![target]
        } else {
            Vec::new()
        };
        Schedule { trusted, targets }
    }

    /// The step to try, `(from, to)`; `None` once the target is trusted.
    pub fn next(&self) -> Option<(u64, u64)> {
        self.targets.last().map(|&to| (self.trusted, to))
    }

    /// The step just tried verified: its height is trusted now.
    pub fn verified(&mut self) {
        if let Some(to) = self.targets.pop() {
            self.trusted = to;
        }
    }

    /// The step just tried lacked trust: try the height halfway first.
    /// `Err((from, to))` when no height lies between them.
    pub fn bisect(&mut self) -> Result<(), (u64, u64)> {
        let (from, to) = self.next().ok_or((self.trusted, self.trusted))?;
        let pivot = from + (to - from) / 2;
        if pivot == from {
            return Err((from, to));
        }
        self.targets.push(pivot);
        Ok(())
    }
}

/// A height the verifier already trusts, and what it trusts there.
#[derive(Clone, Debug)]
pub struct Trusted {
    pub height: u64,
    pub consensus: pb::ConsensusState,
}

/// One verified step: what a `MsgUpdateClient` carries.
#[derive(Clone, Debug)]
pub struct VerifiedHeader {
    pub trusted_height: u64,
    pub signed_header: SignedHeader,
    pub validators: validator::Set,
    pub trusted_validators: validator::Set,
}

impl VerifiedHeader {
    pub fn height(&self) -> u64 {
        self.signed_header.header.height.value()
    }

    pub fn encode(self) -> pb::Header {
        client::encode_header(
            self.signed_header,
            self.validators,
            self.trusted_height,
            self.trusted_validators,
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BisectionError<E> {
    #[error(transparent)]
    Source(E),
    #[error("header {height} does not verify: {reason}")]
    Rejected { height: u64, reason: StepError },
    #[error(
        "the validators given for height {height} are not the next validators trusted at {trusted}"
    )]
    UntrustedValidators { height: u64, trusted: u64 },
    #[error("header {to} lacks trust from {from} and no height lies between them")]
    NoPivot { from: u64, to: u64 },
}

/// The steps that take a verifier trusting `trusted` to `target`, each
/// checked as `client`'s chain would check it at `now`; empty when `target`
/// is not above the trusted height.
pub async fn verify_to<S: HeaderSource>(
    source: &S,
    client: &pb::ClientState,
    trusted: Trusted,
    target: u64,
    now: Time,
) -> Result<Vec<VerifiedHeader>, BisectionError<S::Error>> {
    let mut schedule = Schedule::new(trusted.height, target);
    let mut trusted_consensus = trusted.consensus;
    let mut fetched = Fetched::default();
    let mut steps = Vec::new();
    while let Some((from, to)) = schedule.next() {
        let signed_header = fetched.header(source, to).await?;
        let validators = fetched.validators(source, to).await?;
        let trusted_validators = fetched.validators(source, from + 1).await?;
        if trusted_validators.hash().as_bytes() != trusted_consensus.next_validators_hash.as_slice()
        {
            return Err(BisectionError::UntrustedValidators {
                height: from + 1,
                trusted: from,
            });
        }
        let step = Step {
            trusted_height: from,
            trusted: &trusted_consensus,
            signed_header: &signed_header,
            validators: &validators,
            trusted_validators: &trusted_validators,
        };
        match client::check_step(client, &step, now) {
            Ok(()) => {
                trusted_consensus = client::consensus_of(&signed_header);
                steps.push(VerifiedHeader {
                    trusted_height: from,
                    signed_header,
                    validators,
                    trusted_validators,
                });
                schedule.verified();
            }
            Err(StepError::NotEnoughTrust(_)) => schedule
                .bisect()
                .map_err(|(from, to)| BisectionError::NoPivot { from, to })?,
            Err(reason) => return Err(BisectionError::Rejected { height: to, reason }),
        }
    }
    Ok(steps)
}

/// What one verification has read, so a bisection reads each height once.
#[derive(Default)]
struct Fetched {
    headers: BTreeMap<u64, SignedHeader>,
    validators: BTreeMap<u64, validator::Set>,
}

impl Fetched {
    async fn header<S: HeaderSource>(
        &mut self,
        source: &S,
        height: u64,
    ) -> Result<SignedHeader, BisectionError<S::Error>> {
        if let Some(header) = self.headers.get(&height) {
            return Ok(header.clone());
        }
        let header = source
            .signed_header(height)
            .await
            .map_err(BisectionError::Source)?;
        self.headers.insert(height, header.clone());
        Ok(header)
    }

    async fn validators<S: HeaderSource>(
        &mut self,
        source: &S,
        height: u64,
    ) -> Result<validator::Set, BisectionError<S::Error>> {
        if let Some(set) = self.validators.get(&height) {
            return Ok(set.clone());
        }
        let set = source
            .validators(height)
            .await
            .map_err(BisectionError::Source)?;
        self.validators.insert(height, set.clone());
        Ok(set)
    }
}

#[cfg(test)]
mod tests {
    use super::Schedule;

    /// Runs a schedule against a chain where a step verifies only if it
    /// spans at most `reach` heights.
    fn steps_taken(trusted: u64, target: u64, reach: u64) -> Vec<(u64, u64)> {
        let mut schedule = Schedule::new(trusted, target);
        let mut taken = Vec::new();
        while let Some((from, to)) = schedule.next() {
            if to - from <= reach {
                taken.push((from, to));
                schedule.verified();
            } else {
                schedule.bisect().expect("a pivot");
            }
        }
        taken
    }

    #[test]
    fn one_skip_when_the_trusted_validators_still_sign() {
        assert_eq!(steps_taken(0, 100, 1_000), vec![(0, 100)]);
    }

    #[test]
    fn bisects_until_each_step_verifies_and_ends_at_the_target() {
        let steps = steps_taken(0, 100, 30);
        assert_eq!(steps, vec![(0, 25), (25, 50), (50, 75), (75, 100)]);
        // Each step starts where the previous one ended.
        assert!(steps.windows(2).all(|w| w[0].1 == w[1].0));
    }

    #[test]
    fn adjacent_heights_cannot_be_bisected() {
        let mut schedule = Schedule::new(7, 8);
        assert_eq!(schedule.bisect(), Err((7, 8)));
        assert_eq!(Schedule::new(9, 9).next(), None);
    }
}

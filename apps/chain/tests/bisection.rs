//! The bisecting verifier against sources that lie: a node that serves
//! headers other validators signed, or validator sets that are not the ones
//! trusted, gets no step accepted; an honest source is followed in one skip.

use std::future::Future;
use std::task::{Context, Poll, Waker};

use tendermint::block::signed_header::SignedHeader;
use tendermint::validator;
use xcc_chain::ibc::bisection::{verify_to, BisectionError, HeaderSource, Trusted};
use xcc_chain::ibc::client::consensus_of;
use xcc_chain::testing::{TestValidators, BLOCK_INTERVAL_NS, GENESIS_TIME_NS};
use xcc_proto::ibc::v1 as pb;

const CHAIN: &str = "security-1";

/// Headers signed by `signers`, and validator sets as `claimed` (the
/// signers' own when `None`).
struct Source {
    signers: TestValidators,
    claimed: Option<TestValidators>,
}

fn time(height: u64) -> u64 {
    GENESIS_TIME_NS + (height - 1) * BLOCK_INTERVAL_NS
}

impl HeaderSource for Source {
    type Error = String;

    async fn signed_header(&self, height: u64) -> Result<SignedHeader, String> {
        Ok(self
            .signers
            .signed_header(height, time(height), &[height as u8; 32]))
    }

    async fn validators(&self, _height: u64) -> Result<validator::Set, String> {
        Ok(self.claimed.as_ref().unwrap_or(&self.signers).set())
    }
}

/// The futures here never wait: poll once.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a source that never waits made the verifier wait"),
    }
}

fn client() -> pb::ClientState {
    pb::ClientState {
        chain_id: CHAIN.into(),
        trust_level_numerator: 1,
        trust_level_denominator: 3,
        trusting_period_ns: 3600 * 1_000_000_000,
        max_clock_drift_ns: 10 * 1_000_000_000,
        latest_height: 1,
        ..Default::default()
    }
}

/// What a verifier trusting `validators` at height 1 holds.
fn trusted(validators: &TestValidators) -> Trusted {
    Trusted {
        height: 1,
        consensus: consensus_of(&validators.signed_header(1, time(1), &[1; 32])),
    }
}

fn run(source: &Source, trusted: Trusted) -> Result<usize, BisectionError<String>> {
    let now = tendermint::Time::from_unix_timestamp((time(40) / 1_000_000_000) as i64, 0)
        .expect("a time");
    ready(verify_to(source, &client(), trusted, 30, now)).map(|steps| steps.len())
}

#[test]
fn an_honest_source_is_followed_in_one_skip() {
    let validators = TestValidators::new(CHAIN, &[1, 2, 3, 4]);
    let honest = Source {
        signers: TestValidators::new(CHAIN, &[1, 2, 3, 4]),
        claimed: None,
    };
    assert_eq!(run(&honest, trusted(&validators)).unwrap(), 1);
}

#[test]
fn headers_of_other_validators_never_verify() {
    let validators = TestValidators::new(CHAIN, &[1, 2, 3, 4]);
    // Strangers sign every height and present themselves as the set.
    let forger = Source {
        signers: TestValidators::new(CHAIN, &[5, 6, 7, 8]),
        claimed: None,
    };
    assert!(matches!(
        run(&forger, trusted(&validators)),
        Err(BisectionError::UntrustedValidators { .. })
    ));
    // Strangers sign, and the source claims the trusted set signed.
    let liar = Source {
        signers: TestValidators::new(CHAIN, &[5, 6, 7, 8]),
        claimed: Some(TestValidators::new(CHAIN, &[1, 2, 3, 4])),
    };
    assert!(matches!(
        run(&liar, trusted(&validators)),
        Err(BisectionError::Rejected { .. } | BisectionError::NoPivot { .. })
    ));
    // A header of another chain, from the trusted validators' keys.
    let other_chain = Source {
        signers: TestValidators::new("other-1", &[1, 2, 3, 4]),
        claimed: None,
    };
    assert!(matches!(
        run(&other_chain, trusted(&validators)),
        Err(BisectionError::Rejected { .. })
    ));
}

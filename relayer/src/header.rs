//! ICS-07 headers for `MsgUpdateClient`: the headers that take a
//! destination's light client from its latest height to the height to prove
//! against, found by bisection (`xcc_chain::ibc::bisection`) and checked
//! here as the destination will check them, so that a validator-set
//! rotation of any size is followed one verifiable step at a time.

use crate::chain::{Chain, ClientView};
use crate::RelayerError;
use xcc_chain::ibc::bisection::{self, Trusted, VerifiedHeader};
use xcc_chain::ibc::client::time_of;

/// The headers, in order, that move `client` (the destination's client of
/// `prover`) to `target`, checked against the destination's block time
/// `now_ns`; empty if the client is already there.
pub async fn updates(
    prover: &Chain,
    client: &ClientView,
    target: u64,
    now_ns: u64,
) -> Result<Vec<VerifiedHeader>, RelayerError> {
    let unverifiable = |message: String| RelayerError::Unverifiable {
        chain: prover.id().to_owned(),
        client_id: client.state.chain_id.clone(),
        message,
    };
    let now = time_of(now_ns).map_err(|e| unverifiable(e.log))?;
    let trusted = Trusted {
        height: client.state.latest_height,
        consensus: client.latest.clone(),
    };
    let steps = bisection::verify_to(prover, &client.state, trusted, target, now)
        .await
        .map_err(|e| match e {
            bisection::BisectionError::Source(e) => e,
            other => unverifiable(other.to_string()),
        })?;
    if steps.len() > 1 {
        tracing::info!(
            chain = prover.id(),
            from = client.state.latest_height,
            to = target,
            steps = steps.len(),
            "bisected a validator-set rotation"
        );
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use prost::Message;
    use tendermint::block::signed_header::SignedHeader;
    use tendermint::validator;
    use tendermint_proto::v0_38::types as tm;
    use xcc_chain::ibc::bisection::VerifiedHeader;
    use xcc_chain::testing::TestValidators;

    #[test]
    fn decodes_as_the_chain_decodes_it() {
        let validators = TestValidators::new("security-1", &[1, 2, 3, 4]);
        let signed = validators.signed_header(7, 1_767_225_600_000_000_000, &[9; 32]);
        let header = VerifiedHeader {
            trusted_height: 3,
            signed_header: signed.clone(),
            validators: validators.set(),
            trusted_validators: validators.set(),
        }
        .encode();

        let raw = tm::SignedHeader::decode(header.signed_header.as_slice()).expect("decodes");
        assert_eq!(
            SignedHeader::try_from(raw).expect("a valid signed header"),
            signed
        );
        for bytes in [&header.validator_set, &header.trusted_validators] {
            let raw = tm::ValidatorSet::decode(bytes.as_slice()).expect("decodes");
            let set = validator::Set::try_from(raw).expect("a valid set");
            assert_eq!(set.hash(), validators.set().hash());
        }
        assert_eq!(header.trusted_height, 3);
    }
}

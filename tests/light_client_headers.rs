//! Light blocks fetched over a 4-validator chain's own RPC (`/commit`,
//! `/validators`) verify with tendermint's production light-client
//! verifier; tampered headers and wrong validator sets are refused.

use std::time::Duration;

use tendermint::block::signed_header::SignedHeader;
use tendermint::block::Height;
use tendermint::validator::{Info, Set};
use tendermint::Time;
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::types::{
    TrustThreshold, TrustedBlockState, UntrustedBlockState,
};
use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier};
use tendermint_rpc::{Client, HttpClient, Paging};
use xcc_tests::chain::CurrencyChain;

/// What a light client learns about one height.
struct LightBlock {
    signed_header: SignedHeader,
    validators: Set,
    next_validators: Set,
}

async fn validator_set(client: &HttpClient, height: u64) -> Set {
    let response = client
        .validators(height_of(height), Paging::All)
        .await
        .expect("validators");
    Set::without_proposer(response.validators)
}

fn height_of(height: u64) -> Height {
    Height::try_from(height).expect("a valid height")
}

async fn light_block(client: &HttpClient, height: u64) -> LightBlock {
    let commit = client.commit(height_of(height)).await.expect("commit");
    LightBlock {
        signed_header: commit.signed_header,
        validators: validator_set(client, height).await,
        next_validators: validator_set(client, height + 1).await,
    }
}

fn trusted(block: &LightBlock) -> TrustedBlockState<'_> {
    let header = &block.signed_header.header;
    TrustedBlockState {
        chain_id: &header.chain_id,
        header_time: header.time,
        height: header.height,
        next_validators: &block.next_validators,
        next_validators_hash: header.next_validators_hash,
    }
}

fn untrusted<'a>(signed_header: &'a SignedHeader, validators: &'a Set) -> UntrustedBlockState<'a> {
    UntrustedBlockState {
        signed_header,
        validators,
        next_validators: None,
    }
}

fn options(trust_threshold: TrustThreshold) -> Options {
    Options {
        trust_threshold,
        trusting_period: Duration::from_secs(14 * 24 * 3600),
        clock_drift: Duration::from_secs(5),
    }
}

fn verify(
    untrusted: UntrustedBlockState<'_>,
    trusted: TrustedBlockState<'_>,
    threshold: TrustThreshold,
) -> Verdict {
    ProdVerifier::default().verify_update_header(
        untrusted,
        trusted,
        &options(threshold),
        Time::now(),
    )
}

/// A set of the same size and power as the chain's, of keys it never saw.
fn stranger_set(size: usize) -> Set {
    let validators = (0..size)
        .map(|_| {
            let key = xcc_tests::chain::new_key();
            let public = tendermint::PublicKey::from_raw_ed25519(key.verification_key().as_bytes())
                .expect("an ed25519 key");
            Info::new(public, 10u32.into())
        })
        .collect();
    Set::without_proposer(validators)
}

#[tokio::test(flavor = "multi_thread")]
async fn light_blocks_from_rpc_verify_and_forgeries_do_not() {
    let net = CurrencyChain::start(4);
    let trusted_height = net.wait_for_height(0, 2).await;
    // The verifier needs `/validators` at h+1 too, hence one block more.
    net.wait_for_height(0, trusted_height + 7).await;
    let client = net.nodes[0].http();

    let base = light_block(&client, trusted_height).await;
    assert_eq!(base.validators.validators().len(), 4);
    assert_eq!(
        base.validators.hash(),
        base.signed_header.header.validators_hash
    );

    // Adjacent: h -> h+1, checked against the trusted next validators.
    let next = light_block(&client, trusted_height + 1).await;
    let verdict = verify(
        untrusted(&next.signed_header, &next.validators),
        trusted(&base),
        TrustThreshold::ONE_THIRD,
    );
    assert_eq!(verdict, Verdict::Success);

    // Skipping: h -> h+6, needing 1/3 of the trusted set and 2/3 of its own.
    let far = light_block(&client, trusted_height + 6).await;
    for threshold in [TrustThreshold::ONE_THIRD, TrustThreshold::TWO_THIRDS] {
        let verdict = verify(
            untrusted(&far.signed_header, &far.validators),
            trusted(&base),
            threshold,
        );
        assert_eq!(verdict, Verdict::Success, "skipping with {threshold:?}");
    }

    // A header whose app hash was changed no longer matches its commit.
    let mut tampered = next.signed_header.clone();
    tampered.header.app_hash = tendermint::AppHash::try_from(vec![7u8; 32]).expect("an app hash");
    let verdict = verify(
        untrusted(&tampered, &next.validators),
        trusted(&base),
        TrustThreshold::ONE_THIRD,
    );
    assert!(
        matches!(verdict, Verdict::Invalid(_)),
        "tampered header: {verdict:?}"
    );

    // The commit presented with a validator set that did not sign it.
    let strangers = stranger_set(4);
    for candidate in [&next, &far] {
        let verdict = verify(
            untrusted(&candidate.signed_header, &strangers),
            trusted(&base),
            TrustThreshold::ONE_THIRD,
        );
        assert!(
            matches!(verdict, Verdict::Invalid(_)),
            "wrong validators: {verdict:?}"
        );
    }

    // A trusted state whose next validators are strangers: a skip lacks trust.
    let mut impostor = light_block(&client, trusted_height).await;
    impostor.next_validators = strangers.clone();
    let mut trust = trusted(&impostor);
    trust.next_validators_hash = strangers.hash();
    let verdict = verify(
        untrusted(&far.signed_header, &far.validators),
        trust,
        TrustThreshold::ONE_THIRD,
    );
    assert!(
        matches!(verdict, Verdict::NotEnoughTrust(_)),
        "skip from a stranger set: {verdict:?}"
    );
}

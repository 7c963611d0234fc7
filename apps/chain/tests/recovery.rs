//! Light-client recovery (`MsgRecoverClient`): the chain's admin substitutes
//! a fresh trust root for an expired or frozen client, after which headers
//! verify again from it and nothing below it is trusted. Every other
//! sender, an active client and every root that is not a fresh header of
//! the same chain signed by the validators named are refused, changing
//! nothing.

use xcc_chain::ibc::error::{code, CODESPACE};
use xcc_chain::ibc::state_key;
use xcc_chain::testing::{
    encode_header, TestChain, TestKey, TestValidators, BLOCK_INTERVAL_NS, GENESIS_TIME_NS,
};
use xcc_proto::ibc::v1 as pb;
use xcc_proto::{to_any, Any};

const HOST: &str = "currency-1";
const COUNTERPARTY: &str = "security-1";
const TRUSTING_PERIOD_SECS: u64 = 5;
const ADMIN_SEED: u8 = 70;

struct Host {
    chain: TestChain,
    counterparty: TestValidators,
    admin: TestKey,
    relayer: TestKey,
    _dir: tempfile::TempDir,
}

impl Host {
    fn new() -> Host {
        let dir = tempfile::tempdir().unwrap();
        let counterparty = TestValidators::new(COUNTERPARTY, &[1, 2, 3, 4]);
        let admin = TestKey::from_seed(ADMIN_SEED);
        let root =
            counterparty.trust_root(GENESIS_TIME_NS - BLOCK_INTERVAL_NS, TRUSTING_PERIOD_SECS);
        let genesis = serde_json::json!({
            "ibc": { "counterparties": [root] },
            "validators": { "admin": admin.address.to_string() },
        });
        let modules = xcc_chain::chain_modules(Vec::new(), Vec::new());
        Host {
            chain: TestChain::new(dir.path(), HOST, modules, genesis),
            counterparty,
            admin,
            relayer: TestKey::from_seed(71),
            _dir: dir,
        }
    }

    /// The counterparty's header at `height`, dated just before the host's
    /// next block.
    fn fresh_time(&self) -> u64 {
        self.chain.next_block().time_ns - BLOCK_INTERVAL_NS / 2
    }

    fn update(&self, height: u64, time_ns: u64, trusted_height: u64) -> Any {
        let header = self.counterparty.header(
            height,
            time_ns,
            &[height as u8; 32],
            trusted_height,
            &self.counterparty,
        );
        to_any(&pb::MsgUpdateClient {
            signer: self.relayer.address.to_string(),
            client_id: COUNTERPARTY.to_owned(),
            header: Some(header),
        })
    }

    fn status(&self) -> pb::QueryClientStatusResponse {
        self.chain
            .query(
                "/xcc.ibc.v1.Query/ClientStatus",
                &pb::QueryClientStatusRequest {
                    client_id: COUNTERPARTY.to_owned(),
                },
            )
            .unwrap()
    }

    /// Lets the client's latest header age past the trusting period.
    fn let_expire(&mut self) {
        let latest = self.status().latest_consensus_state.unwrap().timestamp_ns;
        while self.chain.next_block().time_ns <= latest + TRUSTING_PERIOD_SECS * 1_000_000_000 {
            self.chain.block(Vec::new());
        }
        self.chain.block(Vec::new());
        assert_eq!(self.status().status(), pb::ClientStatus::Expired);
    }
}

/// Runs `msg` in a tx that must be refused and change nothing; returns the
/// codespace, code and log.
fn refused(chain: &mut TestChain, signer: &TestKey, msg: Any) -> (String, u32, String) {
    let tx = chain.tx(&[signer], vec![msg]);
    let outcome = chain.assert_refused(tx);
    (outcome.codespace.to_string(), outcome.code, outcome.log)
}

/// A recovery to `validators`' header at `height` (signed by them), naming
/// `named` as its validators.
fn recovery(
    authority: &TestKey,
    validators: &TestValidators,
    named: &TestValidators,
    height: u64,
    time_ns: u64,
) -> Any {
    let signed = validators.signed_header(height, time_ns, &[0xAB; 32]);
    // `encode_header` carries the same two encodings a recovery does.
    let parts = encode_header(signed, &named.set(), 0, &named.set());
    to_any(&pb::MsgRecoverClient {
        authority: authority.address.to_string(),
        client_id: COUNTERPARTY.to_owned(),
        signed_header: parts.signed_header,
        validator_set: parts.validator_set,
    })
}

#[test]
fn the_admin_revives_an_expired_client_and_nothing_below_the_new_root_is_trusted() {
    let mut host = Host::new();
    let first = host.update(3, host.fresh_time(), 0);
    let outcome = host.chain.submit(&[&host.relayer], vec![first]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    host.let_expire();

    // An update cannot revive it.
    let late = host.update(4, host.fresh_time(), 3);
    let (space, code, _) = refused(&mut host.chain, &host.relayer, late);
    assert_eq!((space.as_str(), code), (CODESPACE, code::CLIENT_EXPIRED));

    let now = host.fresh_time();
    let validators = TestValidators::new(COUNTERPARTY, &[1, 2, 3, 4]);

    // Anyone but the admin is refused.
    let stranger = TestKey::from_seed(72);
    let (_, _, log) = refused(
        &mut host.chain,
        &stranger,
        recovery(&stranger, &validators, &validators, 40, now),
    );
    assert!(log.contains("not this chain's admin"), "{log}");

    // A root of another chain, at or below the latest height, signed by
    // others than the named validators, or already too old: refused.
    let other_chain = TestValidators::new("other-1", &[1, 2, 3, 4]);
    let others = TestValidators::new(COUNTERPARTY, &[5, 6, 7, 8]);
    let stale = now - (TRUSTING_PERIOD_SECS + 1) * 1_000_000_000;
    for (msg, expected_code, expected_log) in [
        (
            recovery(&host.admin, &other_chain, &other_chain, 40, now),
            code::INVALID_HEADER,
            "a header of chain other-1",
        ),
        (
            recovery(&host.admin, &validators, &validators, 3, now),
            code::INVALID_HEADER,
            "not above the client's latest height 3",
        ),
        (
            recovery(&host.admin, &validators, &others, 40, now),
            code::INVALID_HEADER,
            "",
        ),
        (
            recovery(&host.admin, &validators, &validators, 40, stale),
            code::CLIENT_EXPIRED,
            "already older than the trusting period",
        ),
    ] {
        let (space, code, log) = refused(&mut host.chain, &host.admin, msg);
        assert_eq!((space.as_str(), code), (CODESPACE, expected_code), "{log}");
        assert!(log.contains(expected_log), "{log}");
    }

    // The admin's root at 40 revives it.
    let root = recovery(&host.admin, &validators, &validators, 40, host.fresh_time());
    let outcome = host.chain.submit(&[&host.admin], vec![root]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome.events.iter().any(|e| e.kind == "recover_client"));
    let status = host.status();
    assert_eq!(status.status(), pb::ClientStatus::Active);
    let client = status.client_state.unwrap();
    assert_eq!((client.latest_height, client.recovered_height), (40, 40));

    // Headers verify from the new root, not from what was trusted before it.
    let below = host.update(41, host.fresh_time(), 3);
    let (space, code, log) = refused(&mut host.chain, &host.relayer, below);
    assert_eq!(
        (space.as_str(), code),
        (CODESPACE, code::CONSENSUS_STATE_NOT_FOUND),
        "{log}"
    );
    let next = host.update(41, host.fresh_time(), 40);
    let outcome = host.chain.submit(&[&host.relayer], vec![next]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);

    // An active client cannot be recovered.
    let again = recovery(&host.admin, &validators, &validators, 50, host.fresh_time());
    let (space, code, log) = refused(&mut host.chain, &host.admin, again);
    assert_eq!(
        (space.as_str(), code),
        (CODESPACE, code::CLIENT_ACTIVE),
        "{log}"
    );
}

#[test]
fn the_admin_revives_a_frozen_client() {
    let mut host = Host::new();
    let genuine = host.update(3, host.fresh_time(), 0);
    assert_eq!(host.chain.submit(&[&host.relayer], vec![genuine]).code, 0);
    // The validators sign a second header at height 3: misbehaviour.
    let conflicting =
        host.counterparty
            .header(3, host.fresh_time(), &[0xEE; 32], 0, &host.counterparty);
    let msg = to_any(&pb::MsgUpdateClient {
        signer: host.relayer.address.to_string(),
        client_id: COUNTERPARTY.to_owned(),
        header: Some(conflicting),
    });
    assert_eq!(host.chain.submit(&[&host.relayer], vec![msg]).code, 0);
    assert_eq!(host.status().status(), pb::ClientStatus::Frozen);

    let validators = TestValidators::new(COUNTERPARTY, &[1, 2, 3, 4]);
    let root = recovery(&host.admin, &validators, &validators, 9, host.fresh_time());
    let outcome = host.chain.submit(&[&host.admin], vec![root]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    let status = host.status();
    assert_eq!(status.status(), pb::ClientStatus::Active);
    let client = status.client_state.unwrap();
    assert_eq!((client.frozen_height, client.latest_height), (0, 9));
    // The conflicting state at 3 stays recorded but is no longer trusted.
    let key = state_key::consensus_state(COUNTERPARTY, 3);
    let stored = host
        .chain
        .app
        .query(xcc_chain::app::STORE_KEY_PATH, &key, 0, false);
    assert!(!stored.value.is_empty());
}

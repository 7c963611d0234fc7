//! The validator admin module: who may change the set, what a change looks
//! like to the node, and every refusal changing nothing.

use xcc_chain::testing::{TestChain, TestKey};
use xcc_chain::validators::{ValidatorsModule, MAX_POWER};
use xcc_chain::ValidatorUpdate;
use xcc_proto::validators::v1 as pb;
use xcc_proto::{to_any, Any};

fn set_power(authority: &TestKey, key: &[u8], power: u64) -> Any {
    to_any(&pb::MsgSetValidatorPower {
        authority: authority.address.to_string(),
        public_key: key.to_vec(),
        power,
    })
}

fn consensus_key(seed: u8) -> [u8; 32] {
    TestKey::from_seed(seed).key.verification_key().to_bytes()
}

fn chain(dir: &std::path::Path, admin: Option<&TestKey>) -> TestChain {
    let genesis = match admin {
        Some(admin) => serde_json::json!({ "validators": { "admin": admin.address } }),
        None => serde_json::json!({}),
    };
    TestChain::new(dir, "security-1", vec![Box::new(ValidatorsModule)], genesis)
}

#[test]
fn the_admin_sets_powers_and_the_block_reports_one_update_per_key() {
    let dir = tempfile::tempdir().unwrap();
    let admin = TestKey::from_seed(1);
    let mut chain = chain(dir.path(), Some(&admin));
    let (a, b) = (consensus_key(10), consensus_key(11));
    let txs = vec![
        chain.tx(
            &[&admin],
            vec![set_power(&admin, &a, 5), set_power(&admin, &b, 7)],
        ),
        chain.tx_with_nonce(&[&admin], 1, vec![set_power(&admin, &a, 0)]),
    ];
    let block = chain.next_block();
    let finalized = chain.app.finalize_block(block, &txs).unwrap();
    assert!(
        finalized.tx_results.iter().all(|r| r.is_ok()),
        "{:?}",
        finalized.tx_results
    );
    let mut updates = finalized.validator_updates.clone();
    updates.sort_by_key(|u| u.public_key);
    let mut expected = vec![
        ValidatorUpdate {
            public_key: a,
            power: 0,
        },
        ValidatorUpdate {
            public_key: b,
            power: 7,
        },
    ];
    expected.sort_by_key(|u| u.public_key);
    assert_eq!(updates, expected, "the block's last word per key");
}

#[test]
fn anyone_else_bad_keys_and_excess_power_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let admin = TestKey::from_seed(1);
    let mallory = TestKey::from_seed(2);
    let mut chain = chain(dir.path(), Some(&admin));
    let key = consensus_key(10);

    let tx = chain.tx(&[&mallory], vec![set_power(&mallory, &key, 10)]);
    let refused = chain.assert_refused(tx);
    assert!(
        refused.log.contains("not this chain's admin"),
        "{}",
        refused.log
    );
    let tx = chain.tx(&[&admin], vec![set_power(&admin, &key[..31], 10)]);
    let refused = chain.assert_refused(tx);
    assert!(refused.log.contains("32 bytes"), "{}", refused.log);
    let tx = chain.tx(&[&admin], vec![set_power(&admin, &key, MAX_POWER + 1)]);
    let refused = chain.assert_refused(tx);
    assert!(refused.log.contains("exceeds"), "{}", refused.log);
}

#[test]
fn a_chain_without_an_admin_has_a_fixed_set() {
    let dir = tempfile::tempdir().unwrap();
    let someone = TestKey::from_seed(1);
    let mut chain = chain(dir.path(), None);
    let tx = chain.tx(
        &[&someone],
        vec![set_power(&someone, &consensus_key(10), 10)],
    );
    chain.assert_refused(tx);
}

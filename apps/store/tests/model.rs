//! The store against an in-memory model: random puts and deletes over many
//! versions, with pruning and reopening; every read at every retained version
//! matches the model, every proof verifies, and tampered proofs do not.

use std::collections::BTreeMap;

use proptest::prelude::*;
use xcc_store::{verify_membership, verify_non_membership, Store};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

const KEYS: &[&str] = &[
    "a/1", "a/2", "a/10", "ab", "b/1", "b/2", "b/3", "c", "c/x/y", "d",
];

fn write_set() -> impl Strategy<Value = Vec<(usize, Option<Vec<u8>>)>> {
    prop::collection::vec(
        (
            0..KEYS.len(),
            prop::option::weighted(0.7, prop::collection::vec(any::<u8>(), 1..6)),
        ),
        0..6,
    )
}

fn check_version(store: &Store, version: u64, model: &Model) {
    let snapshot = store.snapshot(version).unwrap();
    let root = store.root_hash(version).unwrap();
    for key in KEYS.iter().map(|k| k.as_bytes()) {
        let expected = model.get(key);
        assert_eq!(
            snapshot.get(key).unwrap().as_ref(),
            expected,
            "get {key:?} at {version}"
        );
        if model.is_empty() {
            // jmt cannot prove absence in an empty tree; a chain's state never is.
            assert!(store.get_with_proof(key, version).is_err());
            continue;
        }
        let (value, proof) = store.get_with_proof(key, version).unwrap();
        assert_eq!(value.as_ref(), expected, "proven get {key:?} at {version}");
        match expected {
            Some(value) => {
                assert!(verify_membership(&proof, &root, key, value));
                let mut wrong = value.clone();
                wrong.push(0xff);
                assert!(
                    !verify_membership(&proof, &root, key, &wrong),
                    "tampered value accepted"
                );
                let mut other_root = root;
                other_root[0] ^= 1;
                assert!(
                    !verify_membership(&proof, &other_root, key, value),
                    "wrong root accepted"
                );
                assert!(
                    !verify_non_membership(&proof, &root, key),
                    "existence proof taken as absence"
                );
            }
            None => {
                assert!(
                    verify_non_membership(&proof, &root, key),
                    "absence of {key:?} at {version}"
                );
                assert!(
                    !verify_membership(&proof, &root, key, b""),
                    "absence proof taken as presence"
                );
            }
        }
    }
    for prefix in ["a/", "b/", "c", ""] {
        let expected: Vec<(Vec<u8>, Vec<u8>)> = model
            .iter()
            .filter(|(k, _)| k.starts_with(prefix.as_bytes()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        assert_eq!(
            snapshot.prefix(prefix.as_bytes()).unwrap(),
            expected,
            "prefix {prefix:?} at {version}"
        );
        // Pages: from each listed key (and from the prefix), at most 2.
        let starts = std::iter::once(prefix.as_bytes().to_vec())
            .chain(expected.iter().map(|(k, _)| k.clone()));
        for start in starts {
            let page: Vec<(Vec<u8>, Vec<u8>)> = expected
                .iter()
                .filter(|(k, _)| *k >= start)
                .take(2)
                .cloned()
                .collect();
            assert_eq!(
                snapshot.prefix_page(prefix.as_bytes(), &start, 2).unwrap(),
                page,
                "page of {prefix:?} from {start:?} at {version}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn store_matches_model(
        versions in prop::collection::vec(write_set(), 1..12),
        prune_at in prop::option::of(0usize..12),
        keep in 1u64..4,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.redb");
        let mut store = Store::open(&path).unwrap();
        let mut models: Vec<Model> = Vec::new();
        let mut model = Model::new();
        let mut oldest = 0u64;

        for (index, writes) in versions.iter().enumerate() {
            let version = index as u64;
            let set: BTreeMap<Vec<u8>, Option<Vec<u8>>> =
                writes.iter().map(|(k, v)| (KEYS[*k].as_bytes().to_vec(), v.clone())).collect();
            for (key, value) in &set {
                match value {
                    Some(value) => model.insert(key.clone(), value.clone()),
                    None => model.remove(key),
                };
            }
            let prepared = store.prepare(version, vec![set]).unwrap();
            let root = prepared.root_hash();
            store.commit(prepared).unwrap();
            prop_assert_eq!(store.root_hash(version).unwrap(), root);
            models.push(model.clone());

            if prune_at == Some(index) && version >= keep {
                oldest = version - keep;
                store.prune(oldest).unwrap();
            }
            if index % 4 == 3 {
                drop(store);
                store = Store::open(&path).unwrap();
            }
        }

        let latest = models.len() as u64 - 1;
        prop_assert_eq!(store.latest_version().unwrap(), Some(latest));
        for version in 0..=latest {
            if version < oldest {
                prop_assert!(store.snapshot(version).is_err(), "pruned version {} still readable", version);
                continue;
            }
            check_version(&store, version, &models[version as usize]);
        }
    }
}

#[test]
fn versions_must_follow_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.redb")).unwrap();
    assert!(store
        .prepare(1, vec![vec![(b"k".to_vec(), Some(b"v".to_vec()))]])
        .is_err());
    let prepared = store
        .prepare(0, vec![vec![(b"k".to_vec(), Some(b"v".to_vec()))]])
        .unwrap();
    store.commit(prepared).unwrap();
    assert!(store.prepare(0, vec![Vec::new()]).is_err());
    assert!(store.prepare(2, vec![Vec::new()]).is_err());
    let empty = store.prepare(1, vec![Vec::new()]).unwrap();
    let root_before = store.root_hash(0).unwrap();
    assert_eq!(
        empty.root_hash(),
        root_before,
        "an empty version keeps the root"
    );
    store.commit(empty).unwrap();
    assert_eq!(store.get(b"k", 1).unwrap(), Some(b"v".to_vec()));
}

#[test]
fn empty_values_are_refused() {
    // ics23 cannot prove an empty value, so the store never holds one.
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.redb")).unwrap();
    assert!(store
        .prepare(0, vec![vec![(b"k".to_vec(), Some(Vec::new()))]])
        .is_err());
}

#[test]
fn a_prepared_version_is_invisible_until_committed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.redb");
    {
        let store = Store::open(&path).unwrap();
        store
            .commit(
                store
                    .prepare(0, vec![vec![(b"a".to_vec(), Some(b"1".to_vec()))]])
                    .unwrap(),
            )
            .unwrap();
        let _uncommitted = store
            .prepare(1, vec![vec![(b"a".to_vec(), Some(b"2".to_vec()))]])
            .unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(store.latest_version().unwrap(), Some(0));
    assert_eq!(store.get(b"a", 0).unwrap(), Some(b"1".to_vec()));
}

#[test]
fn pruning_drops_the_roots_of_unchanged_versions() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("s.redb")).unwrap();
    let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..50u8)
        .map(|i| (vec![b'k', i], Some(vec![i + 1])))
        .collect();
    store
        .commit(store.prepare(0, vec![writes]).unwrap())
        .unwrap();
    let tree = store.node_count().unwrap();
    for version in 1..=20 {
        store
            .commit(store.prepare(version, vec![Vec::new()]).unwrap())
            .unwrap();
    }
    assert_eq!(
        store.node_count().unwrap(),
        tree + 20,
        "each unchanged version copies the root"
    );
    store.prune(20).unwrap();
    assert_eq!(
        store.node_count().unwrap(),
        tree,
        "only the retained root is left"
    );
    let root = store.root_hash(20).unwrap();
    let (value, proof) = store.get_with_proof(&[b'k', 7], 20).unwrap();
    assert!(verify_membership(
        &proof,
        &root,
        &[b'k', 7],
        &value.unwrap()
    ));
}

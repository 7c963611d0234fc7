//! Opening, writing, pruning and proving.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jmt::storage::TreeUpdateBatch;
use jmt::{KeyHash, Sha256Jmt};
use redb::{Database, ReadableDatabase, ReadableTable};
use sha2::Sha256;

use crate::error::StoreError;
use crate::reader::{read_at, TreeRead};
use crate::snapshot::Snapshot;
use crate::tables::{self, LATEST, META, NODES, PREIMAGES, STALE_NODES, SUPERSEDED, VALUES};

/// One or more consecutive versions computed against the committed tree but
/// not yet written. Valid until anything else is committed.
pub struct PreparedVersion {
    first_version: u64,
    roots: Vec<[u8; 32]>,
    batch: TreeUpdateBatch,
    preimages: HashMap<KeyHash, Vec<u8>>,
}

/// The encoded `NodeKey` of the root of `version` (empty nibble path), checked
/// by decoding it, since jmt does not let us build one.
fn root_node_key(version: u64) -> Result<Vec<u8>, StoreError> {
    let mut bytes = version.to_le_bytes().to_vec();
    bytes.extend_from_slice(&[0u8; 12]); // zero nibbles, empty byte vector
    let key: jmt::storage::NodeKey = borsh::from_slice(&bytes)
        .map_err(|e| StoreError::Corrupt(format!("root node key: {e}")))?;
    if key.version() != version || key.nibble_path().num_nibbles() != 0 {
        return Err(StoreError::Corrupt(
            "unexpected root node key layout".into(),
        ));
    }
    Ok(bytes)
}

impl PreparedVersion {
    /// The root of the last prepared version.
    pub fn root_hash(&self) -> [u8; 32] {
        self.roots.last().copied().unwrap_or(crate::EMPTY_ROOT)
    }

    pub fn last_version(&self) -> u64 {
        self.first_version + self.roots.len() as u64 - 1
    }
}

/// Fills the latest-value index of a store written before it existed, once:
/// each key's newest entry, unless a deletion.
fn index_latest_values(txn: &redb::WriteTransaction) -> Result<(), StoreError> {
    let mut meta = txn.open_table(META)?;
    if meta.get(tables::LATEST_INDEXED)?.is_some() {
        return Ok(());
    }
    let values = txn.open_table(VALUES)?;
    let mut latest = txn.open_table(LATEST)?;
    let mut newest: Option<(Vec<u8>, Option<Vec<u8>>)> = None;
    let mut put = |entry: Option<(Vec<u8>, Option<Vec<u8>>)>| -> Result<(), StoreError> {
        if let Some((key, Some(value))) = entry {
            latest.insert(key.as_slice(), value.as_slice())?;
        }
        Ok(())
    };
    for entry in values.iter()? {
        let (key, value) = entry?;
        let (key, _) = key.value();
        if newest.as_ref().is_some_and(|(k, _)| k.as_slice() != key) {
            put(newest.take())?;
        }
        newest = Some((key.to_vec(), value.value().map(<[u8]>::to_vec)));
    }
    put(newest)?;
    meta.insert(tables::LATEST_INDEXED, 1)?;
    Ok(())
}

#[derive(Clone)]
pub struct Store {
    db: Arc<Database>,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        for table in [NODES, PREIMAGES] {
            txn.open_table(table)?;
        }
        txn.open_table(VALUES)?;
        txn.open_table(LATEST)?;
        txn.open_table(STALE_NODES)?;
        txn.open_table(SUPERSEDED)?;
        txn.open_table(META)?;
        index_latest_values(&txn)?;
        txn.commit()?;
        Ok(Store { db: Arc::new(db) })
    }

    fn meta(&self, name: &str) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok(meta.get(name)?.map(|v| v.value()))
    }

    /// The newest committed version, `None` before the first commit.
    pub fn latest_version(&self) -> Result<Option<u64>, StoreError> {
        self.meta(tables::LATEST_VERSION)
    }

    /// The oldest version that can still be read.
    pub fn oldest_version(&self) -> Result<u64, StoreError> {
        Ok(self.meta(tables::OLDEST_VERSION)?.unwrap_or(0))
    }

    pub fn has_version(&self, version: u64) -> bool {
        match (self.latest_version(), self.oldest_version()) {
            (Ok(Some(latest)), Ok(oldest)) => (oldest..=latest).contains(&version),
            _ => false,
        }
    }

    fn check_version(&self, version: u64) -> Result<(), StoreError> {
        let latest = self.latest_version()?;
        let oldest = self.oldest_version()?;
        match latest {
            Some(latest) if (oldest..=latest).contains(&version) => Ok(()),
            _ => Err(StoreError::VersionUnavailable {
                requested: version,
                oldest,
                latest: latest.unwrap_or(0),
            }),
        }
    }

    /// A consistent read-only view of `version`, checked to be retained in
    /// the view itself, so a prune that commits meanwhile cannot empty it.
    pub fn snapshot(&self, version: u64) -> Result<Snapshot, StoreError> {
        let txn = self.db.begin_read()?;
        let (latest, oldest) = {
            let meta = txn.open_table(META)?;
            let read = |name| -> Result<Option<u64>, StoreError> {
                Ok(meta.get(name)?.map(|v| v.value()))
            };
            (
                read(tables::LATEST_VERSION)?,
                read(tables::OLDEST_VERSION)?.unwrap_or(0),
            )
        };
        match latest {
            Some(latest) if (oldest..=latest).contains(&version) => Snapshot::new(txn, version),
            _ => Err(StoreError::VersionUnavailable {
                requested: version,
                oldest,
                latest: latest.unwrap_or(0),
            }),
        }
    }

    pub fn root_hash(&self, version: u64) -> Result<[u8; 32], StoreError> {
        self.check_version(version)?;
        let reader = TreeRead::new(&self.db)?;
        let root = Sha256Jmt::new(&reader)
            .get_root_hash(version)
            .map_err(StoreError::tree)?;
        Ok(root.0)
    }

    /// The value of `key` at `version` with an ics23 proof of its presence or absence.
    pub fn get_with_proof(
        &self,
        key: &[u8],
        version: u64,
    ) -> Result<(Option<Vec<u8>>, ics23::CommitmentProof), StoreError> {
        self.check_version(version)?;
        let reader = TreeRead::new(&self.db)?;
        Sha256Jmt::new(&reader)
            .get_with_ics23_proof(key.to_vec(), version)
            .map_err(StoreError::tree)
    }

    /// Computes the versions `first_version, first_version + 1, ...`, one per
    /// write set, without writing anything. `first_version` must follow the
    /// latest version (or be 0 on an empty store).
    pub fn prepare<S>(
        &self,
        first_version: u64,
        write_sets: Vec<S>,
    ) -> Result<PreparedVersion, StoreError>
    where
        S: IntoIterator<Item = (Vec<u8>, Option<Vec<u8>>)>,
    {
        let latest = self.latest_version()?;
        if latest.map_or(first_version != 0, |latest| first_version != latest + 1) {
            return Err(StoreError::OutOfOrder {
                latest,
                got: first_version,
            });
        }
        let mut preimages = HashMap::new();
        let mut hashed: Vec<Vec<(KeyHash, Option<Vec<u8>>)>> = Vec::new();
        for set in write_sets {
            let mut writes = Vec::new();
            for (key, value) in set {
                if value.as_ref().is_some_and(Vec::is_empty) {
                    return Err(StoreError::EmptyValue(
                        String::from_utf8_lossy(&key).into_owned(),
                    ));
                }
                let key_hash = KeyHash::with::<Sha256>(&key);
                preimages.insert(key_hash, key);
                writes.push((key_hash, value));
            }
            hashed.push(writes);
        }
        if hashed.is_empty() {
            return Err(StoreError::Tree("nothing to prepare".into()));
        }
        let reader = TreeRead::new(&self.db)?;
        let (roots, batch) = Sha256Jmt::new(&reader)
            .put_value_sets(hashed, first_version)
            .map_err(StoreError::tree)?;
        Ok(PreparedVersion {
            first_version,
            roots: roots.into_iter().map(|r| r.0).collect(),
            batch,
            preimages,
        })
    }

    /// Writes prepared versions in one redb write transaction: either all of
    /// them are durable or none is.
    pub fn commit(&self, prepared: PreparedVersion) -> Result<(), StoreError> {
        self.commit_pruned(prepared, None)
    }

    /// Writes a prepared version and, in the same write transaction, prunes
    /// below `retain_from` (see [`Store::prune`]): one durable write a block.
    pub fn commit_pruned(
        &self,
        prepared: PreparedVersion,
        retain_from: Option<u64>,
    ) -> Result<(), StoreError> {
        let latest = self.latest_version()?;
        if latest.map_or(prepared.first_version != 0, |latest| {
            prepared.first_version != latest + 1
        }) {
            return Err(StoreError::OutOfOrder {
                latest,
                got: prepared.first_version,
            });
        }
        let txn = self.db.begin_write()?;
        {
            let mut nodes = txn.open_table(NODES)?;
            for (node_key, node) in prepared.batch.node_batch.nodes() {
                let key =
                    borsh::to_vec(node_key).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let node = borsh::to_vec(node).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                nodes.insert(key.as_slice(), node.as_slice())?;
            }
            let mut stale = txn.open_table(STALE_NODES)?;
            for index in &prepared.batch.stale_node_index_batch {
                let key = borsh::to_vec(&index.node_key)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                stale.insert((index.stale_since_version, key.as_slice()), ())?;
            }
            let mut values = txn.open_table(VALUES)?;
            let mut latest = txn.open_table(LATEST)?;
            let mut preimages = txn.open_table(PREIMAGES)?;
            let mut superseded = txn.open_table(SUPERSEDED)?;
            // In version order, so the last write of a key is what stays.
            for ((version, key_hash), value) in prepared.batch.node_batch.values() {
                let key = prepared
                    .preimages
                    .get(key_hash)
                    .ok_or_else(|| StoreError::Corrupt("a written value has no preimage".into()))?;
                let previous = match values
                    .range((key.as_slice(), 0)..(key.as_slice(), *version))?
                    .next_back()
                {
                    Some(entry) => Some(entry?.0.value().1),
                    None => None,
                };
                match previous {
                    Some(previous) => {
                        superseded.insert((*version, key.as_slice(), previous), ())?;
                    }
                    // A key with no earlier value kept has no preimage yet
                    // (or lost it when its deletion was pruned).
                    None => {
                        preimages.insert(key_hash.0.as_slice(), key.as_slice())?;
                    }
                }
                if value.is_none() {
                    superseded.insert((*version, key.as_slice(), *version), ())?;
                }
                values.insert((key.as_slice(), *version), value.as_deref())?;
                match value {
                    Some(value) => latest.insert(key.as_slice(), value.as_slice())?,
                    None => latest.remove(key.as_slice())?,
                };
            }
            let mut meta = txn.open_table(META)?;
            meta.insert(tables::LATEST_VERSION, prepared.last_version())?;
        }
        if let Some(retain_from) = retain_from {
            self.prune_in(&txn, retain_from, prepared.last_version())?;
        }
        txn.commit()?;
        Ok(())
    }

    /// Drops everything only versions below `retain_from` need. Reads and
    /// proofs at `retain_from` and above are unaffected.
    pub fn prune(&self, retain_from: u64) -> Result<(), StoreError> {
        let latest = self.latest_version()?.unwrap_or(0);
        let txn = self.db.begin_write()?;
        self.prune_in(&txn, retain_from, latest)?;
        txn.commit()?;
        Ok(())
    }

    fn prune_in(
        &self,
        txn: &redb::WriteTransaction,
        retain_from: u64,
        latest: u64,
    ) -> Result<(), StoreError> {
        let retain_from = retain_from.min(latest);
        let oldest = self.oldest_version()?;
        if retain_from <= oldest {
            return Ok(());
        }
        {
            let mut nodes = txn.open_table(NODES)?;
            let mut stale = txn.open_table(STALE_NODES)?;
            let stale_keys: Vec<(u64, Vec<u8>)> = stale
                .range((0, [].as_slice())..(retain_from + 1, [].as_slice()))?
                .map(|entry| entry.map(|(key, _)| (key.value().0, key.value().1.to_vec())))
                .collect::<Result<_, _>>()?;
            for (since, node_key) in stale_keys {
                nodes.remove(node_key.as_slice())?;
                stale.remove((since, node_key.as_slice()))?;
            }
            let mut values = txn.open_table(VALUES)?;
            let mut superseded = txn.open_table(SUPERSEDED)?;
            let old_values: Vec<(u64, Vec<u8>, u64)> = superseded
                .range((0, [].as_slice(), 0)..(retain_from + 1, [].as_slice(), 0))?
                .map(|entry| {
                    entry.map(|(key, _)| {
                        let (at, key, old) = key.value();
                        (at, key.to_vec(), old)
                    })
                })
                .collect::<Result<_, _>>()?;
            let mut preimages = txn.open_table(PREIMAGES)?;
            for (at, key, old) in old_values {
                values.remove((key.as_slice(), old))?;
                superseded.remove((at, key.as_slice(), old))?;
                // A deletion pruned, and nothing written since: no retained
                // version knows the key, so its preimage goes too.
                let deleted = old == at;
                if deleted
                    && values
                        .range((key.as_slice(), 0)..=(key.as_slice(), u64::MAX))?
                        .next()
                        .is_none()
                {
                    preimages.remove(KeyHash::with::<Sha256>(&key).0.as_slice())?;
                }
            }
            // jmt never marks the root of an unchanged version stale, so drop
            // the roots of pruned versions by key: no later version points to a root.
            for version in oldest..retain_from {
                nodes.remove(root_node_key(version)?.as_slice())?;
            }
            let mut meta = txn.open_table(META)?;
            meta.insert(tables::OLDEST_VERSION, retain_from)?;
        }
        tracing::debug!(retain_from, "pruned store");
        Ok(())
    }

    /// How many tree nodes are stored: what pruning shrinks.
    pub fn node_count(&self) -> Result<u64, StoreError> {
        use redb::ReadableTableMetadata;
        let txn = self.db.begin_read()?;
        Ok(txn.open_table(NODES)?.len()?)
    }

    /// The value of `key` at `version`, without a proof.
    pub fn get(&self, key: &[u8], version: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.check_version(version)?;
        read_at(&self.db.begin_read()?, key, version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preimages(store: &Store) -> u64 {
        use redb::ReadableTableMetadata;
        let txn = store.db.begin_read().unwrap();
        txn.open_table(PREIMAGES).unwrap().len().unwrap()
    }

    /// A key deleted, its deletion pruned, leaves nothing behind: the live
    /// keys bound the store, not every key ever written.
    #[test]
    fn a_deleted_key_is_forgotten_once_its_deletion_is_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("s.redb")).unwrap();
        let write = |version: u64, key: &[u8], value: Option<&[u8]>| {
            let set = vec![(key.to_vec(), value.map(<[u8]>::to_vec))];
            store
                .commit(store.prepare(version, vec![set]).unwrap())
                .unwrap();
        };
        write(0, b"gone", Some(b"1"));
        write(1, b"back", Some(b"1"));
        write(2, b"gone", None);
        write(3, b"back", None);
        write(4, b"back", Some(b"2"));
        write(5, b"kept", Some(b"1"));
        assert_eq!(preimages(&store), 3);
        store.prune(5).unwrap();
        assert_eq!(preimages(&store), 2);
        let latest = store.snapshot(5).unwrap();
        assert_eq!(latest.get(b"back").unwrap(), Some(b"2".to_vec()));
        assert_eq!(latest.get(b"gone").unwrap(), None);
        // Written again, it is known again.
        write(6, b"gone", Some(b"3"));
        assert_eq!(preimages(&store), 3);
        assert_eq!(store.get(b"gone", 6).unwrap(), Some(b"3".to_vec()));
    }

    /// A store written before the latest-value index existed is indexed
    /// when opened, and reads the same.
    #[test]
    fn an_unindexed_store_is_indexed_when_opened() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.redb");
        let store = Store::open(&path).unwrap();
        let sets = vec![
            vec![
                (b"a/1".to_vec(), Some(b"x".to_vec())),
                (b"a/2".to_vec(), Some(b"y".to_vec())),
            ],
            vec![
                (b"a/1".to_vec(), None),
                (b"a/3".to_vec(), Some(b"z".to_vec())),
            ],
        ];
        store.commit(store.prepare(0, sets).unwrap()).unwrap();
        let expected = store.snapshot(1).unwrap().prefix(b"a/").unwrap();
        // Forget the index, as a store of an earlier release has none.
        let txn = store.db.begin_write().unwrap();
        txn.delete_table(LATEST).unwrap();
        txn.open_table(META)
            .unwrap()
            .remove(tables::LATEST_INDEXED)
            .unwrap();
        txn.commit().unwrap();
        drop(store);

        let store = Store::open(&path).unwrap();
        let snapshot = store.snapshot(1).unwrap();
        assert!(snapshot.is_latest_indexed());
        assert_eq!(snapshot.prefix(b"a/").unwrap(), expected);
        assert_eq!(
            expected,
            vec![
                (b"a/2".to_vec(), b"y".to_vec()),
                (b"a/3".to_vec(), b"z".to_vec())
            ]
        );
        assert_eq!(store.get(b"a/1", 1).unwrap(), None);
    }
}

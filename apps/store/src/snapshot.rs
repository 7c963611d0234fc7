//! Read-only views of one version.

use redb::ReadTransaction;

use crate::error::StoreError;
use crate::reader::{is_latest, value_at};
use crate::tables::{LATEST, VALUES};
use crate::Entries;

/// A consistent view of one version: it holds a read transaction, so later
/// commits and pruning do not change what it sees.
pub struct Snapshot {
    txn: ReadTransaction,
    version: u64,
    /// The latest version when the view was taken: read from the
    /// latest-value index, not from the keys' histories.
    latest: bool,
}

impl Snapshot {
    pub(crate) fn new(txn: ReadTransaction, version: u64) -> Result<Self, StoreError> {
        let latest = is_latest(&txn, version)?;
        Ok(Snapshot {
            txn,
            version,
            latest,
        })
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Whether reads come from the latest-value index (the view is of the
    /// latest version).
    pub fn is_latest_indexed(&self) -> bool {
        self.latest
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        if self.latest {
            let latest = self.txn.open_table(LATEST)?;
            return Ok(latest.get(key)?.map(|value| value.value().to_vec()));
        }
        value_at(&self.txn, key, self.version)
    }

    /// Every live entry whose key starts with `prefix`, in key order.
    pub fn prefix(&self, prefix: &[u8]) -> Result<Entries, StoreError> {
        self.prefix_page(prefix, prefix, usize::MAX)
    }

    /// At most `limit` live entries whose key starts with `prefix` and is at
    /// or after `start`, in key order: a page of a prefix scan, whose cost
    /// is the page's at the latest version.
    pub fn prefix_page(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        let start = start.max(prefix);
        if self.latest {
            return self.latest_page(prefix, start, limit);
        }
        self.historical_page(prefix, start, limit)
    }

    fn latest_page(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        let latest = self.txn.open_table(LATEST)?;
        let mut found = Vec::new();
        for entry in latest.range(start..)? {
            if found.len() >= limit {
                break;
            }
            let (key, value) = entry?;
            if !key.value().starts_with(prefix) {
                break;
            }
            found.push((key.value().to_vec(), value.value().to_vec()));
        }
        Ok(found)
    }

    /// A walk over every stored version of the keys in the page: what an
    /// older version costs.
    fn historical_page(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StoreError> {
        let values = self.txn.open_table(VALUES)?;
        let mut found: Entries = Vec::new();
        // The newest entry at or below our version for the key being scanned.
        let mut current: Option<(Vec<u8>, Option<Vec<u8>>)> = None;
        for entry in values.range((start, 0)..)? {
            let (key, value) = entry?;
            let (key, version) = key.value();
            if !key.starts_with(prefix) {
                break;
            }
            if current.as_ref().is_some_and(|(k, _)| k.as_slice() != key) {
                if let Some((k, Some(v))) = current.take() {
                    found.push((k, v));
                    if found.len() >= limit {
                        return Ok(found);
                    }
                }
            }
            if version <= self.version {
                current = Some((key.to_vec(), value.value().map(<[u8]>::to_vec)));
            } else if current.is_none() {
                // Only newer versions of this key so far: it did not exist yet.
                current = Some((key.to_vec(), None));
            }
        }
        if let Some((k, Some(v))) = current {
            if found.len() < limit {
                found.push((k, v));
            }
        }
        Ok(found)
    }
}

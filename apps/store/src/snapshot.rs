//! Read-only views of one version.

use redb::ReadTransaction;

use crate::error::StoreError;
use crate::reader::value_at;
use crate::tables::VALUES;

/// A consistent view of one version: it holds a read transaction, so later
/// commits and pruning do not change what it sees.
pub struct Snapshot {
    txn: ReadTransaction,
    version: u64,
}

impl Snapshot {
    pub(crate) fn new(txn: ReadTransaction, version: u64) -> Result<Self, StoreError> {
        Ok(Snapshot { txn, version })
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StoreError> {
        value_at(&self.txn, key, self.version)
    }

    /// Every live entry whose key starts with `prefix`, in key order.
    pub fn prefix(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let values = self.txn.open_table(VALUES)?;
        let mut found: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        // The newest entry at or below our version for the key being scanned.
        let mut current: Option<(Vec<u8>, Option<Vec<u8>>)> = None;
        for entry in values.range((prefix, 0)..)? {
            let (key, value) = entry?;
            let (key, version) = key.value();
            if !key.starts_with(prefix) {
                break;
            }
            if current.as_ref().is_some_and(|(k, _)| k.as_slice() != key) {
                if let Some((k, Some(v))) = current.take() {
                    found.push((k, v));
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
            found.push((k, v));
        }
        Ok(found)
    }
}

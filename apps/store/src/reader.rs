//! The tree's view of the committed database.

use jmt::storage::{HasPreimage, LeafNode, Node, NodeKey, TreeReader};
use jmt::{KeyHash, OwnedValue, Version};
use redb::{ReadTransaction, ReadableDatabase, ReadableTable};

use crate::error::StoreError;
use crate::tables::{LATEST, LATEST_INDEXED, LATEST_VERSION, META, NODES, PREIMAGES, VALUES};

pub(crate) struct TreeRead {
    txn: ReadTransaction,
}

impl TreeRead {
    pub(crate) fn new(db: &redb::Database) -> Result<Self, StoreError> {
        Ok(TreeRead {
            txn: db.begin_read()?,
        })
    }
}

/// The value of `key` at `version` as `txn` sees the store: from the
/// latest-value index when `version` is the latest (one lookup), else from
/// the key's history.
pub(crate) fn read_at(
    txn: &ReadTransaction,
    key: &[u8],
    version: Version,
) -> Result<Option<Vec<u8>>, StoreError> {
    if is_latest(txn, version)? {
        let latest = txn.open_table(LATEST)?;
        return Ok(latest.get(key)?.map(|value| value.value().to_vec()));
    }
    value_at(txn, key, version)
}

/// Whether `version` is the latest committed one in `txn`'s view.
pub(crate) fn is_latest(txn: &ReadTransaction, version: Version) -> Result<bool, StoreError> {
    let meta = match txn.open_table(META) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let indexed = meta.get(LATEST_INDEXED)?.is_some();
    let latest = meta.get(LATEST_VERSION)?.map(|v| v.value());
    Ok(indexed && latest == Some(version))
}

/// The newest value of `key` at a version <= `version`: `None` when absent or deleted.
pub(crate) fn value_at(
    txn: &ReadTransaction,
    key: &[u8],
    version: Version,
) -> Result<Option<Vec<u8>>, StoreError> {
    let values = match txn.open_table(VALUES) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let newest = values.range((key, 0)..=(key, version))?.next_back();
    match newest {
        Some(entry) => Ok(entry?.1.value().map(<[u8]>::to_vec)),
        None => Ok(None),
    }
}

fn preimage(txn: &ReadTransaction, key_hash: &KeyHash) -> Result<Option<Vec<u8>>, StoreError> {
    let preimages = match txn.open_table(PREIMAGES) {
        Ok(table) => table,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(preimages
        .get(key_hash.0.as_slice())?
        .map(|key| key.value().to_vec()))
}

impl TreeReader for TreeRead {
    fn get_node_option(&self, node_key: &NodeKey) -> anyhow::Result<Option<Node>> {
        let nodes = match self.txn.open_table(NODES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(StoreError::from(e).into()),
        };
        let key = borsh::to_vec(node_key)?;
        match nodes.get(key.as_slice()).map_err(StoreError::from)? {
            Some(bytes) => Ok(Some(borsh::from_slice(bytes.value())?)),
            None => Ok(None),
        }
    }

    fn get_value_option(
        &self,
        max_version: Version,
        key_hash: KeyHash,
    ) -> anyhow::Result<Option<OwnedValue>> {
        match preimage(&self.txn, &key_hash)? {
            Some(key) => Ok(read_at(&self.txn, &key, max_version)?),
            None => Ok(None),
        }
    }

    /// Only tree restoration asks for this; it scans every node.
    fn get_rightmost_leaf(&self) -> anyhow::Result<Option<(NodeKey, LeafNode)>> {
        let nodes = match self.txn.open_table(NODES) {
            Ok(table) => table,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(StoreError::from(e).into()),
        };
        let mut rightmost: Option<(NodeKey, LeafNode)> = None;
        for entry in nodes.iter().map_err(StoreError::from)? {
            let (key, node) = entry.map_err(StoreError::from)?;
            if let Node::Leaf(leaf) = borsh::from_slice::<Node>(node.value())? {
                if rightmost
                    .as_ref()
                    .is_none_or(|(_, best)| leaf.key_hash() > best.key_hash())
                {
                    rightmost = Some((borsh::from_slice(key.value())?, leaf));
                }
            }
        }
        Ok(rightmost)
    }
}

impl HasPreimage for TreeRead {
    fn preimage(&self, key_hash: KeyHash) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(preimage(&self.txn, &key_hash)?)
    }
}

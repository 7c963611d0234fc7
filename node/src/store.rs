//! The node's block store (redb): decided blocks with their commit
//! certificates, FinalizeBlock results, a tx index, and the proposals seen
//! for heights not yet decided (so a restarted node re-proposes the same
//! block and can hand undecided values back to consensus).

use std::path::Path;

use borsh::{BorshDeserialize, BorshSerialize};
use malachitebft_app_channel::app::types::core::{CommitCertificate, Round};
use prost::Message;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use tendermint_proto::v0_38::abci::ResponseFinalizeBlock;

use crate::context::{Address, BlockPart, BlockRef, ValidatorSet, XccContext};

const BLOCKS: TableDefinition<u64, &[u8]> = TableDefinition::new("blocks");
const CERTIFICATES: TableDefinition<u64, &[u8]> = TableDefinition::new("certificates");
const RESULTS: TableDefinition<u64, &[u8]> = TableDefinition::new("results");
const TX_INDEX: TableDefinition<&[u8], (u64, u32)> = TableDefinition::new("tx_index");
const UNDECIDED: TableDefinition<(u64, &[u8]), &[u8]> = TableDefinition::new("undecided");
const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
/// The validator set of each height from 3 on (1 and 2 use genesis's): the
/// set for h + 2 is written with block h's results, as CometBFT applies the
/// updates of block h two heights later.
const VALIDATOR_SETS: TableDefinition<u64, &[u8]> = TableDefinition::new("validator_sets");
/// A decided block's header hash to its height (`block_by_hash`).
const BLOCK_HASHES: TableDefinition<&[u8], u64> = TableDefinition::new("block_hashes");
/// The event indexes of `tx_search` and `block_search`: one key per
/// attribute value and place (see [`event_key`]), written with the block's
/// results.
const TX_EVENTS: TableDefinition<&[u8], ()> = TableDefinition::new("tx_events");
const BLOCK_EVENTS: TableDefinition<&[u8], ()> = TableDefinition::new("block_events");

const GENESIS_APP_HASH: &str = "genesis_app_hash";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("block store: {0}")]
    Db(String),
    #[error("block store holds a record that does not decode: {0}")]
    Corrupt(String),
    #[error("the query matches more than {0} places; add a condition that narrows it")]
    TooMany(usize),
}

macro_rules! db_error {
    ($($ty:ty),*) => {$(
        impl From<$ty> for StoreError {
            fn from(error: $ty) -> Self {
                StoreError::Db(error.to_string())
            }
        }
    )*};
}
db_error!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

/// A proposal seen (or built) for a height not yet decided.
#[derive(Clone, Debug, BorshSerialize, BorshDeserialize)]
pub struct Undecided {
    pub round: Round,
    pub valid_round: Round,
    pub proposer: Address,
    pub valid: bool,
    pub part: BlockPart,
}

pub struct BlockStore {
    db: Database,
}

impl BlockStore {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let db = Database::create(path)?;
        let txn = db.begin_write()?;
        for table in [BLOCKS, CERTIFICATES, RESULTS, VALIDATOR_SETS] {
            txn.open_table(table)?;
        }
        txn.open_table(TX_INDEX)?;
        txn.open_table(BLOCK_HASHES)?;
        txn.open_table(TX_EVENTS)?;
        txn.open_table(BLOCK_EVENTS)?;
        txn.open_table(UNDECIDED)?;
        txn.open_table(META)?;
        txn.commit()?;
        Ok(BlockStore { db })
    }

    fn get_bytes(
        &self,
        table: TableDefinition<u64, &[u8]>,
        height: u64,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(table)?;
        Ok(table.get(height)?.map(|v| v.value().to_vec()))
    }

    pub fn max_height(&self) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let last = table.last()?.map(|(k, _)| k.value());
        Ok(last)
    }

    pub fn min_height(&self) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCKS)?;
        let first = table.first()?.map(|(k, _)| k.value());
        Ok(first)
    }

    pub fn block_bytes(&self, height: u64) -> Result<Option<Vec<u8>>, StoreError> {
        self.get_bytes(BLOCKS, height)
    }

    /// The height of the decided block whose header hashes to `hash`.
    pub fn height_of_block(&self, hash: &[u8]) -> Result<Option<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCK_HASHES)?;
        Ok(table.get(hash)?.map(|v| v.value()))
    }

    pub fn certificate(
        &self,
        height: u64,
    ) -> Result<Option<CommitCertificate<XccContext>>, StoreError> {
        self.get_bytes(CERTIFICATES, height)?
            .map(|bytes| {
                CommitCertificate::try_from_slice(&bytes)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    pub fn results(&self, height: u64) -> Result<Option<ResponseFinalizeBlock>, StoreError> {
        self.get_bytes(RESULTS, height)?
            .map(|bytes| {
                ResponseFinalizeBlock::decode(bytes.as_slice())
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    /// Where a tx was committed: its height and index in the block.
    pub fn tx_location(&self, hash: &[u8]) -> Result<Option<(u64, u32)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TX_INDEX)?;
        Ok(table.get(hash)?.map(|v| v.value()))
    }

    pub fn genesis_app_hash(&self) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(META)?;
        Ok(table.get(GENESIS_APP_HASH)?.map(|v| v.value().to_vec()))
    }

    pub fn set_genesis_app_hash(&self, hash: &[u8]) -> Result<(), StoreError> {
        let txn = self.db.begin_write()?;
        txn.open_table(META)?.insert(GENESIS_APP_HASH, hash)?;
        txn.commit()?;
        Ok(())
    }

    /// Records a decided block and its certificate, and forgets the
    /// proposals of heights up to it, in one transaction.
    pub fn store_decided(
        &self,
        height: u64,
        block: &[u8],
        hash: &[u8],
        certificate: &CommitCertificate<XccContext>,
    ) -> Result<(), StoreError> {
        let certificate =
            borsh::to_vec(certificate).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.db.begin_write()?;
        txn.open_table(BLOCKS)?.insert(height, block)?;
        txn.open_table(BLOCK_HASHES)?.insert(hash, height)?;
        txn.open_table(CERTIFICATES)?
            .insert(height, certificate.as_slice())?;
        {
            let mut undecided = txn.open_table(UNDECIDED)?;
            let stale: Vec<(u64, Vec<u8>)> = undecided
                .range((0u64, &[][..])..=(height, &[0xffu8; 64][..]))?
                .map(|entry| entry.map(|(k, _)| (k.value().0, k.value().1.to_vec())))
                .collect::<Result<_, _>>()?;
            for (h, id) in stale {
                undecided.remove((h, id.as_slice()))?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Replaces the certificate of a decided height (Finalized may carry
    /// more signatures than Decided).
    pub fn update_certificate(
        &self,
        certificate: &CommitCertificate<XccContext>,
    ) -> Result<(), StoreError> {
        let bytes = borsh::to_vec(certificate).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.db.begin_write()?;
        txn.open_table(CERTIFICATES)?
            .insert(certificate.height.0, bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    /// The validator set of `height`, if recorded (heights above 2).
    pub fn validator_set(&self, height: u64) -> Result<Option<ValidatorSet>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(VALIDATOR_SETS)?;
        let Some(bytes) = table.get(height)? else {
            return Ok(None);
        };
        let entries: Vec<([u8; 32], u64)> =
            borsh::from_slice(bytes.value()).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        ValidatorSet::from_entries(&entries)
            .map(Some)
            .ok_or_else(|| StoreError::Corrupt(format!("validator set of height {height}")))
    }

    /// Records a block's FinalizeBlock results, indexes its txs, and records
    /// the validator set of `height + 2`, in one transaction.
    pub fn store_results(
        &self,
        height: u64,
        results: &ResponseFinalizeBlock,
        tx_hashes: &[[u8; 32]],
        validators_after_next: &ValidatorSet,
    ) -> Result<(), StoreError> {
        let entries = borsh::to_vec(&validators_after_next.to_entries())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.db.begin_write()?;
        txn.open_table(RESULTS)?
            .insert(height, results.encode_to_vec().as_slice())?;
        txn.open_table(VALIDATOR_SETS)?
            .insert(height + 2, entries.as_slice())?;
        {
            let mut index = txn.open_table(TX_INDEX)?;
            for (i, hash) in tx_hashes.iter().enumerate() {
                index.insert(&hash[..], (height, i as u32))?;
            }
            let mut tx_events = txn.open_table(TX_EVENTS)?;
            for (i, result) in results.tx_results.iter().enumerate() {
                for (composite, value) in attributes(&result.events) {
                    let key = event_key(&composite, value, height, Some(i as u32));
                    tx_events.insert(key.as_slice(), ())?;
                }
            }
            let mut block_events = txn.open_table(BLOCK_EVENTS)?;
            for (composite, value) in attributes(&results.events) {
                let key = event_key(&composite, value, height, None);
                block_events.insert(key.as_slice(), ())?;
            }
        }
        txn.commit()?;
        Ok(())
    }

    /// Where txs were committed whose events gave `composite` the value
    /// `value`, in (height, index) order; more than `limit` is an error, so
    /// that no request walks an unbounded list.
    pub fn tx_places(
        &self,
        composite: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<(u64, u32)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(TX_EVENTS)?;
        let places = self.places(&table, composite, value, limit)?;
        Ok(places
            .into_iter()
            .map(|(height, index)| (height, index.unwrap_or(0)))
            .collect())
    }

    /// The heights whose block events gave `composite` the value `value`.
    pub fn block_heights(
        &self,
        composite: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<u64>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(BLOCK_EVENTS)?;
        let places = self.places(&table, composite, value, limit)?;
        Ok(places.into_iter().map(|(height, _)| height).collect())
    }

    fn places(
        &self,
        table: &impl ReadableTable<&'static [u8], ()>,
        composite: &str,
        value: &str,
        limit: usize,
    ) -> Result<Vec<(u64, Option<u32>)>, StoreError> {
        let prefix = event_prefix(composite, value);
        let mut places = Vec::new();
        for entry in table.range(prefix.as_slice()..)? {
            let (key, _) = entry?;
            let Some(place) = key.value().strip_prefix(prefix.as_slice()) else {
                break;
            };
            let parsed = match place.len() {
                8 => place.try_into().ok().map(|h| (u64::from_be_bytes(h), None)),
                12 => place[..8]
                    .try_into()
                    .ok()
                    .zip(place[8..].try_into().ok())
                    .map(|(h, i)| (u64::from_be_bytes(h), Some(u32::from_be_bytes(i)))),
                // A longer value that only begins with this one.
                _ => None,
            };
            if let Some(place) = parsed {
                if places.len() == limit {
                    return Err(StoreError::TooMany(limit));
                }
                places.push(place);
            }
        }
        Ok(places)
    }

    pub fn store_undecided(
        &self,
        height: u64,
        value: &BlockRef,
        undecided: &Undecided,
    ) -> Result<(), StoreError> {
        let key = borsh::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let bytes = borsh::to_vec(undecided).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.db.begin_write()?;
        txn.open_table(UNDECIDED)?
            .insert((height, key.as_slice()), bytes.as_slice())?;
        txn.commit()?;
        Ok(())
    }

    pub fn undecided(
        &self,
        height: u64,
        value: &BlockRef,
    ) -> Result<Option<Undecided>, StoreError> {
        let key = borsh::to_vec(value).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let txn = self.db.begin_read()?;
        let table = txn.open_table(UNDECIDED)?;
        table
            .get((height, key.as_slice()))?
            .map(|v| {
                Undecided::try_from_slice(v.value()).map_err(|e| StoreError::Corrupt(e.to_string()))
            })
            .transpose()
    }

    /// Every proposal seen at `height`, with its value.
    pub fn undecided_at(&self, height: u64) -> Result<Vec<(BlockRef, Undecided)>, StoreError> {
        let txn = self.db.begin_read()?;
        let table = txn.open_table(UNDECIDED)?;
        let mut found = Vec::new();
        for entry in table.range((height, &[][..])..=(height, &[0xffu8; 64][..]))? {
            let (key, value) = entry?;
            let block = BlockRef::try_from_slice(key.value().1)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            let undecided = Undecided::try_from_slice(value.value())
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            found.push((block, undecided));
        }
        Ok(found)
    }
}

/// Every attribute of typed events as (`type.key`, value).
fn attributes(
    events: &[tendermint_proto::v0_38::abci::Event],
) -> impl Iterator<Item = (String, &str)> {
    events
        .iter()
        .filter(|event| !event.r#type.is_empty())
        .flat_map(|event| {
            event
                .attributes
                .iter()
                .map(move |a| (format!("{}.{}", event.r#type, a.key), a.value.as_str()))
        })
}

/// `type.key`, a zero byte, the value, a zero byte: every key of one value.
fn event_prefix(composite: &str, value: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(composite.len() + value.len() + 14);
    key.extend_from_slice(composite.as_bytes());
    key.push(0);
    key.extend_from_slice(value.as_bytes());
    key.push(0);
    key
}

/// The prefix, then the height and, for a tx, its index (big-endian, so
/// keys sort by place).
fn event_key(composite: &str, value: &str, height: u64, index: Option<u32>) -> Vec<u8> {
    let mut key = event_prefix(composite, value);
    key.extend_from_slice(&height.to_be_bytes());
    if let Some(index) = index {
        key.extend_from_slice(&index.to_be_bytes());
    }
    key
}

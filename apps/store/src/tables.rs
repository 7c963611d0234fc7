//! The redb tables of the store.

use redb::TableDefinition;

/// borsh(NodeKey) -> borsh(Node): the tree's nodes.
pub const NODES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("jmt_nodes");

/// (key, version) -> value written at that version, `None` for a deletion.
/// Ordered by key, then version, so one range reads a key's history and
/// prefix scans list keys in order.
pub const VALUES: TableDefinition<(&[u8], u64), Option<&[u8]>> = TableDefinition::new("values");

/// key -> its value at the latest version; a deleted key has no row. Reads
/// of the latest version and its prefix scans cost what the live keys cost,
/// never their history.
pub const LATEST: TableDefinition<&[u8], &[u8]> = TableDefinition::new("latest_values");

/// key hash -> key, for reading values and building ics23 proofs by hash.
pub const PREIMAGES: TableDefinition<&[u8], &[u8]> = TableDefinition::new("preimages");

/// (stale since version, borsh(NodeKey)): nodes no version >= that one needs.
pub const STALE_NODES: TableDefinition<(u64, &[u8]), ()> = TableDefinition::new("stale_nodes");

/// (version, key, older version): the value of `key` at `older version` is not
/// visible at `version` or after. A deletion lists itself.
pub const SUPERSEDED: TableDefinition<(u64, &[u8], u64), ()> =
    TableDefinition::new("superseded_values");

/// Counters: the latest version and the oldest retained one.
pub const META: TableDefinition<&str, u64> = TableDefinition::new("meta");

pub const LATEST_VERSION: &str = "latest_version";
pub const OLDEST_VERSION: &str = "oldest_version";
/// Set once `LATEST` holds every live key (stores written before it existed
/// are indexed when opened).
pub const LATEST_INDEXED: &str = "latest_indexed";

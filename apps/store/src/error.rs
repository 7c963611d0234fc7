#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Db(#[from] redb::Error),
    #[error("merkle tree: {0}")]
    Tree(String),
    #[error("version {requested} is not retained (retained: {oldest}..={latest})")]
    VersionUnavailable {
        requested: u64,
        oldest: u64,
        latest: u64,
    },
    #[error("version {got} does not follow the latest version {latest:?}")]
    OutOfOrder { latest: Option<u64>, got: u64 },
    #[error("empty value at key {0:?}: ics23 cannot prove empty values")]
    EmptyValue(String),
    #[error("corrupt store: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub(crate) fn tree(error: anyhow::Error) -> Self {
        StoreError::Tree(format!("{error:#}"))
    }
}

macro_rules! from_redb {
    ($($error:ty),*) => {
        $(impl From<$error> for StoreError {
            fn from(error: $error) -> Self {
                StoreError::Db(error.into())
            }
        })*
    };
}

from_redb!(
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError
);

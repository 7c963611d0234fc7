//! State access for modules: read and write traits, a copy-on-write overlay for
//! blocks and txs, and typed helpers.

mod delta;
mod ext;

pub use delta::{Changes, EmptyState, StateDelta};
pub use ext::{corrupt, decode_u64};
pub use ext::{parse_stored, Record, StateReadExt, StateWriteExt};
pub use xcc_store::Entries;

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("storage: {0}")]
    Storage(#[from] xcc_store::StoreError),
    #[error("corrupt state at key {key}: {reason}")]
    Corrupt { key: String, reason: String },
}

/// Key-value reads. Keys are raw bytes laid out by each module's `state_key.rs`.
pub trait StateRead {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError>;
    /// Every entry whose key starts with `prefix`, in key order.
    fn prefix_raw(&self, prefix: &[u8]) -> Result<Entries, StateError>;
    /// At most `limit` entries whose key starts with `prefix` and is at or
    /// after `start`, in key order: what a hook or a query that must not
    /// grow with the state reads.
    fn prefix_page_raw(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StateError>;
}

pub trait StateWrite: StateRead {
    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>);
    fn delete(&mut self, key: Vec<u8>);
}

/// Runs `f` in an overlay of `state` and keeps its writes only if it
/// succeeds, so a failure partway changes nothing.
pub fn transactional<T, E>(
    state: &mut dyn StateWrite,
    f: impl FnOnce(&mut dyn StateWrite) -> Result<T, E>,
) -> Result<T, E> {
    let mut overlay = StateDelta::new(&*state);
    let outcome = f(&mut overlay);
    let changes = overlay.into_changes();
    if outcome.is_ok() {
        for (key, value) in changes {
            match value {
                Some(value) => state.put_raw(key, value),
                None => state.delete(key),
            }
        }
    }
    outcome
}

/// A reference or a box of a state reads as the state itself.
macro_rules! forward_state_read {
    ($($wrapper:ty),*) => {$(
        impl<S: StateRead + ?Sized> StateRead for $wrapper {
            fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
                (**self).get_raw(key)
            }

            fn prefix_raw(&self, prefix: &[u8]) -> Result<Entries, StateError> {
                (**self).prefix_raw(prefix)
            }

            fn prefix_page_raw(
                &self,
                prefix: &[u8],
                start: &[u8],
                limit: usize,
            ) -> Result<Entries, StateError> {
                (**self).prefix_page_raw(prefix, start, limit)
            }
        }
    )*};
}

forward_state_read!(&S, Box<S>);

impl StateRead for xcc_store::Snapshot {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.get(key)?)
    }

    fn prefix_raw(&self, prefix: &[u8]) -> Result<Entries, StateError> {
        Ok(self.prefix(prefix)?)
    }

    fn prefix_page_raw(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StateError> {
        Ok(self.prefix_page(prefix, start, limit)?)
    }
}

use std::collections::BTreeMap;

use super::{Entries, StateError, StateRead, StateWrite};

/// Pending writes: `None` deletes the key.
pub type Changes = BTreeMap<Vec<u8>, Option<Vec<u8>>>;

/// Writes buffered over a base state. A tx runs in a delta over the block's
/// delta and is merged only if it succeeds, so a failed tx changes nothing.
pub struct StateDelta<B> {
    base: B,
    changes: Changes,
}

impl<B: StateRead> StateDelta<B> {
    pub fn new(base: B) -> Self {
        StateDelta {
            base,
            changes: Changes::new(),
        }
    }

    pub fn with_changes(base: B, changes: Changes) -> Self {
        StateDelta { base, changes }
    }

    pub fn into_changes(self) -> Changes {
        self.changes
    }

    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    pub fn apply(&mut self, changes: Changes) {
        self.changes.extend(changes);
    }
}

impl<B: StateRead> StateRead for StateDelta<B> {
    fn get_raw(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        match self.changes.get(key) {
            Some(change) => Ok(change.clone()),
            None => self.base.get_raw(key),
        }
    }

    fn prefix_raw(&self, prefix: &[u8]) -> Result<Entries, StateError> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> =
            self.base.prefix_raw(prefix)?.into_iter().collect();
        let pending = self
            .changes
            .range(prefix.to_vec()..)
            .take_while(|(key, _)| key.starts_with(prefix));
        for (key, change) in pending {
            match change {
                Some(value) => merged.insert(key.clone(), value.clone()),
                None => merged.remove(key),
            };
        }
        Ok(merged.into_iter().collect())
    }

    fn prefix_page_raw(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Entries, StateError> {
        let start = start.max(prefix);
        let pending: Vec<(&Vec<u8>, &Option<Vec<u8>>)> = self
            .changes
            .range(start.to_vec()..)
            .take_while(|(key, _)| key.starts_with(prefix))
            .collect();
        // Each pending deletion may hide one base entry of the page.
        let deletions = pending.iter().filter(|(_, c)| c.is_none()).count();
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self
            .base
            .prefix_page_raw(prefix, start, limit.saturating_add(deletions))?
            .into_iter()
            .collect();
        // The base page ends where it ends: pending writes past it may sort
        // before base entries that the page left out.
        let base_end = (merged.len() >= limit.saturating_add(deletions))
            .then(|| merged.keys().next_back().cloned())
            .flatten();
        for (key, change) in pending {
            if base_end.as_ref().is_some_and(|end| key > end) {
                break;
            }
            match change {
                Some(value) => merged.insert(key.clone(), value.clone()),
                None => merged.remove(key),
            };
        }
        Ok(merged.into_iter().take(limit).collect())
    }
}

impl<B: StateRead> StateWrite for StateDelta<B> {
    fn put_raw(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.changes.insert(key, Some(value));
    }

    fn delete(&mut self, key: Vec<u8>) {
        self.changes.insert(key, None);
    }
}

/// An empty state, the base of genesis.
pub struct EmptyState;

impl StateRead for EmptyState {
    fn get_raw(&self, _key: &[u8]) -> Result<Option<Vec<u8>>, StateError> {
        Ok(None)
    }

    fn prefix_raw(&self, _prefix: &[u8]) -> Result<Entries, StateError> {
        Ok(Vec::new())
    }

    fn prefix_page_raw(
        &self,
        _prefix: &[u8],
        _start: &[u8],
        _limit: usize,
    ) -> Result<Entries, StateError> {
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_keys_stop_at_the_first_key_not_due_and_at_the_most() {
        use crate::state::StateReadExt;
        let mut index = StateDelta::new(&EmptyState);
        for due in 0..40u32 {
            index.put_raw(format!("due/{due:03}").into_bytes(), vec![1]);
        }
        index.put_raw(b"other/000".to_vec(), vec![1]);
        let number =
            |key: &[u8]| -> u32 { std::str::from_utf8(&key[4..]).unwrap().parse().unwrap() };
        let keys = |max, until| index.due_keys(b"due/", max, |k| number(k) < until).unwrap();
        assert_eq!(keys(100, 0), Vec::<Vec<u8>>::new());
        assert_eq!(keys(100, 20).len(), 20);
        assert_eq!(
            keys(100, 99).len(),
            40,
            "past several chunks, not past the prefix"
        );
        assert_eq!(keys(5, 99).len(), 5);
        assert_eq!(keys(17, 99).last().unwrap(), b"due/016");
    }

    #[test]
    fn nested_deltas_read_through_and_merge() {
        let mut block = StateDelta::new(&EmptyState);
        block.put_raw(b"a/1".to_vec(), b"x".to_vec());
        block.put_raw(b"a/2".to_vec(), b"y".to_vec());
        block.put_raw(b"b/1".to_vec(), b"z".to_vec());

        let mut tx = StateDelta::new(&block);
        tx.delete(b"a/1".to_vec());
        tx.put_raw(b"a/3".to_vec(), b"w".to_vec());
        assert_eq!(tx.get_raw(b"a/1").unwrap(), None);
        assert_eq!(tx.get_raw(b"b/1").unwrap(), Some(b"z".to_vec()));
        let listed: Vec<Vec<u8>> = tx
            .prefix_raw(b"a/")
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(listed, vec![b"a/2".to_vec(), b"a/3".to_vec()]);

        let changes = tx.into_changes();
        block.apply(changes);
        assert_eq!(block.get_raw(b"a/1").unwrap(), None);
        assert_eq!(block.get_raw(b"a/3").unwrap(), Some(b"w".to_vec()));
    }

    #[test]
    fn pages_merge_pending_writes_and_deletions_in_key_order() {
        let mut base = StateDelta::new(&EmptyState);
        for i in 1..=5 {
            base.put_raw(format!("a/{i}").into_bytes(), vec![i]);
        }
        base.put_raw(b"b/1".to_vec(), vec![0]);
        let mut tx = StateDelta::new(&base);
        tx.delete(b"a/2".to_vec());
        tx.put_raw(b"a/25".to_vec(), vec![25]);
        tx.put_raw(b"a/9".to_vec(), vec![9]);
        let keys = |page: Vec<(Vec<u8>, Vec<u8>)>| -> Vec<String> {
            page.into_iter()
                .map(|(k, _)| String::from_utf8(k).unwrap())
                .collect()
        };
        assert_eq!(
            keys(tx.prefix_page_raw(b"a/", b"a/", 3).unwrap()),
            ["a/1", "a/25", "a/3"]
        );
        assert_eq!(
            keys(tx.prefix_page_raw(b"a/", b"a/4", 10).unwrap()),
            ["a/4", "a/5", "a/9"]
        );
        // Every page size agrees with the whole scan.
        let all = keys(tx.prefix_raw(b"a/").unwrap());
        for limit in 0..8 {
            let page = keys(tx.prefix_page_raw(b"a/", b"", limit).unwrap());
            assert_eq!(page, all[..limit.min(all.len())], "limit {limit}");
        }
    }
}

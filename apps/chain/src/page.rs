//! Key-based pagination of list queries, as the Cosmos SDK's
//! `query.PageRequest` without offsets: a page starts at a store key, so
//! what one answer costs is bounded by its page, never by the state that
//! sorts before it.

use prost::Message;
pub use xcc_proto::query::v1::{PageRequest, PageResponse};

use crate::error::QueryError;
use crate::state::{corrupt, decode_u64, StateError, StateRead};

/// Items in a page whose request names no limit.
pub const DEFAULT_PAGE_LIMIT: u32 = 100;
/// The most items one page holds, whatever its request asks.
pub const MAX_PAGE_LIMIT: u32 = 1_000;
/// The most entries one page reads. A filter that keeps few of them ends
/// the page early, short of its limit and with a next key, rather than
/// reading on.
pub const MAX_PAGE_SCAN: usize = 10_000;

/// A stored value as a page decodes it.
pub trait PageValue: Sized {
    fn decode_value(key: &[u8], bytes: &[u8]) -> Result<Self, StateError>;
}

impl<M: Message + Default> PageValue for M {
    fn decode_value(key: &[u8], bytes: &[u8]) -> Result<Self, StateError> {
        M::decode(bytes).map_err(|e| corrupt(key, e))
    }
}

/// A big-endian u64, as `StateWriteExt::put_u64` stores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BigEndianU64(pub u64);

impl PageValue for BigEndianU64 {
    fn decode_value(key: &[u8], bytes: &[u8]) -> Result<Self, StateError> {
        decode_u64(key, bytes).map(BigEndianU64)
    }
}

/// An entry that counts for its key alone; its value is not read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyOnly;

impl PageValue for KeyOnly {
    fn decode_value(_key: &[u8], _bytes: &[u8]) -> Result<Self, StateError> {
        Ok(KeyOnly)
    }
}

/// The selector of a page that keeps every value as it is.
pub fn every<V>(_key: &[u8], value: V) -> Result<Option<V>, QueryError> {
    Ok(Some(value))
}

/// One page of the entries under `prefix`, in key order. Each value is
/// decoded as a `V` and handed with its key to `select`, which keeps it as
/// a `T` or skips it. The page ends with `limit` items, after
/// `MAX_PAGE_SCAN` entries or with the prefix; its response names the
/// first entry it did not read, if there is one.
pub fn paginate<V: PageValue, T>(
    state: &dyn StateRead,
    prefix: &[u8],
    request: Option<PageRequest>,
    mut select: impl FnMut(&[u8], V) -> Result<Option<T>, QueryError>,
) -> Result<(Vec<T>, PageResponse), QueryError> {
    let (mut start, limit) = bounds(prefix, request.unwrap_or_default())?;
    let (mut items, mut scanned, mut chunk) = (Vec::new(), 0, limit);
    loop {
        // One entry more than the page may still read tells whether
        // anything is left after it.
        let wanted = chunk.min(MAX_PAGE_SCAN - scanned) + 1;
        let entries = state.prefix_page_raw(prefix, &start, wanted)?;
        let exhausted = entries.len() < wanted;
        for (key, bytes) in entries {
            if items.len() == limit || scanned == MAX_PAGE_SCAN {
                return Ok((items, PageResponse { next_key: key }));
            }
            scanned += 1;
            if let Some(item) = select(&key, V::decode_value(&key, &bytes)?)? {
                items.push(item);
            }
            start = successor(key);
        }
        if exhausted {
            return Ok((items, PageResponse::default()));
        }
        // The selector skipped entries: read on for the items still
        // missing, in chunks no smaller than a default page, so that a
        // sparse filter does not read one entry at a time.
        chunk = (limit - items.len()).max(DEFAULT_PAGE_LIMIT as usize);
    }
}

/// Where a page starts and how many items it may hold.
fn bounds(prefix: &[u8], request: PageRequest) -> Result<(Vec<u8>, usize), QueryError> {
    let limit = match request.limit {
        0 => DEFAULT_PAGE_LIMIT,
        asked => asked.min(MAX_PAGE_LIMIT),
    } as usize;
    if request.key.is_empty() {
        return Ok((prefix.to_vec(), limit));
    }
    // A key elsewhere would read another list's entries.
    if !request.key.starts_with(prefix) {
        return Err(QueryError::Invalid(
            "the page key is not a key of this list".into(),
        ));
    }
    Ok((request.key, limit))
}

/// The least key after `key`.
fn successor(mut key: Vec<u8>) -> Vec<u8> {
    key.push(0);
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{EmptyState, StateDelta, StateWrite};

    const PREFIX: &[u8] = b"list/";

    /// `count` entries under `PREFIX`, valued by their index, between
    /// neighbours that a page must never read.
    fn state(count: u64) -> StateDelta<EmptyState> {
        let mut state = StateDelta::new(EmptyState);
        state.put_raw(b"lisa".to_vec(), 0u64.to_be_bytes().to_vec());
        for i in 0..count {
            state.put_raw(key(i), i.to_be_bytes().to_vec());
        }
        state.put_raw(b"lists".to_vec(), 0u64.to_be_bytes().to_vec());
        state
    }

    fn key(i: u64) -> Vec<u8> {
        format!("list/{i:06}").into_bytes()
    }

    fn request(key: Vec<u8>, limit: u32) -> Option<PageRequest> {
        Some(PageRequest { key, limit })
    }

    fn values(
        state: &dyn StateRead,
        page: Option<PageRequest>,
    ) -> Result<(Vec<u64>, PageResponse), QueryError> {
        paginate(state, PREFIX, page, |_, BigEndianU64(i)| Ok(Some(i)))
    }

    /// Every value, following next keys from the first page; also how
    /// many pages it took.
    fn follow(
        state: &dyn StateRead,
        limit: u32,
        mut select: impl FnMut(&[u8], BigEndianU64) -> Result<Option<u64>, QueryError>,
    ) -> (Vec<u64>, usize) {
        let (mut all, mut pages, mut key) = (Vec::new(), 0, Vec::new());
        loop {
            let (items, page) = paginate(state, PREFIX, request(key, limit), &mut select).unwrap();
            all.extend(items);
            pages += 1;
            if page.next_key.is_empty() {
                return (all, pages);
            }
            key = page.next_key;
        }
    }

    #[test]
    fn no_request_and_limit_zero_give_the_default_page() {
        let state = state(250);
        for page in [None, request(Vec::new(), 0)] {
            let (items, response) = values(&state, page).unwrap();
            assert_eq!(items, (0..100).collect::<Vec<_>>());
            assert_eq!(response.next_key, key(100));
        }
    }

    #[test]
    fn a_limit_above_the_maximum_is_clamped() {
        let state = state(1_500);
        let (items, response) = values(&state, request(Vec::new(), 5_000)).unwrap();
        assert_eq!(items.len(), MAX_PAGE_LIMIT as usize);
        assert_eq!(response.next_key, key(u64::from(MAX_PAGE_LIMIT)));
    }

    #[test]
    fn the_last_page_has_no_next_key() {
        let state = state(10);
        let (items, response) = values(&state, request(key(5), 5)).unwrap();
        assert_eq!(items, vec![5, 6, 7, 8, 9]);
        assert!(response.next_key.is_empty());
        let (items, response) = values(&StateDelta::new(EmptyState), None).unwrap();
        assert!(items.is_empty() && response.next_key.is_empty());
    }

    #[test]
    fn following_next_keys_reads_every_entry_exactly_once() {
        let state = state(103);
        for limit in [1, 2, 7, 50, 102, 103, 104, MAX_PAGE_LIMIT] {
            let (all, pages) = follow(&state, limit, |_, BigEndianU64(i)| Ok(Some(i)));
            assert_eq!(all, (0..103).collect::<Vec<_>>(), "limit {limit}");
            assert_eq!(pages, 103usize.div_ceil(limit as usize), "limit {limit}");
        }
    }

    #[test]
    fn a_filter_fills_pages_from_further_on_and_misses_nothing() {
        let state = state(100);
        let every_third = |_: &[u8], BigEndianU64(i)| Ok((i % 3 == 0).then_some(i));
        let (items, response) =
            paginate(&state, PREFIX, request(Vec::new(), 10), every_third).unwrap();
        assert_eq!(items, (0..30).step_by(3).collect::<Vec<_>>());
        // The entry after the tenth kept one is where the next page starts.
        assert_eq!(response.next_key, key(28));
        for limit in [1, 4, 33, 34, 100] {
            let (all, _) = follow(&state, limit, every_third);
            assert_eq!(
                all,
                (0..100).step_by(3).collect::<Vec<_>>(),
                "limit {limit}"
            );
        }
    }

    #[test]
    fn a_page_reads_at_most_max_page_scan_entries() {
        let count = 2 * MAX_PAGE_SCAN as u64 + 5;
        let state = state(count);
        let mut read = 0;
        let (items, response) = paginate(&state, PREFIX, None, |_, BigEndianU64(i)| {
            read += 1;
            Ok((i == count - 1).then_some(i))
        })
        .unwrap();
        assert!(items.is_empty());
        assert_eq!(read, MAX_PAGE_SCAN);
        assert_eq!(response.next_key, key(MAX_PAGE_SCAN as u64));
        let (all, pages) = follow(&state, 0, |_, BigEndianU64(i)| {
            Ok((i == count - 1).then_some(i))
        });
        assert_eq!((all, pages), (vec![count - 1], 3));
    }

    #[test]
    fn a_key_outside_the_prefix_is_refused() {
        let state = state(3);
        for key in [b"lists".to_vec(), b"other/1".to_vec(), b"list".to_vec()] {
            assert!(matches!(
                values(&state, request(key, 0)),
                Err(QueryError::Invalid(_))
            ));
        }
    }

    #[test]
    fn selectors_see_keys_and_undecodable_values_are_errors() {
        let mut state = state(3);
        let (keys, _) =
            paginate(&state, PREFIX, None, |key, KeyOnly| Ok(Some(key.to_vec()))).unwrap();
        assert_eq!(keys, vec![key(0), key(1), key(2)]);
        state.put_raw(key(1), vec![1, 2, 3]);
        assert!(matches!(values(&state, None), Err(QueryError::State(_))));
    }
}

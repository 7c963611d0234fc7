//! Typed reads and writes over the raw traits.

use prost::Message;

use super::{StateError, StateRead, StateWrite};

/// The error of a stored entry that does not read as it must.
pub fn corrupt(key: &[u8], reason: impl ToString) -> StateError {
    StateError::Corrupt {
        key: String::from_utf8_lossy(key).into_owned(),
        reason: reason.to_string(),
    }
}

/// A module's domain type stored as one protobuf record: decoded and
/// checked once where it is read, so handlers work with typed fields and
/// never parse stored strings again. The conversion back must give the
/// same record, so state written through a domain type keeps its bytes.
pub trait Record: Sized {
    type Proto: Message + Default;
    /// The domain value of a stored record, or why the record is not one.
    fn from_proto(proto: Self::Proto) -> Result<Self, String>;
    fn to_proto(&self) -> Self::Proto;
}

/// A string field of a stored record parsed into its type (an address, a
/// symbol, a denom), for `Record::from_proto`.
pub fn parse_stored<T>(field: &str, value: &str) -> Result<T, String>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value.parse().map_err(|e: T::Err| format!("{field}: {e}"))
}

pub trait StateReadExt: StateRead {
    /// The record at `key` as its domain type.
    fn get_record<R: Record>(&self, key: &[u8]) -> Result<Option<R>, StateError> {
        match self.get_proto::<R::Proto>(key)? {
            Some(proto) => R::from_proto(proto)
                .map(Some)
                .map_err(|reason| corrupt(key, reason)),
            None => Ok(None),
        }
    }

    fn get_proto<M: Message + Default>(&self, key: &[u8]) -> Result<Option<M>, StateError> {
        match self.get_raw(key)? {
            Some(bytes) => M::decode(bytes.as_slice())
                .map(Some)
                .map_err(|e| corrupt(key, e)),
            None => Ok(None),
        }
    }

    /// A big-endian u64; absent reads as zero.
    fn get_u64(&self, key: &[u8]) -> Result<u64, StateError> {
        match self.get_raw(key)? {
            Some(bytes) => decode_u64(key, &bytes),
            None => Ok(0),
        }
    }

    /// The keys under `prefix`, in key order, up to the first that is not
    /// `due` and at most `max`: an index kept in due order (deadlines,
    /// prune heights) read for only what is due now, a few keys at a time,
    /// so a block never reads the entries that wait.
    fn due_keys(
        &self,
        prefix: &[u8],
        max: usize,
        mut due: impl FnMut(&[u8]) -> bool,
    ) -> Result<Vec<Vec<u8>>, StateError> {
        const CHUNK: usize = 16;
        let mut keys = Vec::new();
        let mut start = prefix.to_vec();
        while keys.len() < max {
            let chunk = self.prefix_page_raw(prefix, &start, CHUNK.min(max - keys.len()))?;
            let full = chunk.len() == CHUNK.min(max - keys.len());
            for (key, _) in chunk {
                if !due(&key) {
                    return Ok(keys);
                }
                start = key.clone();
                start.push(0);
                keys.push(key);
            }
            if !full {
                break;
            }
        }
        Ok(keys)
    }

    /// Every (key, u64) entry under `prefix`, in key order.
    fn prefix_u64(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, u64)>, StateError> {
        self.prefix_raw(prefix)?
            .into_iter()
            .map(|(key, bytes)| decode_u64(&key, &bytes).map(|value| (key, value)))
            .collect()
    }

    fn prefix_proto<M: Message + Default>(
        &self,
        prefix: &[u8],
    ) -> Result<Vec<(Vec<u8>, M)>, StateError> {
        self.prefix_raw(prefix)?
            .into_iter()
            .map(|(key, bytes)| match M::decode(bytes.as_slice()) {
                Ok(value) => Ok((key, value)),
                Err(e) => Err(corrupt(&key, e)),
            })
            .collect()
    }

    /// A page of records under `prefix` from `start` (see `prefix_page_raw`).
    fn prefix_page_proto<M: Message + Default>(
        &self,
        prefix: &[u8],
        start: &[u8],
        limit: usize,
    ) -> Result<Vec<(Vec<u8>, M)>, StateError> {
        self.prefix_page_raw(prefix, start, limit)?
            .into_iter()
            .map(|(key, bytes)| match M::decode(bytes.as_slice()) {
                Ok(value) => Ok((key, value)),
                Err(e) => Err(corrupt(&key, e)),
            })
            .collect()
    }

    /// Every record under `prefix`, in key order, without its key.
    fn prefix_values<M: Message + Default>(&self, prefix: &[u8]) -> Result<Vec<M>, StateError> {
        Ok(self
            .prefix_proto(prefix)?
            .into_iter()
            .map(|(_, value)| value)
            .collect())
    }
}

impl<S: StateRead + ?Sized> StateReadExt for S {}

pub trait StateWriteExt: StateWrite {
    fn put_proto<M: Message>(&mut self, key: Vec<u8>, value: &M) {
        self.put_raw(key, value.encode_to_vec());
    }

    fn put_record<R: Record>(&mut self, key: Vec<u8>, record: &R) {
        self.put_proto(key, &record.to_proto());
    }

    /// Stores a big-endian u64; zero deletes the key, so absent and zero agree.
    fn put_u64(&mut self, key: Vec<u8>, value: u64) {
        if value == 0 {
            self.delete(key);
        } else {
            self.put_raw(key, value.to_be_bytes().to_vec());
        }
    }
}

impl<S: StateWrite + ?Sized> StateWriteExt for S {}

/// A stored big-endian u64.
pub fn decode_u64(key: &[u8], bytes: &[u8]) -> Result<u64, StateError> {
    let array: [u8; 8] = bytes
        .try_into()
        .map_err(|_| corrupt(key, "expected 8 bytes"))?;
    Ok(u64::from_be_bytes(array))
}

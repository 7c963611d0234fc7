//! The mempool: txs that passed CheckTx against the last committed state,
//! in arrival order, bounded in count and bytes. Pure bookkeeping; the node
//! runs CheckTx around it.

use std::collections::{HashSet, VecDeque};

use xcc_node_config::MempoolSection;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum MempoolError {
    #[error("tx already in the mempool")]
    Duplicate,
    #[error("tx of {size} bytes exceeds the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("mempool is full ({txs} txs, {bytes} bytes)")]
    Full { txs: usize, bytes: usize },
}

pub type TxHash = [u8; 32];

pub fn hash_tx(tx: &[u8]) -> TxHash {
    use sha2::Digest;
    sha2::Sha256::digest(tx).into()
}

pub struct Mempool {
    limits: MempoolSection,
    txs: VecDeque<(TxHash, Vec<u8>)>,
    hashes: HashSet<TxHash>,
    bytes: usize,
}

impl Mempool {
    pub fn new(limits: MempoolSection) -> Self {
        Mempool {
            limits,
            txs: VecDeque::new(),
            hashes: HashSet::new(),
            bytes: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.txs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    pub fn total_bytes(&self) -> usize {
        self.bytes
    }

    pub fn contains(&self, hash: &TxHash) -> bool {
        self.hashes.contains(hash)
    }

    /// Checks the limits a tx must meet before CheckTx is worth running.
    pub fn admit(&self, tx: &[u8]) -> Result<TxHash, MempoolError> {
        if tx.len() > self.limits.max_tx_bytes {
            return Err(MempoolError::TooLarge {
                size: tx.len(),
                limit: self.limits.max_tx_bytes,
            });
        }
        let hash = hash_tx(tx);
        if self.hashes.contains(&hash) {
            return Err(MempoolError::Duplicate);
        }
        if self.txs.len() >= self.limits.max_txs || self.bytes + tx.len() > self.limits.max_bytes {
            return Err(MempoolError::Full {
                txs: self.txs.len(),
                bytes: self.bytes,
            });
        }
        Ok(hash)
    }

    /// Adds a tx that passed CheckTx.
    pub fn insert(&mut self, tx: Vec<u8>) -> Result<TxHash, MempoolError> {
        let hash = self.admit(&tx)?;
        self.bytes += tx.len();
        self.hashes.insert(hash);
        self.txs.push_back((hash, tx));
        Ok(hash)
    }

    /// The oldest txs that fit in `max_bytes`.
    pub fn reap(&self, max_bytes: usize) -> Vec<Vec<u8>> {
        let mut total = 0;
        let mut reaped = Vec::new();
        for (_, tx) in &self.txs {
            if total + tx.len() > max_bytes {
                break;
            }
            total += tx.len();
            reaped.push(tx.clone());
        }
        reaped
    }

    /// Drops the txs of a committed block and returns the rest, which must
    /// be checked again against the new state.
    pub fn take_after_commit(&mut self, committed: &[TxHash]) -> Vec<Vec<u8>> {
        let committed: HashSet<&TxHash> = committed.iter().collect();
        let remaining: Vec<Vec<u8>> = self
            .txs
            .drain(..)
            .filter(|(hash, _)| !committed.contains(hash))
            .map(|(_, tx)| tx)
            .collect();
        self.hashes.clear();
        self.bytes = 0;
        remaining
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> MempoolSection {
        MempoolSection {
            max_txs: 3,
            max_bytes: 10,
            max_tx_bytes: 4,
            ..MempoolSection::default()
        }
    }

    #[test]
    fn limits_and_duplicates_are_refused() {
        let mut pool = Mempool::new(limits());
        assert_eq!(
            pool.insert(vec![0; 5]),
            Err(MempoolError::TooLarge { size: 5, limit: 4 })
        );
        pool.insert(vec![1; 4]).expect("fits");
        assert_eq!(pool.insert(vec![1; 4]), Err(MempoolError::Duplicate));
        pool.insert(vec![2; 4]).expect("fits");
        assert!(matches!(
            pool.insert(vec![3; 4]),
            Err(MempoolError::Full { .. })
        ));
        assert_eq!(pool.len(), 2);
        assert_eq!(pool.total_bytes(), 8);
    }

    #[test]
    fn reap_keeps_order_and_commit_removes_included_txs() {
        let mut pool = Mempool::new(MempoolSection::default());
        let a = pool.insert(b"a".to_vec()).expect("new");
        pool.insert(b"bb".to_vec()).expect("new");
        pool.insert(b"c".to_vec()).expect("new");
        assert_eq!(pool.reap(3), vec![b"a".to_vec(), b"bb".to_vec()]);
        let rest = pool.take_after_commit(&[a]);
        assert_eq!(rest, vec![b"bb".to_vec(), b"c".to_vec()]);
        assert!(pool.is_empty());
    }
}

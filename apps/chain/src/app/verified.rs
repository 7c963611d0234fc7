//! The txs whose signatures this node has verified, by hash, so that the
//! same bytes are not verified again at ProcessProposal, FinalizeBlock and
//! each recheck. Safe for consensus: a tx hash names its exact bytes, and
//! whether those bytes' signatures verify is the same on every node; a
//! node that never saw a tx verifies it.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use crate::tx::{self, Signatures, TxError, VerifiedTx};

/// Hashes remembered; the oldest are forgotten past it (a forgotten tx is
/// only verified again).
const CAPACITY: usize = 100_000;

#[derive(Default)]
pub struct VerifiedTxs {
    known: Mutex<Known>,
}

#[derive(Default)]
struct Known {
    hashes: HashSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
}

impl VerifiedTxs {
    /// Decodes and checks `bytes` as [`tx::decode_and_verify`] does, its
    /// signatures verified only if this node has not verified them before.
    pub fn decode(
        &self,
        bytes: &[u8],
        chain_id: &str,
        max_bytes: usize,
    ) -> Result<VerifiedTx, TxError> {
        let hash = tx::tx_hash(bytes);
        let seen = self.lock().hashes.contains(&hash);
        let signatures = if seen {
            Signatures::VerifiedBefore
        } else {
            Signatures::Verify
        };
        let verified = tx::decode(bytes, chain_id, max_bytes, signatures)?;
        if !seen {
            let mut known = self.lock();
            if known.hashes.insert(hash) {
                known.order.push_back(hash);
            }
            while known.order.len() > CAPACITY {
                if let Some(oldest) = known.order.pop_front() {
                    known.hashes.remove(&oldest);
                }
            }
        }
        Ok(verified)
    }

    /// Forgets the txs of a committed block: their nonces are spent, so
    /// they never pass again. Their places in the eviction order age out
    /// with the rest, so a block's work is its own txs, not the cache's.
    pub fn forget(&self, hashes: impl IntoIterator<Item = [u8; 32]>) {
        let mut known = self.lock();
        for hash in hashes {
            known.hashes.remove(&hash);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Known> {
        // The set holds plain hashes: one a panic left half-updated is
        // still a set of verified txs.
        self.known
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::TestKey;
    use crate::tx::signed_tx;
    use prost::Message;
    use xcc_proto::tx::v1 as pb;

    fn tx_bytes(key: &TestKey, nonce: u64) -> Vec<u8> {
        let body = pb::TxBody {
            chain_id: "c".into(),
            nonce,
            msgs: vec![xcc_proto::Any {
                type_url: "/x".into(),
                value: vec![1],
            }],
            ..Default::default()
        };
        signed_tx(body, &[&key.key]).encode_to_vec()
    }

    /// A tx verified once is trusted by its hash; other bytes, even with
    /// the same signature moved onto them, are verified and refused.
    #[test]
    fn only_the_very_bytes_verified_are_trusted() {
        let cache = VerifiedTxs::default();
        let key = TestKey::from_seed(1);
        let good = tx_bytes(&key, 0);
        assert!(cache.decode(&good, "c", 1 << 20).is_ok());
        assert!(cache.decode(&good, "c", 1 << 20).is_ok(), "trusted");
        let mut forged = pb::Tx::decode(good.as_slice()).unwrap();
        forged.body.as_mut().unwrap().nonce = 1;
        let forged = forged.encode_to_vec();
        assert_eq!(
            cache.decode(&forged, "c", 1 << 20).unwrap_err(),
            TxError::BadSignature { index: 0 }
        );
        assert!(
            cache.decode(&good, "other", 1 << 20).is_err(),
            "every other check is still made"
        );
        cache.forget([tx::tx_hash(&good)]);
        assert!(cache.lock().hashes.is_empty());
    }
}

//! Fetching the proofs a batch needs, and checking each against the app
//! hash the destination will check it against: a proof that would fail
//! there would revert the whole batch, so it is dropped here instead.

use futures::stream::{self, StreamExt};
use prost::Message;

use crate::chain::Chain;
use crate::work::{Claim, Work};
use crate::RelayerError;

/// Whether `proof` (an encoded ics23 `CommitmentProof`) shows `claim` about
/// `key` under `root`.
pub fn check(proof: &[u8], root: &[u8; 32], key: &[u8], claim: &Claim) -> Result<(), String> {
    let proof = ics23::CommitmentProof::decode(proof)
        .map_err(|e| format!("the proof does not decode: {e}"))?;
    let verified = match claim {
        Claim::Holds(value) => xcc_store::verify_membership(&proof, root, key, value),
        Claim::Absent => xcc_store::verify_non_membership(&proof, root, key),
    };
    if verified {
        Ok(())
    } else {
        Err(format!(
            "the proof of {} does not verify against the app hash",
            String::from_utf8_lossy(key)
        ))
    }
}

/// A unit of work with its proof, or why it has none.
pub type Proven = (Work, Result<Vec<u8>, String>);

/// Proves every unit of `batch` in `chain`'s state after block `height`,
/// checking each against `root` (the app hash of header `height + 1`). An
/// unreachable chain fails the whole batch; a proof that does not check
/// fails only its unit.
pub async fn prove_batch(
    chain: &Chain,
    height: u64,
    root: &[u8; 32],
    batch: Vec<Work>,
    concurrency: usize,
) -> Result<Vec<Proven>, RelayerError> {
    let fetched: Vec<_> = stream::iter(batch)
        .map(|work| async move {
            let key = work.proof_key();
            let answer = chain.prove(&key, height).await;
            (work, key, answer)
        })
        .buffered(concurrency.max(1))
        .collect()
        .await;
    let mut proven = Vec::with_capacity(fetched.len());
    for (work, key, answer) in fetched {
        let answer = answer?;
        let checked = check(&answer, root, &key, &work.claim()).map(|()| answer);
        proven.push((work, checked));
    }
    Ok(proven)
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcc_store::Store;

    #[test]
    fn checks_presence_and_absence_against_the_root() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(&dir.path().join("store.redb")).expect("store");
        let writes = vec![(b"here".to_vec(), Some(b"value".to_vec()))];
        let prepared = store.prepare(0, vec![writes]).expect("prepare");
        store.commit(prepared).expect("commit");
        let root = store.root_hash(0).expect("root");
        let proof_of = |key: &[u8]| {
            store
                .get_with_proof(key, 0)
                .expect("proof")
                .1
                .encode_to_vec()
        };

        let here = proof_of(b"here");
        assert!(check(&here, &root, b"here", &Claim::Holds(b"value".to_vec())).is_ok());
        assert!(check(&here, &root, b"here", &Claim::Holds(b"other".to_vec())).is_err());
        assert!(check(&here, &[0; 32], b"here", &Claim::Holds(b"value".to_vec())).is_err());

        let missing = proof_of(b"missing");
        assert!(check(&missing, &root, b"missing", &Claim::Absent).is_ok());
        assert!(check(&here, &root, b"here", &Claim::Absent).is_err());
        assert!(check(b"junk", &root, b"here", &Claim::Absent).is_err());
    }
}

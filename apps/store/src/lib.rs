//! A versioned Merkle store: one Jellyfish Merkle Tree whose nodes and values
//! live in redb. Version = block height; each version is written in one redb
//! write transaction; reads work at any retained version; proofs are ics23
//! `CommitmentProof`s against the root under [`proof_spec`].

mod error;
mod reader;
mod snapshot;
mod store;
mod tables;

pub use error::StoreError;
pub use snapshot::Snapshot;
pub use store::{PreparedVersion, Store};

/// Key-value entries in key order, as a prefix scan returns them.
pub type Entries = Vec<(Vec<u8>, Vec<u8>)>;

/// The ics23 spec that proofs from this store verify under.
pub fn proof_spec() -> ics23::ProofSpec {
    jmt::ics23_spec()
}

/// The root of an empty tree (jmt's hash of its null node).
pub const EMPTY_ROOT: [u8; 32] = *b"SPARSE_MERKLE_PLACEHOLDER_HASH__";

/// Verifies that `key` holds `value` in the tree with root `root`.
pub fn verify_membership(
    proof: &ics23::CommitmentProof,
    root: &[u8; 32],
    key: &[u8],
    value: &[u8],
) -> bool {
    ics23::verify_membership::<ics23::HostFunctionsManager>(
        proof,
        &proof_spec(),
        &root.to_vec(),
        key,
        value,
    )
}

/// Verifies that `key` is absent from the tree with root `root`.
pub fn verify_non_membership(proof: &ics23::CommitmentProof, root: &[u8; 32], key: &[u8]) -> bool {
    ics23::verify_non_membership::<ics23::HostFunctionsManager>(
        proof,
        &proof_spec(),
        &root.to_vec(),
        key,
    )
}

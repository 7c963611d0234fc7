//! CometBFT blocks: building headers as CometBFT fills them, converting
//! commit certificates into `Commit`s, and checking a proposed block.

use malachitebft_app_channel::app::types::core::{CommitCertificate, NilOrVal, Round, VoteType};
use prost::Message;
use tendermint::abci::types::ExecTxResult;
use tendermint::block::{self, Commit, CommitSig, Header};
use tendermint::crypto::default::Sha256;
use tendermint::merkle::simple_hash_from_byte_vectors;
use tendermint::{account, chain, evidence, AppHash, Block, Hash, Time};
use tendermint_proto::v0_38 as pb;
use tendermint_proto::Protobuf;

use crate::context::{Address, BlockRef, Signature, ValidatorSet, XccContext};
use crate::signing::SignBytes;

/// CometBFT's block protocol version.
pub const BLOCK_PROTOCOL: u64 = 11;

#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("block does not decode: {0}")]
    Decode(String),
    #[error("invalid block: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> BlockError {
    BlockError::Invalid(message.into())
}

/// What stays the same for every block of a chain.
#[derive(Clone, Debug)]
pub struct ChainParams {
    pub chain_id: chain::Id,
    /// The set of heights 1 and 2; later sets follow the app's updates.
    pub genesis_validators: ValidatorSet,
    pub consensus_hash: Hash,
    pub app_version: u64,
}

/// The validator sets a block at height h refers to.
#[derive(Clone, Debug)]
pub struct HeightValidators {
    /// Height h - 1's set, which signed the block's last commit.
    pub last: ValidatorSet,
    /// Height h's set, which votes on the block.
    pub current: ValidatorSet,
    /// Height h + 1's set (the header's next validators hash).
    pub next: ValidatorSet,
}

/// The previous block, as the next header refers to it.
#[derive(Clone, Debug)]
pub struct LastBlock {
    pub block: BlockRef,
    pub commit: Commit,
    /// The app hash of the state after it (CometBFT puts it in the next header).
    pub app_hash: AppHash,
    pub results_hash: Hash,
}

pub struct NewBlock<'a> {
    pub height: u64,
    pub time: Time,
    pub proposer: Address,
    pub txs: Vec<Vec<u8>>,
    pub last: Option<&'a LastBlock>,
    /// App hash of genesis, used by the first block.
    pub genesis_app_hash: &'a AppHash,
}

pub fn build(
    params: &ChainParams,
    validators: &HeightValidators,
    new: NewBlock<'_>,
) -> Result<Block, BlockError> {
    let header = Header {
        version: block::header::Version {
            block: BLOCK_PROTOCOL,
            app: params.app_version,
        },
        chain_id: params.chain_id.clone(),
        height: block::Height::try_from(new.height).map_err(|e| invalid(e.to_string()))?,
        time: new.time,
        last_block_id: new.last.map(|last| last.block.block_id()),
        last_commit_hash: Some(
            new.last
                .map_or_else(empty_hash, |last| commit_hash(&last.commit)),
        ),
        data_hash: Some(data_hash(&new.txs)),
        validators_hash: validators.current.to_tendermint().hash(),
        next_validators_hash: validators.next.to_tendermint().hash(),
        consensus_hash: params.consensus_hash,
        app_hash: new.last.map_or_else(
            || new.genesis_app_hash.clone(),
            |last| last.app_hash.clone(),
        ),
        last_results_hash: Some(new.last.map_or_else(empty_hash, |last| last.results_hash)),
        evidence_hash: Some(empty_hash()),
        proposer_address: new.proposer.to_account_id(),
    };
    Ok(Block::new(
        header,
        new.txs,
        evidence::List::default(),
        new.last.map(|last| last.commit.clone()),
    ))
}

pub fn encode(block: &Block) -> Vec<u8> {
    Protobuf::<pb::types::Block>::encode_vec(block.clone())
}

pub fn decode(bytes: &[u8]) -> Result<Block, BlockError> {
    Protobuf::<pb::types::Block>::decode_vec(bytes).map_err(|e| BlockError::Decode(e.to_string()))
}

pub fn block_ref(block: &Block) -> BlockRef {
    BlockRef::new(block.header.hash(), block.header.time)
}

/// Checks a block against the chain's state before the block: everything a
/// CometBFT validator checks before voting for it, but the app's verdict.
pub fn validate(
    params: &ChainParams,
    validators: &HeightValidators,
    block: &Block,
    height: u64,
    last: Option<&LastBlock>,
    genesis_app_hash: &AppHash,
) -> Result<(), BlockError> {
    let header = &block.header;
    if header.chain_id != params.chain_id {
        return Err(invalid(format!("block of chain {}", header.chain_id)));
    }
    if header.height.value() != height {
        return Err(invalid(format!(
            "block at height {}, expected {height}",
            header.height
        )));
    }
    // Validators see different signature sets for the previous height; the
    // proposer's own last commit is the one its header hashes (checked below).
    let last_as_proposed = match (last, &block.last_commit) {
        (Some(last), Some(commit)) => Some(LastBlock {
            commit: commit.clone(),
            ..last.clone()
        }),
        (Some(_), None) => return Err(invalid("missing last commit")),
        (None, _) => None,
    };
    let expected = build(
        params,
        validators,
        NewBlock {
            height,
            time: header.time,
            proposer: Address(
                header
                    .proposer_address
                    .as_bytes()
                    .try_into()
                    .map_err(|_| invalid("proposer address"))?,
            ),
            txs: block.data.clone(),
            last: last_as_proposed.as_ref(),
            genesis_app_hash,
        },
    )?;
    if expected.header != *header {
        return Err(invalid("header does not match the chain's state"));
    }
    if validators
        .current
        .validators()
        .iter()
        .all(|v| v.address.to_account_id() != header.proposer_address)
    {
        return Err(invalid("proposer is not a validator"));
    }
    if let Some(last) = last {
        if header.time <= last.block.time() {
            return Err(invalid("block time does not increase"));
        }
        let commit = block
            .last_commit
            .as_ref()
            .ok_or_else(|| invalid("missing last commit"))?;
        verify_commit(params, &validators.last, commit, &last.block)?;
    }
    Ok(())
}

/// A commit certificate as a CometBFT `Commit`: one entry per validator in
/// set order, absent where the certificate has no signature.
pub fn commit_of(certificate: &CommitCertificate<XccContext>, validators: &ValidatorSet) -> Commit {
    let block = certificate.value_id;
    let signatures = validators
        .validators()
        .iter()
        .map(|validator| {
            certificate
                .commit_signatures
                .iter()
                .find(|s| s.address == validator.address)
                .map_or(CommitSig::BlockIdFlagAbsent, |s| {
                    CommitSig::BlockIdFlagCommit {
                        validator_address: validator.address.to_account_id(),
                        timestamp: block.time(),
                        signature: tendermint::Signature::try_from(
                            s.signature.to_bytes().as_slice(),
                        )
                        .ok(),
                    }
                })
        })
        .collect();
    Commit {
        height: block::Height::try_from(certificate.height.0).unwrap_or_default(),
        round: certificate
            .round
            .as_u32()
            .and_then(|r| block::Round::try_from(r).ok())
            .unwrap_or_default(),
        block_id: block.block_id(),
        signatures,
    }
}

/// Verifies that more than 2/3 of the voting power signed `commit` for `block`.
pub fn verify_commit(
    params: &ChainParams,
    validators: &ValidatorSet,
    commit: &Commit,
    block: &BlockRef,
) -> Result<(), BlockError> {
    if commit.block_id != block.block_id() {
        return Err(invalid("last commit is for another block"));
    }
    let sign_bytes = SignBytes::new(params.chain_id.clone());
    let round = Round::new(commit.round.value());
    let mut signed_power = 0u64;
    let mut seen: Vec<account::Id> = Vec::new();
    for sig in &commit.signatures {
        let CommitSig::BlockIdFlagCommit {
            validator_address,
            signature: Some(signature),
            ..
        } = sig
        else {
            continue;
        };
        if seen.contains(validator_address) {
            return Err(invalid("validator signed the last commit twice"));
        }
        seen.push(*validator_address);
        let Some(validator) = validators
            .validators()
            .iter()
            .find(|v| v.address.to_account_id() == *validator_address)
        else {
            return Err(invalid("last commit signed by a non-validator"));
        };
        let vote = crate::context::Vote::new(
            VoteType::Precommit,
            crate::context::Height(commit.height.value()),
            round,
            NilOrVal::Val(*block),
            validator.address,
        );
        let Ok(bytes) = <[u8; 64]>::try_from(signature.as_bytes()) else {
            return Err(invalid("malformed signature in last commit"));
        };
        let signature = Signature(ed25519_consensus::Signature::from(bytes));
        if !validator
            .public_key
            .verify(&sign_bytes.vote(&vote), &signature)
        {
            return Err(invalid("bad signature in last commit"));
        }
        signed_power += validator.voting_power;
    }
    let total: u64 = validators.validators().iter().map(|v| v.voting_power).sum();
    if signed_power * 3 <= total * 2 {
        return Err(invalid("last commit lacks 2/3 of the voting power"));
    }
    Ok(())
}

fn empty_hash() -> Hash {
    Hash::Sha256(simple_hash_from_byte_vectors::<Sha256>(&[] as &[Vec<u8>]))
}

/// CometBFT's `Txs.Hash()`: a Merkle root over the txs' sha256 hashes.
pub fn data_hash(txs: &[Vec<u8>]) -> Hash {
    let leaves: Vec<Vec<u8>> = txs
        .iter()
        .map(|tx| tx_hash(tx).as_bytes().to_vec())
        .collect();
    Hash::Sha256(simple_hash_from_byte_vectors::<Sha256>(&leaves))
}

/// The proof that `txs[index]` is in a block whose data hash is
/// [`data_hash`]`(txs)`: CometBFT's `TxProof`, its aunts from the leaf's
/// sibling up to the root's child (RFC 6962 splits, as the root's).
pub fn tx_proof(txs: &[Vec<u8>], index: usize) -> Option<tendermint::tx::Proof> {
    use sha2::Digest;
    let tx = txs.get(index)?;
    let leaves: Vec<Vec<u8>> = txs
        .iter()
        .map(|tx| tx_hash(tx).as_bytes().to_vec())
        .collect();
    let mut leaf = vec![0u8];
    leaf.extend_from_slice(&leaves[index]);
    let leaf_hash: [u8; 32] = Sha256::digest(&leaf).into();
    Some(tendermint::tx::Proof {
        root_hash: data_hash(txs),
        data: tx.clone(),
        proof: tendermint::merkle::Proof {
            total: txs.len() as u64,
            index: index as u64,
            leaf_hash: Hash::Sha256(leaf_hash),
            aunts: aunts(&leaves, index)
                .into_iter()
                .map(Hash::Sha256)
                .collect(),
        },
    })
}

/// The largest power of two below `n` (n > 1): where RFC 6962 splits.
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn aunts(items: &[Vec<u8>], index: usize) -> Vec<[u8; 32]> {
    if items.len() <= 1 {
        return Vec::new();
    }
    let k = split_point(items.len());
    let (left, right) = items.split_at(k);
    let (mut deeper, sibling) = if index < k {
        (aunts(left, index), right)
    } else {
        (aunts(right, index - k), left)
    };
    deeper.push(simple_hash_from_byte_vectors::<Sha256>(sibling));
    deeper
}

pub fn tx_hash(tx: &[u8]) -> Hash {
    use sha2::Digest;
    Hash::Sha256(sha2::Sha256::digest(tx).into())
}

/// CometBFT's `Commit.Hash()`: a Merkle root over the encoded signatures.
pub fn commit_hash(commit: &Commit) -> Hash {
    let leaves: Vec<Vec<u8>> = commit
        .signatures
        .iter()
        .map(|sig| pb::types::CommitSig::from(sig.clone()).encode_to_vec())
        .collect();
    Hash::Sha256(simple_hash_from_byte_vectors::<Sha256>(&leaves))
}

/// CometBFT's `ABCIResults.Hash()`: over the deterministic fields of each result.
pub fn results_hash(results: &[ExecTxResult]) -> Hash {
    let leaves: Vec<Vec<u8>> = results
        .iter()
        .map(|r| {
            pb::abci::ExecTxResult {
                code: r.code.value(),
                data: r.data.clone(),
                gas_wanted: r.gas_wanted,
                gas_used: r.gas_used,
                ..Default::default()
            }
            .encode_to_vec()
        })
        .collect();
    Hash::Sha256(simple_hash_from_byte_vectors::<Sha256>(&leaves))
}

/// CometBFT's `HashConsensusParams`: sha256 of the encoded block size limits.
pub fn consensus_hash(params: &tendermint::consensus::Params) -> Hash {
    use sha2::Digest;
    let hashed = pb::types::HashedParams {
        block_max_bytes: params.block.max_bytes as i64,
        block_max_gas: params.block.max_gas,
    };
    Hash::Sha256(sha2::Sha256::digest(hashed.encode_to_vec()).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex_of(hash: Hash) -> String {
        hex::encode(hash.as_bytes())
    }

    #[test]
    fn consensus_hash_of_cometbfts_default_block_size_is_the_known_one() {
        let params = xcc_node_config::consensus_params();
        // The consensus hash of every CometBFT chain on the default limits.
        assert_eq!(
            hex_of(consensus_hash(&params)).to_uppercase(),
            "048091BC7DDC283F77BFBF91D73C44DA58C3DF8A9CBC867405D8B7F3DAADA22F"
        );
    }

    #[test]
    fn a_tx_proof_leads_from_the_tx_to_the_data_hash() {
        use sha2::Digest;
        fn inner(left: &[u8], right: &[u8]) -> [u8; 32] {
            let mut bytes = vec![1u8];
            bytes.extend_from_slice(left);
            bytes.extend_from_slice(right);
            Sha256::digest(&bytes).into()
        }
        // CometBFT's computeHashFromAunts, written apart from the prover.
        fn root(index: u64, total: u64, leaf: [u8; 32], aunts: &[Hash]) -> Option<[u8; 32]> {
            if total == 1 {
                return aunts.is_empty().then_some(leaf);
            }
            let (last, rest) = aunts.split_last()?;
            let k = split_point(total as usize) as u64;
            Some(if index < k {
                inner(&root(index, k, leaf, rest)?, last.as_bytes())
            } else {
                inner(last.as_bytes(), &root(index - k, total - k, leaf, rest)?)
            })
        }
        for n in 1..=9usize {
            let txs: Vec<Vec<u8>> = (0..n).map(|i| vec![i as u8; i + 1]).collect();
            for index in 0..n {
                let proof = tx_proof(&txs, index).expect("a proof");
                assert_eq!(proof.root_hash, data_hash(&txs));
                assert_eq!(proof.data, txs[index]);
                let mut leaf = vec![0u8];
                leaf.extend_from_slice(tx_hash(&txs[index]).as_bytes());
                let leaf_hash: [u8; 32] = Sha256::digest(&leaf).into();
                assert_eq!(proof.proof.leaf_hash, Hash::Sha256(leaf_hash));
                let computed = root(index as u64, n as u64, leaf_hash, &proof.proof.aunts);
                assert_eq!(
                    computed.map(Hash::Sha256),
                    Some(data_hash(&txs)),
                    "{n} txs, tx {index}"
                );
            }
            assert!(tx_proof(&txs, n).is_none());
        }
    }

    #[test]
    fn data_hash_is_the_rfc6962_root_of_the_txs_hashes() {
        // Computed apart: leaf = sha256(0x00 || sha256(tx)), inner =
        // sha256(0x01 || left || right), split at the largest power of two.
        assert_eq!(
            hex_of(data_hash(&[])),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex_of(data_hash(&[b"a".to_vec()])),
            "a23bd5b06da9048238a65b3f1d9d0b9e15fae3dde262688e6489aa4c763d1820"
        );
        let three = [b"a".to_vec(), b"bb".to_vec(), b"ccc".to_vec()];
        assert_eq!(
            hex_of(data_hash(&three)),
            "256aca74ae6d9f30f49ce984bf321f56ea74289f7e8208a19ea0e8a822b9a5dc"
        );
        assert_eq!(
            hex_of(tx_hash(b"a")),
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        );
    }

    #[test]
    fn results_hash_covers_only_the_deterministic_fields() {
        let result = |log: &str| ExecTxResult {
            code: tendermint::abci::Code::from(3),
            data: b"d".to_vec().into(),
            log: log.into(),
            ..Default::default()
        };
        assert_eq!(
            results_hash(&[result("one node's words")]),
            results_hash(&[result("another's")])
        );
        assert_ne!(
            results_hash(&[result("")]),
            results_hash(&[ExecTxResult::default()])
        );
    }
}

//! A counterparty's validators for light-client tests: they sign
//! CometBFT-format headers and commits over any app hash, so a test drives
//! `UpdateClient` without a node.

use ed25519_consensus::SigningKey;
use tendermint::block::header::Version;
use tendermint::block::{self, parts, signed_header::SignedHeader, Commit, CommitSig, Header};
use tendermint::{account, chain, validator, vote, Hash, PublicKey, Time};
use xcc_proto::ibc::v1 as pb;

pub struct TestValidators {
    pub chain_id: String,
    keys: Vec<SigningKey>,
}

impl TestValidators {
    /// Validators of equal power 10, one per seed.
    pub fn new(chain_id: &str, seeds: &[u8]) -> Self {
        TestValidators {
            chain_id: chain_id.to_owned(),
            keys: seeds
                .iter()
                .map(|seed| SigningKey::from([*seed; 32]))
                .collect(),
        }
    }

    pub fn infos(&self) -> Vec<validator::Info> {
        self.keys
            .iter()
            .map(|key| {
                let public_key = PublicKey::from_raw_ed25519(key.verification_key().as_bytes())
                    .expect("an ed25519 key");
                validator::Info::new(public_key, vote::Power::from(10u32))
            })
            .collect()
    }

    pub fn set(&self) -> validator::Set {
        validator::Set::without_proposer(self.infos())
    }

    /// The chain's trust root as the `ibc` genesis section lists it.
    pub fn trust_root(&self, genesis_time_ns: u64, trusting_period_secs: u64) -> serde_json::Value {
        serde_json::json!({
            "chain_id": self.chain_id,
            "genesis_time": time(genesis_time_ns),
            "validators": self.infos(),
            "trusting_period_secs": trusting_period_secs,
        })
    }

    /// Header `height` committing `app_hash`, signed by every validator.
    pub fn signed_header(&self, height: u64, time_ns: u64, app_hash: &[u8]) -> SignedHeader {
        let set = self.set();
        let header = Header {
            version: Version { block: 11, app: 0 },
            chain_id: chain::Id::try_from(self.chain_id.as_str()).expect("a chain id"),
            height: block::Height::try_from(height).expect("a height"),
            time: time(time_ns),
            last_block_id: None,
            last_commit_hash: None,
            data_hash: None,
            validators_hash: set.hash(),
            next_validators_hash: set.hash(),
            consensus_hash: Hash::None,
            app_hash: app_hash.to_vec().try_into().expect("an app hash"),
            last_results_hash: None,
            evidence_hash: None,
            proposer_address: set.validators()[0].address,
        };
        let block_id = block::Id {
            hash: header.hash(),
            part_set_header: parts::Header::new(1, header.hash()).expect("a part set header"),
        };
        let signatures = set
            .validators()
            .iter()
            .map(|validator| {
                let key = self
                    .keys
                    .iter()
                    .find(|k| account::Id::from(public_key(k)) == validator.address)
                    .expect("a key of the set");
                let vote = vote::Vote {
                    vote_type: vote::Type::Precommit,
                    height: header.height,
                    round: block::Round::default(),
                    block_id: Some(block_id),
                    timestamp: Some(header.time),
                    validator_address: validator.address,
                    validator_index: vote::ValidatorIndex::try_from(0u32).expect("index"),
                    signature: None,
                    extension: Vec::new(),
                    extension_signature: None,
                };
                let signature = key.sign(&vote.into_signable_vec(header.chain_id.clone()));
                CommitSig::BlockIdFlagCommit {
                    validator_address: validator.address,
                    timestamp: header.time,
                    signature: tendermint::Signature::try_from(signature.to_bytes().as_slice())
                        .ok(),
                }
            })
            .collect();
        let commit = Commit {
            height: header.height,
            round: block::Round::default(),
            block_id,
            signatures,
        };
        SignedHeader::new(header, commit).expect("a signed header")
    }

    /// An ICS-07 header at `height`, verified from `trusted_height` whose next
    /// validators were `trusted`.
    pub fn header(
        &self,
        height: u64,
        time_ns: u64,
        app_hash: &[u8],
        trusted_height: u64,
        trusted: &TestValidators,
    ) -> pb::Header {
        encode_header(
            self.signed_header(height, time_ns, app_hash),
            &self.set(),
            trusted_height,
            &trusted.set(),
        )
    }
}

/// Encodes a header's parts as `MsgUpdateClient` carries them.
pub fn encode_header(
    signed_header: SignedHeader,
    validators: &validator::Set,
    trusted_height: u64,
    trusted_validators: &validator::Set,
) -> pb::Header {
    crate::ibc::client::encode_header(
        signed_header,
        validators.clone(),
        trusted_height,
        trusted_validators.clone(),
    )
}

fn public_key(key: &SigningKey) -> PublicKey {
    PublicKey::from_raw_ed25519(key.verification_key().as_bytes()).expect("an ed25519 key")
}

fn time(ns: u64) -> Time {
    Time::from_unix_timestamp((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
        .expect("a time")
}

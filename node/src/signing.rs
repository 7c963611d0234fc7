//! Consensus signatures in CometBFT's format: votes sign `CanonicalVote`
//! bytes and proposals `CanonicalProposal` bytes, both with the chain id, so
//! a Malachite commit certificate is a valid CometBFT commit.

use async_trait::async_trait;
use ed25519_consensus::SigningKey;
use malachitebft_app_channel::app::types::core::{
    NilOrVal, Round, SignedMessage, ValidatorProof, VoteExtensionScope, VoteType,
};
use malachitebft_app_channel::{Signer, Verifier};
use malachitebft_signing::{Error as SigningError, VerificationResult};
use sha2::{Digest, Sha256};
use tendermint::{block, chain, vote, Time};

use crate::context::{
    Address, BlockRef, NoExtension, Proposal, PublicKey, Signature, Vote, XccContext,
};

const VALIDATOR_PROOF_DOMAIN: &[u8] = b"xcc/validator-proof/v1";

/// Builds the bytes a validator signs; shared by signer and verifier.
#[derive(Clone, Debug)]
pub struct SignBytes {
    chain_id: chain::Id,
}

impl SignBytes {
    pub fn new(chain_id: chain::Id) -> Self {
        SignBytes { chain_id }
    }

    /// A CometBFT vote for `value` (or nil), timestamped with the block time
    /// (nil votes sign the Unix epoch: there is no block to take a time from).
    pub fn tendermint_vote(
        vote_type: VoteType,
        height: u64,
        round: Round,
        value: &NilOrVal<BlockRef>,
        address: Address,
    ) -> vote::Vote {
        let (block_id, timestamp) = match value {
            NilOrVal::Val(block) => (Some(block.block_id()), block.time()),
            NilOrVal::Nil => (None, Time::unix_epoch()),
        };
        vote::Vote {
            vote_type: match vote_type {
                VoteType::Prevote => vote::Type::Prevote,
                VoteType::Precommit => vote::Type::Precommit,
            },
            height: block::Height::try_from(height).unwrap_or_default(),
            round: round_of(round),
            block_id,
            timestamp: Some(timestamp),
            validator_address: address.to_account_id(),
            validator_index: vote::ValidatorIndex::try_from(0u32).expect("0 is a valid index"),
            signature: None,
            extension: Vec::new(),
            extension_signature: None,
        }
    }

    pub fn vote(&self, vote: &Vote) -> Vec<u8> {
        Self::tendermint_vote(
            vote.vote_type,
            vote.height.0,
            vote.round,
            &vote.value,
            vote.validator_address,
        )
        .into_signable_vec(self.chain_id.clone())
    }

    pub fn proposal(&self, proposal: &Proposal) -> Vec<u8> {
        let pol_round = proposal
            .pol_round
            .as_u32()
            .and_then(|r| block::Round::try_from(r).ok());
        tendermint::proposal::Proposal {
            msg_type: tendermint::proposal::Type::Proposal,
            height: block::Height::try_from(proposal.height.0).unwrap_or_default(),
            round: round_of(proposal.round),
            pol_round,
            block_id: Some(proposal.value.block_id()),
            timestamp: Some(proposal.value.time()),
            signature: None,
        }
        .into_signable_vec(self.chain_id.clone())
    }

    pub fn validator_proof(public_key: &[u8], peer_id: &[u8]) -> Vec<u8> {
        let mut hasher = Sha256::new();
        hasher.update(VALIDATOR_PROOF_DOMAIN);
        hasher.update((public_key.len() as u64).to_be_bytes());
        hasher.update(public_key);
        hasher.update(peer_id);
        hasher.finalize().to_vec()
    }
}

fn round_of(round: Round) -> block::Round {
    round
        .as_u32()
        .and_then(|r| block::Round::try_from(r).ok())
        .unwrap_or_default()
}

/// Signs with the validator's consensus key.
pub struct ValidatorSigner {
    key: SigningKey,
    bytes: SignBytes,
}

impl ValidatorSigner {
    pub fn new(key: SigningKey, bytes: SignBytes) -> Self {
        ValidatorSigner { key, bytes }
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature(self.key.sign(message))
    }
}

#[async_trait]
impl Signer<XccContext> for ValidatorSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<SignedMessage<XccContext, Vote>, SigningError> {
        let signature = self.sign(&self.bytes.vote(&vote));
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<XccContext, Proposal>, SigningError> {
        let signature = self.sign(&self.bytes.proposal(&proposal));
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        _scope: VoteExtensionScope<XccContext>,
        extension: NoExtension,
    ) -> Result<SignedMessage<XccContext, NoExtension>, SigningError> {
        // Extensions are disabled; sign an empty message so the type is total.
        Ok(SignedMessage::new(extension, self.sign(&[])))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<XccContext>, SigningError> {
        let signature = self.sign(&SignBytes::validator_proof(&public_key, &peer_id));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

/// Checks signatures against CometBFT sign bytes.
pub struct SignatureVerifier {
    bytes: SignBytes,
}

impl SignatureVerifier {
    pub fn new(bytes: SignBytes) -> Self {
        SignatureVerifier { bytes }
    }
}

#[async_trait]
impl Verifier<XccContext> for SignatureVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::from_bool(
            public_key.verify(&self.bytes.vote(vote), signature),
        ))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::from_bool(
            public_key.verify(&self.bytes.proposal(proposal), signature),
        ))
    }

    async fn verify_signed_vote_extension(
        &self,
        _scope: &VoteExtensionScope<XccContext>,
        _extension: &NoExtension,
        _signature: &Signature,
        _public_key: &PublicKey,
    ) -> Result<VerificationResult, SigningError> {
        Ok(VerificationResult::Invalid)
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<XccContext>,
    ) -> Result<VerificationResult, SigningError> {
        let Ok(key) = ed25519_consensus::VerificationKey::try_from(proof.public_key.as_slice())
        else {
            return Ok(VerificationResult::Invalid);
        };
        let message = SignBytes::validator_proof(&proof.public_key, &proof.peer_id);
        Ok(VerificationResult::from_bool(
            PublicKey(key).verify(&message, &proof.signature),
        ))
    }
}

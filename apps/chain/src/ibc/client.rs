//! Light clients of the counterparties (ICS-07 semantics on
//! `tendermint-light-client-verifier`): a client state per counterparty and a
//! consensus state per verified height. "Now" is always this chain's own
//! block time, so every validator reaches the same verdict.

use std::time::Duration;

use prost::Message;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tendermint::block::signed_header::SignedHeader;
use tendermint::{validator, Time};
use tendermint_light_client_verifier::errors::ErrorExt;
use tendermint_light_client_verifier::options::Options;
use tendermint_light_client_verifier::types::{
    TrustThreshold, TrustedBlockState, UntrustedBlockState,
};
use tendermint_light_client_verifier::{ProdVerifier, Verdict, Verifier};
use tendermint_proto::v0_38::types as tm;
use xcc_proto::ibc::v1 as pb;

use super::error::{code, error};
use super::state_key;
use crate::error::ExecError;
use crate::module::BlockInfo;
use crate::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};

/// Defaults of a client when genesis names none: CometBFT's usual trusting
/// period for a chain of 3-week unbonding, and its clock drift bound.
pub const DEFAULT_TRUSTING_PERIOD_SECS: u64 = 14 * 24 * 3600;
pub const DEFAULT_MAX_CLOCK_DRIFT_SECS: u64 = 10;

/// A counterparty's trust root, as genesis states it: its chain id, genesis
/// time and initial validators, in CometBFT genesis form.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TrustRoot {
    pub chain_id: String,
    pub genesis_time: Time,
    pub validators: Vec<validator::Info>,
    #[serde(default = "default_trusting_period")]
    pub trusting_period_secs: u64,
    #[serde(default = "default_clock_drift")]
    pub max_clock_drift_secs: u64,
}

fn default_trusting_period() -> u64 {
    DEFAULT_TRUSTING_PERIOD_SECS
}

fn default_clock_drift() -> u64 {
    DEFAULT_MAX_CLOCK_DRIFT_SECS
}

/// Writes the client of a counterparty, trusted at height 0: its genesis
/// validators are the next validators of the (virtual) block before block 1.
pub fn init(state: &mut dyn StateWrite, root: &TrustRoot) -> Result<(), ExecError> {
    if root.validators.is_empty() {
        return Err(ExecError::invalid_msg(format!(
            "counterparty {} has no validators",
            root.chain_id
        )));
    }
    if root.trusting_period_secs == 0 {
        return Err(ExecError::invalid_msg(
            "the trusting period must be positive",
        ));
    }
    let validators = validator::Set::without_proposer(root.validators.clone());
    let client = pb::ClientState {
        chain_id: root.chain_id.clone(),
        trust_level_numerator: 1,
        trust_level_denominator: 3,
        trusting_period_ns: root.trusting_period_secs.saturating_mul(1_000_000_000),
        max_clock_drift_ns: root.max_clock_drift_secs.saturating_mul(1_000_000_000),
        latest_height: 0,
        frozen_height: 0,
        recovered_height: 0,
    };
    let consensus = pb::ConsensusState {
        timestamp_ns: time_ns(root.genesis_time),
        app_hash: Vec::new(),
        next_validators_hash: validators.hash().as_bytes().to_vec(),
    };
    state.put_proto(state_key::client_state(&root.chain_id), &client);
    state.put_proto(state_key::consensus_state(&root.chain_id, 0), &consensus);
    Ok(())
}

pub fn client_state(state: &dyn StateRead, client_id: &str) -> Result<pb::ClientState, ExecError> {
    state
        .get_proto(&state_key::client_state(client_id))?
        .ok_or_else(|| {
            error(
                code::CLIENT_NOT_FOUND,
                format!("no light client of chain {client_id:?}"),
            )
        })
}

pub fn consensus_state(
    state: &dyn StateRead,
    client_id: &str,
    height: u64,
) -> Result<Option<pb::ConsensusState>, ExecError> {
    Ok(state.get_proto(&state_key::consensus_state(client_id, height))?)
}

/// Where a client stands against a block time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Active,
    /// Its latest consensus state is older than the trusting period: only
    /// a new trust root (`MsgRecoverClient`) revives it.
    Expired,
    /// Misbehaviour froze it: only a new trust root revives it.
    Frozen,
}

impl Status {
    pub fn to_proto(self) -> pb::ClientStatus {
        match self {
            Status::Active => pb::ClientStatus::Active,
            Status::Expired => pb::ClientStatus::Expired,
            Status::Frozen => pb::ClientStatus::Frozen,
        }
    }
}

/// A client's status at `now`, with its latest consensus state and age.
pub struct Health {
    pub status: Status,
    pub latest: pb::ConsensusState,
    pub age_ns: u64,
}

pub fn health(
    state: &dyn StateRead,
    client: &pb::ClientState,
    now_ns: u64,
) -> Result<Health, ExecError> {
    let latest = consensus_state(state, &client.chain_id, client.latest_height)?
        .ok_or_else(|| ExecError::invalid_msg("the client has no latest consensus state"))?;
    let status = if client.frozen_height != 0 {
        Status::Frozen
    } else if latest
        .timestamp_ns
        .saturating_add(client.trusting_period_ns)
        <= now_ns
    {
        Status::Expired
    } else {
        Status::Active
    };
    Ok(Health {
        status,
        age_ns: now_ns.saturating_sub(latest.timestamp_ns),
        latest,
    })
}

/// Refuses a frozen client, and one whose latest consensus state is older
/// than the trusting period.
pub fn ensure_active(
    state: &dyn StateRead,
    client: &pb::ClientState,
    now: BlockInfo,
) -> Result<(), ExecError> {
    match health(state, client, now.time_ns)?.status {
        Status::Active => Ok(()),
        Status::Frozen => Err(error(
            code::CLIENT_FROZEN,
            format!(
                "the client of {} is frozen: misbehaviour at height {}",
                client.chain_id, client.frozen_height
            ),
        )),
        Status::Expired => Err(error(
            code::CLIENT_EXPIRED,
            format!(
                "the client of {} expired: its latest header (height {}) is older than the trusting period",
                client.chain_id, client.latest_height
            ),
        )),
    }
}

/// A consensus state the client still trusts: one at or above the height a
/// recovery started it again from.
fn trusted_consensus_state(
    state: &dyn StateRead,
    client: &pb::ClientState,
    height: u64,
) -> Result<Option<pb::ConsensusState>, ExecError> {
    if height < client.recovered_height {
        return Ok(None);
    }
    consensus_state(state, &client.chain_id, height)
}

/// The consensus state a proof at `proof_height` is checked against, from an
/// active client.
pub fn proof_root(
    state: &dyn StateRead,
    client_id: &str,
    proof_height: u64,
    now: BlockInfo,
) -> Result<pb::ConsensusState, ExecError> {
    let client = client_state(state, client_id)?;
    ensure_active(state, &client, now)?;
    match trusted_consensus_state(state, &client, proof_height)? {
        Some(consensus) if proof_height > 0 => Ok(consensus),
        _ => Err(error(
            code::CONSENSUS_STATE_NOT_FOUND,
            format!(
                "the client of {client_id} has no trusted consensus state at height {proof_height}"
            ),
        )),
    }
}

/// What an `UpdateClient` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// A new consensus state at this height.
    Updated(u64),
    /// The same header was already verified at this height (relayers race).
    Unchanged(u64),
    /// A valid header conflicts with the one verified at this height.
    Frozen(u64),
}

/// Verifies `header` from its trusted height and records its consensus
/// state; a valid header that conflicts with a recorded one freezes the
/// client instead.
pub fn update(
    state: &mut dyn StateWrite,
    client_id: &str,
    header: &pb::Header,
    now: BlockInfo,
) -> Result<UpdateOutcome, ExecError> {
    let mut client = client_state(state, client_id)?;
    ensure_active(state, &client, now)?;
    let decoded = DecodedHeader::decode(header)?;
    let height = decoded.signed_header.header.height.value();
    let verified = consensus_of(&decoded.signed_header);
    if let Some(existing) = consensus_state(state, client_id, height)? {
        if existing == verified {
            return Ok(UpdateOutcome::Unchanged(height));
        }
    }
    let trusted =
        trusted_consensus_state(state, &client, header.trusted_height)?.ok_or_else(|| {
            error(
                code::CONSENSUS_STATE_NOT_FOUND,
                format!(
                    "no trusted consensus state at the trusted height {}",
                    header.trusted_height
                ),
            )
        })?;
    if header.trusted_height >= height {
        return Err(invalid_header(format!(
            "height {height} is not above the trusted height {}",
            header.trusted_height
        )));
    }
    if decoded.trusted_validators.hash().as_bytes() != trusted.next_validators_hash.as_slice() {
        return Err(invalid_header(
            "the trusted validators are not the next validators of the trusted height",
        ));
    }
    let step = Step {
        trusted_height: header.trusted_height,
        trusted: &trusted,
        signed_header: &decoded.signed_header,
        validators: &decoded.validators,
        trusted_validators: &decoded.trusted_validators,
    };
    check_step(&client, &step, time_of(now.time_ns)?).map_err(StepError::into_exec)?;

    if consensus_state(state, client_id, height)?.is_some() {
        client.frozen_height = height;
        state.put_proto(state_key::client_state(client_id), &client);
        return Ok(UpdateOutcome::Frozen(height));
    }
    state.put_proto(state_key::consensus_state(client_id, height), &verified);
    client.latest_height = client.latest_height.max(height);
    state.put_proto(state_key::client_state(client_id), &client);
    prune_consensus_states(state, &client, now.time_ns)?;
    Ok(UpdateOutcome::Updated(height))
}

/// The most consensus states one update prunes: more than the one it adds,
/// so a client's states stay those of its trusting period.
pub const MAX_CONSENSUS_PRUNES_PER_UPDATE: usize = 2;

/// Prunes a client's oldest consensus states that it no longer trusts:
/// older than the trusting period (no header is verified from them and no
/// proof is checked against them, as ibc-go prunes them) or below the
/// height a recovery restarted it from. The latest is always kept.
fn prune_consensus_states(
    state: &mut dyn StateWrite,
    client: &pb::ClientState,
    now_ns: u64,
) -> Result<(), ExecError> {
    let prefix = state_key::consensus_states(&client.chain_id);
    let oldest = state.prefix_page_proto::<pb::ConsensusState>(
        &prefix,
        &prefix,
        MAX_CONSENSUS_PRUNES_PER_UPDATE,
    )?;
    for (key, consensus) in oldest {
        let Some(height) = state_key::consensus_height(&key) else {
            break;
        };
        let expired = consensus
            .timestamp_ns
            .saturating_add(client.trusting_period_ns)
            <= now_ns;
        let untrusted = height < client.recovered_height;
        if height >= client.latest_height || !(expired || untrusted) {
            break;
        }
        state.delete(key);
    }
    Ok(())
}

struct DecodedHeader {
    signed_header: SignedHeader,
    validators: validator::Set,
    trusted_validators: validator::Set,
}

impl DecodedHeader {
    fn decode(header: &pb::Header) -> Result<Self, ExecError> {
        Ok(DecodedHeader {
            signed_header: decode_signed_header(&header.signed_header)?,
            validators: decode_validator_set(&header.validator_set, "validator set")?,
            trusted_validators: decode_validator_set(
                &header.trusted_validators,
                "trusted validators",
            )?,
        })
    }
}

/// A `tendermint.types.SignedHeader`, protobuf-encoded, checked.
pub(super) fn decode_signed_header(bytes: &[u8]) -> Result<SignedHeader, ExecError> {
    tm::SignedHeader::decode(bytes)
        .map_err(|e| invalid_header(format!("signed header: {e}")))
        .and_then(|raw| {
            SignedHeader::try_from(raw).map_err(|e| invalid_header(format!("signed header: {e}")))
        })
}

/// A `tendermint.types.ValidatorSet`, protobuf-encoded, checked.
pub(super) fn decode_validator_set(bytes: &[u8], what: &str) -> Result<validator::Set, ExecError> {
    tm::ValidatorSet::decode(bytes)
        .map_err(|e| invalid_header(format!("{what}: {e}")))
        .and_then(|raw| {
            validator::Set::try_from(raw).map_err(|e| invalid_header(format!("{what}: {e}")))
        })
}

/// Encodes a header's parts as `MsgUpdateClient` carries them.
pub fn encode_header(
    signed_header: SignedHeader,
    validators: validator::Set,
    trusted_height: u64,
    trusted_validators: validator::Set,
) -> pb::Header {
    pb::Header {
        signed_header: tm::SignedHeader::from(signed_header).encode_to_vec(),
        validator_set: tm::ValidatorSet::from(validators).encode_to_vec(),
        trusted_height,
        trusted_validators: tm::ValidatorSet::from(trusted_validators).encode_to_vec(),
    }
}

/// One skipping step of ICS-07 verification: a header verified from a
/// trusted consensus state, whose next validators are `trusted_validators`.
pub struct Step<'a> {
    pub trusted_height: u64,
    pub trusted: &'a pb::ConsensusState,
    pub signed_header: &'a SignedHeader,
    pub validators: &'a validator::Set,
    pub trusted_validators: &'a validator::Set,
}

/// Why a step does not verify.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepError {
    /// Valid, but the trusted validators signed too little of it: a
    /// bisecting verifier tries a header in between.
    NotEnoughTrust(String),
    /// The trusted consensus state is older than the trusting period.
    Expired(String),
    Invalid(String),
}

impl StepError {
    pub fn into_exec(self) -> ExecError {
        match self {
            StepError::NotEnoughTrust(tally) => invalid_header(format!(
                "not signed by enough of the trusted validators: {tally}"
            )),
            StepError::Expired(detail) => error(
                code::CLIENT_EXPIRED,
                format!("the trusted header expired: {detail}"),
            ),
            StepError::Invalid(detail) => invalid_header(detail),
        }
    }
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NotEnoughTrust(tally) => write!(f, "not enough trust: {tally}"),
            StepError::Expired(detail) => write!(f, "expired: {detail}"),
            StepError::Invalid(detail) => write!(f, "invalid: {detail}"),
        }
    }
}

/// The light-client options a client state fixes.
pub fn options(client: &pb::ClientState) -> Result<(tendermint::chain::Id, Options), StepError> {
    let chain_id = client
        .chain_id
        .parse::<tendermint::chain::Id>()
        .map_err(|e| StepError::Invalid(format!("client chain id: {e}")))?;
    let trust_threshold =
        TrustThreshold::new(client.trust_level_numerator, client.trust_level_denominator)
            .map_err(|e| StepError::Invalid(format!("client trust level: {e}")))?;
    let options = Options {
        trust_threshold,
        trusting_period: Duration::from_nanos(client.trusting_period_ns),
        clock_drift: Duration::from_nanos(client.max_clock_drift_ns),
    };
    Ok((chain_id, options))
}

/// Verifies one step at `now`: the verdict the chain reaches, and the one
/// a relayer or a CLI reaches before sending or trusting a header.
pub fn check_step(client: &pb::ClientState, step: &Step<'_>, now: Time) -> Result<(), StepError> {
    let (chain_id, options) = options(client)?;
    let invalid = |e: String| StepError::Invalid(e);
    let trusted_state = TrustedBlockState {
        chain_id: &chain_id,
        header_time: time_of(step.trusted.timestamp_ns).map_err(|e| invalid(e.to_string()))?,
        height: tendermint::block::Height::try_from(step.trusted_height)
            .map_err(|e| invalid(e.to_string()))?,
        next_validators: step.trusted_validators,
        next_validators_hash: step.trusted_validators.hash(),
    };
    let untrusted = UntrustedBlockState {
        signed_header: step.signed_header,
        validators: step.validators,
        next_validators: None,
    };
    match ProdVerifier::default().verify_update_header(untrusted, trusted_state, &options, now) {
        Verdict::Success => Ok(()),
        Verdict::NotEnoughTrust(tally) => Err(StepError::NotEnoughTrust(tally.to_string())),
        Verdict::Invalid(detail) if detail.has_expired() => {
            Err(StepError::Expired(detail.to_string()))
        }
        Verdict::Invalid(detail) => Err(StepError::Invalid(detail.to_string())),
    }
}

pub fn consensus_of(signed_header: &SignedHeader) -> pb::ConsensusState {
    let header = &signed_header.header;
    pb::ConsensusState {
        timestamp_ns: time_ns(header.time),
        app_hash: header.app_hash.as_bytes().to_vec(),
        next_validators_hash: header.next_validators_hash.as_bytes().to_vec(),
    }
}

pub(super) fn invalid_header(log: impl Into<String>) -> ExecError {
    error(code::INVALID_HEADER, log)
}

pub fn time_ns(time: Time) -> u64 {
    time.unix_timestamp_nanos().try_into().unwrap_or(0)
}

pub fn time_of(ns: u64) -> Result<Time, ExecError> {
    Time::from_unix_timestamp((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
        .map_err(|e| ExecError::invalid_msg(format!("time {ns}: {e}")))
}

/// The app hash of a consensus state, as a store root.
pub fn root_of(consensus: &pb::ConsensusState) -> Result<[u8; 32], ExecError> {
    consensus.app_hash.as_slice().try_into().map_err(|_| {
        error(
            code::INVALID_PROOF,
            "the consensus state's app hash is not 32 bytes",
        )
    })
}

/// sha256, the hash of commitments and acknowledgements.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

//! CometBFT's `consensus_state`: the height, round and step consensus is
//! at, its proposer, and every round's prevotes and precommits as
//! Malachite's vote keeper holds them (`ConsensusRequest::DumpState`), in
//! CometBFT's vote summaries (`Vote{index:address height/round/type(Name)
//! block signature @ time}`, each id the first 6 bytes in upper-case hex).
//!
//! Two fields have no counterpart here and say so by their value: the
//! round's start time is the last committed block's time (Malachite does
//! not report when a height began), and a nil vote's time is the same
//! (Malachite's votes for a block sign its header time; nil votes sign none).

use malachitebft_app_channel::app::engine::consensus::state_dump::types::Step;
use malachitebft_app_channel::app::types::core::{NilOrVal, VoteType};
use malachitebft_app_channel::ConsensusRequest;
use serde_json::{json, Value};
use tendermint::Time;

use super::methods::{latest, RpcError};
use super::RpcState;
use crate::context::{Address, Validator, Vote};

/// CometBFT's `RoundStepType` of each step of Malachite's round.
fn step_number(step: Step) -> i8 {
    match step {
        Step::Unstarted => 1, // RoundStepNewHeight
        Step::Propose => 3,
        Step::Prevote => 4,
        Step::Precommit => 6,
        Step::Commit => 8,
    }
}

fn fingerprint(bytes: &[u8]) -> String {
    hex::encode_upper(&bytes[..bytes.len().min(6)])
}

/// One vote as CometBFT prints it in a round's vote set.
fn summary(index: usize, vote: &Vote, signature: &[u8], nil_time: Time) -> String {
    let (name, kind) = match vote.vote_type {
        VoteType::Prevote => ("Prevote", "SIGNED_MSG_TYPE_PREVOTE"),
        VoteType::Precommit => ("Precommit", "SIGNED_MSG_TYPE_PRECOMMIT"),
    };
    let (block, time) = match &vote.value {
        NilOrVal::Val(block) => (fingerprint(&block.hash), block.time()),
        NilOrVal::Nil => (fingerprint(&[0; 6]), nil_time),
    };
    format!(
        "Vote{{{index}:{} {}/{:02}/{kind}({name}) {block} {} @ {}}}",
        fingerprint(&vote.validator_address.0),
        vote.height.0,
        vote.round.as_i64().max(0),
        fingerprint(signature),
        time.to_rfc3339(),
    )
}

/// CometBFT's bit array of who voted, with the share of power they hold.
fn bit_array(voted: &[bool], validators: &[Validator]) -> String {
    let bits: String = voted.iter().map(|v| if *v { 'x' } else { '_' }).collect();
    let total: u64 = validators.iter().map(|v| v.voting_power).sum();
    let power: u64 = validators
        .iter()
        .zip(voted)
        .filter(|(_, voted)| **voted)
        .map(|(v, _)| v.voting_power)
        .sum();
    let share = if total == 0 {
        0.0
    } else {
        power as f64 / total as f64
    };
    format!("BA{{{}:{bits}}} {power}/{total} = {share:.2}", voted.len())
}

pub(super) async fn consensus_state(state: &RpcState) -> Result<Value, RpcError> {
    let dump = ConsensusRequest::dump_state(&super::net_info::engine(state)?.consensus)
        .await
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal("consensus has no state yet"))?;
    let last_time = match latest(state) {
        Ok(height) => super::methods::block_at(state, Some(height))?.1.header.time,
        Err(_) => state.genesis.genesis_time,
    };
    let validators = dump.validator_set.validators();
    let index_of = |address: &Address| validators.iter().position(|v| v.address == *address);

    let mut height_vote_set = Vec::new();
    for (round, per_round) in &dump.vote_keeper.votes {
        let mut prevotes = vec!["nil-Vote".to_owned(); validators.len()];
        let mut precommits = prevotes.clone();
        let mut prevoted = vec![false; validators.len()];
        let mut precommitted = prevoted.clone();
        for signed in per_round.received_votes() {
            let vote = &signed.message;
            let Some(index) = index_of(&vote.validator_address) else {
                continue;
            };
            let text = summary(index, vote, &signed.signature.to_bytes(), last_time);
            match vote.vote_type {
                VoteType::Prevote => (prevotes[index], prevoted[index]) = (text, true),
                VoteType::Precommit => (precommits[index], precommitted[index]) = (text, true),
            }
        }
        height_vote_set.push(json!({
            "round": round.as_i64().max(0),
            "prevotes": prevotes,
            "prevotes_bit_array": bit_array(&prevoted, validators),
            "precommits": precommits,
            "precommits_bit_array": bit_array(&precommitted, validators),
        }));
    }
    let round_state = &dump.consensus;
    let hash_of = |block: Option<&crate::context::BlockRef>| {
        block.map_or_else(String::new, |block| hex::encode_upper(block.hash))
    };
    // The first proposal received for the current round, if any.
    let proposal = dump
        .proposal_keeper
        .proposals
        .get(&round_state.round)
        .and_then(|per_round| per_round.get_proposals_and_validities().first())
        .map(|(signed, _)| &signed.message.value);
    let proposer = dump.proposer.as_ref();
    Ok(json!({
        "round_state": {
            "height/round/step": format!(
                "{}/{}/{}",
                round_state.height.0,
                round_state.round.as_i64().max(0),
                step_number(round_state.step)
            ),
            "start_time": last_time.to_rfc3339(),
            "proposal_block_hash": hash_of(proposal),
            "locked_block_hash": hash_of(round_state.locked.as_ref().map(|v| &v.value)),
            "valid_block_hash": hash_of(round_state.valid.as_ref().map(|v| &v.value)),
            "height_vote_set": height_vote_set,
            "proposer": {
                "address": proposer.map_or_else(String::new, |a| hex::encode_upper(a.0)),
                "index": proposer.and_then(index_of).map_or(-1, |i| i as i64),
            },
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bit_array_counts_power() {
        let validator = |power| Validator {
            address: Address([0; 20]),
            public_key: crate::context::PublicKey(
                ed25519_consensus::SigningKey::from([1; 32]).verification_key(),
            ),
            voting_power: power,
        };
        let validators = [validator(10), validator(30)];
        assert_eq!(
            bit_array(&[false, true], &validators),
            "BA{2:_x} 30/40 = 0.75"
        );
        assert_eq!(bit_array(&[], &[]), "BA{0:} 0/0 = 0.00");
    }

    #[test]
    fn steps_are_cometbfts() {
        assert_eq!(step_number(Step::Unstarted), 1);
        assert_eq!(step_number(Step::Prevote), 4);
        assert_eq!(step_number(Step::Commit), 8);
    }
}

//! A leg's vote on its prepare: what the participant answers in the
//! acknowledgement (`xcc.xtx.v1.PrepareVote`) and what the coordinator
//! reads from it, with the conversions both ways.

use prost::Message;
use xcc_proto::xtx::v1 as pb;

use crate::module::BlockInfo;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Vote {
    /// The leg is prepared (its effects reserved); `result` feeds the legs
    /// that depend on it.
    Ok { result: Vec<u8> },
    /// Refused; nothing is reserved.
    Failed { reason: String },
}

impl Vote {
    pub fn is_ok(&self) -> bool {
        matches!(self, Vote::Ok { .. })
    }

    /// The acknowledgement's result: the vote and where it was made.
    pub fn encode(&self, at: BlockInfo) -> Vec<u8> {
        let vote = match self {
            Vote::Ok { result } => pb::prepare_vote::Vote::Ok(result.clone()),
            Vote::Failed { reason } => pb::prepare_vote::Vote::Failed(reason.clone()),
        };
        pb::PrepareVote {
            vote: Some(vote),
            at: Some(at.into()),
        }
        .encode_to_vec()
    }

    /// The vote an acknowledgement carries (its result, or the error the
    /// participant answered with), and where it was made when known. An
    /// error, or an answer that cannot be read, is a failed vote.
    pub fn decode(ack: Result<&[u8], String>) -> (Vote, Option<BlockInfo>) {
        let answer = match ack.map(pb::PrepareVote::decode) {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => {
                let reason = format!("an unreadable vote: {e}");
                return (Vote::Failed { reason }, None);
            }
            Err(reason) => return (Vote::Failed { reason }, None),
        };
        let vote = match answer.vote {
            Some(pb::prepare_vote::Vote::Ok(result)) => Vote::Ok { result },
            Some(pb::prepare_vote::Vote::Failed(reason)) => Vote::Failed { reason },
            None => Vote::Failed {
                reason: "an empty vote".into(),
            },
        };
        (vote, answer.at.map(BlockInfo::from))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vote_reads_back_as_it_was_written() {
        let at = BlockInfo {
            height: 7,
            time_ns: 9,
        };
        for vote in [
            Vote::Ok {
                result: b"fills".to_vec(),
            },
            Vote::Failed {
                reason: "short of cash".into(),
            },
        ] {
            assert_eq!(Vote::decode(Ok(&vote.encode(at))), (vote, Some(at)));
        }
    }

    #[test]
    fn an_error_or_unreadable_acknowledgement_is_a_failed_vote() {
        let (vote, at) = Vote::decode(Err("no such leg".into()));
        assert_eq!(
            (vote, at),
            (
                Vote::Failed {
                    reason: "no such leg".into()
                },
                None
            )
        );
        assert!(!Vote::decode(Ok(&[0xff, 0xff])).0.is_ok());
        let empty = pb::PrepareVote::default().encode_to_vec();
        assert!(!Vote::decode(Ok(&empty)).0.is_ok());
    }
}

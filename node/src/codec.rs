//! The wire and WAL encoding of every consensus, sync and streaming message:
//! borsh, using Malachite's own borsh impls where it has them and encoding
//! the rest field by field here.

use std::io;

use borsh::{BorshDeserialize, BorshSerialize};
use bytes::Bytes;
use malachitebft_app_channel::app::consensus::LivenessMsg;
use malachitebft_app_channel::app::engine::util::streaming::StreamContent;
use malachitebft_app_channel::app::streaming::{StreamId, StreamMessage};
use malachitebft_app_channel::app::types::codec::{Codec, HasEncodedLen};
use malachitebft_app_channel::app::types::core::{
    ExtendedCommitCertificate, ExtendedCommitSignature, PolkaCertificate, Round, SignedExtension,
    SignedMessage, ValidatorProof, Validity,
};
use malachitebft_app_channel::app::types::sync::{RawDecidedValue, Request, Response, Status};
use malachitebft_app_channel::app::types::{ProposedValue, SignedConsensusMsg};
use malachitebft_sync::ValueResponse;

use crate::context::{Address, BlockPart, BlockRef, Height, Proposal, Signature, Vote, XccContext};

/// The one codec for network, sync and WAL.
#[derive(Clone, Copy, Debug, Default)]
pub struct XccCodec;

type Ctx = XccContext;

fn decode_all<T>(bytes: &[u8], read: impl FnOnce(&mut &[u8]) -> io::Result<T>) -> io::Result<T> {
    let mut reader = bytes;
    let value = read(&mut reader)?;
    if !reader.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "trailing bytes after message",
        ));
    }
    Ok(value)
}

fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Codecs for types that are borsh-encodable as they are.
macro_rules! borsh_codec {
    ($($ty:ty),* $(,)?) => {$(
        impl Codec<$ty> for XccCodec {
            type Error = io::Error;

            fn decode(&self, bytes: Bytes) -> io::Result<$ty> {
                decode_all(&bytes, |r| <$ty>::deserialize_reader(r))
            }

            fn encode(&self, msg: &$ty) -> io::Result<Bytes> {
                borsh::to_vec(msg).map(Bytes::from)
            }
        }
    )*};
}

/// Codecs for types encoded by a pair of functions below.
macro_rules! manual_codec {
    ($ty:ty, $write:ident, $read:ident) => {
        impl Codec<$ty> for XccCodec {
            type Error = io::Error;

            fn decode(&self, bytes: Bytes) -> io::Result<$ty> {
                decode_all(&bytes, $read)
            }

            fn encode(&self, msg: &$ty) -> io::Result<Bytes> {
                let mut out = Vec::new();
                $write(msg, &mut out)?;
                Ok(Bytes::from(out))
            }
        }
    };
}

borsh_codec!(BlockPart, PolkaCertificate<Ctx>, Status<Ctx>, Request<Ctx>,);

manual_codec!(
    SignedConsensusMsg<Ctx>,
    write_consensus_msg,
    read_consensus_msg
);
manual_codec!(LivenessMsg<Ctx>, write_liveness_msg, read_liveness_msg);
manual_codec!(StreamMessage<BlockPart>, write_stream_msg, read_stream_msg);
manual_codec!(
    ValidatorProof<Ctx>,
    write_validator_proof,
    read_validator_proof
);
manual_codec!(Response<Ctx>, write_response, read_response);
manual_codec!(
    ProposedValue<Ctx>,
    write_proposed_value,
    read_proposed_value
);

impl HasEncodedLen<Response<Ctx>> for XccCodec {
    fn encoded_len(&self, msg: &Response<Ctx>) -> io::Result<usize> {
        let mut out = Vec::new();
        write_response(msg, &mut out)?;
        Ok(out.len())
    }
}

type Out = Vec<u8>;

fn write_consensus_msg(msg: &SignedConsensusMsg<Ctx>, out: &mut Out) -> io::Result<()> {
    match msg {
        SignedConsensusMsg::Vote(vote) => {
            0u8.serialize(out)?;
            vote.serialize(out)
        }
        SignedConsensusMsg::Proposal(proposal) => {
            1u8.serialize(out)?;
            proposal.serialize(out)
        }
    }
}

fn read_consensus_msg(r: &mut &[u8]) -> io::Result<SignedConsensusMsg<Ctx>> {
    match u8::deserialize_reader(r)? {
        0 => Ok(SignedConsensusMsg::Vote(
            SignedMessage::<Ctx, Vote>::deserialize_reader(r)?,
        )),
        1 => Ok(SignedConsensusMsg::Proposal(
            SignedMessage::<Ctx, Proposal>::deserialize_reader(r)?,
        )),
        _ => Err(invalid("unknown consensus message tag")),
    }
}

fn write_liveness_msg(msg: &LivenessMsg<Ctx>, out: &mut Out) -> io::Result<()> {
    match msg {
        LivenessMsg::Vote(vote) => {
            0u8.serialize(out)?;
            vote.serialize(out)
        }
        LivenessMsg::PolkaCertificate(certificate) => {
            1u8.serialize(out)?;
            certificate.serialize(out)
        }
        LivenessMsg::SkipRoundCertificate(certificate) => {
            2u8.serialize(out)?;
            certificate.serialize(out)
        }
    }
}

fn read_liveness_msg(r: &mut &[u8]) -> io::Result<LivenessMsg<Ctx>> {
    use malachitebft_app_channel::app::types::core::RoundCertificate;
    match u8::deserialize_reader(r)? {
        0 => Ok(LivenessMsg::Vote(
            SignedMessage::<Ctx, Vote>::deserialize_reader(r)?,
        )),
        1 => Ok(LivenessMsg::PolkaCertificate(
            PolkaCertificate::deserialize_reader(r)?,
        )),
        2 => Ok(LivenessMsg::SkipRoundCertificate(
            RoundCertificate::deserialize_reader(r)?,
        )),
        _ => Err(invalid("unknown liveness message tag")),
    }
}

fn write_stream_msg(msg: &StreamMessage<BlockPart>, out: &mut Out) -> io::Result<()> {
    msg.stream_id.to_bytes().to_vec().serialize(out)?;
    msg.sequence.serialize(out)?;
    match &msg.content {
        StreamContent::Data(part) => {
            0u8.serialize(out)?;
            part.serialize(out)
        }
        StreamContent::Fin => 1u8.serialize(out),
    }
}

fn read_stream_msg(r: &mut &[u8]) -> io::Result<StreamMessage<BlockPart>> {
    let stream_id = StreamId::new(Bytes::from(Vec::<u8>::deserialize_reader(r)?));
    let sequence = u64::deserialize_reader(r)?;
    let content = match u8::deserialize_reader(r)? {
        0 => StreamContent::Data(BlockPart::deserialize_reader(r)?),
        1 => StreamContent::Fin,
        _ => return Err(invalid("unknown stream content tag")),
    };
    Ok(StreamMessage::new(stream_id, sequence, content))
}

fn write_validator_proof(proof: &ValidatorProof<Ctx>, out: &mut Out) -> io::Result<()> {
    proof.public_key.serialize(out)?;
    proof.peer_id.serialize(out)?;
    proof.signature.serialize(out)
}

fn read_validator_proof(r: &mut &[u8]) -> io::Result<ValidatorProof<Ctx>> {
    let public_key = Vec::<u8>::deserialize_reader(r)?;
    let peer_id = Vec::<u8>::deserialize_reader(r)?;
    let signature = Signature::deserialize_reader(r)?;
    Ok(ValidatorProof::new(public_key, peer_id, signature))
}

fn write_response(msg: &Response<Ctx>, out: &mut Out) -> io::Result<()> {
    let Response::ValueResponse(response) = msg;
    response.start_height.serialize(out)?;
    (response.values.len() as u32).serialize(out)?;
    for value in &response.values {
        value.value_bytes.to_vec().serialize(out)?;
        write_certificate(&value.certificate, out)?;
    }
    Ok(())
}

fn read_response(r: &mut &[u8]) -> io::Result<Response<Ctx>> {
    let start_height = Height::deserialize_reader(r)?;
    let count = u32::deserialize_reader(r)?;
    let mut values = Vec::new();
    for _ in 0..count {
        let value_bytes = Bytes::from(Vec::<u8>::deserialize_reader(r)?);
        let certificate = read_certificate(r)?;
        values.push(RawDecidedValue::new(value_bytes, certificate));
    }
    Ok(Response::ValueResponse(ValueResponse::new(
        start_height,
        values,
    )))
}

pub fn write_certificate(
    certificate: &ExtendedCommitCertificate<Ctx>,
    out: &mut Out,
) -> io::Result<()> {
    certificate.height.serialize(out)?;
    certificate.round.serialize(out)?;
    certificate.value_id.serialize(out)?;
    (certificate.commit_signatures.len() as u32).serialize(out)?;
    for signature in &certificate.commit_signatures {
        signature.address.serialize(out)?;
        signature.signature.serialize(out)?;
        signature.extension.serialize(out)?;
    }
    Ok(())
}

pub fn read_certificate(r: &mut &[u8]) -> io::Result<ExtendedCommitCertificate<Ctx>> {
    let height = Height::deserialize_reader(r)?;
    let round = Round::deserialize_reader(r)?;
    let value_id = BlockRef::deserialize_reader(r)?;
    let count = u32::deserialize_reader(r)?;
    let mut commit_signatures = Vec::new();
    for _ in 0..count {
        let address = Address::deserialize_reader(r)?;
        let signature = Signature::deserialize_reader(r)?;
        let extension = Option::<SignedExtension<Ctx>>::deserialize_reader(r)?;
        commit_signatures.push(ExtendedCommitSignature::new(address, signature, extension));
    }
    Ok(ExtendedCommitCertificate {
        height,
        round,
        value_id,
        commit_signatures,
    })
}

fn write_proposed_value(value: &ProposedValue<Ctx>, out: &mut Out) -> io::Result<()> {
    value.height.serialize(out)?;
    value.round.serialize(out)?;
    value.valid_round.serialize(out)?;
    value.proposer.serialize(out)?;
    value.value.serialize(out)?;
    value.validity.serialize(out)
}

fn read_proposed_value(r: &mut &[u8]) -> io::Result<ProposedValue<Ctx>> {
    Ok(ProposedValue {
        height: Height::deserialize_reader(r)?,
        round: Round::deserialize_reader(r)?,
        valid_round: Round::deserialize_reader(r)?,
        proposer: Address::deserialize_reader(r)?,
        value: BlockRef::deserialize_reader(r)?,
        validity: Validity::deserialize_reader(r)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use malachitebft_app_channel::app::types::core::{NilOrVal, VoteType};

    fn roundtrip<T>(value: T)
    where
        XccCodec: Codec<T>,
        T: PartialEq + std::fmt::Debug,
    {
        let bytes = XccCodec.encode(&value).expect("encodes");
        assert_eq!(XccCodec.decode(bytes.clone()).expect("decodes"), value);
        let mut longer = bytes.to_vec();
        longer.push(0);
        assert!(XccCodec.decode(Bytes::from(longer)).map(|_: T| ()).is_err());
    }

    fn signature() -> Signature {
        Signature(ed25519_consensus::Signature::from([7u8; 64]))
    }

    #[test]
    fn messages_roundtrip_and_refuse_trailing_bytes() {
        let block = BlockRef {
            hash: [3; 32],
            time_secs: 1_700_000_000,
            time_nanos: 5,
        };
        let vote = Vote::new(
            VoteType::Precommit,
            Height(4),
            Round::new(1),
            NilOrVal::Val(block),
            Address([9; 20]),
        );
        roundtrip(SignedConsensusMsg::<Ctx>::Vote(SignedMessage::new(
            vote,
            signature(),
        )));
        roundtrip(ProposedValue::<Ctx> {
            height: Height(4),
            round: Round::new(0),
            valid_round: Round::Nil,
            proposer: Address([1; 20]),
            value: block,
            validity: Validity::Valid,
        });
        let part = BlockPart {
            height: Height(4),
            round: Round::new(0),
            proposer: Address([1; 20]),
            pol_round: Round::Nil,
            block: vec![1, 2, 3],
            signature: signature(),
        };
        roundtrip(StreamMessage::new(
            StreamId::new(Bytes::from_static(b"id")),
            0,
            StreamContent::Data(part),
        ));
        roundtrip(ValidatorProof::<Ctx>::new(
            vec![1; 32],
            vec![2; 38],
            signature(),
        ));
    }
}

//! The `xcc.ibc.v1.Query` service: everything a relayer rebuilds its work
//! from after a restart.

use prost::Message;
use xcc_proto::ibc::v1 as pb;

use super::{client, state_key};
use crate::error::{decode_request, QueryError};
use crate::module::BlockInfo;
use crate::state::{StateRead, StateReadExt};

/// The most sequences one query may ask about.
const MAX_SEQUENCES: usize = 10_000;

pub fn answer(
    state: &dyn StateRead,
    block: BlockInfo,
    method: &str,
    request: &[u8],
) -> Result<Vec<u8>, QueryError> {
    match method {
        "ClientStatus" => {
            let request: pb::QueryClientStatusRequest = decode_request(request)?;
            let client = client::client_state(state, &request.client_id)
                .map_err(|_| QueryError::NotFound(format!("client {}", request.client_id)))?;
            let health = client::health(state, &client, block.time_ns)
                .map_err(|e| QueryError::Invalid(e.log))?;
            Ok(pb::QueryClientStatusResponse {
                client_state: Some(client),
                latest_consensus_state: Some(health.latest),
                status: health.status.to_proto().into(),
                age_ns: health.age_ns,
                now_ns: block.time_ns,
            }
            .encode_to_vec())
        }
        "ClientState" => {
            let request: pb::QueryClientStateRequest = decode_request(request)?;
            let client_state = state
                .get_proto::<pb::ClientState>(&state_key::client_state(&request.client_id))?
                .ok_or_else(|| QueryError::NotFound(format!("client {}", request.client_id)))?;
            Ok(pb::QueryClientStateResponse {
                client_state: Some(client_state),
            }
            .encode_to_vec())
        }
        "ConsensusState" => {
            let request: pb::QueryConsensusStateRequest = decode_request(request)?;
            let key = state_key::consensus_state(&request.client_id, request.height);
            let consensus_state =
                state
                    .get_proto::<pb::ConsensusState>(&key)?
                    .ok_or_else(|| {
                        QueryError::NotFound(format!(
                            "consensus state of {} at {}",
                            request.client_id, request.height
                        ))
                    })?;
            Ok(pb::QueryConsensusStateResponse {
                consensus_state: Some(consensus_state),
            }
            .encode_to_vec())
        }
        "PendingPackets" => {
            let request: pb::QueryPendingPacketsRequest = decode_request(request)?;
            // 0 asks for as many as one answer may hold.
            let limit = match request.limit as usize {
                0 => MAX_SEQUENCES,
                limit => limit.min(MAX_SEQUENCES),
            };
            let prefix = state_key::sent_packets(&request.dest_chain);
            let packets = state
                .prefix_page_proto::<pb::Packet>(&prefix, &prefix, limit)?
                .into_iter()
                .map(|(_, packet)| packet)
                .collect();
            Ok(pb::QueryPendingPacketsResponse { packets }.encode_to_vec())
        }
        "UnreceivedPackets" => {
            let request: pb::QueryUnreceivedPacketsRequest = decode_request(request)?;
            check_count(&request.sequences)?;
            let mut sequences = Vec::new();
            for sequence in request.sequences {
                if state
                    .get_raw(&state_key::receipt(&request.source_chain, sequence))?
                    .is_none()
                {
                    sequences.push(sequence);
                }
            }
            Ok(pb::QueryUnreceivedPacketsResponse { sequences }.encode_to_vec())
        }
        "Acknowledgements" => {
            let request: pb::QueryAcknowledgementsRequest = decode_request(request)?;
            check_count(&request.sequences)?;
            let mut acknowledgements = Vec::new();
            for sequence in request.sequences {
                let key = state_key::ack_data(&request.source_chain, sequence);
                if let Some(acknowledgement) = state.get_raw(&key)? {
                    acknowledgements.push(pb::PacketAcknowledgement {
                        sequence,
                        acknowledgement,
                    });
                }
            }
            Ok(pb::QueryAcknowledgementsResponse { acknowledgements }.encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(other.to_owned())),
    }
}

fn check_count(sequences: &[u64]) -> Result<(), QueryError> {
    if sequences.len() > MAX_SEQUENCES {
        return Err(QueryError::Invalid(format!(
            "at most {MAX_SEQUENCES} sequences per query"
        )));
    }
    Ok(())
}

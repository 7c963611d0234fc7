//! The `xcc.coordinator.v1.Query` service.

use prost::Message;
use xcc_chain::error::decode_request;
use xcc_chain::page::paginate;
use xcc_chain::state::{StateRead, StateReadExt};
use xcc_chain::QueryError;
use xcc_proto::coordinator::v1 as pb;

use crate::params::Params;
use crate::state_key;

pub const SERVICE: &str = "xcc.coordinator.v1.Query";

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "CrossTx" => {
            let request: pb::QueryCrossTxRequest = decode_request(request)?;
            let tx_id = xcc_chain::xtx::tx_id(&request.tx_id)
                .map_err(|e| QueryError::Invalid(e.to_string()))?;
            let record: pb::CrossTxRecord = state
                .get_proto(&state_key::record(&tx_id))?
                .ok_or_else(|| QueryError::NotFound(format!("cross-tx {}", hex::encode(tx_id))))?;
            Ok(record.encode_to_vec())
        }
        "LegResult" => {
            let request: pb::QueryLegResultRequest = decode_request(request)?;
            let tx_id = xcc_chain::xtx::tx_id(&request.tx_id)
                .map_err(|e| QueryError::Invalid(e.to_string()))?;
            let result = state
                .get_raw(&state_key::leg_result(&tx_id, request.leg_index))?
                .ok_or_else(|| {
                    QueryError::NotFound(format!(
                        "no result of leg {} of cross-tx {}",
                        request.leg_index,
                        hex::encode(tx_id)
                    ))
                })?;
            Ok(pb::QueryLegResultResponse { result }.encode_to_vec())
        }
        "CrossTxs" => {
            let request: pb::QueryCrossTxsRequest = decode_request(request)?;
            let phase = request.phase;
            let any_phase = phase == pb::Phase::Unspecified as i32;
            let (records, page) = paginate(
                state,
                state_key::all_records(),
                request.page,
                |_, record: pb::CrossTxRecord| {
                    Ok((any_phase || record.phase == phase).then_some(record))
                },
            )?;
            Ok(pb::QueryCrossTxsResponse {
                records,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Params" => {
            let _: pb::QueryParamsRequest = decode_request(request)?;
            let params = Params::load(state).map_err(|e| QueryError::Invalid(e.log))?;
            Ok(params.to_proto().encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

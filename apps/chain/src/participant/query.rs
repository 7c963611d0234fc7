//! Queries of the participant's leg records: `xcc.xtx.v1.Query`.

use prost::Message;
use xcc_proto::xtx::v1 as pb;

use super::state_key;
use crate::error::{decode_request, QueryError};
use crate::page::paginate;
use crate::state::{StateRead, StateReadExt};

pub const SERVICE: &str = "xcc.xtx.v1.Query";

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "Leg" => {
            let request: pb::QueryLegRequest = decode_request(request)?;
            let tx_id = crate::xtx::tx_id(&request.tx_id)
                .map_err(|e| QueryError::Invalid(e.to_string()))?;
            let not_found =
                || QueryError::NotFound(format!("no leg of {} here", hex::encode(tx_id)));
            let record: pb::LegRecord = match request.leg_index {
                Some(leg_index) => state
                    .get_proto(&state_key::leg(&tx_id, leg_index))?
                    .ok_or_else(not_found)?,
                None => {
                    let prefix = state_key::legs_of(&tx_id);
                    let (_, first) = state
                        .prefix_page_raw(&prefix, &prefix, 1)?
                        .into_iter()
                        .next()
                        .ok_or_else(not_found)?;
                    pb::LegRecord::decode(first.as_slice())
                        .map_err(|e| QueryError::Invalid(format!("a stored leg record: {e}")))?
                }
            };
            Ok(record.encode_to_vec())
        }
        "Legs" => {
            let request: pb::QueryLegsRequest = decode_request(request)?;
            let status = request.status;
            let any_status = status == pb::LegStatus::Unspecified as i32;
            let (legs, page) = paginate(
                state,
                state_key::all_legs(),
                request.page,
                |_, record: pb::LegRecord| {
                    Ok((any_status || record.status == status).then_some(record))
                },
            )?;
            Ok(pb::QueryLegsResponse {
                legs,
                page: Some(page),
            }
            .encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(other.to_owned())),
    }
}

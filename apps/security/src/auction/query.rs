//! The `xcc.auction.v1.Query` service.

use prost::Message;
use xcc_chain::error::decode_request;
use xcc_chain::page::{every, paginate};
use xcc_chain::state::{Record, StateRead};
use xcc_chain::QueryError;
use xcc_proto::auction::v1 as pb;

use super::error::AuctionError;
use super::state::AuctionRead;
use super::state_key;

pub const SERVICE: &str = "xcc.auction.v1.Query";

fn query_error(error: AuctionError) -> QueryError {
    match error {
        AuctionError::UnknownLot(id) => QueryError::NotFound(format!("lot {id}")),
        AuctionError::State(e) => QueryError::State(e),
        other => QueryError::Invalid(other.to_string()),
    }
}

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "Lot" => {
            let request: pb::QueryLotRequest = decode_request(request)?;
            let lot = state.lot(request.lot_id).map_err(query_error)?;
            Ok(lot.to_proto().encode_to_vec())
        }
        "Lots" => {
            let request: pb::QueryLotsRequest = decode_request(request)?;
            let (lots, page) = paginate(state, state_key::all_lots(), request.page, every)?;
            Ok(pb::QueryLotsResponse {
                lots,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "LotHistory" => {
            let request: pb::QueryLotHistoryRequest = decode_request(request)?;
            state.lot(request.lot_id).map_err(query_error)?;
            let prefix = state_key::history(request.lot_id);
            let (events, page) = paginate(state, &prefix, request.page, every)?;
            Ok(pb::QueryLotHistoryResponse {
                events,
                page: Some(page),
            }
            .encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

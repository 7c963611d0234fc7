//! The `xcc.trust.v1.Query` service: platforms, banks, an epoch's powers
//! and a lot's trust (each platform's share of its registration fees).

use prost::Message;
use xcc_chain::error::decode_request;
use xcc_chain::page::{every, paginate};
use xcc_chain::state::{StateRead, StateReadExt};
use xcc_chain::QueryError;
use xcc_proto::trust::v1 as pb;

use super::power::BP;
use super::{state_key, MAX_PLATFORMS};

pub const SERVICE: &str = "xcc.trust.v1.Query";

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "Platforms" => {
            let request: pb::QueryPlatformsRequest = decode_request(request)?;
            let (platforms, page) =
                paginate(state, state_key::all_platforms(), request.page, every)?;
            Ok(pb::QueryPlatformsResponse {
                platforms,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Params" => {
            let _: pb::QueryParamsRequest = decode_request(request)?;
            let params: pb::Params = state
                .get_proto(state_key::PARAMS)?
                .ok_or_else(|| QueryError::NotFound("trust parameters".into()))?;
            Ok(params.encode_to_vec())
        }
        "ReceiptFees" => {
            let request: pb::QueryReceiptFeesRequest = decode_request(request)?;
            let prefix = state_key::receipt_fees_of(request.epoch);
            let (fees, page) = paginate(state, &prefix, request.page, every)?;
            Ok(pb::QueryReceiptFeesResponse {
                fees,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Banks" => {
            let request: pb::QueryBanksRequest = decode_request(request)?;
            let (banks, page) = paginate(state, state_key::all_banks(), request.page, every)?;
            Ok(pb::QueryBanksResponse {
                banks,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Epoch" => {
            let request: pb::QueryEpochRequest = decode_request(request)?;
            let number = match request.number {
                0 => state.get_u64(state_key::LAST_EPOCH)?,
                n => n,
            };
            let epoch: pb::Epoch = state
                .get_proto(&state_key::epoch(number))?
                .ok_or_else(|| QueryError::NotFound(format!("epoch {number}")))?;
            Ok(epoch.encode_to_vec())
        }
        "LotTrust" => {
            let request: pb::QueryLotTrustRequest = decode_request(request)?;
            let prefix = state_key::lot_fees_of(request.lot_id);
            let fees = state.prefix_page_raw(&prefix, &prefix, MAX_PLATFORMS)?;
            let mut shares = Vec::with_capacity(fees.len());
            for (key, bytes) in &fees {
                let fee = u64::from_be_bytes(bytes.as_slice().try_into().map_err(|_| {
                    QueryError::Invalid(format!("stored fees at {}", String::from_utf8_lossy(key)))
                })?);
                let platform = String::from_utf8_lossy(&key[prefix.len()..]).into_owned();
                shares.push((platform, fee));
            }
            let total: u128 = shares.iter().map(|(_, fee)| u128::from(*fee)).sum();
            let shares = shares
                .into_iter()
                .map(|(platform_id, fees)| pb::LotShare {
                    platform_id,
                    fees,
                    share_bp: (u128::from(fees) * u128::from(BP))
                        .checked_div(total)
                        .unwrap_or(0) as u32,
                })
                .collect();
            Ok(pb::QueryLotTrustResponse { shares }.encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

//! The `xcc.security.v1.Query` service.

use prost::Message;
use xcc_chain::error::{decode_request, parse_request_field};
use xcc_chain::page::{every, paginate, BigEndianU64, KeyOnly};
use xcc_chain::state::{Record, StateRead, StateReadExt};
use xcc_chain::{Address, BlockInfo, QueryError};
use xcc_proto::security::v1 as pb;

use crate::error::SecurityError;
use crate::handler::{self, WhitelistStatus};
use crate::state::SecurityRead;
use crate::state_key;
use crate::symbol::Symbol;

pub const SERVICE: &str = "xcc.security.v1.Query";

fn query_error(error: SecurityError) -> QueryError {
    match error {
        SecurityError::UnknownSecurity(symbol) => {
            QueryError::NotFound(format!("security {symbol}"))
        }
        SecurityError::UnknownListing(id) => QueryError::NotFound(format!("listing {id}")),
        SecurityError::UnknownDividend(id) => QueryError::NotFound(format!("dividend {id}")),
        SecurityError::State(e) => QueryError::State(e),
        other => QueryError::Invalid(other.to_string()),
    }
}

/// A holder's position as the `Holders` query lists it.
fn holding(
    state: &dyn StateRead,
    symbol: &Symbol,
    account: &Address,
) -> Result<pb::Holding, QueryError> {
    let position = state.position(symbol, account).map_err(query_error)?;
    Ok(pb::Holding {
        account: account.to_string(),
        amount: position.balance,
        reserved: position.reserved,
        pending_in: position.pending_in,
    })
}

pub fn answer(
    state: &dyn StateRead,
    block: BlockInfo,
    method: &str,
    request: &[u8],
) -> Result<Vec<u8>, QueryError> {
    match method {
        "Security" => {
            let request: pb::QuerySecurityRequest = decode_request(request)?;
            let security = state
                .security(&parse_request_field(&request.symbol)?)
                .map_err(query_error)?;
            Ok(security.to_proto().encode_to_vec())
        }
        "Securities" => {
            let request: pb::QuerySecuritiesRequest = decode_request(request)?;
            let (securities, page) =
                paginate(state, state_key::all_securities(), request.page, every)?;
            Ok(pb::QuerySecuritiesResponse {
                securities,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Balance" => {
            let request: pb::QueryBalanceRequest = decode_request(request)?;
            let (symbol, account) = (
                parse_request_field(&request.symbol)?,
                parse_request_field(&request.account)?,
            );
            state.security(&symbol).map_err(query_error)?;
            let position = state.position(&symbol, &account).map_err(query_error)?;
            let frozen = state.is_frozen(&symbol, &account).map_err(query_error)?;
            Ok(pb::QueryBalanceResponse {
                amount: position.balance,
                frozen,
                reserved: position.reserved,
                pending_in: position.pending_in,
            }
            .encode_to_vec())
        }
        "Holders" => {
            let request: pb::QueryHoldersRequest = decode_request(request)?;
            let symbol = parse_request_field(&request.symbol)?;
            let security = state.security(&symbol).map_err(query_error)?;
            let issuer = security.issuer;
            let prefix = state_key::balances(&symbol);
            let (holders, page) =
                paginate(state, &prefix, request.page, |key, BigEndianU64(amount)| {
                    match state_key::account_suffix(&prefix, key) {
                        Some(account) if amount > 0 && account != issuer => {
                            holding(state, &symbol, &account).map(Some)
                        }
                        _ => Ok(None),
                    }
                })?;
            Ok(pb::QueryHoldersResponse {
                holders,
                // The security keeps the count: a page cannot know it.
                count: security.holders,
                holder_cap: security.holder_cap,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Whitelist" => {
            let request: pb::QueryWhitelistRequest = decode_request(request)?;
            let (symbol, account) = (
                parse_request_field(&request.symbol)?,
                parse_request_field(&request.account)?,
            );
            state.security(&symbol).map_err(query_error)?;
            let entry =
                state.get_proto::<pb::WhitelistEntry>(&state_key::whitelist(&symbol, &account))?;
            let status = handler::whitelist_status(state, &symbol, &account, block.time_seconds())
                .map_err(query_error)?;
            Ok(pb::QueryWhitelistResponse {
                listed: entry.is_some(),
                expires_at: entry.as_ref().map_or(0, |e| e.expires_at),
                active: matches!(status, WhitelistStatus::Active { .. }),
                added_by: entry.map(|e| e.added_by).unwrap_or_default(),
            }
            .encode_to_vec())
        }
        "KycAgents" => {
            let request: pb::QueryKycAgentsRequest = decode_request(request)?;
            let symbol = parse_request_field(&request.symbol)?;
            state.security(&symbol).map_err(query_error)?;
            let prefix = state_key::kyc_agents(&symbol);
            let (agents, page) = paginate(state, &prefix, request.page, |key, KeyOnly| {
                Ok(state_key::account_suffix(&prefix, key).map(|agent| agent.to_string()))
            })?;
            Ok(pb::QueryKycAgentsResponse {
                agents,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Listing" => {
            let request: pb::QueryListingRequest = decode_request(request)?;
            Ok(state
                .listing(request.listing_id)
                .map_err(query_error)?
                .to_proto()
                .encode_to_vec())
        }
        "Listings" => {
            let request: pb::QueryListingsRequest = decode_request(request)?;
            let only = request.symbol;
            let (listings, page) = paginate(
                state,
                state_key::all_listings(),
                request.page,
                |_, listing: pb::Listing| {
                    Ok((only.is_empty() || listing.symbol == only).then_some(listing))
                },
            )?;
            Ok(pb::QueryListingsResponse {
                listings,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "TradeStats" => {
            let request: pb::QueryTradeStatsRequest = decode_request(request)?;
            let symbol = parse_request_field(&request.symbol)?;
            state.security(&symbol).map_err(query_error)?;
            let stats = state
                .get_proto::<pb::TradeStats>(&state_key::trade_stats(&symbol))?
                .unwrap_or_else(|| pb::TradeStats {
                    symbol: symbol.to_string(),
                    ..Default::default()
                });
            Ok(stats.encode_to_vec())
        }
        "Holds" => {
            let request: pb::QueryHoldsRequest = decode_request(request)?;
            let (holds, page) = crate::hold::holds(state, request.page)?;
            Ok(pb::QueryHoldsResponse {
                holds,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Dividend" => {
            let request: pb::QueryDividendRequest = decode_request(request)?;
            Ok(state
                .dividend(request.dividend_id)
                .map_err(query_error)?
                .to_proto()
                .encode_to_vec())
        }
        "Dividends" => {
            let request: pb::QueryDividendsRequest = decode_request(request)?;
            let only = request.symbol;
            let (dividends, page) = paginate(
                state,
                state_key::all_dividends(),
                request.page,
                |_, dividend: pb::Dividend| {
                    Ok((only.is_empty() || dividend.symbol == only).then_some(dividend))
                },
            )?;
            Ok(pb::QueryDividendsResponse {
                dividends,
                page: Some(page),
            }
            .encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

//! The `xcc.currency.v1.Query` service.

use prost::Message;
use xcc_chain::error::{decode_request, parse_request_field};
use xcc_chain::page::{every, paginate, BigEndianU64, KeyOnly};
use xcc_chain::state::{corrupt, Record, StateRead, StateReadExt};
use xcc_chain::{Address, QueryError};
use xcc_proto::currency::v1 as pb;

use crate::error::CurrencyError;
use crate::hold;
use crate::state::CurrencyRead;
use crate::state_key;

pub const SERVICE: &str = "xcc.currency.v1.Query";

fn query_error(error: CurrencyError) -> QueryError {
    match error {
        CurrencyError::UnknownDenom(denom) => QueryError::NotFound(format!("denom {denom}")),
        CurrencyError::State(e) => QueryError::State(e),
        other => QueryError::Invalid(other.to_string()),
    }
}

/// The account an index key names after `prefix`.
fn indexed_account(key: &[u8], prefix: &[u8]) -> Result<Address, QueryError> {
    key.strip_prefix(prefix)
        .and_then(|rest| std::str::from_utf8(rest).ok())
        .and_then(|account| account.parse().ok())
        .ok_or_else(|| QueryError::State(corrupt(key, "an index key that names no account")))
}

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "Denom" => {
            let request: pb::QueryDenomRequest = decode_request(request)?;
            Ok(state
                .denom(&parse_request_field(&request.denom)?)
                .map_err(query_error)?
                .to_proto()
                .encode_to_vec())
        }
        "Denoms" => {
            let request: pb::QueryDenomsRequest = decode_request(request)?;
            let (denoms, page) = paginate(state, state_key::all_denoms(), request.page, every)?;
            Ok(pb::QueryDenomsResponse {
                denoms,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Balance" => {
            let request: pb::QueryBalanceRequest = decode_request(request)?;
            let (denom, account) = (
                parse_request_field(&request.denom)?,
                parse_request_field(&request.account)?,
            );
            state.denom(&denom).map_err(query_error)?;
            let amount = state.balance(&account, &denom)?;
            let reserved = state.reserved(&account, &denom)?;
            Ok(pb::QueryBalanceResponse { amount, reserved }.encode_to_vec())
        }
        "Balances" => {
            let request: pb::QueryBalancesRequest = decode_request(request)?;
            let prefix = state_key::balances(&parse_request_field(&request.account)?);
            let (balances, page) =
                paginate(state, &prefix, request.page, |key, BigEndianU64(amount)| {
                    let denom = key
                        .strip_prefix(prefix.as_slice())
                        .and_then(|rest| std::str::from_utf8(rest).ok());
                    Ok(denom.map(|denom| pb::Coin {
                        denom: denom.to_owned(),
                        amount,
                    }))
                })?;
            Ok(pb::QueryBalancesResponse {
                balances,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "DenomBalances" => {
            let request: pb::QueryDenomBalancesRequest = decode_request(request)?;
            let denom = parse_request_field(&request.denom)?;
            state.denom(&denom).map_err(query_error)?;
            let prefix = state_key::denom_holders(&denom);
            let (balances, page) = paginate(state, &prefix, request.page, |key, KeyOnly| {
                let account = indexed_account(key, &prefix)?;
                Ok(Some(pb::AccountBalance {
                    account: account.to_string(),
                    amount: state.balance(&account, &denom)?,
                    reserved: state.reserved(&account, &denom)?,
                }))
            })?;
            Ok(pb::QueryDenomBalancesResponse {
                balances,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "DividendPayment" => {
            let request: pb::QueryDividendPaymentRequest = decode_request(request)?;
            let key = state_key::dividend_payment(&request.security_chain, request.dividend_id);
            let payment: pb::DividendPayment = state.get_proto(&key)?.ok_or_else(|| {
                QueryError::NotFound(format!(
                    "no payment of dividend {} of {}",
                    request.dividend_id, request.security_chain
                ))
            })?;
            let (chain, id) = (&request.security_chain, request.dividend_id);
            let prefix = state_key::dividend_payees(chain, id);
            let (paid, page) = paginate(state, &prefix, request.page, |key, KeyOnly| {
                let account = indexed_account(key, &prefix)?;
                let receipt_key = state_key::dividend_receipt(&account, chain, id);
                let receipt: pb::DividendReceipt =
                    state.get_proto(&receipt_key)?.ok_or_else(|| {
                        QueryError::State(corrupt(&receipt_key, "a payee without its receipt"))
                    })?;
                Ok(Some((account.to_string(), receipt)))
            })?;
            let (accounts, receipts) = paid.into_iter().unzip();
            Ok(pb::QueryDividendPaymentResponse {
                payment: Some(payment),
                receipts,
                accounts,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "DividendsReceived" => {
            let request: pb::QueryDividendsReceivedRequest = decode_request(request)?;
            let prefix = state_key::dividend_receipts(&parse_request_field(&request.account)?);
            let (receipts, page) = paginate(state, &prefix, request.page, every)?;
            Ok(pb::QueryDividendsReceivedResponse {
                receipts,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Holds" => {
            let request: pb::QueryHoldsRequest = decode_request(request)?;
            let (holds, page) = hold::holds(state, request.page)?;
            Ok(pb::QueryHoldsResponse {
                holds,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "Guarantees" => {
            let request: pb::QueryGuaranteesRequest = decode_request(request)?;
            let prefix = match (request.security_chain.as_str(), request.lot_id) {
                ("", 0) => state_key::all_guarantees().to_vec(),
                ("", _) => {
                    return Err(QueryError::Invalid(
                        "a lot is named with its security chain".into(),
                    ))
                }
                (chain, 0) => state_key::guarantees_of(chain, None),
                (chain, lot) => state_key::guarantees_of(chain, Some(lot)),
            };
            let (guarantees, page) = paginate(state, &prefix, request.page, every)?;
            Ok(pb::QueryGuaranteesResponse {
                guarantees,
                page: Some(page),
            }
            .encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

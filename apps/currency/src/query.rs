//! The `xcc.currency.v1.Query` service.

use prost::Message;
use xcc_chain::error::decode_request;
use xcc_chain::state::{StateRead, StateReadExt};
use xcc_chain::{Address, QueryError};
use xcc_proto::currency::v1 as pb;

use crate::denom::DenomName;
use crate::error::CurrencyError;
use crate::handler;
use crate::hold;
use crate::state_key;

pub const SERVICE: &str = "xcc.currency.v1.Query";

fn denom(value: &str) -> Result<DenomName, QueryError> {
    value
        .parse()
        .map_err(|e| QueryError::Invalid(format!("{e}")))
}

fn address(value: &str) -> Result<Address, QueryError> {
    value
        .parse()
        .map_err(|e| QueryError::Invalid(format!("{e}")))
}

fn query_error(error: CurrencyError) -> QueryError {
    match error {
        CurrencyError::UnknownDenom(denom) => QueryError::NotFound(format!("denom {denom}")),
        CurrencyError::State(e) => QueryError::State(e),
        other => QueryError::Invalid(other.to_string()),
    }
}

pub fn answer(state: &dyn StateRead, method: &str, request: &[u8]) -> Result<Vec<u8>, QueryError> {
    match method {
        "Denom" => {
            let request: pb::QueryDenomRequest = decode_request(request)?;
            Ok(handler::load_denom(state, &denom(&request.denom)?)
                .map_err(query_error)?
                .encode_to_vec())
        }
        "Denoms" => {
            let _: pb::QueryDenomsRequest = decode_request(request)?;
            let denoms = state.prefix_values::<pb::Denom>(state_key::all_denoms())?;
            Ok(pb::QueryDenomsResponse { denoms }.encode_to_vec())
        }
        "Balance" => {
            let request: pb::QueryBalanceRequest = decode_request(request)?;
            let (denom, account) = (denom(&request.denom)?, address(&request.account)?);
            handler::load_denom(state, &denom).map_err(query_error)?;
            let amount = handler::balance(state, &account, &denom).map_err(query_error)?;
            let reserved = hold::reserved(state, &account, &denom).map_err(query_error)?;
            Ok(pb::QueryBalanceResponse { amount, reserved }.encode_to_vec())
        }
        "Balances" => {
            let request: pb::QueryBalancesRequest = decode_request(request)?;
            let prefix = state_key::balances(&address(&request.account)?);
            let balances = state
                .prefix_u64(&prefix)?
                .into_iter()
                .filter_map(|(key, amount)| {
                    let denom = std::str::from_utf8(key.strip_prefix(prefix.as_slice())?).ok()?;
                    Some(pb::Coin {
                        denom: denom.to_owned(),
                        amount,
                    })
                })
                .collect();
            Ok(pb::QueryBalancesResponse { balances }.encode_to_vec())
        }
        "DenomBalances" => {
            let request: pb::QueryDenomBalancesRequest = decode_request(request)?;
            let denom = denom(&request.denom)?;
            handler::load_denom(state, &denom).map_err(query_error)?;
            let suffix = format!("/{denom}");
            let balances = state
                .prefix_u64(state_key::all_balances())?
                .into_iter()
                .filter_map(|(key, amount)| {
                    let rest =
                        std::str::from_utf8(key.strip_prefix(state_key::all_balances())?).ok()?;
                    let account: Address = rest.strip_suffix(suffix.as_str())?.parse().ok()?;
                    Some((account, amount))
                })
                .map(|(account, amount)| {
                    let reserved = hold::reserved(state, &account, &denom).map_err(query_error)?;
                    Ok(pb::AccountBalance {
                        account: account.to_string(),
                        amount,
                        reserved,
                    })
                })
                .collect::<Result<_, QueryError>>()?;
            Ok(pb::QueryDenomBalancesResponse { balances }.encode_to_vec())
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
            let mut receipts = Vec::new();
            let mut accounts = Vec::new();
            let prefix = state_key::all_dividend_receipts();
            for (key, receipt) in state.prefix_proto::<pb::DividendReceipt>(prefix)? {
                if receipt.security_chain != request.security_chain
                    || receipt.dividend_id != request.dividend_id
                {
                    continue;
                }
                let account = std::str::from_utf8(key.strip_prefix(prefix).unwrap_or_default())
                    .ok()
                    .and_then(|rest| rest.split('/').next())
                    .unwrap_or_default()
                    .to_owned();
                accounts.push(account);
                receipts.push(receipt);
            }
            Ok(pb::QueryDividendPaymentResponse {
                payment: Some(payment),
                receipts,
                accounts,
            }
            .encode_to_vec())
        }
        "DividendsReceived" => {
            let request: pb::QueryDividendsReceivedRequest = decode_request(request)?;
            let prefix = state_key::dividend_receipts(&address(&request.account)?);
            let receipts = state.prefix_values::<pb::DividendReceipt>(&prefix)?;
            Ok(pb::QueryDividendsReceivedResponse { receipts }.encode_to_vec())
        }
        "Holds" => {
            let _: pb::QueryHoldsRequest = decode_request(request)?;
            let holds = hold::holds(state).map_err(query_error)?;
            Ok(pb::QueryHoldsResponse { holds }.encode_to_vec())
        }
        other => Err(QueryError::UnknownPath(format!("{SERVICE}/{other}"))),
    }
}

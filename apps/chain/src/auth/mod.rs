//! Accounts and nonces. An account is created by its first committed tx; its
//! nonce counts the txs it sent, so each tx can be applied once and in order.

pub mod state_key;

use prost::Message;
use xcc_proto::auth::v1 as pb;

use crate::address::Address;
use crate::error::{
    code, decode_request, parse_request_field, ExecError, QueryError, CHAIN_CODESPACE,
};
use crate::module::{BlockInfo, Module};
use crate::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use crate::tx::Signer;

pub struct Auth;

/// Checks that `nonce` is the sender's next nonce and consumes it.
pub fn consume_nonce(
    state: &mut dyn StateWrite,
    sender: &Signer,
    nonce: u64,
) -> Result<(), ExecError> {
    let key = state_key::account(&sender.address);
    let mut account = state
        .get_proto::<pb::Account>(&key)?
        .unwrap_or_else(|| pb::Account {
            address: sender.address.to_string(),
            public_key: sender.public_key.as_bytes().to_vec(),
            nonce: 0,
        });
    if nonce != account.nonce {
        return Err(ExecError::new(
            CHAIN_CODESPACE,
            code::INVALID_NONCE,
            format!(
                "account {} expects nonce {}, tx has {nonce}",
                sender.address, account.nonce
            ),
        ));
    }
    account.nonce += 1;
    state.put_proto(key, &account);
    Ok(())
}

/// The nonce the account's next tx must carry.
pub fn next_nonce(state: &dyn StateRead, address: &Address) -> Result<u64, ExecError> {
    Ok(state
        .get_proto::<pb::Account>(&state_key::account(address))?
        .map_or(0, |a| a.nonce))
}

impl Module for Auth {
    fn name(&self) -> &'static str {
        "auth"
    }

    fn query_service(&self) -> Option<&'static str> {
        Some("xcc.auth.v1.Query")
    }

    fn query(
        &self,
        state: &dyn StateRead,
        _block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        match method {
            "Account" => {
                let request: pb::QueryAccountRequest = decode_request(request)?;
                let address: Address = parse_request_field(&request.address)?;
                let account = state
                    .get_proto::<pb::Account>(&state_key::account(&address))?
                    .ok_or_else(|| QueryError::NotFound(format!("account {address}")))?;
                Ok(account.encode_to_vec())
            }
            other => Err(QueryError::UnknownPath(other.to_owned())),
        }
    }
}

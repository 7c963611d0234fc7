//! The trust module's messages, decoded once into what the handlers use.

use prost::Name;
use xcc_chain::module::decode_any;
use xcc_chain::{Address, ExecError};
use xcc_proto::trust::v1 as pb;
use xcc_proto::Any;

use super::receipt::{check_id, key_bytes};

#[derive(Clone, Debug)]
pub enum TrustMsg {
    RegisterBank {
        admin: Address,
        bank: pb::Bank,
    },
    RevokeBank {
        admin: Address,
        key: [u8; 32],
    },
    /// Checked against the chain's banks at execution.
    RegisterPlatform {
        submitter: Address,
        receipt: pb::SignedReceipt,
    },
    RegisterBidder {
        submitter: Address,
        receipt: pb::SignedReceipt,
    },
}

pub fn type_urls() -> Vec<String> {
    vec![
        pb::MsgRegisterBank::type_url(),
        pb::MsgRevokeBank::type_url(),
        pb::MsgRegisterPlatform::type_url(),
        pb::MsgRegisterBidder::type_url(),
    ]
}

fn address(field: &str, text: &str) -> Result<Address, ExecError> {
    text.parse()
        .map_err(|e| ExecError::invalid_msg(format!("{field}: {e}")))
}

fn invalid(e: super::error::TrustError) -> ExecError {
    ExecError::invalid_msg(e.to_string())
}

impl TrustMsg {
    pub fn decode(any: &Any) -> Result<Self, ExecError> {
        let url = any.type_url.as_str();
        if url == pb::MsgRegisterBank::type_url() {
            let msg: pb::MsgRegisterBank = decode_any(any)?;
            let bank = msg
                .bank
                .ok_or_else(|| ExecError::invalid_msg("MsgRegisterBank names a bank"))?;
            key_bytes(&bank.key, "a bank key").map_err(invalid)?;
            if bank.name.is_empty() || bank.name.len() > 128 {
                return Err(ExecError::invalid_msg("a bank's name is 1 to 128 bytes"));
            }
            if bank.valid_until_ns <= bank.valid_from_ns {
                return Err(ExecError::invalid_msg(format!(
                    "a bank is valid until after it is valid from ({} ns), not {} ns",
                    bank.valid_from_ns, bank.valid_until_ns
                )));
            }
            if bank.revoked || bank.revoked_at_ns != 0 {
                return Err(ExecError::invalid_msg("a bank is registered unrevoked"));
            }
            Ok(TrustMsg::RegisterBank {
                admin: address("admin", &msg.admin)?,
                bank,
            })
        } else if url == pb::MsgRevokeBank::type_url() {
            let msg: pb::MsgRevokeBank = decode_any(any)?;
            Ok(TrustMsg::RevokeBank {
                admin: address("admin", &msg.admin)?,
                key: key_bytes(&msg.key, "a bank key").map_err(invalid)?,
            })
        } else if url == pb::MsgRegisterPlatform::type_url() {
            let msg: pb::MsgRegisterPlatform = decode_any(any)?;
            Ok(TrustMsg::RegisterPlatform {
                submitter: address("submitter", &msg.submitter)?,
                receipt: msg.receipt.ok_or_else(|| {
                    ExecError::invalid_msg("MsgRegisterPlatform carries a receipt")
                })?,
            })
        } else if url == pb::MsgRegisterBidder::type_url() {
            let msg: pb::MsgRegisterBidder = decode_any(any)?;
            Ok(TrustMsg::RegisterBidder {
                submitter: address("submitter", &msg.submitter)?,
                receipt: msg
                    .receipt
                    .ok_or_else(|| ExecError::invalid_msg("MsgRegisterBidder carries a receipt"))?,
            })
        } else {
            Err(ExecError::invalid_msg(format!(
                "not a trust message: {url}"
            )))
        }
    }

    pub fn signers(&self) -> Vec<Address> {
        match self {
            TrustMsg::RegisterBank { admin, .. } | TrustMsg::RevokeBank { admin, .. } => {
                vec![*admin]
            }
            TrustMsg::RegisterPlatform { submitter, .. }
            | TrustMsg::RegisterBidder { submitter, .. } => vec![*submitter],
        }
    }
}

/// A platform id as the chain takes it.
pub fn check_platform_id(id: &str) -> Result<(), super::error::TrustError> {
    check_id(id, "a platform id")
}

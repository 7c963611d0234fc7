//! The currency module's messages as domain types, converted from protobuf in
//! this one place.

use prost::Name;
use xcc_chain::module::decode_any;
use xcc_chain::{Address, ExecError};
use xcc_proto::currency::v1 as pb;
use xcc_proto::Any;

use crate::denom::DenomName;
use crate::error::CurrencyError;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CurrencyMsg {
    Mint {
        authority: Address,
        denom: DenomName,
        to: Address,
        amount: u64,
    },
    Transfer {
        from: Address,
        to: Address,
        denom: DenomName,
        amount: u64,
    },
    /// Only as a cross-tx leg (see `crate::escrow`).
    HoldGuarantee {
        bidder: Address,
        security_chain: String,
        lot_id: u64,
        denom: DenomName,
        amount: u64,
    },
    /// Only as a cross-tx leg (see `crate::escrow`).
    PayLot {
        winner: Address,
        security_chain: String,
        lot_id: u64,
    },
    /// Only as a cross-tx leg (see `crate::hold`).
    PayDividend {
        payer: Address,
        security_chain: String,
        dividend_id: u64,
        denom: DenomName,
    },
}

pub fn type_urls() -> Vec<String> {
    vec![
        pb::MsgMint::type_url(),
        pb::MsgTransfer::type_url(),
        pb::MsgPayDividend::type_url(),
        pb::MsgHoldGuarantee::type_url(),
        pb::MsgPayLot::type_url(),
    ]
}

fn address(field: &str, value: &str) -> Result<Address, CurrencyError> {
    value
        .parse()
        .map_err(|e| CurrencyError::Invalid(format!("{field}: {e}")))
}

fn denom(value: &str) -> Result<DenomName, CurrencyError> {
    value
        .parse()
        .map_err(|e| CurrencyError::Invalid(format!("{e}")))
}

fn positive(value: u64) -> Result<u64, CurrencyError> {
    if value == 0 {
        return Err(CurrencyError::Invalid("amount must be positive".into()));
    }
    Ok(value)
}

impl CurrencyMsg {
    pub fn decode(any: &Any) -> Result<Self, ExecError> {
        let url = any.type_url.as_str();
        if url == pb::MsgMint::type_url() {
            let m: pb::MsgMint = decode_any(any)?;
            Ok(CurrencyMsg::Mint {
                authority: address("authority", &m.authority)?,
                denom: denom(&m.denom)?,
                to: address("to", &m.to)?,
                amount: positive(m.amount)?,
            })
        } else if url == pb::MsgTransfer::type_url() {
            let m: pb::MsgTransfer = decode_any(any)?;
            let (from, to) = (address("from", &m.from)?, address("to", &m.to)?);
            if from == to {
                return Err(
                    CurrencyError::Invalid("from and to are the same account".into()).into(),
                );
            }
            Ok(CurrencyMsg::Transfer {
                from,
                to,
                denom: denom(&m.denom)?,
                amount: positive(m.amount)?,
            })
        } else if url == pb::MsgPayDividend::type_url() {
            let m: pb::MsgPayDividend = decode_any(any)?;
            if m.security_chain.is_empty() {
                return Err(
                    CurrencyError::Invalid("a dividend names its security chain".into()).into(),
                );
            }
            Ok(CurrencyMsg::PayDividend {
                payer: address("payer", &m.payer)?,
                security_chain: m.security_chain,
                dividend_id: m.dividend_id,
                denom: denom(&m.denom)?,
            })
        } else if url == pb::MsgHoldGuarantee::type_url() {
            let m: pb::MsgHoldGuarantee = decode_any(any)?;
            if m.security_chain.is_empty() {
                return Err(
                    CurrencyError::Invalid("a guarantee names its security chain".into()).into(),
                );
            }
            Ok(CurrencyMsg::HoldGuarantee {
                bidder: address("bidder", &m.bidder)?,
                security_chain: m.security_chain,
                lot_id: m.lot_id,
                denom: denom(&m.denom)?,
                amount: positive(m.amount)?,
            })
        } else if url == pb::MsgPayLot::type_url() {
            let m: pb::MsgPayLot = decode_any(any)?;
            Ok(CurrencyMsg::PayLot {
                winner: address("winner", &m.winner)?,
                security_chain: m.security_chain,
                lot_id: m.lot_id,
            })
        } else {
            Err(CurrencyError::Invalid(format!("not a currency message: {url}")).into())
        }
    }

    pub fn signers(&self) -> Vec<Address> {
        match self {
            CurrencyMsg::Mint { authority, .. } => vec![*authority],
            CurrencyMsg::Transfer { from, .. } => vec![*from],
            CurrencyMsg::PayDividend { payer, .. } => vec![*payer],
            CurrencyMsg::HoldGuarantee { bidder, .. } => vec![*bidder],
            CurrencyMsg::PayLot { winner, .. } => vec![*winner],
        }
    }
}

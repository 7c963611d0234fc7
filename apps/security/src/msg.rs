//! The security module's messages as domain types, converted from protobuf in
//! this one place: after `decode`, every address, symbol and amount is valid.

use prost::Name;
use xcc_chain::module::decode_any;
use xcc_chain::{Address, ExecError};
use xcc_proto::security::v1 as pb;
use xcc_proto::Any;

use crate::error::SecurityError;
use crate::symbol::Symbol;

#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    pub issuer: Address,
    pub registrar: Address,
    pub symbol: Symbol,
    pub name: String,
    pub property: pb::PropertyMetadata,
    pub total_supply: u64,
    pub holder_cap: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SecurityMsg {
    Register(Registration),
    AppointKycAgent {
        issuer: Address,
        symbol: Symbol,
        agent: Address,
    },
    RevokeKycAgent {
        issuer: Address,
        symbol: Symbol,
        agent: Address,
    },
    WhitelistAdd {
        authority: Address,
        symbol: Symbol,
        account: Address,
        expires_at: i64,
    },
    WhitelistRemove {
        authority: Address,
        symbol: Symbol,
        account: Address,
    },
    Transfer {
        from: Address,
        to: Address,
        symbol: Symbol,
        amount: u64,
    },
    Freeze {
        issuer: Address,
        symbol: Symbol,
        account: Address,
    },
    CreateListing {
        seller: Address,
        symbol: Symbol,
        units: u64,
        price_per_unit: u64,
        denom: String,
        currency_chain: String,
    },
    CancelListing {
        seller: Address,
        listing_id: u64,
    },
    DeclareDividend {
        issuer: Address,
        symbol: Symbol,
        record_height: u64,
        amount_per_unit_micros: u64,
        payer: Address,
        denom: String,
        currency_chain: String,
    },
    /// Only as a cross-tx leg (see `crate::hold`).
    ReserveDividend {
        payer: Address,
        dividend_id: u64,
        page: u32,
    },
    /// Only as a cross-tx leg (see `crate::hold`).
    FillListing {
        buyer: Address,
        listing_id: u64,
        units: u64,
    },
    Unfreeze {
        issuer: Address,
        symbol: Symbol,
        account: Address,
    },
}

pub fn type_urls() -> Vec<String> {
    vec![
        pb::MsgRegisterSecurity::type_url(),
        pb::MsgAppointKycAgent::type_url(),
        pb::MsgRevokeKycAgent::type_url(),
        pb::MsgWhitelistAdd::type_url(),
        pb::MsgWhitelistRemove::type_url(),
        pb::MsgTransfer::type_url(),
        pb::MsgFreeze::type_url(),
        pb::MsgUnfreeze::type_url(),
        pb::MsgCreateListing::type_url(),
        pb::MsgCancelListing::type_url(),
        pb::MsgFillListing::type_url(),
        pb::MsgDeclareDividend::type_url(),
        pb::MsgReserveDividend::type_url(),
    ]
}

pub(crate) fn address(field: &str, value: &str) -> Result<Address, SecurityError> {
    value
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("{field}: {e}")))
}

pub(crate) fn symbol(value: &str) -> Result<Symbol, SecurityError> {
    value
        .parse()
        .map_err(|e| SecurityError::Invalid(format!("{e}")))
}

pub(crate) fn positive(field: &str, value: u64) -> Result<u64, SecurityError> {
    if value == 0 {
        return Err(SecurityError::Invalid(format!("{field} must be positive")));
    }
    Ok(value)
}

impl SecurityMsg {
    pub fn decode(any: &Any) -> Result<Self, ExecError> {
        Self::convert(any)
    }

    fn convert(any: &Any) -> Result<Self, ExecError> {
        let url = any.type_url.as_str();
        let msg = if url == pb::MsgRegisterSecurity::type_url() {
            let m: pb::MsgRegisterSecurity = decode_any(any)?;
            if m.name.trim().is_empty() {
                return Err(SecurityError::Invalid("name must not be empty".into()).into());
            }
            if m.holder_cap == 0 {
                return Err(SecurityError::Invalid("holder_cap must be positive".into()).into());
            }
            SecurityMsg::Register(Registration {
                issuer: address("issuer", &m.issuer)?,
                registrar: address("registrar", &m.registrar)?,
                symbol: symbol(&m.symbol)?,
                name: m.name,
                property: m.property.unwrap_or_default(),
                total_supply: positive("total_supply", m.total_supply)?,
                holder_cap: m.holder_cap,
            })
        } else if url == pb::MsgAppointKycAgent::type_url() {
            let m: pb::MsgAppointKycAgent = decode_any(any)?;
            SecurityMsg::AppointKycAgent {
                issuer: address("issuer", &m.issuer)?,
                symbol: symbol(&m.symbol)?,
                agent: address("agent", &m.agent)?,
            }
        } else if url == pb::MsgRevokeKycAgent::type_url() {
            let m: pb::MsgRevokeKycAgent = decode_any(any)?;
            SecurityMsg::RevokeKycAgent {
                issuer: address("issuer", &m.issuer)?,
                symbol: symbol(&m.symbol)?,
                agent: address("agent", &m.agent)?,
            }
        } else if url == pb::MsgWhitelistAdd::type_url() {
            let m: pb::MsgWhitelistAdd = decode_any(any)?;
            SecurityMsg::WhitelistAdd {
                authority: address("authority", &m.authority)?,
                symbol: symbol(&m.symbol)?,
                account: address("account", &m.account)?,
                expires_at: m.expires_at,
            }
        } else if url == pb::MsgWhitelistRemove::type_url() {
            let m: pb::MsgWhitelistRemove = decode_any(any)?;
            SecurityMsg::WhitelistRemove {
                authority: address("authority", &m.authority)?,
                symbol: symbol(&m.symbol)?,
                account: address("account", &m.account)?,
            }
        } else if url == pb::MsgTransfer::type_url() {
            let m: pb::MsgTransfer = decode_any(any)?;
            let (from, to) = (address("from", &m.from)?, address("to", &m.to)?);
            if from == to {
                return Err(
                    SecurityError::Invalid("from and to are the same account".into()).into(),
                );
            }
            SecurityMsg::Transfer {
                from,
                to,
                symbol: symbol(&m.symbol)?,
                amount: positive("amount", m.amount)?,
            }
        } else if url == pb::MsgFreeze::type_url() {
            let m: pb::MsgFreeze = decode_any(any)?;
            SecurityMsg::Freeze {
                issuer: address("issuer", &m.issuer)?,
                symbol: symbol(&m.symbol)?,
                account: address("account", &m.account)?,
            }
        } else if url == pb::MsgUnfreeze::type_url() {
            let m: pb::MsgUnfreeze = decode_any(any)?;
            SecurityMsg::Unfreeze {
                issuer: address("issuer", &m.issuer)?,
                symbol: symbol(&m.symbol)?,
                account: address("account", &m.account)?,
            }
        } else if url == pb::MsgCreateListing::type_url() {
            let m: pb::MsgCreateListing = decode_any(any)?;
            if m.denom.is_empty() || m.currency_chain.is_empty() {
                return Err(SecurityError::Invalid(
                    "a listing names its denom and currency chain".into(),
                )
                .into());
            }
            SecurityMsg::CreateListing {
                seller: address("seller", &m.seller)?,
                symbol: symbol(&m.symbol)?,
                units: positive("units", m.units)?,
                price_per_unit: positive("price_per_unit", m.price_per_unit)?,
                denom: m.denom,
                currency_chain: m.currency_chain,
            }
        } else if url == pb::MsgCancelListing::type_url() {
            let m: pb::MsgCancelListing = decode_any(any)?;
            SecurityMsg::CancelListing {
                seller: address("seller", &m.seller)?,
                listing_id: m.listing_id,
            }
        } else if url == pb::MsgFillListing::type_url() {
            let m: pb::MsgFillListing = decode_any(any)?;
            SecurityMsg::FillListing {
                buyer: address("buyer", &m.buyer)?,
                listing_id: m.listing_id,
                units: positive("units", m.units)?,
            }
        } else if url == pb::MsgDeclareDividend::type_url() {
            let m: pb::MsgDeclareDividend = decode_any(any)?;
            if m.denom.is_empty() || m.currency_chain.is_empty() {
                return Err(SecurityError::Invalid(
                    "a dividend names its denom and currency chain".into(),
                )
                .into());
            }
            SecurityMsg::DeclareDividend {
                issuer: address("issuer", &m.issuer)?,
                symbol: symbol(&m.symbol)?,
                record_height: positive("record_height", m.record_height)?,
                amount_per_unit_micros: positive(
                    "amount_per_unit_micros",
                    m.amount_per_unit_micros,
                )?,
                payer: address("payer", &m.payer)?,
                denom: m.denom,
                currency_chain: m.currency_chain,
            }
        } else if url == pb::MsgReserveDividend::type_url() {
            let m: pb::MsgReserveDividend = decode_any(any)?;
            SecurityMsg::ReserveDividend {
                payer: address("payer", &m.payer)?,
                dividend_id: m.dividend_id,
                page: m.page,
            }
        } else {
            return Err(SecurityError::Invalid(format!("not a security message: {url}")).into());
        };
        Ok(msg)
    }

    /// Accounts that must sign: registration needs the registrar's
    /// countersignature besides the issuer's.
    pub fn signers(&self) -> Vec<Address> {
        match self {
            SecurityMsg::Register(r) => vec![r.issuer, r.registrar],
            SecurityMsg::AppointKycAgent { issuer, .. }
            | SecurityMsg::RevokeKycAgent { issuer, .. }
            | SecurityMsg::Freeze { issuer, .. }
            | SecurityMsg::Unfreeze { issuer, .. } => vec![*issuer],
            SecurityMsg::WhitelistAdd { authority, .. }
            | SecurityMsg::WhitelistRemove { authority, .. } => vec![*authority],
            SecurityMsg::Transfer { from, .. } => vec![*from],
            SecurityMsg::CreateListing { seller, .. }
            | SecurityMsg::CancelListing { seller, .. } => vec![*seller],
            SecurityMsg::FillListing { buyer, .. } => vec![*buyer],
            SecurityMsg::DeclareDividend { issuer, .. } => vec![*issuer],
            SecurityMsg::ReserveDividend { payer, .. } => vec![*payer],
        }
    }
}

use xcc_chain::state::{parse_stored, Record};
use xcc_chain::Address;
use xcc_proto::security::v1 as pb;

use crate::symbol::Symbol;

/// A registered security and its holder counts.
#[derive(Clone, Debug, PartialEq)]
pub struct Security {
    pub symbol: Symbol,
    pub name: String,
    pub issuer: Address,
    pub registrar: Address,
    pub property: Option<pb::PropertyMetadata>,
    pub total_supply: u64,
    pub holder_cap: u32,
    /// Accounts other than the issuer holding units.
    pub holders: u32,
    pub registered_height: u64,
    /// Places under the cap taken by pending credits to non-holders.
    pub reserved_slots: u32,
}

impl Record for Security {
    type Proto = pb::Security;

    fn from_proto(proto: pb::Security) -> Result<Self, String> {
        Ok(Security {
            symbol: parse_stored("symbol", &proto.symbol)?,
            issuer: parse_stored("issuer", &proto.issuer)?,
            registrar: parse_stored("registrar", &proto.registrar)?,
            name: proto.name,
            property: proto.property,
            total_supply: proto.total_supply,
            holder_cap: proto.holder_cap,
            holders: proto.holders,
            registered_height: proto.registered_height,
            reserved_slots: proto.reserved_slots,
        })
    }

    fn to_proto(&self) -> pb::Security {
        pb::Security {
            symbol: self.symbol.to_string(),
            name: self.name.clone(),
            issuer: self.issuer.to_string(),
            registrar: self.registrar.to_string(),
            property: self.property.clone(),
            total_supply: self.total_supply,
            holder_cap: self.holder_cap,
            holders: self.holders,
            registered_height: self.registered_height,
            reserved_slots: self.reserved_slots,
        }
    }
}

use xcc_chain::state::{parse_stored, Record};
use xcc_chain::Address;
use xcc_proto::security::v1 as pb;

use crate::symbol::Symbol;
use crate::terms::PaymentKey;

/// Units a holder offers at a price per unit, payable in `denom` on
/// `currency_chain`: the seller's standing authorization to deliver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listing {
    pub id: u64,
    pub seller: Address,
    pub symbol: Symbol,
    /// Units still for sale.
    pub units: u64,
    /// Units held by prepared fills.
    pub reserved: u64,
    pub price_per_unit: u64,
    pub denom: String,
    pub currency_chain: String,
    pub created_height: u64,
    pub cancelled: bool,
}

impl Listing {
    /// Where the seller of this listing must be paid.
    pub fn payment_key(&self) -> PaymentKey {
        (
            self.seller.to_string(),
            self.currency_chain.clone(),
            self.denom.clone(),
        )
    }

    /// Nothing left for sale and nothing in progress: the record goes.
    pub fn is_spent(&self) -> bool {
        self.units == 0 && self.reserved == 0
    }
}

impl Record for Listing {
    type Proto = pb::Listing;

    fn from_proto(proto: pb::Listing) -> Result<Self, String> {
        Ok(Listing {
            seller: parse_stored("seller", &proto.seller)?,
            symbol: parse_stored("symbol", &proto.symbol)?,
            id: proto.id,
            units: proto.units,
            reserved: proto.reserved,
            price_per_unit: proto.price_per_unit,
            denom: proto.denom,
            currency_chain: proto.currency_chain,
            created_height: proto.created_height,
            cancelled: proto.cancelled,
        })
    }

    fn to_proto(&self) -> pb::Listing {
        pb::Listing {
            id: self.id,
            seller: self.seller.to_string(),
            symbol: self.symbol.to_string(),
            units: self.units,
            reserved: self.reserved,
            price_per_unit: self.price_per_unit,
            denom: self.denom.clone(),
            currency_chain: self.currency_chain.clone(),
            created_height: self.created_height,
            cancelled: self.cancelled,
        }
    }
}

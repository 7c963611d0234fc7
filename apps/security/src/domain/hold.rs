use xcc_chain::participant::LegId;
use xcc_chain::state::{parse_stored, Record};
use xcc_chain::Address;
use xcc_proto::security::v1 as pb;

use crate::symbol::Symbol;

/// Everything one leg of a prepared cross-tx holds on this chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub leg: LegId,
    pub movements: Vec<HeldMovement>,
    /// The page of a dividend the leg reserved for its payout.
    pub dividend: Option<HeldPage>,
}

impl Hold {
    /// What a leg with nothing prepared holds.
    pub fn empty(leg: LegId) -> Self {
        Hold {
            leg,
            movements: Vec::new(),
            dividend: None,
        }
    }
}

/// Units reserved out of `from` and pending in for `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldMovement {
    pub symbol: Symbol,
    pub from: Address,
    pub to: Address,
    pub amount: u64,
    /// Whether `to` took a reserved holder slot.
    pub takes_slot: bool,
    /// The listing filled; `None` for a plain transfer.
    pub listing_id: Option<u64>,
    /// Cash per unit paid in the same cross-tx, when known (a trade).
    pub price_per_unit: u64,
    pub denom: String,
}

/// A reserved page of a dividend: what it adds to the dividend's total and
/// holders while reserved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldPage {
    pub dividend_id: u64,
    pub total: u64,
    pub holders: u64,
}

impl Record for HeldMovement {
    type Proto = pb::HeldTransfer;

    fn from_proto(proto: pb::HeldTransfer) -> Result<Self, String> {
        Ok(HeldMovement {
            symbol: parse_stored("symbol", &proto.symbol)?,
            from: parse_stored("from", &proto.from)?,
            to: parse_stored("to", &proto.to)?,
            amount: proto.amount,
            takes_slot: proto.slot,
            listing_id: (proto.listing_id != 0).then_some(proto.listing_id),
            price_per_unit: proto.price_per_unit,
            denom: proto.denom,
        })
    }

    fn to_proto(&self) -> pb::HeldTransfer {
        pb::HeldTransfer {
            symbol: self.symbol.to_string(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            amount: self.amount,
            slot: self.takes_slot,
            listing_id: self.listing_id.unwrap_or(0),
            price_per_unit: self.price_per_unit,
            denom: self.denom.clone(),
        }
    }
}

impl Record for Hold {
    type Proto = pb::Hold;

    fn from_proto(proto: pb::Hold) -> Result<Self, String> {
        let tx_id = <[u8; 32]>::try_from(proto.tx_id.as_slice())
            .map_err(|_| format!("hold tx id of {} bytes", proto.tx_id.len()))?;
        let movements = proto
            .transfers
            .into_iter()
            .map(HeldMovement::from_proto)
            .collect::<Result<_, _>>()?;
        Ok(Hold {
            leg: LegId {
                tx_id,
                leg_index: proto.leg_index,
            },
            movements,
            dividend: (proto.dividend_id != 0).then_some(HeldPage {
                dividend_id: proto.dividend_id,
                total: proto.dividend_page_total,
                holders: proto.dividend_page_holders,
            }),
        })
    }

    fn to_proto(&self) -> pb::Hold {
        let page = self.dividend.unwrap_or(HeldPage {
            dividend_id: 0,
            total: 0,
            holders: 0,
        });
        pb::Hold {
            tx_id: self.leg.tx_id.to_vec(),
            transfers: self.movements.iter().map(Record::to_proto).collect(),
            dividend_id: page.dividend_id,
            leg_index: self.leg.leg_index,
            dividend_page_total: page.total,
            dividend_page_holders: page.holders,
        }
    }
}

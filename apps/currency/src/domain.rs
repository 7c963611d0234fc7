//! The currency chain's domain types: each stored record converted once,
//! where it is read, into typed fields, and back into the same record where
//! it is written.

use xcc_chain::participant::LegId;
use xcc_chain::state::{parse_stored, Record};
use xcc_chain::Address;
use xcc_proto::currency::v1 as pb;

use crate::denom::DenomName;

fn tx_id(bytes: &[u8]) -> Result<[u8; 32], String> {
    <[u8; 32]>::try_from(bytes).map_err(|_| format!("tx id of {} bytes", bytes.len()))
}

/// A denomination, its mint authority and its supply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Denom {
    pub name: DenomName,
    pub mint_authority: Address,
    pub supply: u64,
}

impl Record for Denom {
    type Proto = pb::Denom;

    fn from_proto(proto: pb::Denom) -> Result<Self, String> {
        Ok(Denom {
            name: parse_stored("denom", &proto.denom)?,
            mint_authority: parse_stored("mint authority", &proto.mint_authority)?,
            supply: proto.supply,
        })
    }

    fn to_proto(&self) -> pb::Denom {
        pb::Denom {
            denom: self.name.to_string(),
            mint_authority: self.mint_authority.to_string(),
            supply: self.supply,
        }
    }
}

/// Cash reserved out of `from`'s balance, credited to `to` on commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldTransfer {
    pub denom: DenomName,
    pub from: Address,
    pub to: Address,
    pub amount: u64,
}

impl Record for HeldTransfer {
    type Proto = pb::HeldTransfer;

    fn from_proto(proto: pb::HeldTransfer) -> Result<Self, String> {
        Ok(HeldTransfer {
            denom: parse_stored("denom", &proto.denom)?,
            from: parse_stored("from", &proto.from)?,
            to: parse_stored("to", &proto.to)?,
            amount: proto.amount,
        })
    }

    fn to_proto(&self) -> pb::HeldTransfer {
        pb::HeldTransfer {
            denom: self.denom.to_string(),
            from: self.from.to_string(),
            to: self.to.to_string(),
            amount: self.amount,
        }
    }
}

/// A dividend's payment on this chain: in a hold, the page the leg pays;
/// stored on its own, every page paid so far added up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DividendPayment {
    pub security_chain: String,
    pub dividend_id: u64,
    pub denom: DenomName,
    pub payer: Address,
    pub total: u64,
    pub holders: u64,
    pub paid_height: u64,
    /// The payout cross-tx.
    pub tx_id: [u8; 32],
    pub pages: u32,
    pub pages_paid: u32,
}

impl Record for DividendPayment {
    type Proto = pb::DividendPayment;

    fn from_proto(proto: pb::DividendPayment) -> Result<Self, String> {
        Ok(DividendPayment {
            denom: parse_stored("denom", &proto.denom)?,
            payer: parse_stored("payer", &proto.payer)?,
            tx_id: tx_id(&proto.tx_id)?,
            security_chain: proto.security_chain,
            dividend_id: proto.dividend_id,
            total: proto.total,
            holders: proto.holders,
            paid_height: proto.paid_height,
            pages: proto.pages,
            pages_paid: proto.pages_paid,
        })
    }

    fn to_proto(&self) -> pb::DividendPayment {
        pb::DividendPayment {
            security_chain: self.security_chain.clone(),
            dividend_id: self.dividend_id,
            denom: self.denom.to_string(),
            payer: self.payer.to_string(),
            total: self.total,
            holders: self.holders,
            paid_height: self.paid_height,
            tx_id: self.tx_id.to_vec(),
            pages: self.pages,
            pages_paid: self.pages_paid,
        }
    }
}

/// A bidder's guarantee for a lot of a security chain, in the lot's escrow
/// account until the lot's outcome releases, applies or forfeits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guarantee {
    pub bidder: Address,
    pub security_chain: String,
    pub lot_id: u64,
    pub denom: DenomName,
    pub amount: u64,
    pub escrow: Address,
    pub held_height: u64,
}

impl Record for Guarantee {
    type Proto = pb::Guarantee;

    fn from_proto(proto: pb::Guarantee) -> Result<Self, String> {
        Ok(Guarantee {
            bidder: parse_stored("bidder", &proto.bidder)?,
            security_chain: proto.security_chain,
            lot_id: proto.lot_id,
            denom: parse_stored("denom", &proto.denom)?,
            amount: proto.amount,
            escrow: parse_stored("escrow", &proto.escrow)?,
            held_height: proto.held_height,
        })
    }

    fn to_proto(&self) -> pb::Guarantee {
        pb::Guarantee {
            bidder: self.bidder.to_string(),
            security_chain: self.security_chain.clone(),
            lot_id: self.lot_id,
            denom: self.denom.to_string(),
            amount: self.amount,
            escrow: self.escrow.to_string(),
            held_height: self.held_height,
        }
    }
}

/// Everything one leg of a prepared cross-tx holds on this chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    pub leg: LegId,
    pub transfers: Vec<HeldTransfer>,
    /// The page of a dividend the leg pays.
    pub dividend: Option<DividendPayment>,
    /// The guarantee the leg's transfer puts in escrow.
    pub guarantee: Option<Guarantee>,
    /// The guarantee the leg's transfer pays out of escrow towards a lot's
    /// price.
    pub applied_guarantee: Option<Guarantee>,
}

impl Hold {
    /// What a leg with nothing prepared holds.
    pub fn empty(leg: LegId) -> Self {
        Hold {
            leg,
            transfers: Vec::new(),
            dividend: None,
            guarantee: None,
            applied_guarantee: None,
        }
    }
}

impl Record for Hold {
    type Proto = pb::Hold;

    fn from_proto(proto: pb::Hold) -> Result<Self, String> {
        Ok(Hold {
            leg: LegId {
                tx_id: tx_id(&proto.tx_id)?,
                leg_index: proto.leg_index,
            },
            transfers: proto
                .transfers
                .into_iter()
                .map(HeldTransfer::from_proto)
                .collect::<Result<_, _>>()?,
            dividend: proto
                .dividend
                .map(DividendPayment::from_proto)
                .transpose()?,
            guarantee: proto.guarantee.map(Guarantee::from_proto).transpose()?,
            applied_guarantee: proto
                .applied_guarantee
                .map(Guarantee::from_proto)
                .transpose()?,
        })
    }

    fn to_proto(&self) -> pb::Hold {
        pb::Hold {
            tx_id: self.leg.tx_id.to_vec(),
            transfers: self.transfers.iter().map(Record::to_proto).collect(),
            dividend: self.dividend.as_ref().map(Record::to_proto),
            leg_index: self.leg.leg_index,
            guarantee: self.guarantee.as_ref().map(Record::to_proto),
            applied_guarantee: self.applied_guarantee.as_ref().map(Record::to_proto),
        }
    }
}

use xcc_chain::state::{parse_stored, Record};
use xcc_chain::Address;
use xcc_proto::security::v1 as pb;

use crate::symbol::Symbol;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DividendStatus {
    Payable,
    /// A payout cross-tx holding pages of it is prepared.
    Reserved,
    Paid,
}

impl DividendStatus {
    /// The status a stored record names; `None` for one it cannot name.
    fn from_stored(status: i32) -> Option<Self> {
        match pb::DividendStatus::try_from(status) {
            Ok(pb::DividendStatus::Payable) => Some(DividendStatus::Payable),
            Ok(pb::DividendStatus::Reserved) => Some(DividendStatus::Reserved),
            Ok(pb::DividendStatus::Paid) => Some(DividendStatus::Paid),
            _ => None,
        }
    }

    fn to_stored(self) -> pb::DividendStatus {
        match self {
            DividendStatus::Payable => pb::DividendStatus::Payable,
            DividendStatus::Reserved => pb::DividendStatus::Reserved,
            DividendStatus::Paid => pb::DividendStatus::Paid,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DividendStatus::Payable => "payable",
            DividendStatus::Reserved => "reserved",
            DividendStatus::Paid => "paid",
        }
    }
}

/// The name of a stored status, as queries and the CLI show it.
pub fn status_name(status: i32) -> String {
    DividendStatus::from_stored(status).map_or_else(|| status.to_string(), |s| s.name().into())
}

/// A declared dividend and the payout that reserves or paid it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dividend {
    pub id: u64,
    pub symbol: Symbol,
    pub issuer: Address,
    pub record_height: u64,
    pub amount_per_unit_micros: u64,
    pub payer: Address,
    pub denom: String,
    pub currency_chain: String,
    pub status: DividendStatus,
    pub declared_height: u64,
    /// The payout cross-tx that reserves (or paid) it.
    pub payout: Option<[u8; 32]>,
    pub paid_height: u64,
    /// What the reserved pages pay, in all and to how many holders.
    pub total: u64,
    pub holders: u64,
    /// Pages of the payout and holders per page; 0 for a dividend declared
    /// before payouts had pages.
    pub pages: u32,
    pub page_holders: u32,
    pub reserved_pages: u32,
}

impl Dividend {
    /// Its pages and holders per page; one unbounded page for a dividend
    /// declared before payouts had pages.
    pub fn paging(&self) -> (u32, u64) {
        if self.pages == 0 {
            (1, u64::MAX)
        } else {
            (self.pages, u64::from(self.page_holders))
        }
    }

    /// Whether the payout `tx_id` holds it reserved.
    pub fn reserved_by(&self, tx_id: &[u8; 32]) -> bool {
        self.status == DividendStatus::Reserved && self.payout.as_ref() == Some(tx_id)
    }
}

impl Record for Dividend {
    type Proto = pb::Dividend;

    fn from_proto(proto: pb::Dividend) -> Result<Self, String> {
        let status = DividendStatus::from_stored(proto.status)
            .ok_or_else(|| format!("dividend status {}", proto.status))?;
        let payout = match proto.tx_id.as_slice() {
            [] => None,
            id => Some(
                <[u8; 32]>::try_from(id)
                    .map_err(|_| format!("payout tx id of {} bytes", id.len()))?,
            ),
        };
        Ok(Dividend {
            symbol: parse_stored("symbol", &proto.symbol)?,
            issuer: parse_stored("issuer", &proto.issuer)?,
            payer: parse_stored("payer", &proto.payer)?,
            id: proto.id,
            record_height: proto.record_height,
            amount_per_unit_micros: proto.amount_per_unit_micros,
            denom: proto.denom,
            currency_chain: proto.currency_chain,
            status,
            declared_height: proto.declared_height,
            payout,
            paid_height: proto.paid_height,
            total: proto.total,
            holders: proto.holders,
            pages: proto.pages,
            page_holders: proto.page_holders,
            reserved_pages: proto.reserved_pages,
        })
    }

    fn to_proto(&self) -> pb::Dividend {
        pb::Dividend {
            id: self.id,
            symbol: self.symbol.to_string(),
            issuer: self.issuer.to_string(),
            record_height: self.record_height,
            amount_per_unit_micros: self.amount_per_unit_micros,
            payer: self.payer.to_string(),
            denom: self.denom.clone(),
            currency_chain: self.currency_chain.clone(),
            status: self.status.to_stored() as i32,
            declared_height: self.declared_height,
            tx_id: self.payout.map(|id| id.to_vec()).unwrap_or_default(),
            paid_height: self.paid_height,
            total: self.total,
            holders: self.holders,
            pages: self.pages,
            page_holders: self.page_holders,
            reserved_pages: self.reserved_pages,
        }
    }
}

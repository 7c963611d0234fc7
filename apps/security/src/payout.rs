//! The shape of a dividend payout cross-tx, as `crate::terms::require_payout`
//! checks it: per page, a leg on the security chain that reserves the page
//! and a leg on the dividend's currency chain, depending on it, that pays
//! it. Clients build payouts with this.

use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::security::v1 as pb;
use xcc_proto::to_any;
use xcc_proto::xtx::v1 as xtx_pb;

/// Every leg of the payout of `dividend` (declared on `security_chain`) by
/// `payer`: reservations first, each page's payment after them.
pub fn legs(security_chain: &str, dividend: &pb::Dividend, payer: &str) -> Vec<xtx_pb::Leg> {
    // A dividend declared before payouts had pages has one.
    let pages = dividend.pages.max(1);
    let reserve = (0..pages).map(|page| xtx_pb::Leg {
        chain_id: security_chain.to_owned(),
        msgs: vec![to_any(&pb::MsgReserveDividend {
            payer: payer.to_owned(),
            dividend_id: dividend.id,
            page,
        })],
        depends_on: None,
    });
    let pay = (0..pages).map(|page| xtx_pb::Leg {
        chain_id: dividend.currency_chain.clone(),
        msgs: vec![to_any(&cash_pb::MsgPayDividend {
            payer: payer.to_owned(),
            security_chain: security_chain.to_owned(),
            dividend_id: dividend.id,
            denom: dividend.denom.clone(),
        })],
        depends_on: Some(page),
    });
    reserve.chain(pay).collect()
}

//! The cross-txs of an auction, in the shapes the chains accept: what the
//! CLI builds and the tests run.

use xcc_proto::auction::v1 as pb;
use xcc_proto::currency::v1 as cash;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

/// The legs of a bidder's qualification for `lot`.
pub fn qualification_legs(security_chain: &str, lot: &pb::Lot, bidder: &str) -> Vec<xtx::Leg> {
    vec![
        leg(
            security_chain,
            to_any(&pb::MsgQualifyBidder {
                bidder: bidder.to_owned(),
                lot_id: lot.id,
            }),
            None,
        ),
        leg(
            &lot.currency_chain,
            to_any(&cash::MsgHoldGuarantee {
                bidder: bidder.to_owned(),
                security_chain: security_chain.to_owned(),
                lot_id: lot.id,
                denom: lot.denom.clone(),
                amount: lot.terms.as_ref().map_or(0, |t| t.guarantee),
            }),
            None,
        ),
    ]
}

/// The legs of a winner's settlement of `lot`: the currency leg pays what
/// the security leg's result says.
pub fn settlement_legs(security_chain: &str, lot: &pb::Lot, winner: &str) -> Vec<xtx::Leg> {
    vec![
        leg(
            security_chain,
            to_any(&pb::MsgSettleLot {
                winner: winner.to_owned(),
                lot_id: lot.id,
            }),
            None,
        ),
        leg(
            &lot.currency_chain,
            to_any(&cash::MsgPayLot {
                winner: winner.to_owned(),
                security_chain: security_chain.to_owned(),
                lot_id: lot.id,
            }),
            Some(0),
        ),
    ]
}

fn leg(chain_id: &str, msg: Any, depends_on: Option<u32>) -> xtx::Leg {
    xtx::Leg {
        chain_id: chain_id.to_owned(),
        msgs: vec![msg],
        depends_on,
    }
}

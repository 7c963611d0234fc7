//! The security chain's end of the `auction` port: a lot's guarantee
//! dispositions go to its currency chain's escrow as packets, proven there
//! against this chain's light client. They never time out: a guarantee is
//! always released or paid to the seller in the end, however late.

use prost::Message;
use xcc_chain::state::StateWrite;
use xcc_chain::{Address, Event, ExecError, MsgContext};
use xcc_proto::auction::v1 as pb;
use xcc_proto::ibc::v1 as ibc_pb;

use super::machine::Guarantee;
use super::record::AuctionLot;
use super::AuctionModule;

pub const PORT: &str = "auction";

/// Sends what became of `bidder`'s guarantee to the lot's escrow; a
/// guarantee applied to the price is the settlement's business, not a
/// packet's.
pub fn send_disposition(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    lot: &AuctionLot,
    bidder: &Address,
    disposition: Guarantee,
) -> Result<(), ExecError> {
    let disposition = match disposition {
        Guarantee::Released => pb::Disposition::Release,
        Guarantee::Forfeited => pb::Disposition::Forfeit,
        Guarantee::Pending | Guarantee::Held | Guarantee::Applied => return Ok(()),
    };
    let data = pb::GuaranteeDisposition {
        lot_id: lot.lot.id,
        bidder: bidder.to_string(),
        disposition: disposition as i32,
        seller: lot.lot.seller.to_string(),
    }
    .encode_to_vec();
    xcc_chain::ibc::packet::send(ctx, state, &lot.currency_chain, PORT, data, u64::MAX)?;
    Ok(())
}

impl xcc_chain::ibc::Port for AuctionModule {
    fn name(&self) -> &'static str {
        PORT
    }

    fn on_acknowledge(
        &self,
        ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
        ack: &ibc_pb::Acknowledgement,
    ) -> Result<(), ExecError> {
        if let Some(ibc_pb::acknowledgement::Response::Error(error)) = &ack.response {
            // The escrow refused: nothing it holds moved, and the lot's
            // record keeps the disposition for the audit to report.
            ctx.emit(
                Event::new("auction_disposition_refused")
                    .attr("sequence", packet.sequence)
                    .attr("error", error),
            );
        }
        Ok(())
    }

    fn on_timeout(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
        _packet: &ibc_pb::Packet,
    ) -> Result<(), ExecError> {
        Err(ExecError::invalid_msg(
            "guarantee dispositions never time out",
        ))
    }
}

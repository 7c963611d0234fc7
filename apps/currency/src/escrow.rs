//! Guarantees of auction bidders, held in escrow on the currency chain.
//!
//! Each lot of a security chain has an escrow account, derived from the
//! chain and the lot, that no key controls: a guarantee is a transfer from
//! the bidder into it, recorded per bidder, so balances still sum to the
//! supply and every unit in escrow is explained by a guarantee record. A
//! guarantee is held only by a cross-tx whose security leg qualifies the
//! same bidder for the same lot, so both commit or neither does.

use prost::{Message, Name};
use sha2::{Digest, Sha256};
use xcc_chain::ibc::Port;
use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, ExecError, MsgContext};
use xcc_proto::auction::v1 as auction_pb;
use xcc_proto::ibc::v1 as ibc_pb;
use xcc_proto::security::v1 as security_pb;

use crate::denom::DenomName;
use crate::domain::{Guarantee, HeldTransfer};
use crate::error::CurrencyError;
use crate::handler::transfer;
use crate::state_key;

/// The escrow account of lot `lot_id` of `security_chain`.
pub fn escrow_account(security_chain: &str, lot_id: u64) -> Address {
    let mut hasher = Sha256::new();
    hasher.update(b"xcc/auction/escrow/v1");
    hasher.update((security_chain.len() as u64).to_be_bytes());
    hasher.update(security_chain.as_bytes());
    hasher.update(lot_id.to_be_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    let mut bytes = [0u8; xcc_chain::address::ADDRESS_LEN];
    bytes.copy_from_slice(&digest[..xcc_chain::address::ADDRESS_LEN]);
    Address::from_bytes(bytes)
}

/// What a guarantee leg asks for.
pub struct GuaranteeRequest<'a> {
    pub bidder: &'a Address,
    pub security_chain: &'a str,
    pub lot_id: u64,
    pub denom: &'a DenomName,
    pub amount: u64,
}

/// Refuses unless the cross-tx qualifies `bidder` for the lot on its
/// security chain, in exactly one message.
fn require_qualification_leg(
    leg: &LegRequest<'_>,
    request: &GuaranteeRequest<'_>,
) -> Result<(), CurrencyError> {
    let bidder = request.bidder.to_string();
    let qualifications = leg
        .cross_tx
        .legs
        .iter()
        .filter(|other| other.chain_id == request.security_chain)
        .flat_map(|other| other.msgs.iter())
        .filter(|any| any.type_url == auction_pb::MsgQualifyBidder::type_url())
        .filter_map(|any| auction_pb::MsgQualifyBidder::decode(any.value.as_slice()).ok())
        .filter(|q| q.bidder == bidder && q.lot_id == request.lot_id)
        .count();
    if qualifications != 1 {
        return Err(CurrencyError::Invalid(format!(
            "a guarantee for lot {} of {} is held only beside one qualification of {bidder} \
             for it on that chain; the cross-tx has {qualifications}",
            request.lot_id, request.security_chain
        )));
    }
    Ok(())
}

/// Reserves the guarantee's transfer into the lot's escrow.
pub fn prepare(
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    request: &GuaranteeRequest<'_>,
) -> Result<(HeldTransfer, Guarantee), CurrencyError> {
    require_qualification_leg(leg, request)?;
    let key = state_key::guarantee(request.security_chain, request.lot_id, request.bidder);
    if state.get_raw(&key)?.is_some() {
        return Err(CurrencyError::Invalid(format!(
            "{} already has a guarantee in escrow for lot {} of {}",
            request.bidder, request.lot_id, request.security_chain
        )));
    }
    let escrow = escrow_account(request.security_chain, request.lot_id);
    let held = transfer::prepare(
        state,
        request.bidder,
        &escrow,
        request.denom,
        request.amount,
    )?;
    let guarantee = Guarantee {
        bidder: *request.bidder,
        security_chain: request.security_chain.to_owned(),
        lot_id: request.lot_id,
        denom: request.denom.clone(),
        amount: request.amount,
        escrow,
        held_height: 0,
    };
    Ok((held, guarantee))
}

/// Records a guarantee whose transfer into escrow committed, and applies
/// the disposition that came before it, if one did.
pub fn commit(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    guarantee: &Guarantee,
) -> Result<(), ExecError> {
    let record = Guarantee {
        held_height: ctx.block.height,
        ..guarantee.clone()
    };
    state.put_record(
        state_key::guarantee(&record.security_chain, record.lot_id, &record.bidder),
        &record,
    );
    let waiting_key =
        state_key::waiting_disposition(&record.security_chain, record.lot_id, &record.bidder);
    let waiting: Option<auction_pb::GuaranteeDisposition> = state.get_proto(&waiting_key)?;
    ctx.emit(
        Event::new("guarantee_held")
            .attr("security_chain", &record.security_chain)
            .attr("lot_id", record.lot_id)
            .attr("bidder", record.bidder)
            .attr("amount", record.amount)
            .attr("denom", &record.denom)
            .attr("escrow", record.escrow),
    );
    if let Some(disposition) = waiting {
        state.delete(waiting_key);
        pay_out(ctx, state, &record, &disposition)?;
    }
    Ok(())
}

/// What a lot's paying leg asks for.
pub struct LotPayment<'a> {
    pub winner: &'a Address,
    pub security_chain: &'a str,
    pub lot_id: u64,
}

/// Reserves the price of a lot its security chain's leg settles: the
/// winner's guarantee from escrow to the seller, and the rest of the price
/// from the winner. Returns the guarantee, forgotten when this commits.
pub fn prepare_payment(
    ctx: &MsgContext<'_>,
    state: &mut dyn StateWrite,
    leg: &LegRequest<'_>,
    transfers: &mut Vec<HeldTransfer>,
    payment: LotPayment<'_>,
) -> Result<Guarantee, CurrencyError> {
    let LotPayment {
        winner,
        security_chain,
        lot_id,
    } = payment;
    // Only the lot's own chain can say what was won and for how much.
    if leg.input_leg().is_none_or(|l| l.chain_id != security_chain) {
        return Err(CurrencyError::Invalid(format!(
            "a lot's payment depends on the leg of {security_chain} that settles it"
        )));
    }
    // One settlement, one payment: a second leg taking the same settlement
    // as input would pay the seller out of another bidder's guarantee.
    let takers = leg.takers_of_input();
    if takers > 1 {
        return Err(CurrencyError::Invalid(format!(
            "{takers} legs depend on the settlement this payment pays; a lot is paid by one leg"
        )));
    }
    let settlement = security_pb::LegResult::decode(leg.input)
        .map_err(|e| CurrencyError::Invalid(format!("the result this leg depends on: {e}")))?
        .lot_settlement
        .ok_or_else(|| {
            CurrencyError::Invalid("the leg this payment depends on settles no lot".into())
        })?;
    let matches = settlement.lot_id == lot_id
        && settlement.security_chain == security_chain
        && settlement.winner == winner.to_string()
        && settlement.currency_chain == ctx.chain_id;
    if !matches {
        return Err(CurrencyError::Invalid(format!(
            "the settlement is of lot {} of {} won by {} and paid on {}, not this payment's",
            settlement.lot_id,
            settlement.security_chain,
            settlement.winner,
            settlement.currency_chain
        )));
    }
    let seller: Address = settlement
        .seller
        .parse()
        .map_err(|e| CurrencyError::Invalid(format!("seller: {e}")))?;
    // A lot without a guarantee (its bidders registered on bank receipts):
    // the whole price comes from the winner, and nothing leaves escrow.
    if settlement.guarantee == 0 {
        let denom: DenomName = settlement
            .denom
            .parse()
            .map_err(|e| CurrencyError::Invalid(format!("denom: {e}")))?;
        transfers.push(transfer::prepare(
            state,
            winner,
            &seller,
            &denom,
            settlement.price,
        )?);
        return Ok(Guarantee {
            bidder: *winner,
            security_chain: security_chain.to_owned(),
            lot_id,
            denom,
            amount: 0,
            escrow: escrow_account(security_chain, lot_id),
            held_height: 0,
        });
    }
    let key = state_key::guarantee(security_chain, lot_id, winner);
    let guarantee: Guarantee = state.get_record(&key)?.ok_or_else(|| {
        CurrencyError::Invalid(format!(
            "{winner} has no guarantee in escrow for lot {lot_id} of {security_chain}"
        ))
    })?;
    if guarantee.amount != settlement.guarantee
        || guarantee.denom.to_string() != settlement.denom
        || settlement.price < guarantee.amount
    {
        return Err(CurrencyError::Invalid(format!(
            "the escrow holds {} {} for lot {lot_id}; the settlement counts {} {} towards a price of {}",
            guarantee.amount, guarantee.denom, settlement.guarantee, settlement.denom, settlement.price
        )));
    }
    let denom = &guarantee.denom;
    transfers.push(transfer::prepare(
        state,
        &guarantee.escrow,
        &seller,
        denom,
        guarantee.amount,
    )?);
    let rest = settlement.price - guarantee.amount;
    if rest > 0 {
        transfers.push(transfer::prepare(state, winner, &seller, denom, rest)?);
    }
    Ok(guarantee)
}

/// A lot paid for: its winner's guarantee left escrow with the payment.
pub fn applied(state: &mut dyn StateWrite, guarantee: &Guarantee) {
    state.delete(state_key::guarantee(
        &guarantee.security_chain,
        guarantee.lot_id,
        &guarantee.bidder,
    ));
}

/// The port a lot's security chain sends guarantee dispositions on.
pub const PORT: &str = "auction";

/// The currency chain's end of the `auction` port: a guarantee leaves
/// escrow only by a packet its lot's own security chain proved sending.
pub struct EscrowPort;

fn invalid(reason: impl Into<String>) -> ExecError {
    CurrencyError::Invalid(reason.into()).into()
}

/// Applies a disposition to the guarantee it names; one that comes before
/// the guarantee's own commit (the security chain learned the decision
/// first) waits for it: a lot disposes only of guarantees whose
/// qualification committed, so the commit always comes.
fn dispose(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    security_chain: &str,
    packet: &auction_pb::GuaranteeDisposition,
) -> Result<(), ExecError> {
    let bidder: Address = packet
        .bidder
        .parse()
        .map_err(|e| invalid(format!("bidder: {e}")))?;
    // Checked now, so a waiting one applies without fail at the commit.
    payee(packet, &bidder)?;
    let key = state_key::guarantee(security_chain, packet.lot_id, &bidder);
    match state.get_record::<Guarantee>(&key)? {
        Some(guarantee) => pay_out(ctx, state, &guarantee, packet),
        None => {
            let waiting = state_key::waiting_disposition(security_chain, packet.lot_id, &bidder);
            state.put_proto(waiting, packet);
            Ok(())
        }
    }
}

/// Who a disposition pays, and how it is named.
fn payee(
    packet: &auction_pb::GuaranteeDisposition,
    bidder: &Address,
) -> Result<(Address, &'static str), ExecError> {
    match auction_pb::Disposition::try_from(packet.disposition) {
        Ok(auction_pb::Disposition::Release) => Ok((*bidder, "released")),
        Ok(auction_pb::Disposition::Forfeit) => Ok((
            packet
                .seller
                .parse()
                .map_err(|e| invalid(format!("seller: {e}")))?,
            "forfeited",
        )),
        _ => Err(invalid(format!(
            "unknown disposition {}",
            packet.disposition
        ))),
    }
}

/// Pays a guarantee out of escrow to the bidder (released) or the seller
/// (forfeited), and forgets it.
fn pay_out(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    guarantee: &Guarantee,
    packet: &auction_pb::GuaranteeDisposition,
) -> Result<(), ExecError> {
    let (to, outcome) = payee(packet, &guarantee.bidder)?;
    // Escrow is an account like any other: what a prepared settlement
    // reserves from it is not another guarantee's to take.
    transfer::execute(
        ctx,
        state,
        &guarantee.escrow,
        &to,
        &guarantee.denom,
        guarantee.amount,
    )?;
    state.delete(state_key::guarantee(
        &guarantee.security_chain,
        guarantee.lot_id,
        &guarantee.bidder,
    ));
    ctx.emit(
        Event::new("guarantee_paid_out")
            .attr("security_chain", &guarantee.security_chain)
            .attr("lot_id", guarantee.lot_id)
            .attr("bidder", guarantee.bidder)
            .attr("to", to)
            .attr("amount", guarantee.amount)
            .attr("outcome", outcome),
    );
    Ok(())
}

impl Port for EscrowPort {
    fn name(&self) -> &'static str {
        PORT
    }

    fn on_recv(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
        packet: &ibc_pb::Packet,
    ) -> Result<Vec<u8>, ExecError> {
        let disposition = auction_pb::GuaranteeDisposition::decode(packet.data.as_slice())
            .map_err(|e| invalid(format!("a guarantee disposition: {e}")))?;
        // Keyed by the packet's proven source: a chain can only dispose of
        // the guarantees of its own lots.
        dispose(ctx, state, &packet.source_chain, &disposition)?;
        Ok(Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_lot_of_each_chain_has_its_own_escrow() {
        let a = escrow_account("security-1", 1);
        assert_eq!(a, escrow_account("security-1", 1));
        assert_ne!(a, escrow_account("security-1", 2));
        assert_ne!(a, escrow_account("security-2", 1));
        // The chain's length is hashed: no two (chain, lot) pairs collide
        // by moving bytes between them.
        assert_ne!(escrow_account("a", 0x0100), escrow_account("a\u{1}", 0));
    }
}

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
use xcc_chain::participant::LegRequest;
use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::auction::v1 as auction_pb;

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

/// Records a guarantee whose transfer into escrow committed.
pub fn commit(ctx: &mut MsgContext<'_>, state: &mut dyn StateWrite, guarantee: &Guarantee) {
    let record = Guarantee {
        held_height: ctx.block.height,
        ..guarantee.clone()
    };
    state.put_record(
        state_key::guarantee(&record.security_chain, record.lot_id, &record.bidder),
        &record,
    );
    ctx.emit(
        Event::new("guarantee_held")
            .attr("security_chain", &record.security_chain)
            .attr("lot_id", record.lot_id)
            .attr("bidder", record.bidder)
            .attr("amount", record.amount)
            .attr("denom", &record.denom)
            .attr("escrow", record.escrow),
    );
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

//! A bidder registers for a lot on a bank's bidder-registration receipt:
//! the fee was paid in fiat through a platform, which the fee credits (its
//! power at the next epochs). From a bank the security's issuer appointed
//! as KYC agent, the receipt also whitelists the payer until its KYC expiry.

use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::trust::v1 as pb;

use crate::auction::state::AuctionRead;
use crate::handler::whitelist;
use crate::trust::error::TrustError;
use crate::trust::receipt::Purpose;
use crate::trust::state::{TrustRead, TrustWrite};
use crate::trust::state_key;

const SECOND_NS: u64 = 1_000_000_000;

pub fn register(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    submitter: &Address,
    signed: &pb::SignedReceipt,
) -> Result<(), TrustError> {
    let (params, receipt) = super::fee_receipt(ctx, state, signed, Purpose::BidderRegistration)?;
    if *submitter != receipt.payer {
        return Err(TrustError::NotThePayer {
            expected: receipt.payer.to_string(),
            found: submitter.to_string(),
        });
    }
    let mut platform = state
        .platform(&receipt.platform)?
        .ok_or_else(|| TrustError::UnknownPlatform(receipt.platform.clone()))?;
    let lot = state
        .lot(receipt.lot)
        .map_err(|_| TrustError::UnknownLot(receipt.lot))?;
    let registered = state_key::registered(receipt.lot, &receipt.payer.to_string());
    if state.get_raw(&registered)?.is_some() {
        return Err(TrustError::AlreadyRegistered {
            payer: receipt.payer.to_string(),
            lot: receipt.lot,
        });
    }
    if receipt.kyc_expires_at_ns > 0 {
        let symbol = &lot.symbol;
        let bank = Address::from_public_key(
            &ed25519_consensus::VerificationKey::try_from(receipt.bank)
                .map_err(|_| TrustError::Invalid("a bank key".into()))?,
        );
        let agent = whitelist::is_kyc_authority(state, symbol, &bank)
            .map_err(|e| TrustError::Invalid(e.to_string()))?;
        if agent {
            let until = i64::try_from(receipt.kyc_expires_at_ns / SECOND_NS)
                .map_err(|_| TrustError::Invalid("a KYC expiry out of range".into()))?;
            whitelist::add(ctx, state, &bank, symbol, &receipt.payer, until)
                .map_err(|e| TrustError::Invalid(format!("the receipt's KYC: {e}")))?;
        }
    }
    // The receipt instead of a guarantee: the registration qualifies.
    if lot.lot.terms.guarantee == 0 {
        crate::auction::handler::qualify::on_receipt(ctx, state, &receipt.payer, receipt.lot)
            .map_err(|e| TrustError::Lot(e.to_string()))?;
    }
    let epoch = params.epoch_of(ctx.block.height);
    state.credit_fees(epoch, receipt.lot, &receipt.platform, receipt.amount)?;
    platform.fees_total = platform.fees_total.saturating_add(receipt.amount);
    state.put_platform(&platform);
    state.put_raw(registered, receipt.platform.as_bytes().to_vec());
    // Kept (one small record a receipt, as its mark of use) so that an
    // observer recomputes every epoch's powers from the receipts.
    state.put_proto(
        state_key::receipt_fee(epoch, &receipt.bank, &receipt.id),
        &pb::ReceiptFee {
            bank_key: receipt.bank.to_vec(),
            receipt_id: receipt.id.clone(),
            platform_id: receipt.platform.clone(),
            lot_id: receipt.lot,
            fee: receipt.amount,
        },
    );
    state.mark_used(&receipt.bank, &receipt.id, receipt.expires_at_ns);
    ctx.emit(
        Event::new("bidder_registered")
            .attr("lot_id", receipt.lot)
            .attr("payer", receipt.payer)
            .attr("platform_id", &receipt.platform)
            .attr("fee", receipt.amount)
            .attr("epoch", epoch),
    );
    Ok(())
}

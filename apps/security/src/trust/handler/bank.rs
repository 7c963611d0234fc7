//! Banks, registered and revoked by the chain's admin.

use xcc_chain::state::StateWrite;
use xcc_chain::{Address, Event, MsgContext};
use xcc_proto::trust::v1 as pb;

use crate::trust::error::TrustError;
use crate::trust::state::{TrustRead, TrustWrite};

fn ensure_admin(state: &dyn StateWrite, signer: &Address) -> Result<(), TrustError> {
    if xcc_chain::validators::admin(state).ok().flatten().as_ref() != Some(signer) {
        return Err(TrustError::NotAdmin(signer.to_string()));
    }
    Ok(())
}

pub fn register(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    admin: &Address,
    bank: &pb::Bank,
) -> Result<(), TrustError> {
    ensure_admin(state, admin)?;
    let key: [u8; 32] = bank
        .key
        .as_slice()
        .try_into()
        .map_err(|_| TrustError::Invalid("a bank key is 32 bytes".into()))?;
    if state.bank(&key)?.is_some() {
        return Err(TrustError::BankExists(hex::encode(key)));
    }
    state.put_bank(bank)?;
    ctx.emit(
        Event::new("bank_registered")
            .attr("key", hex::encode(key))
            .attr("name", &bank.name)
            .attr("valid_until_ns", bank.valid_until_ns),
    );
    Ok(())
}

/// Revoked from this block on: no receipt of the bank is taken after, and
/// what it signed before stays as it was.
pub fn revoke(
    ctx: &mut MsgContext<'_>,
    state: &mut dyn StateWrite,
    admin: &Address,
    key: &[u8; 32],
) -> Result<(), TrustError> {
    ensure_admin(state, admin)?;
    let mut bank = state
        .bank(key)?
        .ok_or_else(|| TrustError::UnknownBank(hex::encode(key)))?;
    if bank.revoked {
        return Err(TrustError::BankRevoked {
            key: hex::encode(key),
            revoked_at_ns: bank.revoked_at_ns,
        });
    }
    bank.revoked = true;
    bank.revoked_at_ns = ctx.block.time_ns;
    state.put_bank(&bank)?;
    ctx.emit(Event::new("bank_revoked").attr("key", hex::encode(key)));
    Ok(())
}

//! Typed access to the currency module's state, in the manner of a
//! component's `StateReadExt`/`StateWriteExt`: every stored record is read
//! as its domain type (`crate::domain`), converted once, and written back
//! from it. Keys come from `state_key` only.

use xcc_chain::participant::LegId;
use xcc_chain::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::Address;

use crate::denom::DenomName;
use crate::domain::{Denom, DividendPayment, Hold};
use crate::error::CurrencyError;
use crate::state_key;

pub trait CurrencyRead: StateRead {
    fn denom(&self, name: &DenomName) -> Result<Denom, CurrencyError> {
        self.get_record(&state_key::denom(name))?
            .ok_or_else(|| CurrencyError::UnknownDenom(name.clone()))
    }

    fn balance(&self, account: &Address, denom: &DenomName) -> Result<u64, StateError> {
        self.get_u64(&state_key::balance(account, denom))
    }

    /// What cross-txs hold of `account`'s balance.
    fn reserved(&self, account: &Address, denom: &DenomName) -> Result<u64, StateError> {
        self.get_u64(&state_key::reserved(account, denom))
    }

    /// What `account` may spend now: its balance less what cross-txs hold.
    fn spendable(&self, account: &Address, denom: &DenomName) -> Result<u64, StateError> {
        Ok(self
            .balance(account, denom)?
            .saturating_sub(self.reserved(account, denom)?))
    }

    /// What a leg holds; nothing for a leg that prepared nothing here.
    fn hold(&self, leg: &LegId) -> Result<Hold, StateError> {
        Ok(self
            .get_record(&state_key::hold(leg))?
            .unwrap_or_else(|| Hold::empty(*leg)))
    }

    /// The pages of a dividend paid so far.
    fn dividend_payment(
        &self,
        security_chain: &str,
        dividend_id: u64,
    ) -> Result<Option<DividendPayment>, StateError> {
        self.get_record(&state_key::dividend_payment(security_chain, dividend_id))
    }
}

impl<S: StateRead + ?Sized> CurrencyRead for S {}

pub trait CurrencyWrite: StateWrite {
    fn put_denom(&mut self, denom: &Denom) {
        self.put_record(state_key::denom(&denom.name), denom);
    }

    /// Zero deletes the balance, so absent and zero agree. The denom's
    /// holder index changes only when a balance starts or stops being zero,
    /// so a transfer between holders writes no more than their balances.
    fn put_balance(
        &mut self,
        account: &Address,
        denom: &DenomName,
        amount: u64,
    ) -> Result<(), StateError> {
        let held = self.balance(account, denom)? > 0;
        match (held, amount > 0) {
            (false, true) => self.put_raw(state_key::denom_holder(denom, account), vec![1]),
            (true, false) => self.delete(state_key::denom_holder(denom, account)),
            _ => {}
        }
        self.put_u64(state_key::balance(account, denom), amount);
        Ok(())
    }

    /// Zero deletes the reservation.
    fn put_reserved(&mut self, account: &Address, denom: &DenomName, amount: u64) {
        self.put_u64(state_key::reserved(account, denom), amount);
    }

    fn put_hold(&mut self, hold: &Hold) {
        self.put_record(state_key::hold(&hold.leg), hold);
    }

    fn delete_hold(&mut self, leg: &LegId) {
        self.delete(state_key::hold(leg));
    }

    fn put_dividend_payment(&mut self, payment: &DividendPayment) {
        let key = state_key::dividend_payment(&payment.security_chain, payment.dividend_id);
        self.put_record(key, payment);
    }
}

impl<S: StateWrite + ?Sized> CurrencyWrite for S {}

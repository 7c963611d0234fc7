//! Typed access to the security module's state, in the manner of a
//! component's `StateReadExt`/`StateWriteExt`: every stored record is read
//! as its domain type (`crate::domain`), converted once, and written back
//! from it. Keys come from `state_key` only.

use xcc_chain::participant::LegId;
use xcc_chain::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::Address;

use crate::domain::{Dividend, DividendStatus, Hold, Listing, Position, Security};
use crate::error::SecurityError;
use crate::state_key;
use crate::symbol::Symbol;

pub trait SecurityRead: StateRead {
    /// The authority that countersigns registrations (genesis).
    fn registrar(&self) -> Result<Option<Address>, SecurityError> {
        match self.get_raw(state_key::REGISTRAR)? {
            Some(bytes) => {
                Ok(Some(String::from_utf8_lossy(&bytes).parse().map_err(
                    |e| SecurityError::Invalid(format!("stored registrar: {e}")),
                )?))
            }
            None => Ok(None),
        }
    }

    fn security(&self, symbol: &Symbol) -> Result<Security, SecurityError> {
        self.get_record(&state_key::security(symbol))?
            .ok_or_else(|| SecurityError::UnknownSecurity(symbol.clone()))
    }

    fn find_listing(&self, id: u64) -> Result<Option<Listing>, StateError> {
        self.get_record(&state_key::listing(id))
    }

    fn listing(&self, id: u64) -> Result<Listing, SecurityError> {
        self.find_listing(id)?
            .ok_or(SecurityError::UnknownListing(id))
    }

    fn dividend(&self, id: u64) -> Result<Dividend, SecurityError> {
        self.get_record(&state_key::dividend(id))?
            .ok_or(SecurityError::UnknownDividend(id))
    }

    /// What a leg holds; nothing for a leg that prepared nothing here.
    fn hold(&self, leg: &LegId) -> Result<Hold, SecurityError> {
        Ok(self
            .get_record(&state_key::hold(leg))?
            .unwrap_or_else(|| Hold::empty(*leg)))
    }

    fn position(&self, symbol: &Symbol, account: &Address) -> Result<Position, SecurityError> {
        Ok(Position {
            balance: self.get_u64(&state_key::balance(symbol, account))?,
            reserved: self.get_u64(&state_key::reserved(symbol, account))?,
            pending_in: self.get_u64(&state_key::pending_in(symbol, account))?,
        })
    }

    fn is_frozen(&self, symbol: &Symbol, account: &Address) -> Result<bool, SecurityError> {
        Ok(self.get_raw(&state_key::frozen(symbol, account))?.is_some())
    }

    /// How many blocks back a record height may be; every node keeps them.
    fn record_window(&self) -> Result<u64, StateError> {
        let window = self.get_u64(state_key::RECORD_WINDOW)?;
        // Chains started before the parameter existed get the default.
        Ok(if window == 0 {
            crate::DEFAULT_RECORD_WINDOW_BLOCKS
        } else {
            window
        })
    }

    /// How many holders a page of a payout declared now carries.
    fn dividend_page_holders(&self) -> Result<u32, StateError> {
        let stored = self.get_u64(state_key::DIVIDEND_PAGE_HOLDERS)?;
        // Chains started before the parameter existed get the default.
        Ok(u32::try_from(stored)
            .ok()
            .filter(|holders| *holders > 0)
            .unwrap_or(crate::handler::dividend::DEFAULT_PAGE_HOLDERS))
    }
}

impl<S: StateRead + ?Sized> SecurityRead for S {}

pub trait SecurityWrite: StateWrite {
    fn put_security(&mut self, security: &Security) {
        self.put_record(state_key::security(&security.symbol), security);
    }

    /// Saves a listing, or removes it once nothing is left for sale or in
    /// progress.
    fn put_listing(&mut self, listing: &Listing) {
        let key = state_key::listing(listing.id);
        if listing.is_spent() {
            self.delete(key);
        } else {
            self.put_record(key, listing);
        }
    }

    /// Writes a dividend, indexed as unpaid until it is paid.
    fn put_dividend(&mut self, dividend: &Dividend) {
        let unpaid = state_key::unpaid_dividend(dividend.record_height, dividend.id);
        if dividend.status == DividendStatus::Paid {
            self.delete(unpaid);
        } else {
            self.put_raw(unpaid, vec![1]);
        }
        self.put_record(state_key::dividend(dividend.id), dividend);
    }

    fn put_hold(&mut self, hold: &Hold) {
        self.put_record(state_key::hold(&hold.leg), hold);
    }

    fn delete_hold(&mut self, leg: &LegId) {
        self.delete(state_key::hold(leg));
    }
}

impl<S: StateWrite + ?Sized> SecurityWrite for S {}

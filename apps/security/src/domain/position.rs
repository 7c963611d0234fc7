use xcc_chain::Address;

use crate::error::SecurityError;
use crate::symbol::Symbol;

/// An account's units of one security: its balance, the part of it
/// reserved (for prepared cross-txs and listings) and the units pending in
/// (from prepared cross-txs). Stored as three counters, absent meaning 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub balance: u64,
    pub reserved: u64,
    pub pending_in: u64,
}

impl Position {
    /// Units the account may move now.
    pub fn available(&self) -> u64 {
        self.balance.saturating_sub(self.reserved)
    }

    /// Refuses unless `amount` units are free to move: units held for
    /// prepared cross-txs and listings are not the account's to move.
    pub fn require_available(
        &self,
        symbol: &Symbol,
        account: &Address,
        amount: u64,
    ) -> Result<(), SecurityError> {
        if self.available() < amount {
            return Err(SecurityError::InsufficientBalance {
                symbol: symbol.clone(),
                account: *account,
                available: self.available(),
                needed: amount,
            });
        }
        Ok(())
    }

    /// Holds units, so takes a place under the holder cap.
    pub fn is_holder(&self) -> bool {
        self.balance > 0
    }

    /// Holds none but waits for a pending credit: a reserved place.
    pub fn has_slot(&self) -> bool {
        self.balance == 0 && self.pending_in > 0
    }
}

//! Positions and the holder cap. An account other than the issuer occupies
//! a place under the cap while it holds units (a holder) or, holding none,
//! waits for a pending credit (a reserved slot): `holders + reserved_slots`
//! never exceeds the cap, so every prepared cross-tx can commit.

use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::Address;

use crate::domain::{Position, Security};
use crate::error::SecurityError;
use crate::state::SecurityWrite;
use crate::state_key;

/// A position before and after an operation.
pub struct PositionChange {
    pub account: Address,
    pub before: Position,
    pub after: Position,
}

/// Writes `changes` and the security's holder counts. With `enforce_cap`,
/// an operation that raises the occupied places above the cap is refused
/// and writes nothing; commits pass `false`, as their slot was reserved.
pub fn write_positions(
    state: &mut dyn StateWrite,
    security: &mut Security,
    changes: &[PositionChange],
    enforce_cap: bool,
) -> Result<(), SecurityError> {
    let symbol = &security.symbol;
    let mut holders = i64::from(security.holders);
    let mut slots = i64::from(security.reserved_slots);
    let occupied_before = holders + slots;
    for change in changes.iter().filter(|c| c.account != security.issuer) {
        holders += i64::from(change.after.is_holder()) - i64::from(change.before.is_holder());
        slots += i64::from(change.after.has_slot()) - i64::from(change.before.has_slot());
    }
    let occupied = holders + slots;
    if enforce_cap && occupied > occupied_before && occupied > i64::from(security.holder_cap) {
        return Err(SecurityError::HolderCapExceeded {
            symbol: symbol.clone(),
            holders: u32::try_from(occupied).unwrap_or(u32::MAX),
            cap: security.holder_cap,
        });
    }
    for change in changes {
        let account = &change.account;
        if change.after.balance != change.before.balance {
            state.put_u64(state_key::balance(symbol, account), change.after.balance);
        }
        // Zero deletes a counter, so absent and zero agree.
        state.put_u64(state_key::reserved(symbol, account), change.after.reserved);
        state.put_u64(
            state_key::pending_in(symbol, account),
            change.after.pending_in,
        );
    }
    let (holders, slots) = (
        u32::try_from(holders.max(0)).unwrap_or(u32::MAX),
        u32::try_from(slots.max(0)).unwrap_or(u32::MAX),
    );
    if holders != security.holders || slots != security.reserved_slots {
        security.holders = holders;
        security.reserved_slots = slots;
        state.put_security(security);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use xcc_chain::state::{EmptyState, StateDelta};

    use super::*;

    fn account(seed: u8) -> Address {
        let key = ed25519_consensus::SigningKey::from([seed; 32]);
        Address::from_public_key(&key.verification_key())
    }

    fn security(holders: u32, slots: u32, cap: u32) -> Security {
        Security {
            symbol: "HARB".parse().unwrap(),
            name: String::new(),
            issuer: account(0),
            registrar: account(9),
            property: None,
            total_supply: 100,
            holder_cap: cap,
            holders,
            registered_height: 0,
            reserved_slots: slots,
        }
    }

    fn position(balance: u64, pending_in: u64) -> Position {
        Position {
            balance,
            reserved: 0,
            pending_in,
        }
    }

    fn change(seed: u8, before: Position, after: Position) -> PositionChange {
        PositionChange {
            account: account(seed),
            before,
            after,
        }
    }

    #[test]
    fn a_pending_credit_takes_a_slot_and_its_commit_turns_it_into_a_holder() {
        let mut state = StateDelta::new(EmptyState);
        let mut s = security(1, 0, 2);
        let reserve = [change(2, position(0, 0), position(0, 5))];
        write_positions(&mut state, &mut s, &reserve, true).unwrap();
        assert_eq!((s.holders, s.reserved_slots), (1, 1));
        // The cap of 2 is full: another newcomer is refused.
        let third = [change(3, position(0, 0), position(0, 1))];
        assert!(matches!(
            write_positions(&mut state, &mut s, &third, true),
            Err(SecurityError::HolderCapExceeded { .. })
        ));
        let commit = [change(2, position(0, 5), position(5, 0))];
        write_positions(&mut state, &mut s, &commit, false).unwrap();
        assert_eq!((s.holders, s.reserved_slots), (2, 0));
    }

    #[test]
    fn a_holder_selling_out_while_a_credit_is_pending_keeps_its_place() {
        let mut state = StateDelta::new(EmptyState);
        let mut s = security(2, 0, 2);
        let sells_out = [change(2, position(5, 3), position(0, 3))];
        write_positions(&mut state, &mut s, &sells_out, true).unwrap();
        assert_eq!((s.holders, s.reserved_slots), (1, 1));
        let released = [change(2, position(0, 3), position(0, 0))];
        write_positions(&mut state, &mut s, &released, false).unwrap();
        assert_eq!((s.holders, s.reserved_slots), (1, 0));
    }

    #[test]
    fn the_issuer_takes_no_place_under_the_cap() {
        let mut state = StateDelta::new(EmptyState);
        let mut s = security(1, 0, 1);
        let to_issuer = [change(0, position(0, 0), position(0, 7))];
        write_positions(&mut state, &mut s, &to_issuer, true).unwrap();
        assert_eq!((s.holders, s.reserved_slots), (1, 0));
    }
}

//! Typed access to the auction module's state: lots are read as their
//! domain type, converted once, and written back from it.

use xcc_chain::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::BlockInfo;
use xcc_proto::auction::v1 as pb;

use super::error::AuctionError;
use super::record::AuctionLot;
use super::state_key;

pub trait AuctionRead: StateRead {
    fn lot(&self, id: u64) -> Result<AuctionLot, AuctionError> {
        self.get_record(&state_key::lot(id))?
            .ok_or(AuctionError::UnknownLot(id))
    }
}

impl<T: StateRead + ?Sized> AuctionRead for T {}

pub trait AuctionWrite: StateWrite {
    fn put_lot(&mut self, lot: &AuctionLot) {
        self.put_record(state_key::lot(lot.lot.id), lot);
    }

    /// Appends one step to a lot's history.
    fn record_step(
        &mut self,
        lot: u64,
        block: BlockInfo,
        kind: &str,
        account: String,
        amount: u64,
    ) -> Result<(), StateError> {
        let len_key = state_key::history_len(lot);
        let seq = self.get_u64(&len_key)?;
        let event = pb::LotEvent {
            height: block.height,
            time_ns: block.time_ns,
            kind: kind.to_owned(),
            account,
            amount,
        };
        self.put_proto(state_key::event(lot, seq), &event);
        self.put_u64(len_key, seq + 1);
        Ok(())
    }
}

impl<T: StateWrite + ?Sized> AuctionWrite for T {}

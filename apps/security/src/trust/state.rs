//! Typed access to the trust module's state.

use xcc_chain::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_proto::trust::v1 as pb;

use super::power::PowerParams;
use super::state_key;

/// The trust module's parameters as the handlers use them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    pub fee_denom: String,
    pub epoch_blocks: u64,
    pub window_epochs: u64,
    pub power: PowerParams,
}

impl Params {
    pub fn from_proto(p: pb::Params) -> Self {
        Params {
            fee_denom: p.fee_denom,
            epoch_blocks: p.epoch_blocks,
            window_epochs: p.window_epochs,
            power: PowerParams {
                pool: p.pool,
                max_share_bp: p.max_share_bp,
                floor: p.floor,
            },
        }
    }

    pub fn to_proto(&self) -> pb::Params {
        pb::Params {
            fee_denom: self.fee_denom.clone(),
            epoch_blocks: self.epoch_blocks,
            window_epochs: self.window_epochs,
            pool: self.power.pool,
            max_share_bp: self.power.max_share_bp,
            floor: self.power.floor,
        }
    }

    /// The epoch a block of `height` counts its fees in: heights 1 to
    /// `epoch_blocks` are epoch 1.
    pub fn epoch_of(&self, height: u64) -> u64 {
        height.saturating_sub(1) / self.epoch_blocks.max(1) + 1
    }
}

pub trait TrustRead: StateRead {
    /// The parameters; none on a chain whose genesis has no trust section.
    fn trust_params(&self) -> Result<Option<Params>, StateError> {
        Ok(self
            .get_proto::<pb::Params>(state_key::PARAMS)?
            .map(Params::from_proto))
    }

    fn bank(&self, key: &[u8; 32]) -> Result<Option<pb::Bank>, StateError> {
        self.get_proto(&state_key::bank(key))
    }

    fn receipt_used(&self, bank: &[u8; 32], id: &str) -> Result<bool, StateError> {
        Ok(self.get_raw(&state_key::used_receipt(bank, id))?.is_some())
    }

    fn platform(&self, id: &str) -> Result<Option<pb::Platform>, StateError> {
        self.get_proto(&state_key::platform(id))
    }

    fn validator_key_taken(&self, key: &[u8; 32]) -> Result<bool, StateError> {
        Ok(self.get_raw(&state_key::validator_key(key))?.is_some())
    }

    /// Whether `payer` registered for `lot` on a bidder-registration receipt.
    fn is_registered(&self, lot: u64, payer: &xcc_chain::Address) -> Result<bool, StateError> {
        Ok(self
            .get_raw(&state_key::registered(lot, &payer.to_string()))?
            .is_some())
    }

    fn epoch_fees(&self, epoch: u64, platform: &str) -> Result<u64, StateError> {
        self.get_u64(&state_key::epoch_fees(epoch, platform))
    }
}

impl<T: StateRead + ?Sized> TrustRead for T {}

pub trait TrustWrite: StateWrite {
    fn put_bank(&mut self, bank: &pb::Bank) -> Result<(), StateError> {
        let key: [u8; 32] = bank
            .key
            .as_slice()
            .try_into()
            .map_err(|_| StateError::Corrupt {
                key: "trust/banks".into(),
                reason: "a bank key is 32 bytes".into(),
            })?;
        self.put_proto(state_key::bank(&key), bank);
        Ok(())
    }

    fn mark_used(&mut self, bank: &[u8; 32], id: &str, expires_at_ns: u64) {
        self.put_u64(state_key::used_receipt(bank, id), expires_at_ns);
        // The store keeps no empty values: the index entry holds one byte.
        self.put_raw(state_key::used_by_expiry(expires_at_ns, bank, id), vec![1]);
    }

    fn put_platform(&mut self, platform: &pb::Platform) {
        self.put_proto(state_key::platform(&platform.id), platform);
    }

    /// Reserves a consensus key for `holder` (a platform id, or "registrar").
    fn take_validator_key(&mut self, key: &[u8; 32], holder: &str) {
        self.put_raw(state_key::validator_key(key), holder.as_bytes().to_vec());
    }

    /// Credits `amount` of fees to `platform` in `epoch` and for `lot`.
    fn credit_fees(
        &mut self,
        epoch: u64,
        lot: u64,
        platform: &str,
        amount: u64,
    ) -> Result<(), StateError> {
        for key in [
            state_key::epoch_fees(epoch, platform),
            state_key::lot_fees(lot, platform),
        ] {
            let sum = self.get_u64(&key)?.saturating_add(amount);
            self.put_u64(key, sum);
        }
        Ok(())
    }
}

impl<T: StateWrite + ?Sized> TrustWrite for T {}

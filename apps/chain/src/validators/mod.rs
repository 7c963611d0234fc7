//! Validator administration for a permissioned chain: the admin named at
//! genesis sets consensus validators' voting power, and the node applies
//! the change two heights later (CometBFT's validator updates). A chain
//! without an admin has a fixed validator set.

pub mod state_key;

use prost::Name;
use serde::{Deserialize, Serialize};
use xcc_proto::validators::v1 as pb;
use xcc_proto::Any;

use crate::address::Address;
use crate::error::ExecError;
use crate::genesis::parse_section;
use crate::module::{decode_any, Event, Module, Msg, MsgContext, ValidatorUpdate};
use crate::state::{StateRead, StateWrite};

/// Bounds a single validator's power well under CometBFT's total maximum.
pub const MAX_POWER: u64 = 1 << 40;

pub struct ValidatorsModule;

/// The `validators` section of `app_state`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ValidatorsGenesis {
    /// The account that sets validator powers.
    pub admin: Option<Address>,
}

/// `MsgSetValidatorPower`, checked.
#[derive(Debug)]
pub struct SetValidatorPower {
    pub authority: Address,
    pub update: ValidatorUpdate,
}

impl SetValidatorPower {
    fn decode(any: &Any) -> Result<Self, ExecError> {
        let msg: pb::MsgSetValidatorPower = decode_any(any)?;
        let authority = msg
            .authority
            .parse()
            .map_err(|e| ExecError::invalid_msg(format!("authority: {e}")))?;
        let public_key: [u8; 32] = msg
            .public_key
            .as_slice()
            .try_into()
            .map_err(|_| ExecError::invalid_msg("a validator key is 32 bytes (ed25519)"))?;
        if ed25519_consensus::VerificationKey::try_from(public_key).is_err() {
            return Err(ExecError::invalid_msg("not an ed25519 public key"));
        }
        if msg.power > MAX_POWER {
            return Err(ExecError::invalid_msg(format!(
                "power {} exceeds the maximum {MAX_POWER}",
                msg.power
            )));
        }
        Ok(SetValidatorPower {
            authority,
            update: ValidatorUpdate {
                public_key,
                power: msg.power,
            },
        })
    }
}

impl Msg for SetValidatorPower {
    fn signers(&self) -> Vec<Address> {
        vec![self.authority]
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        ensure_admin(state, &self.authority)?;
        ctx.update_validator(self.update);
        ctx.emit(
            Event::new("validator_power")
                .attr("public_key", hex::encode(self.update.public_key))
                .attr("power", self.update.power),
        );
        Ok(())
    }
}

/// The chain's admin named in genesis, if it has one.
pub fn admin(state: &dyn StateRead) -> Result<Option<Address>, ExecError> {
    state
        .get_raw(state_key::ADMIN)?
        .map(|bytes| {
            String::from_utf8(bytes)
                .ok()
                .and_then(|text| text.parse().ok())
                .ok_or_else(|| ExecError::invalid_msg("the stored admin is not an address"))
        })
        .transpose()
}

/// Refuses anyone but the chain's admin (the other modules' admin actions,
/// such as a light client's recovery, are guarded by the same key).
pub fn ensure_admin(state: &dyn StateRead, signer: &Address) -> Result<(), ExecError> {
    if admin(state)?.as_ref() != Some(signer) {
        return Err(ExecError::unauthorized(format!(
            "{signer} is not this chain's admin"
        )));
    }
    Ok(())
}

impl Module for ValidatorsModule {
    fn name(&self) -> &'static str {
        "validators"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        vec![pb::MsgSetValidatorPower::type_url()]
    }

    fn decode_msg(&self, msg: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Ok(Box::new(SetValidatorPower::decode(msg)?))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: ValidatorsGenesis = parse_section(self.name(), genesis)?;
        if let Some(admin) = genesis.admin {
            state.put_raw(state_key::ADMIN.to_vec(), admin.to_string().into_bytes());
        }
        Ok(())
    }
}

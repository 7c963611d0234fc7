//! The `trust` section of the security chain's genesis: the parameters of
//! proof of trust, the banks and the platforms the chain starts with, and
//! the registrar's own validators, whose power is the floor.

use serde::{Deserialize, Serialize};
use xcc_chain::state::{StateWrite, StateWriteExt};
use xcc_chain::{Address, ExecError};
use xcc_proto::trust::v1 as pb;

use super::power::{PowerParams, BP};
use super::receipt::key_bytes;
use super::state::{Params, TrustWrite};
use super::{msg::check_platform_id, state_key, MAX_PLATFORMS};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TrustGenesis {
    pub fee_denom: String,
    /// 0: no epochs, and the validator set stays as genesis set it.
    #[serde(default)]
    pub epoch_blocks: u64,
    #[serde(default = "one")]
    pub window_epochs: u64,
    #[serde(default)]
    pub pool: u64,
    #[serde(default = "default_max_share")]
    pub max_share_bp: u64,
    #[serde(default)]
    pub banks: Vec<GenesisBank>,
    #[serde(default)]
    pub platforms: Vec<GenesisPlatform>,
    /// The registrar's validators (hex ed25519 keys) and their power each.
    #[serde(default)]
    pub registrar_validators: Vec<GenesisValidator>,
}

fn one() -> u64 {
    1
}

/// 30%: below a third, so that no one platform can halt the chain.
fn default_max_share() -> u64 {
    3_000
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisBank {
    /// Hex ed25519 public key.
    pub key: String,
    pub name: String,
    #[serde(default)]
    pub valid_from_ns: u64,
    pub valid_until_ns: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisPlatform {
    pub id: String,
    /// Hex ed25519 consensus key of the platform's validator.
    pub validator_key: String,
    pub operator: Address,
    /// Its power in the genesis validator set.
    pub power: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisValidator {
    pub public_key: String,
    pub power: u64,
}

fn hex_key(text: &str, what: &str) -> Result<[u8; 32], ExecError> {
    let bytes = hex::decode(text).map_err(|e| ExecError::invalid_msg(format!("{what}: {e}")))?;
    key_bytes(&bytes, what).map_err(|e| ExecError::invalid_msg(e.to_string()))
}

fn invalid(reason: String) -> ExecError {
    ExecError::invalid_msg(format!("trust genesis: {reason}"))
}

pub fn init(state: &mut dyn StateWrite, genesis: &TrustGenesis) -> Result<(), ExecError> {
    if genesis.epoch_blocks == 0 && genesis.platforms.is_empty() && genesis.banks.is_empty() {
        return Ok(());
    }
    if genesis.fee_denom.is_empty() {
        return Err(invalid("fee_denom names the denom fees are paid in".into()));
    }
    if genesis.max_share_bp == 0 || genesis.max_share_bp * 3 >= BP {
        return Err(invalid(format!(
            "max_share_bp is positive and below a third ({}), not {}",
            BP / 3 + 1,
            genesis.max_share_bp
        )));
    }
    if genesis.window_epochs == 0 {
        return Err(invalid("window_epochs is positive".into()));
    }
    if genesis.platforms.len() > MAX_PLATFORMS {
        return Err(invalid(format!("at most {MAX_PLATFORMS} platforms")));
    }
    let floor: u64 = genesis.registrar_validators.iter().map(|v| v.power).sum();
    if genesis.epoch_blocks > 0 && floor == 0 {
        return Err(invalid(
            "epochs need a registrar validator of positive power: the floor that keeps the chain live whatever the fees".into(),
        ));
    }
    let params = Params {
        fee_denom: genesis.fee_denom.clone(),
        epoch_blocks: genesis.epoch_blocks,
        window_epochs: genesis.window_epochs,
        power: PowerParams {
            pool: genesis.pool,
            max_share_bp: genesis.max_share_bp,
            floor,
        },
    };
    state.put_proto(state_key::PARAMS.to_vec(), &params.to_proto());
    for bank in &genesis.banks {
        let key = hex_key(&bank.key, "a bank key")?;
        if bank.valid_until_ns <= bank.valid_from_ns {
            return Err(invalid(format!(
                "bank {}: valid_until_ns after valid_from_ns",
                bank.key
            )));
        }
        state
            .put_bank(&pb::Bank {
                key: key.to_vec(),
                name: bank.name.clone(),
                valid_from_ns: bank.valid_from_ns,
                valid_until_ns: bank.valid_until_ns,
                revoked: false,
                revoked_at_ns: 0,
            })
            .map_err(ExecError::from)?;
    }
    let mut taken = std::collections::BTreeSet::new();
    for validator in &genesis.registrar_validators {
        let key = hex_key(&validator.public_key, "a registrar validator key")?;
        if !taken.insert(key) {
            return Err(invalid(format!(
                "validator key {} twice",
                validator.public_key
            )));
        }
        state.take_validator_key(&key, "registrar");
    }
    let mut ids = std::collections::BTreeSet::new();
    for platform in &genesis.platforms {
        check_platform_id(&platform.id).map_err(|e| invalid(e.to_string()))?;
        let key = hex_key(&platform.validator_key, "a platform's validator key")?;
        if !ids.insert(platform.id.clone()) || !taken.insert(key) {
            return Err(invalid(format!(
                "platform {} or its key twice",
                platform.id
            )));
        }
        state.take_validator_key(&key, &platform.id);
        state.put_platform(&pb::Platform {
            id: platform.id.clone(),
            validator_key: key.to_vec(),
            operator: platform.operator.to_string(),
            registered_height: 0,
            power: platform.power,
            fees_total: 0,
        });
    }
    Ok(())
}

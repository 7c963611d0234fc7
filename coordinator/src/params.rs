//! The coordinator's parameters, set at genesis (`app_state.coordinator`).

use serde::{Deserialize, Serialize};
use xcc_chain::state::{StateRead, StateReadExt, StateWrite, StateWriteExt};
use xcc_chain::ExecError;
use xcc_proto::coordinator::v1 as pb;

use crate::state_key;

fn default_max_deadline_secs() -> u64 {
    3_600
}

fn default_retention_blocks() -> u64 {
    100_000
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Params {
    /// The chains legs may run on.
    #[serde(default)]
    pub participants: Vec<String>,
    /// How far past submission a cross-tx's deadline may lie.
    #[serde(default = "default_max_deadline_secs")]
    pub max_deadline_secs: u64,
    /// How many blocks a finished cross-tx's record is kept for queries.
    #[serde(default = "default_retention_blocks")]
    pub retention_blocks: u64,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            participants: Vec::new(),
            max_deadline_secs: default_max_deadline_secs(),
            retention_blocks: default_retention_blocks(),
        }
    }
}

impl Params {
    pub fn to_proto(&self) -> pb::Params {
        pb::Params {
            participants: self.participants.clone(),
            max_deadline_secs: self.max_deadline_secs,
            retention_blocks: self.retention_blocks,
        }
    }

    pub fn load(state: &dyn StateRead) -> Result<Self, ExecError> {
        let stored: pb::Params = state.get_proto(state_key::PARAMS)?.unwrap_or_default();
        Ok(Params {
            participants: stored.participants,
            max_deadline_secs: stored.max_deadline_secs,
            retention_blocks: stored.retention_blocks,
        })
    }

    pub fn save(&self, state: &mut dyn StateWrite) {
        state.put_proto(state_key::PARAMS.to_vec(), &self.to_proto());
    }

    pub fn validate(&self) -> Result<(), ExecError> {
        if self.max_deadline_secs == 0 {
            return Err(ExecError::invalid_msg("max_deadline_secs must be positive"));
        }
        if self.retention_blocks == 0 {
            return Err(ExecError::invalid_msg("retention_blocks must be positive"));
        }
        Ok(())
    }
}

//! Genesis files in CometBFT's `genesis.json` format. The app reads only
//! `chain_id`, `initial_height` and `app_state`; each module takes its own
//! section of `app_state`, named after the module.

use serde::{Deserialize, Serialize};

use crate::error::ExecError;

#[derive(Debug, thiserror::Error)]
pub enum GenesisError {
    #[error("reading genesis file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("genesis file {path} is not valid: {source}")]
    Parse {
        path: String,
        source: serde_json::Error,
    },
}

/// The fields of a CometBFT genesis file an app needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisDoc {
    pub chain_id: String,
    #[serde(default = "one", with = "string_u64")]
    pub initial_height: u64,
    #[serde(default)]
    pub app_state: serde_json::Value,
}

fn one() -> u64 {
    1
}

impl GenesisDoc {
    pub fn read(path: &std::path::Path) -> Result<Self, GenesisError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| GenesisError::Read {
            path: shown.clone(),
            source,
        })?;
        serde_json::from_slice(&bytes).map_err(|source| GenesisError::Parse {
            path: shown,
            source,
        })
    }
}

/// Parses a module's genesis section; `null` gives the default.
pub fn parse_section<T: serde::de::DeserializeOwned + Default>(
    module: &str,
    section: &serde_json::Value,
) -> Result<T, ExecError> {
    if section.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(section.clone())
        .map_err(|e| ExecError::invalid_msg(format!("{module} genesis: {e}")))
}

/// CometBFT writes int64s as JSON strings.
mod string_u64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Number(u64),
        }
        match Either::deserialize(deserializer)? {
            Either::Text(text) => text.parse().map_err(serde::de::Error::custom),
            Either::Number(number) => Ok(number),
        }
    }
}

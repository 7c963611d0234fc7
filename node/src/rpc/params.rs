//! JSON-RPC params arrive as a JSON object (values often strings) or as URI
//! query strings (strings, quoted strings or 0x-hex); both read the same.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::Value;

use super::RpcError;

pub struct Params {
    values: HashMap<String, Value>,
    uri: bool,
}

impl Params {
    pub fn from_json(params: Value) -> Self {
        let values = match params {
            Value::Object(map) => map.into_iter().collect(),
            _ => HashMap::new(),
        };
        Params { values, uri: false }
    }

    pub fn from_uri(query: HashMap<String, String>) -> Self {
        let values = query
            .into_iter()
            .map(|(k, v)| (k, Value::String(v.trim_matches('"').to_owned())))
            .collect();
        Params { values, uri: true }
    }

    fn raw(&self, name: &str) -> Option<&Value> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    pub fn u64(&self, name: &str) -> Result<Option<u64>, RpcError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_u64().map(Some).ok_or_else(|| {
                RpcError::invalid_params(format!("{name} must be a non-negative integer"))
            }),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.parse().map(Some).map_err(|_| {
                RpcError::invalid_params(format!("{name} must be a non-negative integer"))
            }),
            Some(_) => Err(RpcError::invalid_params(format!(
                "{name} must be an integer"
            ))),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, RpcError> {
        match self.raw(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) => s
                .parse()
                .map_err(|_| RpcError::invalid_params(format!("{name} must be true or false"))),
            Some(_) => Err(RpcError::invalid_params(format!(
                "{name} must be a boolean"
            ))),
        }
    }

    pub fn string(&self, name: &str) -> Result<Option<String>, RpcError> {
        match self.raw(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(RpcError::invalid_params(format!("{name} must be a string"))),
        }
    }

    /// Bytes: base64 in JSON bodies, 0x-hex (or base64) in URIs.
    pub fn bytes(&self, name: &str) -> Result<Option<Vec<u8>>, RpcError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let bad = |e: String| RpcError::invalid_params(format!("{name}: {e}"));
        if let Some(hex_text) = text.strip_prefix("0x") {
            return hex::decode(hex_text)
                .map(Some)
                .map_err(|e| bad(e.to_string()));
        }
        if self.uri && text.chars().all(|c| c.is_ascii_hexdigit()) && text.len() % 2 == 0 {
            if let Ok(bytes) = hex::decode(&text) {
                return Ok(Some(bytes));
            }
        }
        base64::engine::general_purpose::STANDARD
            .decode(&text)
            .map(Some)
            .map_err(|e| bad(e.to_string()))
    }

    /// Hex-encoded bytes (abci_query's `data`, tx hashes).
    pub fn hex(&self, name: &str) -> Result<Option<Vec<u8>>, RpcError> {
        let Some(text) = self.string(name)? else {
            return Ok(None);
        };
        let text = text.strip_prefix("0x").unwrap_or(&text);
        if let Ok(bytes) = hex::decode(text) {
            return Ok(Some(bytes));
        }
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .map(Some)
            .map_err(|e| RpcError::invalid_params(format!("{name}: {e}")))
    }
}

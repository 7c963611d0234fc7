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

    /// A JSON array of base64 strings.
    pub fn base64_list(&self, name: &str) -> Result<Vec<Vec<u8>>, RpcError> {
        let bad = || RpcError::invalid_params(format!("{name} must be a list of base64 strings"));
        match self.raw(name) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    let text = item.as_str().ok_or_else(bad)?;
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_err(|_| bad())
                })
                .collect(),
            Some(_) => Err(bad()),
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
        // Only hex may carry a 0x prefix: base64 can itself begin with "0x".
        if let Ok(bytes) = hex::decode(text.strip_prefix("0x").unwrap_or(&text)) {
            return Ok(Some(bytes));
        }
        base64::engine::general_purpose::STANDARD
            .decode(&text)
            .map(Some)
            .map_err(|e| RpcError::invalid_params(format!("{name}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_param(text: &str) -> Option<Vec<u8>> {
        Params::from_json(serde_json::json!({ "hash": text }))
            .hex("hash")
            .unwrap()
    }

    #[test]
    fn reads_hashes_as_hex_0x_hex_or_base64() {
        let hash = [0xd3u8; 32];
        let engine = base64::engine::general_purpose::STANDARD;
        assert_eq!(hash_param(&hex::encode(hash)), Some(hash.to_vec()));
        assert_eq!(
            hash_param(&format!("0x{}", hex::encode(hash))),
            Some(hash.to_vec())
        );
        assert_eq!(hash_param(&engine.encode(hash)), Some(hash.to_vec()));
        // Base64 that happens to begin with "0x" is base64, not hex.
        let mut hash = [0u8; 32];
        hash[..3].copy_from_slice(&[0xd3, 0x1a, 0x2f]);
        let text = engine.encode(hash);
        assert!(text.starts_with("0x"), "{text}");
        assert_eq!(hash_param(&text), Some(hash.to_vec()));
    }
}

use std::path::Path;

use base64::Engine as _;
use ed25519_consensus::SigningKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ConfigError;

const PRIV_KEY_TYPE: &str = "tendermint/PrivKeyEd25519";
const PUB_KEY_TYPE: &str = "tendermint/PubKeyEd25519";

#[derive(Serialize, Deserialize)]
struct TypedKey {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    address: String,
    pub_key: TypedKey,
    priv_key: TypedKey,
}

/// A validator's consensus key, stored as CometBFT's `priv_validator_key.json`.
#[derive(Clone)]
pub struct PrivValidatorKey {
    signing_key: SigningKey,
}

impl PrivValidatorKey {
    pub fn new(signing_key: SigningKey) -> Self {
        PrivValidatorKey { signing_key }
    }

    pub fn signing_key(&self) -> &SigningKey {
        &self.signing_key
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.signing_key.verification_key().to_bytes()
    }

    /// CometBFT's validator address: the first 20 bytes of sha256(pubkey).
    pub fn address(&self) -> [u8; 20] {
        let digest = Sha256::digest(self.public_key());
        let mut address = [0u8; 20];
        address.copy_from_slice(&digest[..20]);
        address
    }

    pub fn tendermint_public_key(&self) -> tendermint::PublicKey {
        tendermint::PublicKey::from(self.signing_key.verification_key())
    }

    pub fn read(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::io(path, source))?;
        let file: KeyFile = serde_json::from_str(&text).map_err(|e| ConfigError::parse(path, e))?;
        if file.priv_key.kind != PRIV_KEY_TYPE {
            return Err(ConfigError::Key(format!(
                "unsupported key type {:?}",
                file.priv_key.kind
            )));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(&file.priv_key.value)
            .map_err(|e| ConfigError::Key(e.to_string()))?;
        // CometBFT stores the 32-byte seed followed by the public key.
        let seed: [u8; 32] = bytes
            .get(..32)
            .and_then(|s| s.try_into().ok())
            .ok_or_else(|| ConfigError::Key("private key shorter than 32 bytes".into()))?;
        Ok(PrivValidatorKey::new(SigningKey::from(seed)))
    }

    pub fn write(&self, path: &Path) -> Result<(), ConfigError> {
        let engine = base64::engine::general_purpose::STANDARD;
        let mut secret = self.signing_key.to_bytes().to_vec();
        secret.extend_from_slice(&self.public_key());
        let file = KeyFile {
            address: hex::encode_upper(self.address()),
            pub_key: TypedKey {
                kind: PUB_KEY_TYPE.into(),
                value: engine.encode(self.public_key()),
            },
            priv_key: TypedKey {
                kind: PRIV_KEY_TYPE.into(),
                value: engine.encode(secret),
            },
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| ConfigError::parse(path, e))?;
        write_private(path, text.as_bytes())
    }
}

#[cfg(unix)]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| ConfigError::io(path, source))?;
    file.write_all(bytes)
        .map_err(|source| ConfigError::io(path, source))
}

#[cfg(not(unix))]
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    std::fs::write(path, bytes).map_err(|source| ConfigError::io(path, source))
}

/// Shows the validator address only, never the secret.
impl std::fmt::Debug for PrivValidatorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PrivValidatorKey({})", hex::encode_upper(self.address()))
    }
}

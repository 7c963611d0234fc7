//! Account keys on disk: one JSON file per key under `<home>/keyring`,
//! readable by its owner only (0600), as CometBFT keeps its validator key.
//! The CLI and the relayer share it. Addresses are the chains' business:
//! callers derive them from the key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_consensus::SigningKey;
use serde::{Deserialize, Serialize};

/// The keyring's directory under a home.
pub const KEYRING_DIR: &str = "keyring";

#[derive(Debug, thiserror::Error)]
pub enum KeyringError {
    #[error("invalid key name {0:?}: use 1 to 64 of a-z, A-Z, 0-9, '-' and '_'")]
    InvalidName(String),
    #[error("the secret key must be hex")]
    SecretNotHex,
    #[error("the secret key must be 32 bytes")]
    SecretLength,
    #[error("key {name:?} already exists or {path} is not writable: {source}")]
    NotWritable {
        name: String,
        path: String,
        source: std::io::Error,
    },
    #[error("no key named {name:?} in {dir}: {source}")]
    NotFound {
        name: String,
        dir: String,
        source: std::io::Error,
    },
    #[error("{path} is not a key file: {message}")]
    NotAKeyFile { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> KeyringError + '_ {
    move |source| KeyringError::Io {
        path: path.display().to_string(),
        source,
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    name: String,
    /// For people reading the file; never read back.
    address: String,
    public_key: String,
    secret_key: String,
}

pub struct Keyring {
    dir: PathBuf,
}

pub struct NamedKey {
    pub name: String,
    pub key: SigningKey,
}

fn valid_name(name: &str) -> Result<(), KeyringError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(KeyringError::InvalidName(name.to_owned()))
    }
}

/// A signing key from its hex secret (surrounding whitespace ignored).
pub fn parse_secret(hex_secret: &str) -> Result<SigningKey, KeyringError> {
    let bytes = hex::decode(hex_secret.trim()).map_err(|_| KeyringError::SecretNotHex)?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|_| KeyringError::SecretLength)?;
    Ok(SigningKey::from(bytes))
}

impl Keyring {
    /// Opens `<home>/keyring`, creating it owner-only if it does not exist.
    /// An existing one is left as it is, so it may be mounted read-only.
    pub fn open(home: &Path) -> Result<Self, KeyringError> {
        let dir = home.join(KEYRING_DIR);
        if !dir.is_dir() {
            fs::create_dir_all(&dir).map_err(io_error(&dir))?;
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(io_error(&dir))?;
        }
        Ok(Keyring { dir })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    /// Stores a new key; never overwrites one. `address` is the account
    /// address the chains derive from the key, recorded in the file.
    pub fn add(
        &self,
        name: &str,
        key: SigningKey,
        address: &str,
    ) -> Result<NamedKey, KeyringError> {
        valid_name(name)?;
        let path = self.path(name);
        let file = KeyFile {
            name: name.to_owned(),
            address: address.to_owned(),
            public_key: hex::encode(key.verification_key().as_bytes()),
            secret_key: hex::encode(key.as_bytes()),
        };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| KeyringError::NotAKeyFile {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        // create_new: never overwrite a key.
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|source| KeyringError::NotWritable {
                name: name.to_owned(),
                path: path.display().to_string(),
                source,
            })?;
        out.write_all(&bytes).map_err(io_error(&path))?;
        Ok(NamedKey {
            name: name.to_owned(),
            key,
        })
    }

    pub fn get(&self, name: &str) -> Result<NamedKey, KeyringError> {
        valid_name(name)?;
        let path = self.path(name);
        let bytes = fs::read(&path).map_err(|source| KeyringError::NotFound {
            name: name.to_owned(),
            dir: self.dir.display().to_string(),
            source,
        })?;
        let file: KeyFile =
            serde_json::from_slice(&bytes).map_err(|e| KeyringError::NotAKeyFile {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(NamedKey {
            name: file.name,
            key: parse_secret(&file.secret_key)?,
        })
    }

    /// Every key, by name.
    pub fn list(&self) -> Result<Vec<NamedKey>, KeyringError> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)
            .map_err(io_error(&self.dir))?
            .filter_map(|entry| entry.ok())
            .filter_map(|entry| {
                entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.strip_suffix(".json"))
                    .map(str::to_owned)
            })
            .collect();
        names.sort();
        names.iter().map(|name| self.get(name)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_as_private_files() {
        let home = tempfile::tempdir().expect("tempdir");
        let keyring = Keyring::open(home.path()).expect("open");
        let key = parse_secret(&"07".repeat(32)).expect("secret");
        keyring.add("alice", key.clone(), "xcc1alice").expect("add");
        let mode = fs::metadata(home.path().join("keyring/alice.json"))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(
            keyring.get("alice").expect("get").key.as_bytes(),
            key.as_bytes()
        );
        assert!(
            keyring.add("alice", key, "xcc1alice").is_err(),
            "never overwrite"
        );
        assert!(matches!(
            keyring.get("../x"),
            Err(KeyringError::InvalidName(_))
        ));
        assert!(matches!(
            keyring.get("bob"),
            Err(KeyringError::NotFound { .. })
        ));
        let names: Vec<String> = keyring
            .list()
            .expect("list")
            .into_iter()
            .map(|k| k.name)
            .collect();
        assert_eq!(names, ["alice"]);
    }

    #[test]
    fn secrets_must_be_32_hex_bytes() {
        assert!(matches!(
            parse_secret("zz"),
            Err(KeyringError::SecretNotHex)
        ));
        assert!(matches!(
            parse_secret("00"),
            Err(KeyringError::SecretLength)
        ));
        assert!(parse_secret(&format!(" {}\n", "ab".repeat(32))).is_ok());
    }
}

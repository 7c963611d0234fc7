//! Keys on disk: one JSON file per key under `<home>/keyring`, readable by its
//! owner only (0600), as CometBFT keeps its validator key.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ed25519_consensus::SigningKey;
use serde::{Deserialize, Serialize};
use xcc_chain::Address;

#[derive(Serialize, Deserialize)]
struct KeyFile {
    name: String,
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

impl NamedKey {
    pub fn address(&self) -> Address {
        Address::from_public_key(&self.key.verification_key())
    }
}

fn valid_name(name: &str) -> anyhow::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!("invalid key name {name:?}: use 1 to 64 of a-z, A-Z, 0-9, '-' and '_'");
    }
    Ok(())
}

pub fn parse_secret(hex_secret: &str) -> anyhow::Result<SigningKey> {
    let bytes = hex::decode(hex_secret.trim()).context("the secret key must be hex")?;
    let bytes: [u8; 32] = bytes
        .try_into()
        .map_err(|_| anyhow::anyhow!("the secret key must be 32 bytes"))?;
    Ok(SigningKey::from(bytes))
}

impl Keyring {
    pub fn open(home: &Path) -> anyhow::Result<Self> {
        let dir = home.join("keyring");
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
        Ok(Keyring { dir })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.json"))
    }

    pub fn add(&self, name: &str, key: SigningKey) -> anyhow::Result<NamedKey> {
        valid_name(name)?;
        let path = self.path(name);
        let named = NamedKey {
            name: name.to_owned(),
            key,
        };
        let file = KeyFile {
            name: name.to_owned(),
            address: named.address().to_string(),
            public_key: hex::encode(named.key.verification_key().as_bytes()),
            secret_key: hex::encode(named.key.as_bytes()),
        };
        // create_new: never overwrite a key.
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| {
                format!(
                    "key {name:?} already exists or {} is not writable",
                    path.display()
                )
            })?;
        out.write_all(&serde_json::to_vec_pretty(&file)?)?;
        Ok(named)
    }

    pub fn get(&self, name: &str) -> anyhow::Result<NamedKey> {
        valid_name(name)?;
        let path = self.path(name);
        let bytes = fs::read(&path)
            .with_context(|| format!("no key named {name:?} in {}", self.dir.display()))?;
        let file: KeyFile = serde_json::from_slice(&bytes)
            .with_context(|| format!("{} is not a key file", path.display()))?;
        let key = parse_secret(&file.secret_key)?;
        Ok(NamedKey {
            name: file.name,
            key,
        })
    }

    pub fn list(&self) -> anyhow::Result<Vec<NamedKey>> {
        let mut names: Vec<String> = fs::read_dir(&self.dir)?
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

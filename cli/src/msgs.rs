//! `xcc tx <chain> <message>`: the messages users build, as clap commands.

use clap::Subcommand;
use xcc_chain::Address;
use xcc_proto::{
    currency::v1 as currency, security::v1 as security, to_any, validators::v1 as validators, Any,
};

#[derive(Debug, Subcommand)]
pub enum SecurityTx {
    /// Register a security (the registrar countersigns with `xcc tx sign`).
    Register {
        #[arg(long)]
        registrar: Address,
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        total_supply: u64,
        #[arg(long)]
        holder_cap: u32,
        #[arg(long, default_value = "")]
        location: String,
        #[arg(long, default_value = "")]
        jurisdiction: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value_t = 0)]
        valuation: u64,
        #[arg(long, default_value = "")]
        valuation_denom: String,
        #[arg(long, default_value = "")]
        documents_uri: String,
        #[arg(long, default_value = "")]
        documents_sha256: String,
    },
    /// Appoint a KYC agent (issuer only).
    AppointAgent {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        agent: Address,
    },
    /// Revoke a KYC agent (issuer only).
    RevokeAgent {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        agent: Address,
    },
    /// Whitelist an account until a unix time (issuer or KYC agent).
    WhitelistAdd {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        account: Address,
        #[arg(long)]
        expires_at: i64,
    },
    /// Remove an account from the whitelist (issuer or KYC agent).
    WhitelistRemove {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        account: Address,
    },
    /// Transfer units to another whitelisted account.
    Transfer {
        #[arg(long)]
        to: Address,
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        amount: u64,
    },
    /// Freeze an account's position (issuer only).
    Freeze {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        account: Address,
    },
    /// Unfreeze an account's position (issuer only).
    Unfreeze {
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        account: Address,
    },
}

#[derive(Debug, Subcommand)]
pub enum CurrencyTx {
    /// Transfer cash.
    Transfer {
        #[arg(long)]
        to: Address,
        #[arg(long)]
        denom: String,
        #[arg(long)]
        amount: u64,
    },
    /// Mint new cash (the denom's mint authority only).
    Mint {
        #[arg(long)]
        to: Address,
        #[arg(long)]
        denom: String,
        #[arg(long)]
        amount: u64,
    },
}

impl SecurityTx {
    /// The message, with `signer` (the `--from` key) as issuer, authority or sender.
    pub fn to_any(&self, signer: Address) -> Any {
        let me = signer.to_string();
        match self {
            SecurityTx::Register {
                registrar,
                symbol,
                name,
                total_supply,
                holder_cap,
                location,
                jurisdiction,
                description,
                valuation,
                valuation_denom,
                documents_uri,
                documents_sha256,
            } => to_any(&security::MsgRegisterSecurity {
                issuer: me,
                registrar: registrar.to_string(),
                symbol: symbol.clone(),
                name: name.clone(),
                property: Some(security::PropertyMetadata {
                    location: location.clone(),
                    jurisdiction: jurisdiction.clone(),
                    description: description.clone(),
                    valuation: *valuation,
                    valuation_denom: valuation_denom.clone(),
                    documents_uri: documents_uri.clone(),
                    documents_sha256: documents_sha256.clone(),
                }),
                total_supply: *total_supply,
                holder_cap: *holder_cap,
            }),
            SecurityTx::AppointAgent { symbol, agent } => to_any(&security::MsgAppointKycAgent {
                issuer: me,
                symbol: symbol.clone(),
                agent: agent.to_string(),
            }),
            SecurityTx::RevokeAgent { symbol, agent } => to_any(&security::MsgRevokeKycAgent {
                issuer: me,
                symbol: symbol.clone(),
                agent: agent.to_string(),
            }),
            SecurityTx::WhitelistAdd {
                symbol,
                account,
                expires_at,
            } => to_any(&security::MsgWhitelistAdd {
                authority: me,
                symbol: symbol.clone(),
                account: account.to_string(),
                expires_at: *expires_at,
            }),
            SecurityTx::WhitelistRemove { symbol, account } => {
                to_any(&security::MsgWhitelistRemove {
                    authority: me,
                    symbol: symbol.clone(),
                    account: account.to_string(),
                })
            }
            SecurityTx::Transfer { to, symbol, amount } => to_any(&security::MsgTransfer {
                from: me,
                to: to.to_string(),
                symbol: symbol.clone(),
                amount: *amount,
            }),
            SecurityTx::Freeze { symbol, account } => to_any(&security::MsgFreeze {
                issuer: me,
                symbol: symbol.clone(),
                account: account.to_string(),
            }),
            SecurityTx::Unfreeze { symbol, account } => to_any(&security::MsgUnfreeze {
                issuer: me,
                symbol: symbol.clone(),
                account: account.to_string(),
            }),
        }
    }
}

impl CurrencyTx {
    pub fn to_any(&self, signer: Address) -> Any {
        match self {
            CurrencyTx::Transfer { to, denom, amount } => to_any(&currency::MsgTransfer {
                from: signer.to_string(),
                to: to.to_string(),
                denom: denom.clone(),
                amount: *amount,
            }),
            CurrencyTx::Mint { to, denom, amount } => to_any(&currency::MsgMint {
                authority: signer.to_string(),
                denom: denom.clone(),
                to: to.to_string(),
                amount: *amount,
            }),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ValidatorsTx {
    /// Set a consensus validator's voting power, 0 to remove it (validator admin only).
    SetPower {
        /// The validator's ed25519 public key, base64 as in priv_validator_key.json.
        #[arg(long)]
        pub_key: ConsensusKey,
        #[arg(long)]
        power: u64,
    },
}

/// A validator's ed25519 consensus key, given in base64.
#[derive(Clone, Debug)]
pub struct ConsensusKey(Vec<u8>);

impl std::str::FromStr for ConsensusKey {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| format!("not base64: {e}"))?;
        if bytes.len() != 32 {
            return Err(format!(
                "an ed25519 key is 32 bytes, this is {}",
                bytes.len()
            ));
        }
        Ok(ConsensusKey(bytes))
    }
}

impl ValidatorsTx {
    pub fn to_any(&self, signer: Address) -> Any {
        match self {
            ValidatorsTx::SetPower { pub_key, power } => {
                to_any(&validators::MsgSetValidatorPower {
                    authority: signer.to_string(),
                    public_key: pub_key.0.clone(),
                    power: *power,
                })
            }
        }
    }
}

//! A bank's receipt as the chain knows it: decoded and bounded once from
//! protobuf, signed over a domain-separated sign doc (the chain id and the
//! purpose inside), and checked against the bank's registration at block
//! time and against every receipt of that bank already used.

use ed25519_consensus::{Signature, SigningKey, VerificationKey};
use prost::Message;
use xcc_chain::Address;
use xcc_proto::trust::v1 as pb;

use super::error::TrustError;
use super::state::TrustRead;

/// The first bytes of every receipt sign doc: no other signed thing of XCC
/// (a tx, a cross-tx) starts with them.
pub const SIGN_DOMAIN: &[u8] = b"xcc/bank-receipt/v1\n";
/// Longest receipt id, platform id and denom.
pub const MAX_ID_BYTES: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    PlatformRegistration,
    BidderRegistration,
    Guarantee,
}

impl Purpose {
    pub fn name(self) -> &'static str {
        match self {
            Purpose::PlatformRegistration => "platform registration",
            Purpose::BidderRegistration => "bidder registration",
            Purpose::Guarantee => "a guarantee",
        }
    }

    fn from_proto(value: i32) -> Result<Self, TrustError> {
        match pb::Purpose::try_from(value) {
            Ok(pb::Purpose::PlatformRegistration) => Ok(Purpose::PlatformRegistration),
            Ok(pb::Purpose::BidderRegistration) => Ok(Purpose::BidderRegistration),
            Ok(pb::Purpose::Guarantee) => Ok(Purpose::Guarantee),
            _ => Err(TrustError::Invalid(format!(
                "a receipt's purpose is platform registration, bidder registration or a guarantee, not {value}"
            ))),
        }
    }

    fn to_proto(self) -> pb::Purpose {
        match self {
            Purpose::PlatformRegistration => pb::Purpose::PlatformRegistration,
            Purpose::BidderRegistration => pb::Purpose::BidderRegistration,
            Purpose::Guarantee => pb::Purpose::Guarantee,
        }
    }
}

/// What a platform-registration receipt makes: the platform's consensus
/// key and the account that operates it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformKeys {
    pub validator_key: [u8; 32],
    pub operator: Address,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    pub bank: [u8; 32],
    pub id: String,
    pub purpose: Purpose,
    pub payer: Address,
    pub platform: String,
    pub lot: u64,
    pub amount: u64,
    pub denom: String,
    pub issued_at_ns: u64,
    pub expires_at_ns: u64,
    /// Present exactly on platform registrations.
    pub platform_keys: Option<PlatformKeys>,
    pub kyc_expires_at_ns: u64,
}

pub fn key_bytes(bytes: &[u8], what: &str) -> Result<[u8; 32], TrustError> {
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        TrustError::Invalid(format!("{what} is 32 bytes (ed25519), not {}", bytes.len()))
    })?;
    VerificationKey::try_from(key)
        .map_err(|_| TrustError::Invalid(format!("{what} is not an ed25519 public key")))?;
    Ok(key)
}

/// A receipt id, platform id or denom: 1 to [`MAX_ID_BYTES`] of letters,
/// digits, `-`, `_` and `.`.
pub fn check_id(text: &str, what: &str) -> Result<(), TrustError> {
    let fits = (1..=MAX_ID_BYTES).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if fits {
        Ok(())
    } else {
        Err(TrustError::Invalid(format!(
            "{what} is 1 to {MAX_ID_BYTES} letters, digits, '-', '_' or '.', not {text:?}"
        )))
    }
}

impl Receipt {
    pub fn from_proto(receipt: &pb::BankReceipt) -> Result<Self, TrustError> {
        let purpose = Purpose::from_proto(receipt.purpose)?;
        check_id(&receipt.receipt_id, "a receipt id")?;
        check_id(&receipt.platform_id, "a platform id")?;
        check_id(&receipt.denom, "a denom")?;
        let payer = receipt
            .payer
            .parse()
            .map_err(|e| TrustError::Invalid(format!("payer: {e}")))?;
        if receipt.amount == 0 {
            return Err(TrustError::Invalid(
                "a receipt pays a positive amount".into(),
            ));
        }
        if receipt.expires_at_ns <= receipt.issued_at_ns {
            return Err(TrustError::Invalid(format!(
                "a receipt expires after it is issued ({} ns), not at {} ns",
                receipt.issued_at_ns, receipt.expires_at_ns
            )));
        }
        let platform_keys = match purpose {
            Purpose::PlatformRegistration => Some(PlatformKeys {
                validator_key: key_bytes(&receipt.validator_key, "a platform's validator key")?,
                operator: receipt
                    .operator
                    .parse()
                    .map_err(|e| TrustError::Invalid(format!("operator: {e}")))?,
            }),
            Purpose::BidderRegistration | Purpose::Guarantee => {
                if !receipt.validator_key.is_empty() || !receipt.operator.is_empty() {
                    return Err(TrustError::Invalid(
                        "only a platform registration names a validator key and an operator".into(),
                    ));
                }
                None
            }
        };
        if purpose != Purpose::PlatformRegistration && receipt.lot_id == 0 {
            return Err(TrustError::Invalid(format!(
                "a receipt for {} names its lot",
                purpose.name()
            )));
        }
        Ok(Receipt {
            bank: key_bytes(&receipt.bank_key, "a bank key")?,
            id: receipt.receipt_id.clone(),
            purpose,
            payer,
            platform: receipt.platform_id.clone(),
            lot: receipt.lot_id,
            amount: receipt.amount,
            denom: receipt.denom.clone(),
            issued_at_ns: receipt.issued_at_ns,
            expires_at_ns: receipt.expires_at_ns,
            platform_keys,
            kyc_expires_at_ns: receipt.kyc_expires_at_ns,
        })
    }

    pub fn to_proto(&self) -> pb::BankReceipt {
        let (validator_key, operator) = match &self.platform_keys {
            Some(keys) => (keys.validator_key.to_vec(), keys.operator.to_string()),
            None => (Vec::new(), String::new()),
        };
        pb::BankReceipt {
            bank_key: self.bank.to_vec(),
            receipt_id: self.id.clone(),
            purpose: self.purpose.to_proto() as i32,
            payer: self.payer.to_string(),
            platform_id: self.platform.clone(),
            lot_id: self.lot,
            amount: self.amount,
            denom: self.denom.clone(),
            issued_at_ns: self.issued_at_ns,
            expires_at_ns: self.expires_at_ns,
            validator_key,
            operator,
            kyc_expires_at_ns: self.kyc_expires_at_ns,
        }
    }

    /// The bytes the bank signs: the domain, then the sign doc re-encoded
    /// from the domain type (never the bytes a submitter sent), so two
    /// encodings of one receipt sign alike.
    pub fn sign_bytes(&self, chain_id: &str) -> Vec<u8> {
        let doc = pb::ReceiptSignDoc {
            chain_id: chain_id.to_owned(),
            purpose: self.purpose.to_proto() as i32,
            receipt: Some(self.to_proto()),
        };
        let mut bytes = SIGN_DOMAIN.to_vec();
        doc.encode(&mut bytes).expect("a Vec grows");
        bytes
    }

    pub fn bank_hex(&self) -> String {
        hex::encode(self.bank)
    }
}

/// The bank's signature of `receipt` for `chain_id` (the bank's offline tool).
pub fn sign(bank: &SigningKey, chain_id: &str, receipt: &Receipt) -> pb::SignedReceipt {
    pb::SignedReceipt {
        receipt: Some(receipt.to_proto()),
        signature: bank.sign(&receipt.sign_bytes(chain_id)).to_bytes().to_vec(),
    }
}

/// Checks a signed receipt of `purpose` on chain `chain_id` at block time
/// `now_ns`: its form, its bank (registered, not revoked, valid now), the
/// signature, its issue and expiry times, and that it was never used.
pub fn verify(
    state: &dyn xcc_chain::state::StateRead,
    chain_id: &str,
    now_ns: u64,
    signed: Option<&pb::SignedReceipt>,
    purpose: Purpose,
) -> Result<Receipt, TrustError> {
    let signed = signed.ok_or_else(|| TrustError::Invalid("no receipt".into()))?;
    let receipt = Receipt::from_proto(
        signed
            .receipt
            .as_ref()
            .ok_or_else(|| TrustError::Invalid("no receipt".into()))?,
    )?;
    if receipt.purpose != purpose {
        return Err(TrustError::WrongPurpose {
            expected: purpose.name(),
            found: receipt.purpose.name(),
        });
    }
    let bank = state
        .bank(&receipt.bank)?
        .ok_or_else(|| TrustError::UnknownBank(receipt.bank_hex()))?;
    if bank.revoked {
        return Err(TrustError::BankRevoked {
            key: receipt.bank_hex(),
            revoked_at_ns: bank.revoked_at_ns,
        });
    }
    if now_ns < bank.valid_from_ns || now_ns >= bank.valid_until_ns {
        return Err(TrustError::BankNotValid {
            key: receipt.bank_hex(),
            valid_from_ns: bank.valid_from_ns,
            valid_until_ns: bank.valid_until_ns,
            now_ns,
        });
    }
    let signature = Signature::try_from(signed.signature.as_slice())
        .map_err(|_| TrustError::BadSignature(receipt.bank_hex()))?;
    VerificationKey::try_from(receipt.bank)
        .and_then(|key| key.verify(&signature, &receipt.sign_bytes(chain_id)))
        .map_err(|_| TrustError::BadSignature(receipt.bank_hex()))?;
    if receipt.issued_at_ns > now_ns {
        return Err(TrustError::IssuedInTheFuture {
            bank: receipt.bank_hex(),
            id: receipt.id.clone(),
            issued_at_ns: receipt.issued_at_ns,
            now_ns,
        });
    }
    if now_ns >= receipt.expires_at_ns {
        return Err(TrustError::Expired {
            bank: receipt.bank_hex(),
            id: receipt.id.clone(),
            expires_at_ns: receipt.expires_at_ns,
            now_ns,
        });
    }
    if state.receipt_used(&receipt.bank, &receipt.id)? {
        return Err(TrustError::Replayed {
            bank: receipt.bank_hex(),
            id: receipt.id.clone(),
        });
    }
    Ok(receipt)
}

//! 8.6 Authorization: in a committed cross-tx an account's units or cash
//! decrease only if it signed, or, for a listing's seller, only by units
//! filled from its listings and only against at least their price paid to
//! it in the same cross-tx. Judged from the coordinator's records alone: the
//! signed cross-tx says who signed and what each leg ran, and a security
//! leg's OK result gives the terms of its fills, which its messages do not
//! carry. (The dividend half of 8.6 is in `dividends`.)

use std::collections::{BTreeMap, BTreeSet};

use prost::{DecodeError, Message, Name};
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::Any;

use crate::reading::Reading;
use crate::TxId;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AuthorizationViolation {
    #[error("committed cross-tx {tx_id} does not verify: {reason}")]
    Unverifiable { tx_id: TxId, reason: String },
    #[error(
        "committed cross-tx {tx_id}: {msg} on {chain} acts for {account}, who did not sign it"
    )]
    Unsigned {
        tx_id: TxId,
        chain: String,
        /// The message's type URL.
        msg: String,
        account: String,
    },
    #[error("committed cross-tx {tx_id}: its {type_url} on {chain} does not decode: {error}")]
    UndecodableMsg {
        tx_id: TxId,
        chain: String,
        type_url: String,
        error: DecodeError,
    },
    #[error(
        "committed cross-tx {tx_id}: the result of its leg on {chain} does not decode: {error}"
    )]
    UndecodableResult {
        tx_id: TxId,
        chain: String,
        error: DecodeError,
    },
    #[error("committed cross-tx {tx_id}: its leg on {chain} fills {msgs} listings but its result has {fills} fills")]
    FillCount {
        tx_id: TxId,
        chain: String,
        msgs: usize,
        fills: usize,
    },
    #[error("committed cross-tx {tx_id} sells {seller}'s units for {owed} {denom} on {currency_chain} but pays it {paid}")]
    SellerUnderpaid {
        tx_id: TxId,
        seller: String,
        currency_chain: String,
        denom: String,
        owed: u128,
        paid: u128,
    },
}

pub fn judge(reading: &Reading) -> Vec<AuthorizationViolation> {
    committed(reading).flat_map(judge_record).collect()
}

/// Every committed record, once: those read after, and those pruned since
/// the first read.
fn committed(reading: &Reading) -> impl Iterator<Item = &coord::CrossTxRecord> {
    let after: BTreeSet<&[u8]> = reading
        .records_after
        .iter()
        .map(|r| r.tx_id.as_slice())
        .collect();
    let pruned = reading
        .records_before
        .iter()
        .filter(move |r| !after.contains(r.tx_id.as_slice()));
    reading
        .records_after
        .iter()
        .chain(pruned)
        .filter(|r| r.decided && r.commit)
}

/// Who is owed or paid what: (account, currency chain, denom).
type Ledger = BTreeMap<(String, String, String), u128>;

fn judge_record(record: &coord::CrossTxRecord) -> Vec<AuthorizationViolation> {
    let tx_id = TxId::of(&record.tx_id);
    let (cross_tx, signed) = match verified(record) {
        Ok(verified) => verified,
        Err(reason) => return vec![AuthorizationViolation::Unverifiable { tx_id, reason }],
    };
    let mut judge = RecordJudge {
        tx_id,
        signed,
        owed: Ledger::new(),
        paid: Ledger::new(),
        violations: Vec::new(),
    };
    for (index, leg) in cross_tx.legs.iter().enumerate() {
        let fills = judge.msgs(leg);
        if is_security_leg(leg) {
            // A leg without a recorded state has an empty result: no fills.
            let result = record.legs.get(index).map_or(&[][..], |l| &l.result[..]);
            judge.fills(leg, result, fills);
        }
    }
    judge.underpaid_sellers()
}

/// One committed cross-tx being judged.
struct RecordJudge {
    tx_id: TxId,
    signed: BTreeSet<String>,
    /// What fills owe sellers who did not sign, and what the cross-tx pays.
    owed: Ledger,
    paid: Ledger,
    violations: Vec<AuthorizationViolation>,
}

impl RecordJudge {
    /// Checks that every account a message of `leg` acts for signed, and
    /// books what it pays; returns how many listings it fills.
    fn msgs(&mut self, leg: &xtx::Leg) -> usize {
        let mut fills = 0;
        for any in &leg.msgs {
            let effect = match effect(any) {
                Ok(effect) => effect,
                Err(error) => {
                    self.violations
                        .push(AuthorizationViolation::UndecodableMsg {
                            tx_id: self.tx_id.clone(),
                            chain: leg.chain_id.clone(),
                            type_url: any.type_url.clone(),
                            error,
                        });
                    continue;
                }
            };
            if let Some(account) = effect.acts_for().filter(|a| !self.signed.contains(*a)) {
                self.violations.push(AuthorizationViolation::Unsigned {
                    tx_id: self.tx_id.clone(),
                    chain: leg.chain_id.clone(),
                    msg: any.type_url.clone(),
                    account: account.to_owned(),
                });
            }
            match effect {
                Effect::Fill => fills += 1,
                Effect::Pays(t) if t.from != t.to => {
                    let key = (t.to, leg.chain_id.clone(), t.denom);
                    *self.paid.entry(key).or_default() += u128::from(t.amount);
                }
                _ => {}
            }
        }
        fills
    }

    /// Books what the fills in a security leg's result owe their sellers.
    fn fills(&mut self, leg: &xtx::Leg, result: &[u8], fill_msgs: usize) {
        let result = match sec::LegResult::decode(result) {
            Ok(result) => result,
            Err(error) => {
                self.violations
                    .push(AuthorizationViolation::UndecodableResult {
                        tx_id: self.tx_id.clone(),
                        chain: leg.chain_id.clone(),
                        error,
                    });
                return;
            }
        };
        if result.fills.len() != fill_msgs {
            self.violations.push(AuthorizationViolation::FillCount {
                tx_id: self.tx_id.clone(),
                chain: leg.chain_id.clone(),
                msgs: fill_msgs,
                fills: result.fills.len(),
            });
        }
        // A seller who signed the cross-tx authorized it whatever it pays.
        for fill in result.fills {
            if !self.signed.contains(&fill.seller) {
                let price = u128::from(fill.units) * u128::from(fill.price_per_unit);
                let key = (fill.seller, fill.currency_chain, fill.denom);
                let owed = self.owed.entry(key).or_default();
                // Saturating: products of two u64s can add past u128.
                *owed = owed.saturating_add(price);
            }
        }
    }

    fn underpaid_sellers(mut self) -> Vec<AuthorizationViolation> {
        for (key, owed) in self.owed {
            let paid = self.paid.get(&key).copied().unwrap_or(0);
            if paid < owed {
                let (seller, currency_chain, denom) = key;
                self.violations
                    .push(AuthorizationViolation::SellerUnderpaid {
                        tx_id: self.tx_id.clone(),
                        seller,
                        currency_chain,
                        denom,
                        owed,
                        paid,
                    });
            }
        }
        self.violations
    }
}

/// The record's cross-tx and the addresses that signed it, if its
/// signatures verify and it is the cross-tx the record is kept under.
fn verified(record: &coord::CrossTxRecord) -> Result<(xtx::CrossTx, BTreeSet<String>), String> {
    let signed = record
        .signed_cross_tx
        .clone()
        .ok_or("the record holds no signed cross-tx")?;
    let verified = xcc_chain::xtx::verify(signed).map_err(|e| e.to_string())?;
    if verified.id[..] != record.tx_id[..] {
        return Err(format!("its id is {}", hex::encode(verified.id)));
    }
    let signers = verified.signers.iter().map(|s| s.address.to_string());
    Ok((verified.cross_tx, signers.collect()))
}

/// A currency transfer.
struct Transfer {
    from: String,
    to: String,
    denom: String,
    amount: u64,
}

/// What one message does, as far as this invariant cares.
enum Effect {
    /// Acts for (debits or commits) an account, which must have signed.
    ActsFor(String),
    /// Pays cash from `from`, who must have signed, to `to`.
    Pays(Transfer),
    /// Fills a listing: moves the seller's units on the terms in the result.
    Fill,
    /// Nothing any account must authorize here.
    Other,
}

impl Effect {
    fn acts_for(&self) -> Option<&str> {
        match self {
            Effect::ActsFor(account) => Some(account),
            Effect::Pays(transfer) => Some(&transfer.from),
            Effect::Fill | Effect::Other => None,
        }
    }
}

fn is<M: Name>(any: &Any) -> bool {
    any.type_url == M::type_url()
}

fn effect(any: &Any) -> Result<Effect, DecodeError> {
    let value = any.value.as_slice();
    Ok(if is::<sec::MsgTransfer>(any) {
        Effect::ActsFor(sec::MsgTransfer::decode(value)?.from)
    } else if is::<sec::MsgReserveDividend>(any) {
        Effect::ActsFor(sec::MsgReserveDividend::decode(value)?.payer)
    } else if is::<cash::MsgPayDividend>(any) {
        Effect::ActsFor(cash::MsgPayDividend::decode(value)?.payer)
    } else if is::<sec::MsgFillListing>(any) {
        // Decoded only to refuse a malformed one; its terms are in the result.
        sec::MsgFillListing::decode(value)?;
        Effect::Fill
    } else if is::<cash::MsgTransfer>(any) {
        let m = cash::MsgTransfer::decode(value)?;
        Effect::Pays(Transfer {
            from: m.from,
            to: m.to,
            denom: m.denom,
            amount: m.amount,
        })
    } else {
        Effect::Other
    })
}

/// A leg the security chain ran: its OK result is a `LegResult`.
fn is_security_leg(leg: &xtx::Leg) -> bool {
    let package = format!("/{}.", sec::MsgTransfer::PACKAGE);
    leg.msgs.iter().any(|m| m.type_url.starts_with(&package))
}

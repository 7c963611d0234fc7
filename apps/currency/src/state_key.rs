//! Every key the currency module owns. Denoms never contain '/'.

use xcc_chain::participant::LegId;
use xcc_chain::Address;

use crate::denom::DenomName;

pub fn denom(denom: &DenomName) -> Vec<u8> {
    format!("currency/denom/{denom}").into_bytes()
}

pub fn all_denoms() -> &'static [u8] {
    b"currency/denom/"
}

/// Balance, big-endian u64; absent means zero. Keyed account first so one
/// account's balances list with one prefix scan.
pub fn balance(account: &Address, denom: &DenomName) -> Vec<u8> {
    format!("currency/balance/{account}/{denom}").into_bytes()
}

pub fn all_balances() -> &'static [u8] {
    b"currency/balance/"
}

pub fn balances(account: &Address) -> Vec<u8> {
    format!("currency/balance/{account}/").into_bytes()
}

/// Marks that `account` holds some `denom`: a denom's holders list with
/// one prefix scan, as the Cosmos SDK's bank keeps its denom-to-address
/// index, instead of a scan of every account's balances.
pub fn denom_holder(denom: &DenomName, account: &Address) -> Vec<u8> {
    format!("currency/denom_holder/{denom}/{account}").into_bytes()
}

pub fn denom_holders(denom: &DenomName) -> Vec<u8> {
    format!("currency/denom_holder/{denom}/").into_bytes()
}

/// Cash held out of `account`'s balance for prepared cross-txs, big-endian
/// u64; absent means zero. Spendable = balance - reserved.
pub fn reserved(account: &Address, denom: &DenomName) -> Vec<u8> {
    format!("currency/reserved/{account}/{denom}").into_bytes()
}

/// What one leg of a prepared cross-tx holds on this chain.
pub fn hold(leg: &LegId) -> Vec<u8> {
    format!(
        "currency/holds/{}/{:02}",
        hex::encode(leg.tx_id),
        leg.leg_index
    )
    .into_bytes()
}

pub fn all_holds() -> &'static [u8] {
    b"currency/holds/"
}

/// A dividend paid on this chain.
pub fn dividend_payment(security_chain: &str, dividend_id: u64) -> Vec<u8> {
    format!("currency/dividend/{security_chain}/{dividend_id:020}").into_bytes()
}

/// What `account` was paid of a dividend.
pub fn dividend_receipt(account: &Address, security_chain: &str, dividend_id: u64) -> Vec<u8> {
    format!("currency/dividend_receipt/{account}/{security_chain}/{dividend_id:020}").into_bytes()
}

/// Marks that `account` was paid of a dividend: a payment's payees list
/// with one prefix scan, its receipts read by key.
pub fn dividend_payee(security_chain: &str, dividend_id: u64, account: &Address) -> Vec<u8> {
    format!("currency/dividend_payee/{security_chain}/{dividend_id:020}/{account}").into_bytes()
}

pub fn dividend_payees(security_chain: &str, dividend_id: u64) -> Vec<u8> {
    format!("currency/dividend_payee/{security_chain}/{dividend_id:020}/").into_bytes()
}

pub fn dividend_receipts(account: &Address) -> Vec<u8> {
    format!("currency/dividend_receipt/{account}/").into_bytes()
}

pub fn all_dividend_receipts() -> &'static [u8] {
    b"currency/dividend_receipt/"
}

/// A bidder's guarantee in the escrow of a lot of `security_chain`.
pub fn guarantee(security_chain: &str, lot_id: u64, bidder: &Address) -> Vec<u8> {
    format!("currency/guarantees/{security_chain}/{lot_id:020}/{bidder}").into_bytes()
}

pub fn all_guarantees() -> &'static [u8] {
    b"currency/guarantees/"
}

/// The guarantees of `security_chain`'s lots, or of one lot (`Some`).
pub fn guarantees_of(security_chain: &str, lot_id: Option<u64>) -> Vec<u8> {
    match lot_id {
        Some(lot_id) => format!("currency/guarantees/{security_chain}/{lot_id:020}/"),
        None => format!("currency/guarantees/{security_chain}/"),
    }
    .into_bytes()
}

/// A lot's disposition of a guarantee that came before the guarantee's own
/// commit, applied by that commit.
pub fn waiting_disposition(security_chain: &str, lot_id: u64, bidder: &Address) -> Vec<u8> {
    format!("currency/waiting_dispositions/{security_chain}/{lot_id:020}/{bidder}").into_bytes()
}

//! Every key the security module owns. Symbols never contain '/', so each
//! prefix below lists exactly one security's entries.

use xcc_chain::participant::LegId;
use xcc_chain::Address;

use crate::symbol::Symbol;

pub const REGISTRAR: &[u8] = b"security/registrar";

pub fn security(symbol: &Symbol) -> Vec<u8> {
    format!("security/def/{symbol}").into_bytes()
}

pub fn all_securities() -> &'static [u8] {
    b"security/def/"
}

/// Units held, big-endian u64; absent means zero.
pub fn balance(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/balance/{symbol}/{account}").into_bytes()
}

pub fn balances(symbol: &Symbol) -> Vec<u8> {
    format!("security/balance/{symbol}/").into_bytes()
}

pub fn whitelist(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/whitelist/{symbol}/{account}").into_bytes()
}

pub fn kyc_agent(symbol: &Symbol, agent: &Address) -> Vec<u8> {
    format!("security/agent/{symbol}/{agent}").into_bytes()
}

pub fn kyc_agents(symbol: &Symbol) -> Vec<u8> {
    format!("security/agent/{symbol}/").into_bytes()
}

pub fn frozen(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/frozen/{symbol}/{account}").into_bytes()
}

/// Units of `account` held for prepared cross-txs and open listings.
pub fn reserved(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/reserved/{symbol}/{account}").into_bytes()
}

/// Units on their way to `account` from prepared cross-txs.
pub fn pending_in(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/pending/{symbol}/{account}").into_bytes()
}

/// How many prepared cross-txs rely on `account`'s whitelist entry.
pub fn pins(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/pins/{symbol}/{account}").into_bytes()
}

/// The latest deadline (unix seconds) among the cross-txs that pin
/// `account`'s whitelist entry.
pub fn pinned_until(symbol: &Symbol, account: &Address) -> Vec<u8> {
    format!("security/pinned_until/{symbol}/{account}").into_bytes()
}

/// What one leg of a prepared cross-tx holds on this chain.
pub fn hold(leg: &LegId) -> Vec<u8> {
    format!(
        "security/holds/{}/{:02}",
        hex::encode(leg.tx_id),
        leg.leg_index
    )
    .into_bytes()
}

pub fn all_holds() -> &'static [u8] {
    b"security/holds/"
}

pub const NEXT_LISTING: &[u8] = b"security/next_listing";

pub fn listing(id: u64) -> Vec<u8> {
    format!("security/listing/{id:020}").into_bytes()
}

pub fn all_listings() -> &'static [u8] {
    b"security/listing/"
}

pub fn trade_stats(symbol: &Symbol) -> Vec<u8> {
    format!("security/trades/{symbol}").into_bytes()
}

pub const NEXT_DIVIDEND: &[u8] = b"security/next_dividend";
/// How many blocks back a record height may be (genesis).
pub const RECORD_WINDOW: &[u8] = b"security/record_window";
/// How many holders one page of a dividend payout carries (genesis).
pub const DIVIDEND_PAGE_HOLDERS: &[u8] = b"security/dividend_page_holders";

pub fn dividend(id: u64) -> Vec<u8> {
    format!("security/dividend/{id:020}").into_bytes()
}

pub fn all_dividends() -> &'static [u8] {
    b"security/dividend/"
}

/// A dividend not yet paid, by its record height: the store keeps the
/// state of the lowest for as long as it is unpaid.
pub fn unpaid_dividend(record_height: u64, id: u64) -> Vec<u8> {
    format!("security/unpaid_dividends/{record_height:020}/{id:020}").into_bytes()
}

pub fn all_unpaid_dividends() -> &'static [u8] {
    b"security/unpaid_dividends/"
}

/// The record height of an unpaid dividend's index key.
pub fn unpaid_record_height(key: &[u8]) -> Option<u64> {
    let rest = std::str::from_utf8(key.strip_prefix(all_unpaid_dividends())?).ok()?;
    rest.split_once('/')?.0.parse().ok()
}

/// The address at the end of a per-account key under `prefix`.
pub fn account_suffix(prefix: &[u8], key: &[u8]) -> Option<Address> {
    std::str::from_utf8(key.strip_prefix(prefix)?)
        .ok()?
        .parse()
        .ok()
}

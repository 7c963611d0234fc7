//! Every key the security module owns. Symbols never contain '/', so each
//! prefix below lists exactly one security's entries.

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

/// The address at the end of a per-account key under `prefix`.
pub fn account_suffix(prefix: &[u8], key: &[u8]) -> Option<Address> {
    std::str::from_utf8(key.strip_prefix(prefix)?)
        .ok()?
        .parse()
        .ok()
}

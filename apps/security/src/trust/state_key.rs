//! Every key the trust module owns. Numbers are zero-padded, so keys sort
//! in numeric order.

pub const PARAMS: &[u8] = b"trust/params";

pub fn bank(key: &[u8; 32]) -> Vec<u8> {
    format!("trust/banks/{}", hex::encode(key)).into_bytes()
}

pub fn all_banks() -> &'static [u8] {
    b"trust/banks/"
}

/// A receipt used once, by bank and receipt id; its value is the receipt's
/// expiry, after which a replay is refused as expired anyway.
pub fn used_receipt(bank: &[u8; 32], id: &str) -> Vec<u8> {
    format!("trust/used/{}/{id}", hex::encode(bank)).into_bytes()
}

/// The same mark, indexed by expiry, so that marks are pruned by time.
pub fn used_by_expiry(expires_at_ns: u64, bank: &[u8; 32], id: &str) -> Vec<u8> {
    format!(
        "trust/used_by_expiry/{expires_at_ns:020}/{}/{id}",
        hex::encode(bank)
    )
    .into_bytes()
}

pub fn all_used_by_expiry() -> &'static [u8] {
    b"trust/used_by_expiry/"
}

/// Splits an expiry index key into the used-receipt key it indexes.
pub fn used_from_expiry_key(key: &[u8]) -> Option<Vec<u8>> {
    let rest = key.strip_prefix(all_used_by_expiry())?;
    // 20 digits of expiry, then "/", then "{bank}/{id}".
    let indexed = rest.get(21..)?;
    let mut used = b"trust/used/".to_vec();
    used.extend_from_slice(indexed);
    Some(used)
}

pub fn expiry_of_index_key(key: &[u8]) -> Option<u64> {
    let rest = key.strip_prefix(all_used_by_expiry())?;
    std::str::from_utf8(rest.get(..20)?).ok()?.parse().ok()
}

pub fn platform(id: &str) -> Vec<u8> {
    format!("trust/platforms/{id}").into_bytes()
}

pub fn all_platforms() -> &'static [u8] {
    b"trust/platforms/"
}

/// Which platform (or the registrar) holds a consensus key.
pub fn validator_key(key: &[u8; 32]) -> Vec<u8> {
    format!("trust/validator_keys/{}", hex::encode(key)).into_bytes()
}

/// The fees a platform's receipts carried in one epoch.
pub fn epoch_fees(epoch: u64, platform: &str) -> Vec<u8> {
    format!("trust/fees/{epoch:020}/{platform}").into_bytes()
}

pub fn epoch_fees_of(epoch: u64) -> Vec<u8> {
    format!("trust/fees/{epoch:020}/").into_bytes()
}

/// The fees a platform's receipts carried for one lot.
pub fn lot_fees(lot: u64, platform: &str) -> Vec<u8> {
    format!("trust/lot_fees/{lot:020}/{platform}").into_bytes()
}

pub fn lot_fees_of(lot: u64) -> Vec<u8> {
    format!("trust/lot_fees/{lot:020}/").into_bytes()
}

/// A bidder-registration receipt's fee, by the epoch it counted in.
pub fn receipt_fee(epoch: u64, bank: &[u8; 32], id: &str) -> Vec<u8> {
    format!("trust/receipt_fees/{epoch:020}/{}/{id}", hex::encode(bank)).into_bytes()
}

pub fn receipt_fees_of(epoch: u64) -> Vec<u8> {
    format!("trust/receipt_fees/{epoch:020}/").into_bytes()
}

/// A bidder registered for a lot by a receipt.
pub fn registered(lot: u64, payer: &str) -> Vec<u8> {
    format!("trust/registered/{lot:020}/{payer}").into_bytes()
}

/// One epoch's computed powers, for observers.
pub fn epoch(number: u64) -> Vec<u8> {
    format!("trust/epochs/{number:020}").into_bytes()
}

pub const LAST_EPOCH: &[u8] = b"trust/last_epoch";

use crate::address::Address;

pub fn account(address: &Address) -> Vec<u8> {
    format!("auth/account/{address}").into_bytes()
}

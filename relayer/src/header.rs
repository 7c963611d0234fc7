//! ICS-07 headers for `MsgUpdateClient`: the counterparty's signed header
//! at the height to prove against, with the validator sets the destination's
//! light client verifies it by.

use prost::Message;
use tendermint::block::signed_header::SignedHeader;
use tendermint::validator;
use tendermint_proto::v0_38::types as tm;
use xcc_proto::ibc::v1 as pb;

use crate::chain::Chain;
use crate::RelayerError;

/// Encodes a header's parts as `MsgUpdateClient` carries them.
pub fn encode(
    signed_header: SignedHeader,
    validators: validator::Set,
    trusted_height: u64,
    trusted_validators: validator::Set,
) -> pb::Header {
    pb::Header {
        signed_header: tm::SignedHeader::from(signed_header).encode_to_vec(),
        validator_set: tm::ValidatorSet::from(validators).encode_to_vec(),
        trusted_height,
        trusted_validators: tm::ValidatorSet::from(trusted_validators).encode_to_vec(),
    }
}

/// The header that moves a client of `chain` from `trusted_height` to the
/// height of `signed_header`. The trusted validators are the next
/// validators of the trusted height, i.e. those of `trusted_height + 1`
/// (for a fresh client, trusted at 0, the genesis validators).
pub async fn fetch(
    chain: &Chain,
    signed_header: &SignedHeader,
    trusted_height: u64,
) -> Result<pb::Header, RelayerError> {
    let height = signed_header.header.height.value();
    let (validators, trusted_validators) = tokio::try_join!(
        chain.validator_set(height),
        chain.validator_set(trusted_height + 1)
    )?;
    if validators.hash() != signed_header.header.validators_hash {
        return Err(RelayerError::bad_answer(
            chain.id(),
            format!("the validators of height {height} do not match its header"),
        ));
    }
    Ok(encode(
        signed_header.clone(),
        validators,
        trusted_height,
        trusted_validators,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use xcc_chain::testing::TestValidators;

    #[test]
    fn decodes_as_the_chain_decodes_it() {
        let validators = TestValidators::new("security-1", &[1, 2, 3, 4]);
        let signed = validators.signed_header(7, 1_767_225_600_000_000_000, &[9; 32]);
        let header = encode(signed.clone(), validators.set(), 3, validators.set());

        let raw = tm::SignedHeader::decode(header.signed_header.as_slice()).expect("decodes");
        assert_eq!(
            SignedHeader::try_from(raw).expect("a valid signed header"),
            signed
        );
        for bytes in [&header.validator_set, &header.trusted_validators] {
            let raw = tm::ValidatorSet::decode(bytes.as_slice()).expect("decodes");
            let set = validator::Set::try_from(raw).expect("a valid set");
            assert_eq!(set.hash(), validators.set().hash());
        }
        assert_eq!(header.trusted_height, 3);
    }
}

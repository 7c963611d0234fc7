/// The consensus parameters of every XCC chain: CometBFT's default block
/// limits, ed25519 validators, app version 1.
pub fn consensus_params() -> tendermint::consensus::Params {
    use tendermint::{block, consensus, evidence, public_key::Algorithm};
    consensus::Params {
        block: block::Size {
            max_bytes: 22_020_096,
            max_gas: -1,
            time_iota_ms: block::Size::default_time_iota_ms(),
        },
        evidence: evidence::Params {
            max_age_num_blocks: 100_000,
            max_age_duration: evidence::Duration(std::time::Duration::from_secs(48 * 3600)),
            max_bytes: 1_048_576,
        },
        validator: consensus::params::ValidatorParams {
            pub_key_types: vec![Algorithm::Ed25519],
        },
        version: Some(consensus::params::VersionParams { app: 1 }),
        abci: Default::default(),
    }
}

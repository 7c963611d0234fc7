use std::fmt;

use borsh::{BorshDeserialize, BorshSerialize};
use tendermint::block::parts::Header as PartSetHeader;
use tendermint::{block, Hash, Time};

/// What consensus decides on: a block, named by its header hash and header
/// time. The time is here because CometBFT votes sign a timestamp; all
/// precommits for a block sign its header time, so a commit certificate
/// converts into a CometBFT `Commit` with no extra data.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, BorshSerialize, BorshDeserialize,
)]
pub struct BlockRef {
    pub hash: [u8; 32],
    pub time_secs: i64,
    pub time_nanos: u32,
}

impl BlockRef {
    pub fn new(hash: Hash, time: Time) -> Self {
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(hash.as_bytes());
        let nanos = time.unix_timestamp_nanos();
        BlockRef {
            hash: bytes,
            time_secs: nanos.div_euclid(1_000_000_000) as i64,
            time_nanos: nanos.rem_euclid(1_000_000_000) as u32,
        }
    }

    pub fn hash(&self) -> Hash {
        Hash::Sha256(self.hash)
    }

    pub fn time(&self) -> Time {
        Time::from_unix_timestamp(self.time_secs, self.time_nanos)
            .unwrap_or_else(|_| Time::unix_epoch())
    }

    /// The CometBFT block id. Blocks travel whole, so the part set is one
    /// part named by the header hash.
    pub fn block_id(&self) -> block::Id {
        block::Id {
            hash: self.hash(),
            part_set_header: PartSetHeader::new(1, self.hash()).unwrap_or_default(),
        }
    }
}

impl fmt::Display for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", hex::encode_upper(&self.hash[..6]))
    }
}

impl fmt::Debug for BlockRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "BlockRef({}@{})",
            hex::encode_upper(self.hash),
            self.time()
        )
    }
}

impl malachitebft_app_channel::app::types::core::Value for BlockRef {
    type Id = BlockRef;

    fn id(&self) -> BlockRef {
        *self
    }
}

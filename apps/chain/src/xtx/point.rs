//! Where and when a step of a cross-tx happened: a block's height and time,
//! as packets and records carry it (`xcc.xtx.v1.ChainPoint`).

use xcc_proto::xtx::v1 as pb;

use crate::module::BlockInfo;

impl From<BlockInfo> for pb::ChainPoint {
    fn from(block: BlockInfo) -> Self {
        pb::ChainPoint {
            height: block.height,
            time_ns: block.time_ns,
        }
    }
}

impl From<pb::ChainPoint> for BlockInfo {
    fn from(point: pb::ChainPoint) -> Self {
        BlockInfo {
            height: point.height,
            time_ns: point.time_ns,
        }
    }
}

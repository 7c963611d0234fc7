//! The participant's record of a leg: the machine's `Record` and where and
//! when it changed, stored as `xcc.xtx.v1.LegRecord`. Conversions live here.

use xcc_proto::xtx::v1 as pb;

use super::machine::Record;
use super::{state_key, LegId};
use crate::module::BlockInfo;
use crate::state::{StateError, StateRead, StateReadExt, StateWrite, StateWriteExt};

/// A stored leg record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LegEntry {
    pub leg_index: u32,
    pub record: Record,
    pub deadline_ns: u64,
    pub prepared_at: Option<BlockInfo>,
    pub decided_at: Option<BlockInfo>,
}

impl LegEntry {
    pub fn to_proto(&self, tx_id: &[u8; 32]) -> pb::LegRecord {
        let (status, result, reason) = match &self.record {
            Record::Prepared { result } => (pb::LegStatus::Prepared, result.clone(), ""),
            Record::Refused { reason } => (pb::LegStatus::Refused, Vec::new(), reason.as_str()),
            Record::Committed => (pb::LegStatus::Committed, Vec::new(), ""),
            Record::Aborted => (pb::LegStatus::Aborted, Vec::new(), ""),
        };
        pb::LegRecord {
            tx_id: tx_id.to_vec(),
            leg_index: self.leg_index,
            status: status as i32,
            result,
            reason: reason.to_owned(),
            deadline_ns: self.deadline_ns,
            prepared_at: self.prepared_at.map(Into::into),
            decided_at: self.decided_at.map(Into::into),
        }
    }

    pub fn from_proto(record: pb::LegRecord) -> Result<Self, String> {
        let status = pb::LegStatus::try_from(record.status)
            .map_err(|_| format!("unknown leg status {}", record.status))?;
        let record_state = match status {
            pb::LegStatus::Prepared => Record::Prepared {
                result: record.result,
            },
            pb::LegStatus::Refused => Record::Refused {
                reason: record.reason,
            },
            pb::LegStatus::Committed => Record::Committed,
            pb::LegStatus::Aborted => Record::Aborted,
            pb::LegStatus::Unspecified => return Err("leg status unspecified".into()),
        };
        Ok(LegEntry {
            leg_index: record.leg_index,
            record: record_state,
            deadline_ns: record.deadline_ns,
            prepared_at: record.prepared_at.map(Into::into),
            decided_at: record.decided_at.map(Into::into),
        })
    }
}

pub fn load_record(state: &dyn StateRead, leg: &LegId) -> Result<Option<LegEntry>, StateError> {
    let key = state_key::leg(&leg.tx_id, leg.leg_index);
    match state.get_proto::<pb::LegRecord>(&key)? {
        None => Ok(None),
        Some(record) => {
            LegEntry::from_proto(record)
                .map(Some)
                .map_err(|reason| StateError::Corrupt {
                    key: String::from_utf8_lossy(&key).into_owned(),
                    reason,
                })
        }
    }
}

/// Stores a leg's record; a finished one is also indexed for pruning by
/// its cross-tx's deadline (a tombstone of unknown deadline never is).
pub fn save_record(state: &mut dyn StateWrite, leg: &LegId, entry: &LegEntry) {
    state.put_proto(
        state_key::leg(&leg.tx_id, leg.leg_index),
        &entry.to_proto(&leg.tx_id),
    );
    let finished = !matches!(entry.record, Record::Prepared { .. });
    if finished && entry.deadline_ns != 0 {
        state.put_raw(state_key::prune(entry.deadline_ns, leg), vec![1]);
    }
}

//! The relayer's decisions, without effects: which heights to prove at and
//! what to send for one path, given what was read from both chains.

use std::collections::{BTreeMap, BTreeSet};

use xcc_proto::ibc::v1::Packet;

/// Where one direction's proofs come from: the proving chain's state after
/// block `query_height`, committed by the app hash in header
/// `proof_height = query_height + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProofPoint {
    pub query_height: u64,
    pub proof_height: u64,
    /// `Some(trusted)`: the verifying chain's client must first be updated
    /// to `proof_height` from its latest height `trusted`. `None`: the
    /// client already holds a consensus state at `proof_height`.
    pub update_from: Option<u64>,
}

/// The proof point for a light client whose latest height is `client_height`
/// of a chain whose latest height is `latest`. The newest header (`latest`)
/// is used; if the client already has one as new (another relayer updated
/// it), that one, with no update. `None` while there is no state after
/// block 1 to prove.
pub fn proof_point(client_height: u64, latest: u64) -> Option<ProofPoint> {
    let (proof_height, update_from) = if client_height >= latest {
        (client_height, None)
    } else {
        (latest, Some(client_height))
    };
    // Height 0 means "latest" to abci_query: never query it.
    if proof_height < 2 {
        return None;
    }
    Some(ProofPoint {
        query_height: proof_height - 1,
        proof_height,
        update_from,
    })
}

/// How far a light client trails its chain, in blocks.
pub fn lag_blocks(latest: u64, client_height: u64) -> u64 {
    latest.saturating_sub(client_height)
}

/// Whether a client whose latest header is `age_ns` old should be updated
/// now, with or without packets: once `refresh_rate` of its trusting period
/// has passed.
pub fn needs_refresh(age_ns: u64, trusting_period_ns: u64, refresh_rate: f64) -> bool {
    age_ns as f64 >= trusting_period_ns as f64 * refresh_rate
}

/// What was read for one path (source → destination).
#[derive(Clone, Debug, Default)]
pub struct PathView {
    /// Packets pending on the source towards the destination.
    pub pending: Vec<Packet>,
    /// Of those, the sequences without a receipt on the destination, as of
    /// the state timeouts are proven in.
    pub unreceived: BTreeSet<u64>,
    /// Acknowledgements the destination wrote, by sequence.
    pub acks: BTreeMap<u64, Vec<u8>>,
    /// The destination's latest block time: a receive executes at or after it.
    pub dest_time_ns: u64,
    /// The time of the destination header acks and timeouts are proven
    /// against; `None` when the source has no client of the destination,
    /// so nothing can be settled on the source.
    pub dest_proof_time_ns: Option<u64>,
}

#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub batch_size: usize,
    /// The most packet and acknowledgement bytes per tx: a batch closes
    /// before a unit that would take it past this (a larger unit goes alone,
    /// which `xtx::MAX_PACKET_AND_ACK_BYTES` keeps within one tx).
    pub batch_bytes: usize,
    pub timeout_margin_ns: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AckWork {
    pub packet: Packet,
    pub acknowledgement: Vec<u8>,
}

/// The txs to send for one path, each batch one tx.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    /// Receives on the destination.
    pub recvs: Vec<Vec<Packet>>,
    /// Acknowledgements on the source.
    pub acks: Vec<Vec<AckWork>>,
    /// Timeouts on the source.
    pub timeouts: Vec<Vec<Packet>>,
    /// Pending packets that can be neither relayed nor settled yet: too close
    /// to their timeout to receive but not provably timed out, or received
    /// while the source cannot verify the destination.
    pub waiting: usize,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.recvs.is_empty() && self.acks.is_empty() && self.timeouts.is_empty()
    }
}

/// Decides, packet by packet: unreceived and provably timed out → timeout;
/// unreceived with time to spare → receive; received with an ack → ack.
pub fn plan(view: PathView, limits: Limits) -> Plan {
    let recv_deadline = view.dest_time_ns.saturating_add(limits.timeout_margin_ns);
    let mut recvs = Vec::new();
    let mut acks = Vec::new();
    let mut timeouts = Vec::new();
    let mut waiting = 0;
    let mut acknowledgements = view.acks;
    for packet in view.pending {
        let timeout = packet.timeout_timestamp_ns;
        if view.unreceived.contains(&packet.sequence) {
            match view.dest_proof_time_ns {
                Some(proof_time) if proof_time >= timeout => timeouts.push(packet),
                _ if timeout > recv_deadline => recvs.push(packet),
                _ => waiting += 1,
            }
        } else {
            let ack = view
                .dest_proof_time_ns
                .and_then(|_| acknowledgements.remove(&packet.sequence));
            match ack {
                Some(acknowledgement) => acks.push(AckWork {
                    packet,
                    acknowledgement,
                }),
                None => waiting += 1,
            }
        }
    }
    let packet_bytes = |p: &Packet| p.data.len();
    Plan {
        recvs: batches(recvs, limits, packet_bytes),
        acks: batches(acks, limits, |a: &AckWork| {
            a.packet.data.len() + a.acknowledgement.len()
        }),
        timeouts: batches(timeouts, limits, packet_bytes),
        waiting,
    }
}

/// Consecutive batches of at most `batch_size` units and `batch_bytes`
/// bytes each; a unit larger than `batch_bytes` makes a batch of its own.
fn batches<T>(items: Vec<T>, limits: Limits, bytes_of: impl Fn(&T) -> usize) -> Vec<Vec<T>> {
    let size = limits.batch_size.max(1);
    let mut batches: Vec<Vec<T>> = Vec::new();
    let mut batch_bytes = 0usize;
    for item in items {
        let bytes = bytes_of(&item);
        let full = batches.last().is_none_or(|batch| {
            batch.len() >= size || batch_bytes.saturating_add(bytes) > limits.batch_bytes
        });
        if full {
            batches.push(Vec::new());
            batch_bytes = 0;
        }
        batch_bytes = batch_bytes.saturating_add(bytes);
        if let Some(batch) = batches.last_mut() {
            batch.push(item);
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;
    const NOW: u64 = 1_000 * SECOND;
    const LIMITS: Limits = Limits {
        batch_size: 100,
        batch_bytes: 512 * 1024,
        timeout_margin_ns: 5 * SECOND,
    };

    fn packet(sequence: u64, timeout_ns: u64) -> Packet {
        Packet {
            sequence,
            source_chain: "security-1".into(),
            dest_chain: "currency-1".into(),
            port: "ping".into(),
            timeout_timestamp_ns: timeout_ns,
            data: vec![sequence as u8],
        }
    }

    /// `count` packets timing out in an hour, none received yet.
    fn fresh(count: u64) -> PathView {
        let pending: Vec<Packet> = (1..=count)
            .map(|s| packet(s, NOW + 3600 * SECOND))
            .collect();
        PathView {
            unreceived: pending.iter().map(|p| p.sequence).collect(),
            pending,
            acks: BTreeMap::new(),
            dest_time_ns: NOW,
            dest_proof_time_ns: Some(NOW),
        }
    }

    fn sequences(batches: &[Vec<Packet>]) -> Vec<Vec<u64>> {
        batches
            .iter()
            .map(|b| b.iter().map(|p| p.sequence).collect())
            .collect()
    }

    #[test]
    fn nothing_to_do_when_caught_up() {
        let plan = plan(fresh(0), LIMITS);
        assert!(plan.is_empty());
        assert_eq!(plan, Plan::default());
    }

    #[test]
    fn unreceived_packets_are_received_in_sequence_order() {
        let plan = plan(fresh(3), LIMITS);
        assert_eq!(sequences(&plan.recvs), [vec![1, 2, 3]]);
        assert!(plan.acks.is_empty() && plan.timeouts.is_empty());
        assert_eq!(plan.waiting, 0);
    }

    #[test]
    fn batches_hold_at_most_batch_size() {
        let plan = plan(fresh(250), LIMITS);
        let sizes: Vec<usize> = plan.recvs.iter().map(Vec::len).collect();
        assert_eq!(sizes, [100, 100, 50]);
        let exact = super::plan(fresh(200), LIMITS);
        assert_eq!(
            exact.recvs.iter().map(Vec::len).collect::<Vec<_>>(),
            [100, 100]
        );
        let single = super::plan(
            fresh(3),
            Limits {
                batch_size: 1,
                ..LIMITS
            },
        );
        assert_eq!(sequences(&single.recvs), [vec![1], vec![2], vec![3]]);
    }

    #[test]
    fn batches_hold_at_most_batch_bytes_and_a_large_packet_goes_alone() {
        let mut view = fresh(5);
        let sizes = [100, 300, 700, 50, 60];
        for (packet, size) in view.pending.iter_mut().zip(sizes) {
            packet.data = vec![0; size];
        }
        let limits = Limits {
            batch_bytes: 500,
            ..LIMITS
        };
        let plan = plan(view, limits);
        assert_eq!(sequences(&plan.recvs), [vec![1, 2], vec![3], vec![4, 5]]);
    }

    #[test]
    fn packets_near_their_timeout_are_not_received() {
        let mut view = fresh(0);
        view.pending = vec![
            packet(1, NOW + 5 * SECOND), // within the margin: would risk the batch
            packet(2, NOW + 5 * SECOND + 1), // just outside it
            packet(3, NOW + SECOND),
        ];
        view.unreceived = [1, 2, 3].into();
        // The proven header is older than every timeout: none can time out yet.
        view.dest_proof_time_ns = Some(NOW - SECOND);
        let plan = plan(view, LIMITS);
        assert_eq!(sequences(&plan.recvs), [vec![2]]);
        assert!(plan.timeouts.is_empty());
        assert_eq!(plan.waiting, 2);
    }

    #[test]
    fn unreceived_packets_past_their_timeout_time_out() {
        let mut view = fresh(0);
        view.pending = vec![
            packet(1, NOW - SECOND),
            packet(2, NOW),
            packet(3, NOW + SECOND),
        ];
        view.unreceived = [1, 2, 3].into();
        view.dest_time_ns = NOW + 2 * SECOND;
        view.dest_proof_time_ns = Some(NOW);
        let plan = plan(view, LIMITS);
        // A header time equal to the timeout proves it.
        assert_eq!(sequences(&plan.timeouts), [vec![1, 2]]);
        assert!(plan.recvs.is_empty());
        assert_eq!(plan.waiting, 1);
    }

    #[test]
    fn received_packets_become_acks() {
        let mut view = fresh(3);
        view.unreceived = [3].into();
        view.acks = [(1, b"ack-1".to_vec()), (2, b"ack-2".to_vec())].into();
        let plan = plan(view, LIMITS);
        assert_eq!(sequences(&plan.recvs), [vec![3]]);
        let acked: Vec<(u64, Vec<u8>)> = plan.acks[0]
            .iter()
            .map(|a| (a.packet.sequence, a.acknowledgement.clone()))
            .collect();
        assert_eq!(acked, [(1, b"ack-1".to_vec()), (2, b"ack-2".to_vec())]);
    }

    #[test]
    fn a_received_packet_is_never_timed_out() {
        let mut view = fresh(0);
        view.pending = vec![packet(1, NOW - SECOND)];
        view.acks = [(1, b"ack".to_vec())].into();
        let plan = plan(view, LIMITS);
        assert!(plan.timeouts.is_empty());
        assert_eq!(plan.acks.len(), 1);
    }

    #[test]
    fn without_a_client_on_the_source_nothing_is_settled() {
        let mut view = fresh(2);
        view.pending.push(packet(3, NOW - SECOND));
        view.unreceived = [2, 3].into();
        view.acks = [(1, b"ack".to_vec())].into();
        view.dest_proof_time_ns = None;
        let plan = plan(view, LIMITS);
        assert_eq!(sequences(&plan.recvs), [vec![2]]);
        assert!(plan.acks.is_empty() && plan.timeouts.is_empty());
        // The received packet and the expired one wait for a client.
        assert_eq!(plan.waiting, 2);
    }

    #[test]
    fn a_received_packet_without_an_ack_waits() {
        let mut view = fresh(1);
        view.unreceived.clear();
        let plan = plan(view, LIMITS);
        assert!(plan.is_empty());
        assert_eq!(plan.waiting, 1);
    }

    #[test]
    fn proofs_use_the_newest_header_and_update_the_client() {
        assert_eq!(
            proof_point(0, 10),
            Some(ProofPoint {
                query_height: 9,
                proof_height: 10,
                update_from: Some(0),
            })
        );
        assert_eq!(
            proof_point(4, 10).and_then(|p| p.update_from),
            Some(4),
            "verified from the client's latest height"
        );
    }

    #[test]
    fn a_client_already_as_new_is_used_without_update() {
        let same = ProofPoint {
            query_height: 9,
            proof_height: 10,
            update_from: None,
        };
        assert_eq!(proof_point(10, 10), Some(same));
        // Another relayer's update from a node ahead of ours.
        assert_eq!(
            proof_point(12, 10).map(|p| (p.query_height, p.update_from)),
            Some((11, None))
        );
    }

    #[test]
    fn nothing_is_proven_before_block_two() {
        assert_eq!(proof_point(0, 0), None);
        assert_eq!(proof_point(0, 1), None);
        assert_eq!(proof_point(1, 1), None);
        assert!(proof_point(0, 2).is_some());
    }

    #[test]
    fn lag_is_the_client_behind_its_chain() {
        assert_eq!(lag_blocks(10, 4), 6);
        assert_eq!(lag_blocks(10, 12), 0);
    }

    #[test]
    fn a_client_is_refreshed_once_its_share_of_the_trusting_period_passed() {
        let period = 30_000_000_000;
        assert!(!needs_refresh(9_999_999_999, period, 1.0 / 3.0));
        assert!(needs_refresh(10_000_000_000, period, 1.0 / 3.0));
        assert!(needs_refresh(40_000_000_000, period, 1.0 / 3.0));
    }
}

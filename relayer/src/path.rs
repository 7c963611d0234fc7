//! One pass over one path (source → destination), rebuilt from state: read
//! both chains, plan, then deliver receives to the destination and acks and
//! timeouts back to the source, both directions at once.

use std::fmt;

use tendermint::block::signed_header::SignedHeader;

use xcc_chain::ibc::client::consensus_of;

use crate::chain::{Chain, ClientView};
use crate::deliver::{Delivery, Direction};
use crate::header;
use crate::metrics::Metrics;
use crate::plan::{self, lag_blocks, needs_refresh, proof_point, Limits, PathView};
use crate::sender::Sender;
use crate::work::{update_clients, Counts, Work};
use crate::{RelayerError, RelayerOptions};

/// An ordered pair of chains: packets sent on `src` to `dst`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub struct PathId {
    pub src: String,
    pub dst: String,
}

impl PathId {
    pub fn new(src: &str, dst: &str) -> Self {
        PathId {
            src: src.to_owned(),
            dst: dst.to_owned(),
        }
    }

    pub fn touches(&self, chain: &str) -> bool {
        self.src == chain || self.dst == chain
    }
}

impl fmt::Display for PathId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}->{}", self.src, self.dst)
    }
}

/// What one pass did on one path.
#[derive(Debug)]
pub struct PathReport {
    pub path: PathId,
    /// What took effect on the chains (a racing relayer's duplicates excluded).
    pub relayed: Counts,
    /// Packets pending on the source (up to the per-pass read limit).
    pub pending: usize,
    /// Pending packets that can be neither relayed nor settled yet.
    pub waiting: usize,
    /// Units the chains refused or whose proofs did not check; the others
    /// went through.
    pub failures: Vec<String>,
    /// Why the pass stopped early: a chain out of reach or a bad answer.
    pub error: Option<RelayerError>,
}

impl PathReport {
    fn new(path: PathId) -> Self {
        PathReport {
            path,
            relayed: Counts::default(),
            pending: 0,
            waiting: 0,
            failures: Vec::new(),
            error: None,
        }
    }
}

/// The two chains of a path and the relayer's senders on them.
pub(crate) struct Ends<'a> {
    pub src: &'a Chain,
    pub dst: &'a Chain,
    pub src_sender: &'a Sender,
    pub dst_sender: &'a Sender,
}

/// One pass over the path; `None` when the destination has no client of the
/// source (no path, for now).
pub(crate) async fn relay(
    ends: &Ends<'_>,
    options: &RelayerOptions,
    metrics: &Metrics,
) -> Option<PathReport> {
    let mut report = PathReport::new(PathId::new(ends.src.id(), ends.dst.id()));
    match run(ends, options, metrics, &mut report).await {
        Ok(true) => {}
        Ok(false) => return None,
        Err(e) => report.error = Some(e),
    }
    metrics.add_relayed(&report.path, report.relayed);
    metrics.add_errors(
        &report.path,
        report.failures.len() + usize::from(report.error.is_some()),
    );
    Some(report)
}

/// `Ok(false)`: no client, nothing done.
async fn run(
    ends: &Ends<'_>,
    options: &RelayerOptions,
    metrics: &Metrics,
    report: &mut PathReport,
) -> Result<bool, RelayerError> {
    let (src, dst) = (ends.src, ends.dst);
    let (src_status, dst_status) = tokio::try_join!(src.status(), dst.status())?;
    let (dst_client, src_client) = tokio::try_join!(dst.client(src.id()), src.client(dst.id()))?;
    let Some(mut dst_client) = dst_client else {
        return Ok(false);
    };
    metrics.set_lag(
        &report.path,
        lag_blocks(src_status.height, dst_client.state.latest_height),
    );
    metrics.set_client_age(&report.path, dst_client.age_ns);
    dst_client.ensure_active(dst.id())?;
    if options.delivers_to(dst.id())
        && src_status.height > dst_client.state.latest_height
        && needs_refresh(
            dst_client.age_ns,
            dst_client.state.trusting_period_ns,
            options.refresh_rate,
        )
    {
        refresh(ends, &mut dst_client, src_status.height, dst_status.time_ns).await?;
        metrics.add_refresh(&report.path);
    }
    // Acks and timeouts need the source's client of the destination.
    let src_client = src_client.filter(|client| match client.ensure_active(src.id()) {
        Ok(()) => true,
        Err(e) => {
            report.failures.push(e.to_string());
            false
        }
    });
    let back_point = src_client
        .as_ref()
        .and_then(|client| proof_point(client.state.latest_height, dst_status.height));
    let Some(forward_point) = proof_point(dst_client.state.latest_height, src_status.height) else {
        return Ok(true);
    };

    let pending = src
        .pending_packets(
            dst.id(),
            options.max_packets_per_pass,
            forward_point.query_height,
        )
        .await?;
    report.pending = pending.len();
    metrics.set_pending(&report.path, pending.len());
    if pending.is_empty() {
        return Ok(true);
    }
    let sequences: Vec<u64> = pending.iter().map(|p| p.sequence).collect();
    // Read the destination in the state acks and timeouts are proven in.
    let dst_height = back_point.map_or(dst_status.height, |p| p.query_height);
    let unreceived = dst
        .unreceived(src.id(), sequences.clone(), dst_height)
        .await?;
    let received: Vec<u64> = sequences
        .into_iter()
        .filter(|s| !unreceived.contains(s))
        .collect();
    let (acks, dst_header) = match back_point {
        Some(point) => {
            let (acks, header) = tokio::try_join!(
                dst.acknowledgements(src.id(), received, dst_height),
                dst.signed_header(point.proof_height)
            )?;
            (acks, Some(header))
        }
        None => Default::default(),
    };
    let dest_proof_time_ns = match &dst_header {
        Some(header) => Some(header_time_ns(dst, header)?),
        None => None,
    };
    let mut plan = plan::plan(
        PathView {
            pending,
            unreceived,
            acks,
            dest_time_ns: dst_status.time_ns,
            dest_proof_time_ns,
        },
        Limits {
            batch_size: options.batch_size,
            batch_bytes: options.batch_bytes,
            timeout_margin_ns: u64::try_from(options.timeout_margin.as_nanos()).unwrap_or(u64::MAX),
        },
    );
    report.waiting = plan.waiting;
    if !options.delivers_to(dst.id()) {
        plan.recvs.clear();
    }
    if !options.delivers_to(src.id()) {
        plan.acks.clear();
        plan.timeouts.clear();
    }
    if plan.is_empty() {
        return Ok(true);
    }
    tracing::debug!(
        path = %report.path,
        recv_batches = plan.recvs.len(),
        ack_batches = plan.acks.len(),
        timeout_batches = plan.timeouts.len(),
        waiting = plan.waiting,
        "planned"
    );

    let recvs: Vec<Vec<Work>> = plan
        .recvs
        .into_iter()
        .map(|batch| batch.into_iter().map(Work::Recv).collect())
        .collect();
    let settles: Vec<Vec<Work>> = plan
        .acks
        .into_iter()
        .map(|batch| batch.into_iter().map(Work::Ack).collect())
        .chain(
            plan.timeouts
                .into_iter()
                .map(|batch| batch.into_iter().map(Work::Timeout).collect()),
        )
        .collect();

    let mut forward_delivery = Delivery::default();
    let mut back_delivery = Delivery::default();
    let forward = async {
        if recvs.is_empty() {
            return Ok(());
        }
        let header = src.signed_header(forward_point.proof_height).await?;
        let direction = Direction {
            prover: src,
            sender: ends.dst_sender,
            point: forward_point,
            header,
            client: &dst_client,
            now_ns: dst_status.time_ns,
        };
        direction
            .deliver(recvs, options, &mut forward_delivery)
            .await
    };
    let back = async {
        match (back_point, dst_header, &src_client) {
            (Some(point), Some(header), Some(client)) if !settles.is_empty() => {
                let direction = Direction {
                    prover: dst,
                    sender: ends.src_sender,
                    point,
                    header,
                    client,
                    now_ns: src_status.time_ns,
                };
                direction
                    .deliver(settles, options, &mut back_delivery)
                    .await
            }
            _ => Ok(()),
        }
    };
    let (forward, back) = tokio::join!(forward, back);
    for delivery in [forward_delivery, back_delivery] {
        report.relayed += delivery.relayed;
        report.failures.extend(delivery.failures);
    }
    forward.and(back).map(|()| true)
}

/// Updates the destination's client to `height` with no packet to carry,
/// so that a quiet path never lets it expire.
async fn refresh(
    ends: &Ends<'_>,
    client: &mut ClientView,
    height: u64,
    now_ns: u64,
) -> Result<(), RelayerError> {
    let steps = header::updates(ends.src, client, height, now_ns).await?;
    let Some(last) = steps.last() else {
        return Ok(());
    };
    let latest = consensus_of(&last.signed_header);
    let msgs = update_clients(ends.dst_sender.address(), ends.src.id(), steps);
    ends.dst_sender.send(msgs).await?;
    tracing::info!(
        chain = ends.dst.id(),
        client = ends.src.id(),
        from = client.state.latest_height,
        to = height,
        age_s = client.age_ns / 1_000_000_000,
        "refreshed a light client"
    );
    client.state.latest_height = height;
    client.latest = latest;
    client.age_ns = now_ns.saturating_sub(client.latest.timestamp_ns);
    Ok(())
}

fn header_time_ns(chain: &Chain, header: &SignedHeader) -> Result<u64, RelayerError> {
    u64::try_from(header.header.time.unix_timestamp_nanos())
        .map_err(|_| RelayerError::bad_answer(chain.id(), "a header time before 1970"))
}

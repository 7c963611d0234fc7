//! The relayer's loop. Each path has a worker of its own, so a chain out of
//! reach slows only the paths that touch it: the worker passes over its
//! path when woken, backs off after a failure and retries. Hints from every
//! chain go through one schedule that decides which workers to wake.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

use crate::backoff::Backoff;
use crate::hints::{self, Hint};
use crate::path::PathReport;
use crate::relayer::Relayer;
use crate::schedule::Schedule;
use crate::PathId;

/// A pass over every path at least this often, even if no hint arrives.
const IDLE_RECONCILE: Duration = Duration::from_secs(30);
const HINT_QUEUE: usize = 1024;

pub(crate) async fn supervise(relayer: &Relayer, shutdown: impl Future<Output = ()>) {
    let (hint_tx, mut hint_rx) = mpsc::channel(HINT_QUEUE);
    let mut watchers = JoinSet::new();
    for chain in relayer.chains() {
        watchers.spawn(hints::watch(
            chain.clone(),
            hint_tx.clone(),
            relayer.options().clone(),
        ));
    }
    // Only the watchers send; the loop must not see the channel close.
    drop(hint_tx);
    let paths: Vec<(PathId, Arc<Notify>)> = relayer
        .paths()
        .into_iter()
        .map(|path| (path, Arc::new(Notify::new())))
        .collect();
    tracing::info!(
        address = %relayer.address(),
        chains = ?relayer.chain_ids(),
        "relayer started"
    );
    let workers = futures::future::join_all(
        paths
            .iter()
            .map(|(path, wake)| work_on(relayer, path, wake)),
    );
    tokio::select! {
        () = shutdown => tracing::info!("stopping"),
        _ = workers => {}
        () = dispatch(relayer, &mut hint_rx, &paths) => {}
    }
    watchers.abort_all();
}

/// Wakes the workers of the paths each hint makes due; all of them on start.
async fn dispatch(
    relayer: &Relayer,
    hints: &mut mpsc::Receiver<Hint>,
    paths: &[(PathId, Arc<Notify>)],
) {
    let mut schedule = Schedule::new(relayer.options().reconcile_every_blocks);
    loop {
        if let Some(due) = schedule.take() {
            for (path, wake) in paths {
                if due.selects(path) {
                    wake.notify_one();
                }
            }
        }
        match hints.recv().await {
            Some(hint) => schedule.on_hint(hint),
            // Every watcher stopped (they never do while the loop runs): the
            // workers' own timers keep reconciling.
            None => return std::future::pending().await,
        }
        while let Ok(hint) = hints.try_recv() {
            schedule.on_hint(hint);
        }
    }
}

/// Passes over `path` whenever woken (a wake-up during a pass brings one
/// more pass), at least every `IDLE_RECONCILE`, and again after a back-off
/// when a pass failed.
async fn work_on(relayer: &Relayer, path: &PathId, wake: &Notify) {
    let options = relayer.options();
    let mut backoff = Backoff::new(options.backoff_min, options.backoff_max);
    loop {
        let _ = tokio::time::timeout(IDLE_RECONCILE, wake.notified()).await;
        let Some(report) = relayer.relay_path(path).await else {
            continue;
        };
        log(&report);
        if report.error.is_some() {
            let delay = backoff.next_delay();
            tracing::debug!(%path, ?delay, "retrying after a failed pass");
            tokio::time::sleep(delay).await;
            wake.notify_one();
        } else {
            backoff.reset();
        }
    }
}

fn log(report: &PathReport) {
    let relayed = report.relayed;
    if relayed.total() > 0 {
        tracing::info!(
            path = %report.path,
            recv = relayed.recv,
            ack = relayed.ack,
            timeout = relayed.timeout,
            pending = report.pending,
            "relayed"
        );
    }
    if let Some(error) = &report.error {
        tracing::warn!(path = %report.path, %error, "pass failed");
    }
    for failure in &report.failures {
        tracing::warn!(path = %report.path, failure, "not relayed");
    }
}

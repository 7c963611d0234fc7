//! Whether a block's work grows with the chain's history: the time of an
//! empty block (FinalizeBlock and Commit) on the coordinator and on each
//! participant, with no history and again after many finished cross-txs,
//! measured in the same process on the same three in-process chains.
//!
//! The chains run as a pruning node does: keeping `XCC_BENCH_KEEP_RECENT`
//! recent versions (1,000 by default; 0 keeps every version), with
//! participants forgetting finished legs 300 s past their deadline.
//!
//! `cargo bench -p xcc-coordinator --bench history` (XCC_BENCH_CROSS_TXS
//! sets the history, 100,000 by default).

#[path = "../tests/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use support::{Fixture, COORDINATOR, CURRENCY, SECURITY};
use xcc_chain::testing::{TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::xtx::{cross_tx_id, signed_cross_tx};
use xcc_proto::xtx::v1 as xtx;

/// Cross-txs submitted together: alice's 100 units go to bob, then back.
const BATCH: usize = 100;
/// Empty blocks measured at each point; `XCC_BENCH_SAMPLES` sets more, to
/// leave time for a profiler to attach.
fn samples() -> usize {
    std::env::var("XCC_BENCH_SAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200)
}
const CHAINS: [&str; 3] = [COORDINATOR, SECURITY, CURRENCY];
/// A swap's deadline, in blocks past its submission.
const DEADLINE_BLOCKS: u64 = 60;
/// The fixture's coordinator keeps a finished record this many blocks.
const COORDINATOR_RETENTION_BLOCKS: u64 = 50;

/// The median time of an empty block on each chain (FinalizeBlock and
/// Commit together, and Commit alone), the chains kept in lockstep.
fn empty_blocks(f: &mut Fixture) -> BTreeMap<&'static str, (Duration, Duration)> {
    let mut times: BTreeMap<&str, (Vec<Duration>, Vec<Duration>)> = BTreeMap::new();
    eprintln!("  measuring empty blocks");
    for _ in 0..samples() {
        for chain in CHAINS {
            let test_chain = f.net.chains.get_mut(chain).expect("a chain");
            let start = Instant::now();
            test_chain.finalize(Vec::new());
            let committing = Instant::now();
            test_chain.commit();
            let (whole, commit) = times.entry(chain).or_default();
            whole.push(start.elapsed());
            commit.push(committing.elapsed());
        }
    }
    let median = |mut samples: Vec<Duration>| {
        samples.sort();
        samples[samples.len() / 2]
    };
    times
        .into_iter()
        .map(|(chain, (whole, commit))| (chain, (median(whole), median(commit))))
        .collect()
}

/// One swap of a unit for a unit of cash, from `seller` to `buyer`.
fn swap(f: &Fixture, seller: &TestKey, buyer: &TestKey, salt: u64) -> xtx::SignedCrossTx {
    let cross_tx = xtx::CrossTx {
        legs: vec![
            support::leg(SECURITY, vec![support::units(seller, buyer, 1)], None),
            support::leg(CURRENCY, vec![support::cash(buyer, seller, 1)], None),
        ],
        deadline_ns: f.now() + DEADLINE_BLOCKS * BLOCK_INTERVAL_NS,
        salt: salt.to_be_bytes().to_vec(),
    };
    signed_cross_tx(cross_tx, &[&seller.key, &buyer.key])
}

/// Empty blocks until no window that still prunes the history's own blocks
/// is open: the versions a node keeps, the coordinator's record retention
/// and the participants' leg retention past each deadline. What a block
/// prunes then is an empty block's: the work of a chain whose history lies
/// behind it, which must not grow with that history.
fn pass_retention_windows(f: &mut Fixture, keep_recent: u64) {
    let legs = support::LEG_RETENTION_SECS * 1_000_000_000 / BLOCK_INTERVAL_NS + DEADLINE_BLOCKS;
    let blocks = keep_recent.max(legs).max(COORDINATOR_RETENTION_BLOCKS) + 10;
    for _ in 0..blocks {
        for chain in CHAINS {
            let chain = f.net.chains.get_mut(chain).expect("a chain");
            chain.finalize(Vec::new());
            chain.commit();
        }
    }
}

fn run_history(f: &mut Fixture, cross_txs: usize) {
    let submitter = TestKey::from_seed(8);
    let mut done = 0;
    for batch in 0..cross_txs.div_ceil(BATCH) {
        let (alice, bob) = (TestKey::from_seed(3), TestKey::from_seed(4));
        let (seller, buyer) = if batch % 2 == 0 {
            (&alice, &bob)
        } else {
            (&bob, &alice)
        };
        let signed: Vec<_> = (0..BATCH)
            .map(|i| swap(f, seller, buyer, (batch * BATCH + i) as u64))
            .collect();
        let msgs = signed.iter().map(|s| f.submit_msg(s)).collect();
        support::ok(&mut f.net, COORDINATOR, &[&submitter], msgs);
        let ids: Vec<[u8; 32]> = signed
            .iter()
            .map(|s| cross_tx_id(s.cross_tx.as_ref().expect("a cross-tx")))
            .collect();
        f.run_to_done(&ids);
        done += BATCH;
        if done % 10_000 == 0 {
            eprintln!("  {done} cross-txs finished");
        }
    }
}

fn main() {
    let cross_txs: usize = std::env::var("XCC_BENCH_CROSS_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let keep_recent: u64 = std::env::var("XCC_BENCH_KEEP_RECENT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000);
    let config = xcc_chain::AppConfig {
        keep_recent: (keep_recent > 0).then_some(keep_recent),
        ..Default::default()
    };
    // The security chain keeps its record window whatever a node's own
    // retention: it runs with a window as long, so that every chain keeps
    // the same versions.
    let mut f = support::fixture_configured(
        200,
        0,
        xcc_security::handler::dividend::DEFAULT_PAGE_HOLDERS,
        config,
        (keep_recent > 0).then_some(keep_recent),
    );
    for _ in 0..5 {
        f.net.step(BTreeMap::new());
    }
    // Measured with no history, then at 1%, 10% and all of it: a Merkle
    // tree's depth grows with the log of its keys, a scan of history would
    // grow with the history itself.
    let checkpoints = [0, cross_txs / 100, cross_txs / 10, cross_txs];
    let mut rows = vec![(0, empty_blocks(&mut f))];
    let mut just_after = Vec::new();
    let started = Instant::now();
    for pair in checkpoints.windows(2) {
        run_history(&mut f, pair[1] - pair[0]);
        f.assert_settled();
        just_after.push((pair[1], empty_blocks(&mut f)));
        pass_retention_windows(&mut f, keep_recent);
        rows.push((pair[1], empty_blocks(&mut f)));
    }
    let history_secs = started.elapsed().as_secs_f64();
    let kept = if keep_recent == 0 {
        "every version kept".to_owned()
    } else {
        format!("{keep_recent} recent versions kept")
    };
    println!("live keys and stored tree nodes at the end ({kept}):");
    for chain in CHAINS {
        let store = f.net.chain(chain).app.store();
        let latest = store.latest_version().expect("a store").expect("a version");
        let live = store
            .snapshot(latest)
            .and_then(|s| s.prefix(b""))
            .expect("a scan");
        let nodes = store.node_count().expect("a node count");
        println!("  {chain:<14} {} live keys, {nodes} nodes", live.len());
        // What the live keys are, by their first two path segments.
        let mut by_prefix: BTreeMap<String, usize> = BTreeMap::new();
        for (key, _) in &live {
            let text = String::from_utf8_lossy(key);
            let prefix: Vec<&str> = text.splitn(3, '/').take(2).collect();
            *by_prefix.entry(prefix.join("/")).or_default() += 1;
        }
        let mut largest: Vec<(String, usize)> = by_prefix.into_iter().collect();
        largest.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        let largest: Vec<String> = largest
            .iter()
            .take(4)
            .map(|(prefix, count)| format!("{prefix}: {count}"))
            .collect();
        println!("  {:<14} most: {}", "", largest.join(", "));
    }

    println!(
        "an empty block, median of {}, after N finished cross-txs \
         ({cross_txs} made in {history_secs:.0} s):",
        samples()
    );
    // The history before the last checkpoint is ten times shorter: a
    // block's work that grew with history would grow about tenfold.
    let previous = rows.len() - 2;
    let finalize = |whole: Duration, commit: Duration| whole.saturating_sub(commit);
    for chain in CHAINS {
        for (measure, pick) in [
            (
                "FinalizeBlock",
                &finalize as &dyn Fn(Duration, Duration) -> Duration,
            ),
            ("Commit", &|_, commit| commit),
            ("whole block", &|whole, _| whole),
        ] {
            let times: Vec<Duration> = rows
                .iter()
                .map(|(_, times)| {
                    let (whole, commit) = times[chain];
                    pick(whole, commit)
                })
                .collect();
            let line: Vec<String> = rows
                .iter()
                .zip(&times)
                .map(|((n, _), time)| format!("N={n}: {time:.2?}"))
                .collect();
            let last = times[times.len() - 1].as_secs_f64();
            println!(
                "  {chain:<14} {measure:<13} {}; ratio to none {:.2}x, to N={} {:.2}x",
                line.join(", "),
                last / times[0].as_secs_f64(),
                rows[previous].0,
                last / times[previous].as_secs_f64()
            );
        }
    }
    println!(
        "the same, measured at once after each history, while the windows above \
         still prune its own blocks (work bounded by those blocks' writes):"
    );
    for chain in CHAINS {
        let line: Vec<String> = just_after
            .iter()
            .map(|(n, times)| {
                let (whole, commit) = times[chain];
                format!("N={n}: {whole:.2?} (Commit {commit:.2?})")
            })
            .collect();
        println!("  {chain:<14} whole block   {}", line.join(", "));
    }
}

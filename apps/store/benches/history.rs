//! What a key's history costs a read: prefix scans and gets of a key written
//! once and of a key written 10,000 times (one version each), at the latest
//! version (the latest-value index) and at an older one (the history walk
//! every read paid before the index), in the same process.
//!
//! `cargo bench -p xcc-store --bench history` (XCC_BENCH_VERSIONS sets the
//! long history's length).

use std::time::{Duration, Instant};

use xcc_store::{Snapshot, Store};

const READS: u32 = 2_000;

/// A store whose prefix `p/` holds one key and its neighbour `q/` another:
/// `p/key` written at each of the first `versions` versions, then one more
/// version that writes only `q/key`, so that an older version exists to
/// read through the history. Returns the store and its latest version.
fn store_with_history(dir: &std::path::Path, versions: u64) -> (Store, u64) {
    let store = Store::open(&dir.join(format!("history-{versions}.redb"))).expect("store");
    let first = vec![
        (b"p/key".to_vec(), Some(0u64.to_be_bytes().to_vec())),
        (b"q/key".to_vec(), Some(vec![1])),
    ];
    store
        .commit(store.prepare(0, vec![first]).expect("prepare"))
        .expect("commit");
    for version in 1..versions {
        let writes = vec![(b"p/key".to_vec(), Some(version.to_be_bytes().to_vec()))];
        store
            .commit(store.prepare(version, vec![writes]).expect("prepare"))
            .expect("commit");
    }
    let last = vec![(b"q/key".to_vec(), Some(vec![2]))];
    store
        .commit(store.prepare(versions, vec![last]).expect("prepare"))
        .expect("commit");
    (store, versions)
}

/// The fastest of five rounds of `READS` reads, per read.
fn time_reads(snapshot: &Snapshot, read: impl Fn(&Snapshot)) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..READS {
                read(snapshot);
            }
            start.elapsed() / READS
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let long: u64 = std::env::var("XCC_BENCH_VERSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let scan = |s: &Snapshot| {
        assert_eq!(s.prefix(b"p/").expect("scan").len(), 1);
    };
    let get = |s: &Snapshot| {
        assert!(s.get(b"p/key").expect("get").is_some());
    };

    println!("reads of a key with 1 and with {long} past versions (best of 5 x {READS}):");
    let mut rows = Vec::new();
    for versions in [1, long] {
        let (store, latest_version) = store_with_history(dir.path(), versions);
        let latest = store.snapshot(latest_version).expect("latest");
        assert!(latest.is_latest_indexed());
        // The version before the latest reads the history, as every read did
        // before the index.
        let older = store.snapshot(latest_version - 1).expect("older");
        assert!(!older.is_latest_indexed());
        rows.push((
            versions,
            time_reads(&latest, scan),
            time_reads(&latest, get),
            time_reads(&older, scan),
        ));
    }
    for (versions, scan_latest, get_latest, scan_older) in &rows {
        println!(
            "  {versions:>6} versions: prefix scan at the latest version {scan_latest:?}, \
             get {get_latest:?}; prefix scan of an older version {scan_older:?}"
        );
    }
    let ratio = |f: fn(&(u64, Duration, Duration, Duration)) -> Duration| {
        f(&rows[1]).as_secs_f64() / f(&rows[0]).as_secs_f64()
    };
    println!(
        "ratio {long} versions / 1 version: latest prefix scan {:.2}x, latest get {:.2}x, \
         older-version scan (the history walk) {:.2}x",
        ratio(|r| r.1),
        ratio(|r| r.2),
        ratio(|r| r.3)
    );
}

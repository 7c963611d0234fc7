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

/// The median time of committing one version that writes one key, in a
/// store that holds `keys` keys: what every block pays for the tree's depth
/// and the database's size.
fn one_key_commit(dir: &std::path::Path, keys: u64) -> Duration {
    let store = Store::open(&dir.join(format!("size-{keys}.redb"))).expect("store");
    let mut version = 0;
    for batch in (0..keys).step_by(10_000) {
        let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = (batch..(batch + 10_000).min(keys))
            .map(|i| {
                (
                    format!("k/{i:010}").into_bytes(),
                    Some(i.to_be_bytes().to_vec()),
                )
            })
            .collect();
        store
            .commit(store.prepare(version, vec![writes]).expect("prepare"))
            .expect("commit");
        version += 1;
    }
    let mut samples: Vec<Duration> = (0..200u64)
        .map(|i| {
            let start = Instant::now();
            commit_one(&store, version, i);
            version += 1;
            start.elapsed()
        })
        .collect();
    samples.sort();
    samples[samples.len() / 2]
}

/// One version writing one key: apart, so that an instruction count can
/// be taken of it alone (`valgrind --tool=callgrind
/// --toggle-collect='*commit_one*'` with `XCC_BENCH_COMMIT_KEYS`).
#[inline(never)]
fn commit_one(store: &Store, version: u64, value: u64) {
    let writes = vec![(b"block/last".to_vec(), Some(value.to_be_bytes().to_vec()))];
    store
        .commit(store.prepare(version, vec![writes]).expect("prepare"))
        .expect("commit");
}

fn main() {
    if let Some(keys) = std::env::var("XCC_BENCH_COMMIT_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        let dir = tempfile::tempdir().expect("tempdir");
        println!(
            "a version writing one key in a store of {keys} keys: {:.2?}",
            one_key_commit(dir.path(), keys)
        );
        return;
    }
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

    let sizes = [1_000u64, 100_000, 1_000_000];
    let commits: Vec<Duration> = sizes
        .iter()
        .map(|&keys| one_key_commit(dir.path(), keys))
        .collect();
    println!(
        "a version writing one key, median of 200 commits, in a store of {} keys: {}; ratio {:.2}x",
        sizes.map(|k| k.to_string()).join(" / "),
        commits
            .iter()
            .map(|d| format!("{d:.2?}"))
            .collect::<Vec<_>>()
            .join(" / "),
        commits[2].as_secs_f64() / commits[0].as_secs_f64()
    );
}

//! Store benchmark: committed writes per second up to 1,000,000 keys, proof
//! generation and verification per second, beside a baseline of the same
//! writes straight into redb (no Merkle tree) in the same process.
//!
//! `cargo bench -p xcc-store --bench store` (XCC_BENCH_KEYS sets the key count).

use std::time::{Duration, Instant};

use redb::{Database, TableDefinition};
use sha2::{Digest, Sha256};
use xcc_store::{verify_membership, Store};

const BATCH: usize = 10_000;
const PROOFS: usize = 10_000;

fn key(i: usize) -> Vec<u8> {
    format!("bench/balance/{i:08}").into_bytes()
}

fn value(i: usize) -> Vec<u8> {
    Sha256::digest(i.to_be_bytes())[..8].to_vec()
}

fn per_second(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

fn main() {
    let keys: usize = std::env::var("XCC_BENCH_KEYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("tempdir");

    // Baseline: the same batches written straight into a redb table.
    let raw = Database::create(dir.path().join("raw.redb")).expect("raw db");
    let table: TableDefinition<&[u8], &[u8]> = TableDefinition::new("raw");
    let start = Instant::now();
    for batch in (0..keys).step_by(BATCH) {
        let txn = raw.begin_write().expect("begin");
        {
            let mut t = txn.open_table(table).expect("table");
            for i in batch..(batch + BATCH).min(keys) {
                t.insert(key(i).as_slice(), value(i).as_slice())
                    .expect("insert");
            }
        }
        txn.commit().expect("commit");
    }
    let raw_rate = per_second(keys, start.elapsed());

    // The Merkle store: one version per batch, as one block per batch.
    let store = Store::open(&dir.path().join("state.redb")).expect("store");
    let start = Instant::now();
    for (version, batch) in (0..keys).step_by(BATCH).enumerate() {
        let writes: Vec<(Vec<u8>, Option<Vec<u8>>)> = (batch..(batch + BATCH).min(keys))
            .map(|i| (key(i), Some(value(i))))
            .collect();
        let prepared = store
            .prepare(version as u64, vec![writes])
            .expect("prepare");
        store.commit(prepared).expect("commit");
    }
    let write_elapsed = start.elapsed();
    let write_rate = per_second(keys, write_elapsed);
    let latest = store.latest_version().unwrap().expect("a version");
    let root = store.root_hash(latest).expect("root");

    // Updates of existing keys in a full tree (the steady state of a chain).
    let start = Instant::now();
    let updates: Vec<(Vec<u8>, Option<Vec<u8>>)> = (0..BATCH)
        .map(|n| (key(n * (keys / BATCH)), Some(value(n + keys))))
        .collect();
    store
        .commit(store.prepare(latest + 1, vec![updates]).expect("prepare"))
        .expect("commit");
    let update_rate = per_second(BATCH, start.elapsed());

    let sample: Vec<usize> = (0..PROOFS).map(|n| (n * 7919) % keys).collect();
    let start = Instant::now();
    let proofs: Vec<_> = sample
        .iter()
        .map(|&i| store.get_with_proof(&key(i), latest).expect("proof"))
        .collect();
    let prove_rate = per_second(PROOFS, start.elapsed());

    let start = Instant::now();
    for (&i, (found, proof)) in sample.iter().zip(&proofs) {
        assert_eq!(found.as_deref(), Some(value(i).as_slice()));
        assert!(verify_membership(proof, &root, &key(i), &value(i)));
    }
    let verify_rate = per_second(PROOFS, start.elapsed());

    println!("store benchmark: {keys} keys in batches of {BATCH} (one version per batch)");
    println!("  baseline raw redb writes:     {raw_rate:>12.0} writes/s");
    println!("  JMT over redb, committed:     {write_rate:>12.0} writes/s  ({:.2}x baseline, {:.1} s total)", write_rate / raw_rate, write_elapsed.as_secs_f64());
    println!(
        "  updates in the full tree:     {update_rate:>12.0} writes/s  ({:.2}x baseline)",
        update_rate / raw_rate
    );
    println!("  ics23 proof generation:       {prove_rate:>12.0} proofs/s");
    println!("  ics23 proof verification:     {verify_rate:>12.0} proofs/s");
}

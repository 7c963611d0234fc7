//! The blocks of a recorded run (a swap, a dividend paid in three pages,
//! a fill the cross-tx underpays, so aborted) replayed on each chain with
//! today's code: every block must give the app hash it gave when it was
//! recorded. A refactor that changes no behaviour, wire format or state
//! layout keeps this green; one that does shows the first block it
//! changed. `XCC_RECORD_BLOCKS=1` records the run again (after a change
//! that is meant to alter state).

mod support;

use std::path::PathBuf;

use support::*;
use xcc_chain::testing::{Recording, TestChain};

const CHAINS: [&str; 3] = [COORDINATOR, SECURITY, CURRENCY];

fn recorded_file(chain: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/replay")
        .join(format!("{chain}.json"))
}

fn modules(chain: &str) -> Vec<Box<dyn xcc_chain::Module>> {
    match chain {
        COORDINATOR => xcc_coordinator::modules(),
        SECURITY => xcc_security::modules(),
        _ => xcc_currency::modules(),
    }
}

/// The run: every cross-tx done, each chain's blocks recorded.
fn run() -> Vec<Recording> {
    let mut f = fixture_paged(10, 5, 2);
    let swap = f.swap(&f.alice, &f.bob, 10, 150, 1);
    let swap = f.submit(&swap);
    let dividend = f.declare(BIG, 2_000_000);
    let legs =
        xcc_security::payout::legs(SECURITY, &f.dividend(dividend), &f.dave.address.to_string());
    let payout = f.signed(legs, &[&f.dave], 2);
    let payout = f.submit(&payout);
    let listing = f.list(&xcc_chain::testing::TestKey::from_seed(3), 5, 20);
    let underpaid = f.signed(
        vec![
            leg(SECURITY, vec![fill(&f.bob, listing, 5)], None),
            leg(CURRENCY, vec![cash(&f.bob, &f.alice, 10)], None),
        ],
        &[&f.bob],
        3,
    );
    let underpaid = f.submit(&underpaid);
    f.run_to_done(&[swap, payout, underpaid]);
    assert!(f.record(&swap).commit, "{:?}", f.record(&swap).timeline);
    assert!(f.record(&payout).commit, "{:?}", f.record(&payout).timeline);
    assert!(!f.record(&underpaid).commit);
    CHAINS
        .iter()
        .map(|chain| f.net.chain(chain).recording())
        .collect()
}

#[test]
fn recorded_blocks_give_the_same_app_hashes_today() {
    if std::env::var_os("XCC_RECORD_BLOCKS").is_some() {
        for recording in run() {
            let json = serde_json::to_string_pretty(&recording).unwrap();
            std::fs::write(recorded_file(&recording.chain_id), json).unwrap();
        }
        return;
    }
    for chain in CHAINS {
        let text = std::fs::read_to_string(recorded_file(chain)).unwrap();
        let recording: Recording = serde_json::from_str(&text).unwrap();
        assert!(!recording.blocks.is_empty());
        let dir = tempfile::tempdir().unwrap();
        TestChain::replay(dir.path(), modules(chain), &recording).unwrap();
    }
}

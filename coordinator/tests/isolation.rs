//! A cross-tx whose decision cannot be sent (its participant's client is
//! frozen) never holds back the deadline handling of any other cross-tx.

mod support;

use std::collections::BTreeMap;

use support::*;
use xcc_chain::testing::BLOCK_INTERVAL_NS;
use xcc_proto::coordinator::v1 as coord;

#[test]
fn a_decision_that_cannot_be_sent_leaves_other_deadlines_intact() {
    let mut f = fixture(10);
    // A first swap, so that the coordinator trusts security headers.
    let first = f.swap(&f.alice, &f.bob, 1, 10, 9);
    let first = f.submit(&first);
    f.run_to_done(&[first]);
    // No vote reaches the coordinator: both cross-txs wait for their deadline.
    f.net.blocked.push((SECURITY.into(), COORDINATOR.into()));
    f.net.blocked.push((CURRENCY.into(), COORDINATOR.into()));
    let stuck = f.swap(&f.alice, &f.bob, 10, 100, 1);
    let cash_only = f.signed(
        vec![leg(CURRENCY, vec![cash(&f.bob, &f.carol, 5)], None)],
        &[&f.bob],
        2,
    );
    let deadline = stuck.cross_tx.as_ref().unwrap().deadline_ns;
    assert!(cash_only.cross_tx.as_ref().unwrap().deadline_ns <= deadline + BLOCK_INTERVAL_NS);
    let msgs = vec![f.submit_msg(&stuck), f.submit_msg(&cash_only)];
    ok(
        &mut f.net,
        COORDINATOR,
        &[&xcc_chain::testing::TestKey::from_seed(8)],
        msgs,
    );
    let ids =
        [&stuck, &cash_only].map(|s| xcc_chain::xtx::cross_tx_id(s.cross_tx.as_ref().unwrap()));
    // The coordinator's client of the security chain is frozen: no packet
    // can be sent there any more, the swap's abort decision included.
    f.net.step(BTreeMap::new());
    let evidence = f.net.misbehaviour(COORDINATOR, SECURITY);
    let relayer = xcc_chain::testing::TestKey::from_seed(250);
    ok(&mut f.net, COORDINATOR, &[&relayer], vec![evidence]);
    while f.now() <= deadline + 2 * BLOCK_INTERVAL_NS {
        f.net.step(BTreeMap::new());
    }
    let phase = |f: &Fixture, id| coord::Phase::try_from(f.record(id).phase).unwrap();
    // The swap is retried block after block; the other aborted on time.
    assert_eq!(phase(&f, &ids[0]), coord::Phase::Preparing);
    let other = f.record(&ids[1]);
    assert!(other.decided && !other.commit, "{:?}", other.timeline);
    // Votes flow again from the currency chain; the security chain's
    // proofs cannot reach the frozen client anyway.
    f.net.blocked.retain(|(from, _)| from != CURRENCY);
    f.net.run_until(20, |net| {
        let record: coord::CrossTxRecord = net
            .chain(COORDINATOR)
            .query(
                "/xcc.coordinator.v1.Query/CrossTx",
                &coord::QueryCrossTxRequest {
                    tx_id: ids[1].to_vec(),
                },
            )
            .unwrap();
        record.phase == coord::Phase::Done as i32
    });
    assert_eq!(f.cash_of(&f.carol).amount, CASH);
    // Coordinator blocks keep coming, with records pruned as due.
    assert_eq!(phase(&f, &ids[0]), coord::Phase::Preparing);
}

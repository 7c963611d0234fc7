//! Two-phase commit end to end, in process: the coordinator, security and
//! currency chains in lockstep with a relayer carrying every packet with
//! real proofs. Every swap ends with each leg committed or none, and no
//! reservation left behind.

mod support;

use std::collections::BTreeMap;

use support::*;
use xcc_chain::testing::{TestKey, BLOCK_INTERVAL_NS, GENESIS_TIME_NS};
use xcc_chain::xtx::{cross_tx_id, signed_cross_tx};
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::ibc::v1 as ibc;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

#[test]
fn a_swap_commits_on_both_chains_with_its_timeline() {
    let mut f = fixture(10);
    let signed = f.swap(&f.alice, &f.bob, 10, 1_500, 1);
    let id = f.submit(&signed);
    f.run_to_done(&[id]);
    let record = f.record(&id);
    assert!(record.commit);
    assert_eq!(f.units_of(&f.alice).amount, 90);
    assert_eq!(f.units_of(&f.bob).amount, 10);
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 1_500);
    assert_eq!(f.cash_of(&f.bob).amount, CASH - 1_500);
    let steps: Vec<(&str, &str)> = record
        .timeline
        .iter()
        .map(|t| (t.step.as_str(), t.chain_id.as_str()))
        .collect();
    for expected in [
        ("submitted", COORDINATOR),
        ("prepare_sent", COORDINATOR),
        ("prepared", SECURITY),
        ("prepared", CURRENCY),
        ("decided", COORDINATOR),
        ("committed", SECURITY),
        ("committed", CURRENCY),
        ("done", COORDINATOR),
    ] {
        assert!(
            steps.contains(&expected),
            "{expected:?} missing from {steps:?}"
        );
    }
    assert!(record
        .timeline
        .iter()
        .all(|t| t.height > 0 && t.time_ns >= GENESIS_TIME_NS));
    let stats: sec::TradeStats = f
        .net
        .chain(SECURITY)
        .query(
            "/xcc.security.v1.Query/TradeStats",
            &sec::QueryTradeStatsRequest {
                symbol: SYMBOL.into(),
            },
        )
        .unwrap();
    assert_eq!(
        (stats.trades, stats.volume_units, stats.last_price),
        (1, 10, 150)
    );
    f.assert_settled();
}

#[test]
fn swaps_abort_atomically_whatever_leg_refuses() {
    let mut f = fixture(2);
    // Dave is not whitelisted; bob cannot pay 20,000; alice has no 500 units.
    let cases = [
        (f.swap(&f.alice, &f.dave, 5, 100, 1), "not on the whitelist"),
        (f.swap(&f.alice, &f.bob, 5, 2 * CASH, 2), "needs 20000"),
        (f.swap(&f.alice, &f.bob, 500, 100, 3), "needs 500"),
    ];
    let ids: Vec<_> = cases.iter().map(|(s, _)| f.submit(s)).collect();
    f.run_to_done(&ids);
    for (id, (_, reason)) in ids.iter().zip(&cases) {
        f.assert_aborted(id, reason);
    }
    // The cap of 2: alice and bob hold; carol would be the third holder.
    let first = f.swap(&f.alice, &f.bob, 5, 100, 4);
    let first = f.submit(&first);
    f.run_to_done(&[first]);
    assert!(f.record(&first).commit);
    let third = f.swap(&f.alice, &f.carol, 5, 100, 5);
    let third = f.submit(&third);
    f.run_to_done(&[third]);
    f.assert_aborted(&third, "above its cap");
    assert_eq!(f.units_of(&f.alice).amount, 95);
    assert_eq!(f.units_of(&f.carol).amount, 0);
    assert_eq!(f.cash_of(&f.carol).amount, CASH);
    f.assert_settled();
}

#[test]
fn a_swap_whose_prepare_cannot_arrive_aborts_at_the_deadline() {
    let mut f = fixture(10);
    f.net.blocked.push((COORDINATOR.into(), SECURITY.into()));
    let signed = f.swap(&f.alice, &f.bob, 10, 1_000, 1);
    let deadline = signed.cross_tx.as_ref().unwrap().deadline_ns;
    let id = f.submit(&signed);
    // The currency leg prepares and holds bob's cash meanwhile.
    f.net.run_until(10, |net| {
        let b: cash_pb::QueryBalanceResponse = net
            .chain(CURRENCY)
            .query(
                "/xcc.currency.v1.Query/Balance",
                &cash_pb::QueryBalanceRequest {
                    denom: "usd".into(),
                    account: TestKey::from_seed(4).address.to_string(),
                },
            )
            .unwrap();
        b.reserved == 1_000
    });
    // Bob cannot spend the held cash meanwhile.
    let spend = vec![cash(&f.bob, &f.carol, CASH - 500)];
    let outcome = f.net.submit(CURRENCY, &[&f.bob], spend);
    assert!(!outcome.is_ok());
    f.abort_at_the_deadline(&id, deadline);
    // The late prepare was never received: the decision left a tombstone.
    let leg: xtx::LegRecord = f
        .net
        .chain(SECURITY)
        .query(
            "/xcc.xtx.v1.Query/Leg",
            &xtx::QueryLegRequest {
                tx_id: id.to_vec(),
                leg_index: None,
            },
        )
        .unwrap();
    assert_eq!(leg.status, xtx::LegStatus::Aborted as i32);
    f.assert_settled();
}

#[test]
fn prepared_reservations_bind_local_txs_and_pin_the_whitelist() {
    let mut f = fixture(10);
    // Hold the decision back: both legs prepare, nothing commits yet.
    f.net.blocked.push((COORDINATOR.into(), SECURITY.into()));
    f.net.blocked.push((COORDINATOR.into(), CURRENCY.into()));
    let signed = f.swap(&f.alice, &f.bob, 60, 1_000, 1);
    let id = f.submit(&signed);
    f.net.blocked.clear();
    f.net.blocked.push((SECURITY.into(), COORDINATOR.into()));
    f.net.blocked.push((CURRENCY.into(), COORDINATOR.into()));
    f.net.run_until(10, |net| {
        !legs(net, SECURITY, xtx::LegStatus::Unspecified).is_empty()
    });
    assert_eq!(f.units_of(&f.alice).reserved, 60);
    assert_eq!(f.units_of(&f.bob).pending_in, 60);
    // 40 of alice's 100 units are free; the 60 held are not.
    let too_many = vec![units(&f.alice, &f.carol, 41)];
    assert!(!f.net.submit(SECURITY, &[&f.alice], too_many).is_ok());
    let remove_bob = vec![to_any(&sec::MsgWhitelistRemove {
        authority: f.issuer.address.to_string(),
        symbol: SYMBOL.into(),
        account: f.bob.address.to_string(),
    })];
    let outcome = f.net.submit(SECURITY, &[&f.issuer], remove_bob);
    assert!(outcome.log.contains("pinned"), "{outcome:?}");
    let fine = vec![units(&f.alice, &f.carol, 40)];
    ok(&mut f.net, SECURITY, &[&f.alice], fine);
    f.net.blocked.clear();
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit);
    assert_eq!(f.units_of(&f.alice).amount, 0);
    assert_eq!(f.units_of(&f.bob).amount, 60);
    assert_eq!(f.units_of(&f.carol).amount, 40);
    f.assert_settled();
}

#[test]
fn many_swaps_of_one_security_run_together_without_conflict() {
    let mut f = fixture(10);
    let seed = vec![units(&f.issuer, &f.carol, 100)];
    ok(&mut f.net, SECURITY, &[&f.issuer], seed);
    let swaps = [
        f.swap(&f.alice, &f.bob, 10, 100, 1),
        f.swap(&f.carol, &f.bob, 10, 100, 2),
        f.swap(&f.alice, &f.carol, 10, 100, 3),
        f.swap(&f.carol, &f.alice, 10, 100, 4),
    ];
    let msgs: Vec<Any> = swaps.iter().map(|s| f.submit_msg(s)).collect();
    ok(&mut f.net, COORDINATOR, &[&TestKey::from_seed(8)], msgs);
    let ids: Vec<_> = swaps
        .iter()
        .map(|s| cross_tx_id(s.cross_tx.as_ref().unwrap()))
        .collect();
    f.run_to_done(&ids);
    for id in &ids {
        assert!(f.record(id).commit, "{:?}", f.record(id).timeline);
    }
    assert_eq!(f.units_of(&f.bob).amount, 20);
    assert_eq!(f.units_of(&f.alice).amount, 90);
    assert_eq!(f.units_of(&f.carol).amount, 90);
    f.assert_settled();
}

#[test]
fn two_buyers_race_for_one_listing_and_exactly_one_fill_commits() {
    let mut f = fixture(10);
    let list = vec![to_any(&sec::MsgCreateListing {
        seller: f.alice.address.to_string(),
        symbol: SYMBOL.into(),
        units: 30,
        price_per_unit: 20,
        denom: "usd".into(),
        currency_chain: CURRENCY.into(),
    })];
    ok(&mut f.net, SECURITY, &[&f.alice], list);
    assert_eq!(f.units_of(&f.alice).reserved, 30);
    let buy = |f: &Fixture, buyer: &TestKey, units: u64, pay: u64, salt: u8| {
        let cross_tx = xtx::CrossTx {
            legs: vec![
                xtx::Leg {
                    chain_id: SECURITY.into(),
                    msgs: vec![to_any(&sec::MsgFillListing {
                        buyer: buyer.address.to_string(),
                        listing_id: 1,
                        units,
                    })],
                    depends_on: None,
                },
                xtx::Leg {
                    chain_id: CURRENCY.into(),
                    msgs: vec![cash(buyer, &f.alice, pay)],
                    depends_on: None,
                },
            ],
            deadline_ns: f.now() + 60 * BLOCK_INTERVAL_NS,
            salt: vec![salt],
        };
        signed_cross_tx(cross_tx, &[&buyer.key])
    };
    // Underpaying is refused by the security chain, and so is buying more
    // than is listed.
    let cheap = buy(&f, &f.bob, 30, 599, 1);
    let cheap = f.submit(&cheap);
    let greedy = buy(&f, &f.bob, 31, 620, 4);
    let greedy = f.submit(&greedy);
    f.run_to_done(&[cheap, greedy]);
    f.assert_aborted(&cheap, "does not pay");
    f.assert_aborted(&greedy, "30 units for sale");
    let (bob, carol) = (buy(&f, &f.bob, 30, 600, 2), buy(&f, &f.carol, 30, 600, 3));
    let msgs = vec![f.submit_msg(&bob), f.submit_msg(&carol)];
    ok(&mut f.net, COORDINATOR, &[&TestKey::from_seed(8)], msgs);
    let ids = [bob, carol].map(|s| cross_tx_id(s.cross_tx.as_ref().unwrap()));
    f.run_to_done(&ids);
    let commits: Vec<bool> = ids.iter().map(|id| f.record(id).commit).collect();
    assert_eq!(commits.iter().filter(|c| **c).count(), 1, "{commits:?}");
    assert_eq!(f.units_of(&f.alice).amount, 70);
    assert_eq!(f.units_of(&f.alice).reserved, 0);
    assert_eq!(f.cash_of(&f.alice).amount, CASH + 600);
    let listings = f.listings();
    assert!(listings.is_empty(), "a sold-out listing is gone");
    // A listing cannot be filled outside a cross-tx.
    let direct = vec![to_any(&sec::MsgFillListing {
        buyer: f.bob.address.to_string(),
        listing_id: 1,
        units: 1,
    })];
    assert!(!f.net.submit(SECURITY, &[&f.bob], direct).is_ok());
    f.assert_settled();
}

#[test]
fn intake_refuses_what_cannot_run_and_changes_nothing() {
    let mut f = fixture(10);
    let good = f.swap(&f.alice, &f.bob, 1, 10, 1);
    // Only the seller signed.
    let mut unsigned_buyer = good.clone();
    unsigned_buyer.signatures.truncate(1);
    // A leg on a chain that is no participant.
    let mut stranger = good.cross_tx.clone().unwrap();
    stranger.legs[1].chain_id = "elsewhere-1".into();
    let stranger = signed_cross_tx(stranger, &[&f.alice.key, &f.bob.key]);
    // Deadlines in the past and too far ahead.
    let mut late = good.cross_tx.clone().unwrap();
    late.deadline_ns = f.now() - 1;
    let late = signed_cross_tx(late, &[&f.alice.key, &f.bob.key]);
    let mut far = good.cross_tx.clone().unwrap();
    far.deadline_ns = f.now() + 3_600 * BLOCK_INTERVAL_NS;
    let far = signed_cross_tx(far, &[&f.alice.key, &f.bob.key]);
    // A signature over other bytes.
    let mut forged = good.clone();
    forged.cross_tx.as_mut().unwrap().salt = vec![9];
    for (signed, expected) in [
        (unsigned_buyer, "lacks the signature"),
        (stranger, "not a registered participant"),
        (late, "deadline"),
        (far, "deadline"),
        (forged, "signature"),
    ] {
        let outcome = f.refused_at_intake(&signed);
        assert!(
            outcome.log.contains(expected),
            "{expected:?} not in {}",
            outcome.log
        );
    }
    let id = f.submit(&good);
    let outcome = f.refused_at_intake(&good);
    assert!(outcome.log.contains("already submitted"), "{}", outcome.log);
    f.run_to_done(&[id]);
    f.assert_settled();
}

#[test]
fn finished_records_are_pruned_after_the_retention_window() {
    let mut f = fixture(10);
    let signed = f.swap(&f.alice, &f.bob, 1, 10, 1);
    let id = f.submit(&signed);
    f.run_to_done(&[id]);
    let prune_height = f.record(&id).prune_height;
    assert!(prune_height > 0);
    let deadline = signed.cross_tx.as_ref().unwrap().deadline_ns;
    let query = coord::QueryCrossTxRequest { tx_id: id.to_vec() };
    f.net.run_until(200, |net| {
        net.chain(COORDINATOR)
            .query::<coord::CrossTxRecord>("/xcc.coordinator.v1.Query/CrossTx", &query)
            .is_err()
    });
    // Kept past the retention window until the deadline passed.
    let coordinator = f.net.chain(COORDINATOR);
    assert!(coordinator.height() > prune_height);
    assert!(coordinator.next_block().time_ns > deadline);
    // Its deadline has long passed, so it cannot be submitted again.
    let outcome = f.refused_at_intake(&signed);
    assert!(outcome.log.contains("deadline"), "{}", outcome.log);
}

#[test]
fn a_listing_cancelled_while_a_fill_is_prepared_gives_the_units_back_to_the_seller() {
    let mut f = fixture(10);
    let list = vec![to_any(&sec::MsgCreateListing {
        seller: f.alice.address.to_string(),
        symbol: SYMBOL.into(),
        units: 30,
        price_per_unit: 10,
        denom: "usd".into(),
        currency_chain: CURRENCY.into(),
    })];
    ok(&mut f.net, SECURITY, &[&f.alice], list);
    // The currency leg's prepare never arrives, so the fill aborts at the deadline.
    f.net.blocked.push((COORDINATOR.into(), CURRENCY.into()));
    let cross_tx = xtx::CrossTx {
        legs: vec![
            xtx::Leg {
                chain_id: SECURITY.into(),
                msgs: vec![to_any(&sec::MsgFillListing {
                    buyer: f.bob.address.to_string(),
                    listing_id: 1,
                    units: 20,
                })],
                depends_on: None,
            },
            xtx::Leg {
                chain_id: CURRENCY.into(),
                msgs: vec![cash(&f.bob, &f.alice, 200)],
                depends_on: None,
            },
        ],
        deadline_ns: f.now() + 30 * BLOCK_INTERVAL_NS,
        salt: vec![1],
    };
    let signed = signed_cross_tx(cross_tx, &[&f.bob.key]);
    let id = f.submit(&signed);
    f.net.run_until(10, |net| {
        let listing: sec::Listing = net
            .chain(SECURITY)
            .query(
                "/xcc.security.v1.Query/Listing",
                &sec::QueryListingRequest { listing_id: 1 },
            )
            .unwrap();
        listing.reserved == 20
    });
    let cancel = vec![to_any(&sec::MsgCancelListing {
        seller: f.alice.address.to_string(),
        listing_id: 1,
    })];
    ok(&mut f.net, SECURITY, &[&f.alice], cancel);
    // The 10 unsold units are free again; the 20 the fill holds are not.
    assert_eq!(f.units_of(&f.alice).reserved, 20);
    let deadline = signed.cross_tx.as_ref().unwrap().deadline_ns;
    f.abort_at_the_deadline(&id, deadline);
    let listings = f.listings();
    assert!(listings.is_empty(), "{listings:?}");
    f.assert_settled();
}

#[test]
fn finished_legs_are_pruned_once_past_their_deadline_and_retention() {
    let mut f = fixture(10);
    let signed = f.swap(&f.alice, &f.bob, 10, 100, 1);
    let deadline = signed.cross_tx.as_ref().unwrap().deadline_ns;
    let id = f.submit(&signed);
    f.run_to_done(&[id]);
    assert!(f.record(&id).commit);
    for chain in [SECURITY, CURRENCY] {
        assert_eq!(legs(&f.net, chain, xtx::LegStatus::Committed).len(), 1);
    }
    let pruned_after = deadline + LEG_RETENTION_SECS * BLOCK_INTERVAL_NS;
    while f.now() <= pruned_after {
        f.net.step(BTreeMap::new());
    }
    f.net.step(BTreeMap::new());
    for chain in [SECURITY, CURRENCY] {
        assert!(
            legs(&f.net, chain, xtx::LegStatus::Unspecified).is_empty(),
            "legs left on {chain}"
        );
        let store = f.net.chain(chain).app.store();
        let latest = store.latest_version().unwrap().unwrap();
        let index = store
            .snapshot(latest)
            .unwrap()
            .prefix(b"xtx/prune/")
            .unwrap();
        assert!(index.is_empty(), "prune index left on {chain}");
    }
    // What the swap did stays, and so does every invariant.
    assert_eq!(f.units_of(&f.bob).amount, 10);
    f.assert_settled();
}

/// Every key under `prefix` in `chain`'s latest state.
fn keys_under(f: &Fixture, chain: &str, prefix: &[u8]) -> Vec<Vec<u8>> {
    let store = f.net.chain(chain).app.store();
    let latest = store.latest_version().unwrap().unwrap();
    let entries = store.snapshot(latest).unwrap().prefix(prefix).unwrap();
    entries.into_iter().map(|(key, _)| key).collect()
}

/// A packet the coordinator sent to `dest`, as a relayer delivered it: with
/// a proof of its commitment at the height it was first seen pending.
fn capture_pending(f: &Fixture, dest: &str, seen: &mut BTreeMap<u64, Any>) {
    let coordinator = f.net.chain(COORDINATOR);
    let pending: ibc::QueryPendingPacketsResponse = coordinator
        .query(
            "/xcc.ibc.v1.Query/PendingPackets",
            &ibc::QueryPendingPacketsRequest {
                dest_chain: dest.to_owned(),
                limit: 0,
            },
        )
        .unwrap();
    for packet in pending.packets {
        let key = xcc_chain::ibc::state_key::commitment(dest, &packet.port, packet.sequence);
        let height = coordinator.height();
        let proof = coordinator
            .app
            .query(xcc_chain::app::STORE_KEY_PATH, &key, height, true)
            .proof
            .expect("a proof");
        seen.entry(packet.sequence).or_insert_with(|| {
            to_any(&ibc::MsgRecvPacket {
                signer: f.submitter.address.to_string(),
                packet: Some(packet),
                proof_commitment: proof,
                proof_height: height + 1,
            })
        });
    }
}

#[test]
fn packets_relayed_again_after_their_receipts_are_forgotten_change_nothing() {
    let mut f = fixture(10);
    let signed = f.swap(&f.alice, &f.bob, 10, 100, 1);
    let deadline = signed.cross_tx.as_ref().unwrap().deadline_ns;
    let id = f.submit(&signed);
    let mut delivered = BTreeMap::new();
    for _ in 0..40 {
        if f.record(&id).phase == coord::Phase::Done as i32 {
            break;
        }
        capture_pending(&f, SECURITY, &mut delivered);
        f.net.step(BTreeMap::new());
    }
    assert!(f.record(&id).commit);
    // The prepare and the decision, and their receipts and acks.
    assert_eq!(delivered.len(), 2, "{:?}", delivered.keys());
    for prefix in [
        &b"ibc/receipts/"[..],
        b"ibc/acks/",
        b"ibc/ack_data/",
        b"ibc/forget/",
    ] {
        assert!(!keys_under(&f, SECURITY, prefix).is_empty());
    }

    let forgotten_after = deadline + LEG_RETENTION_SECS * BLOCK_INTERVAL_NS;
    while f.now() <= forgotten_after {
        f.net.step(BTreeMap::new());
    }
    f.net.step(BTreeMap::new());
    for chain in [SECURITY, CURRENCY] {
        for prefix in [
            &b"ibc/receipts/"[..],
            b"ibc/acks/",
            b"ibc/ack_data/",
            b"ibc/forget/",
        ] {
            let left = keys_under(&f, chain, prefix);
            assert!(left.is_empty(), "{chain} keeps {left:?}");
        }
    }
    let units = (f.units_of(&f.alice).amount, f.units_of(&f.bob).amount);

    // The prepare again: past its deadline, refused.
    let mut packets = delivered.into_values();
    let (prepare, decision) = (packets.next().unwrap(), packets.next().unwrap());
    let refused = f.net.submit(SECURITY, &[&f.submitter], vec![prepare]);
    assert_eq!(
        refused.code,
        xcc_chain::ibc::error::code::PACKET_TIMED_OUT,
        "{}",
        refused.log
    );
    // The decision again: its leg is forgotten, so nothing is applied and
    // nothing is left behind once its new receipt is forgotten in turn.
    let replayed = f.net.submit(SECURITY, &[&f.submitter], vec![decision]);
    assert_eq!(replayed.code, 0, "{}", replayed.log);
    assert!(
        replayed
            .events
            .iter()
            .any(|e| e.kind == "xtx_decision_forgotten"),
        "{:?}",
        replayed.events
    );
    f.net.step(BTreeMap::new());
    assert_eq!(
        (f.units_of(&f.alice).amount, f.units_of(&f.bob).amount),
        units
    );
    assert!(legs(&f.net, SECURITY, xtx::LegStatus::Unspecified).is_empty());
    for prefix in [&b"ibc/receipts/"[..], b"ibc/acks/", b"ibc/forget/"] {
        let left = keys_under(&f, SECURITY, prefix);
        assert!(left.is_empty(), "the replay left {left:?}");
    }
    f.assert_settled();
}

#[test]
fn a_block_handles_at_most_1000_due_deadlines_and_the_next_block_the_rest() {
    let mut f = fixture(10);
    // Nothing is relayed, not even the timeouts: every cross-tx stays
    // preparing until its deadline.
    for participant in [SECURITY, CURRENCY] {
        for path in [(COORDINATOR, participant), (participant, COORDINATOR)] {
            f.net.blocked.push((path.0.to_owned(), path.1.to_owned()));
        }
    }
    const CROSS_TXS: usize = 1_500;
    let mut ids = Vec::new();
    let submitter = TestKey::from_seed(8);
    // One deadline for all, whichever block takes them in.
    let deadline = f.now() + 60 * BLOCK_INTERVAL_NS;
    for batch in 0..3 {
        let signed: Vec<_> = (0..CROSS_TXS / 3)
            .map(|n| {
                let mut salt = vec![batch as u8];
                salt.extend((n as u32).to_be_bytes());
                let mut cross_tx = f.swap(&f.alice, &f.bob, 1, 1, 0).cross_tx.unwrap();
                cross_tx.salt = salt;
                cross_tx.deadline_ns = deadline;
                signed_cross_tx(cross_tx, &[&f.alice.key, &f.bob.key])
            })
            .collect();
        ids.extend(
            signed
                .iter()
                .map(|s| cross_tx_id(s.cross_tx.as_ref().unwrap())),
        );
        let msgs = signed.iter().map(|s| f.submit_msg(s)).collect();
        ok(&mut f.net, COORDINATOR, &[&submitter], msgs);
    }
    let decided = |f: &Fixture| -> Vec<coord::CrossTxRecord> {
        f.net
            .chain(COORDINATOR)
            .query_all(
                "/xcc.coordinator.v1.Query/CrossTxs",
                |page| coord::QueryCrossTxsRequest {
                    phase: coord::Phase::Decided as i32,
                    page: Some(page),
                },
                |r: coord::QueryCrossTxsResponse| (r.records, r.page),
            )
            .unwrap()
    };
    while f.now() < deadline {
        f.net.step(BTreeMap::new());
    }
    assert_eq!(decided(&f).len(), 0);
    f.net.step(BTreeMap::new());
    assert_eq!(
        decided(&f).len(),
        1_000,
        "the first block past the deadline"
    );
    f.net.step(BTreeMap::new());
    let all = decided(&f);
    assert_eq!(all.len(), CROSS_TXS, "the next block");
    for record in &all {
        assert!(!record.commit);
        assert!(ids.contains(&record.tx_id.as_slice().try_into().unwrap()));
        let reason = record.abort_reason.as_ref().and_then(|r| r.kind.clone());
        assert_eq!(
            reason,
            Some(coord::abort_reason::Kind::DeadlinePassed(true))
        );
    }
}

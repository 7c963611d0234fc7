//! Swaps on a real testnet: three chains of real `xcc-node` processes and
//! real `xcc-relayer`s, driven through the `xcc` binary. Successful swaps,
//! swaps that abort for each reason a leg refuses, the coordinator killed
//! (SIGKILL) at every phase of two-phase commit, the relayer killed
//! instead, a participant chain down past the deadline, two buyers racing
//! for one listing and many swaps of one security at once. `xcc audit` is
//! clean after each. One testnet for the file: parallel clusters would
//! starve a small machine.

use xcc_tests::Testnet;

const COORDINATOR: &str = "coordinator-1";
const SECURITY: &str = "security-1";
const CURRENCY: &str = "currency-1";

struct Swaps {
    net: Testnet,
    offers: usize,
}

impl std::ops::Deref for Swaps {
    type Target = Testnet;

    fn deref(&self) -> &Testnet {
        &self.net
    }
}

impl Swaps {
    /// `seller` offers `units` HARB (or `symbol`) to `buyer` for `price`
    /// usd and `buyer` countersigns and submits; returns the cross-tx id.
    fn swap(
        &mut self,
        symbol: &str,
        seller: &str,
        buyer: &str,
        units: u64,
        price: u64,
        deadline_secs: u64,
    ) -> String {
        self.offers += 1;
        let name = format!("offer-{}", self.offers);
        self.net
            .swap(&name, symbol, seller, buyer, units, price, deadline_secs)
    }
}

/// Registers CAP1 (issuer `issuer`, cap of 1 holder), whitelists alice and
/// bob, and makes alice its one holder.
fn register_capped(s: &Swaps) {
    let file = s.registration_file("issuer", "CAP1", "One Holder Lane", (100, 1));
    let file = file.as_str();
    s.xcc(&["tx", "sign", file, "--from", "registrar"]);
    s.xcc(&["tx", "broadcast", file]);
    for who in ["alice", "bob"] {
        let account = s.address(who);
        s.whitelist("CAP1", &account);
    }
    let alice = s.address("alice");
    s.xcc(&[
        "tx", "security", "--from", "issuer", "transfer", "--to", &alice, "--symbol", "CAP1",
        "--amount", "10",
    ]);
}

#[test]
fn swaps_end_atomically_through_crashes_and_races() {
    // Two validators per chain: "the coordinator killed" is every one of them.
    let net = Testnet::start_with(&[], 2, 200, &["--no-relayer"]);
    let mut s = Swaps { net, offers: 0 };
    // Carol has cash but is not on HARB's whitelist (yet).
    s.xcc(&["keys", "add", "carol"]);
    let carol = s.address("carol");
    s.xcc(&[
        "tx", "currency", "--from", "bank", "transfer", "--to", &carol, "--denom", "usd",
        "--amount", "100000",
    ]);
    register_capped(&s);

    // A swap that commits.
    let mut relayer = s.relayer(&[]);
    let id = s.swap("HARB", "alice", "bob", 10, 1_500, 120);
    let done = s.wait_phase(&id, "done");
    assert_eq!(done["outcome"], "committed", "{done}");
    assert_eq!(s.units("HARB", "bob"), 10);
    let steps: Vec<&str> = done["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["step"].as_str().unwrap())
        .collect();
    for step in [
        "submitted",
        "prepare_sent",
        "prepared",
        "decided",
        "decision_sent",
        "committed",
        "done",
    ] {
        assert!(steps.contains(&step), "{step} missing from {steps:?}");
    }
    s.audit();

    // Swaps that abort, each for its own reason, all at once.
    let cases = [
        (
            s.swap("HARB", "alice", "carol", 5, 100, 120),
            "not on the whitelist",
        ),
        (s.swap("CAP1", "alice", "bob", 5, 100, 120), "above its cap"),
        (
            s.swap("HARB", "alice", "bob", 5, 1_000_000_000_000, 120),
            "needs 1000000000000",
        ),
        (s.swap("HARB", "bob", "alice", 500, 100, 120), "needs 500"),
    ];
    for (id, reason) in &cases {
        let done = s.wait_phase(id, "done");
        let outcome = done["outcome"].as_str().unwrap();
        assert!(
            outcome.starts_with("aborted") && outcome.contains(reason),
            "{reason}: {done}"
        );
    }
    s.audit();

    // The currency chain is down until past the deadline: the swap aborts.
    s.kill_chain(CURRENCY);
    // The relayer leaves a packet within 5 s of its timeout to time out, so
    // the deadline leaves the security leg ample time to prepare, even on a
    // loaded machine.
    let id = s.swap("HARB", "alice", "bob", 1, 10, 30);
    s.wait_leg(SECURITY, &id, "prepared");
    let decided = s.wait_phase(&id, "decided");
    assert!(
        decided["outcome"].as_str().unwrap().contains("deadline"),
        "{decided}"
    );
    s.restart_chain(CURRENCY);
    let done = s.wait_phase(&id, "done");
    assert!(
        done["outcome"].as_str().unwrap().starts_with("aborted"),
        "{done}"
    );
    assert_eq!(s.leg(CURRENCY, &id).as_deref(), Some("aborted"));
    s.audit();
    relayer.kill();

    // The coordinator (then, instead, the relayer) killed at each phase.
    for kill_coordinator in [true, false] {
        for phase in 1..=4 {
            let bob_before = s.units("HARB", "bob");
            let id = s.swap("HARB", "alice", "bob", 1, 10, 300);
            let mut partial = match phase {
                // Intake done, no prepare relayed.
                1 => None,
                // Both legs prepared, no vote relayed.
                2 => {
                    let r = s.relayer(&[SECURITY, CURRENCY]);
                    s.wait_leg(SECURITY, &id, "prepared");
                    s.wait_leg(CURRENCY, &id, "prepared");
                    Some(r)
                }
                // Decided, no decision relayed.
                3 | 4 => {
                    let mut r = s.relayer(&[SECURITY, CURRENCY]);
                    s.wait_leg(SECURITY, &id, "prepared");
                    s.wait_leg(CURRENCY, &id, "prepared");
                    r.kill();
                    let mut r = s.relayer(&[COORDINATOR]);
                    s.wait_phase(&id, "decided");
                    if phase == 3 {
                        Some(r)
                    } else {
                        // One participant applied the decision, not the other.
                        r.kill();
                        let r = s.relayer(&[SECURITY]);
                        s.wait_leg(SECURITY, &id, "committed");
                        assert_eq!(s.leg(CURRENCY, &id).as_deref(), Some("prepared"));
                        Some(r)
                    }
                }
                _ => unreachable!(),
            };
            // SIGKILL whichever relayer ran, and the coordinator if asked.
            if let Some(r) = partial.as_mut() {
                r.kill();
            }
            if kill_coordinator {
                s.kill_chain(COORDINATOR);
                s.restart_chain(COORDINATOR);
            }
            let mut r = s.relayer(&[]);
            let done = s.wait_phase(&id, "done");
            r.kill();
            assert_eq!(
                done["outcome"], "committed",
                "phase {phase}, coordinator killed {kill_coordinator}: {done}"
            );
            assert_eq!(s.leg(SECURITY, &id).as_deref(), Some("committed"));
            assert_eq!(s.leg(CURRENCY, &id).as_deref(), Some("committed"));
            assert_eq!(s.units("HARB", "bob"), bob_before + 1);
            s.audit();
        }
    }

    // Two buyers race for one listing: exactly one purchase commits.
    s.whitelist("HARB", &carol);
    let listed = s.net.json(&[
        "market",
        "list",
        "--from",
        "alice",
        "--symbol",
        "HARB",
        "--units",
        "20",
        "--price-per-unit",
        "50",
    ]);
    let listing_id = listed["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "listing_created")
        .and_then(|e| e["attributes"]["listing_id"].as_str())
        .expect("a listing id")
        .to_owned();
    let mut relayer = s.relayer(&[]);
    let home = s.net.home().to_owned();
    let buyers: Vec<_> = ["bob", "carol"]
        .into_iter()
        .map(|buyer| {
            let (home, listing_id) = (home.clone(), listing_id.clone());
            std::thread::spawn(move || {
                xcc_tests::ok(
                    &home,
                    &[
                        "market",
                        "buy",
                        "--from",
                        buyer,
                        "--listing",
                        &listing_id,
                        "--units",
                        "20",
                    ],
                )
                .trim()
                .to_owned()
            })
        })
        .collect();
    let ids: Vec<String> = buyers
        .into_iter()
        .map(|b| b.join().expect("buyer thread"))
        .collect();
    let outcomes: Vec<String> = ids
        .iter()
        .map(|id| {
            s.wait_phase(id, "done")["outcome"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        outcomes.iter().filter(|o| *o == "committed").count(),
        1,
        "{outcomes:?}"
    );
    s.audit();

    // Many swaps of one security between different pairs at once: none
    // aborts for want of a lock. Each seller holds enough before any runs.
    s.xcc(&[
        "tx", "security", "--from", "issuer", "transfer", "--to", &carol, "--symbol", "HARB",
        "--amount", "10",
    ]);
    let before = [
        s.units("HARB", "alice"),
        s.units("HARB", "bob"),
        s.units("HARB", "carol"),
    ];
    let pairs = [
        ("alice", "bob"),
        ("alice", "carol"),
        ("bob", "carol"),
        ("bob", "alice"),
        ("carol", "alice"),
        ("alice", "bob"),
    ];
    let ids: Vec<String> = pairs
        .iter()
        .map(|(from, to)| s.swap("HARB", from, to, 1, 5, 120))
        .collect();
    for id in &ids {
        let done = s.wait_phase(id, "done");
        assert_eq!(done["outcome"], "committed", "{done}");
    }
    relayer.kill();
    let after = [
        s.units("HARB", "alice"),
        s.units("HARB", "bob"),
        s.units("HARB", "carol"),
    ];
    // alice: -3 +2; bob: +2 -2; carol: +2 -1.
    assert_eq!(after, [before[0] - 1, before[1], before[2] + 1]);
    assert!(s.cash("carol") > 0);
    s.audit();
}

//! Cross-txs on a testnet, through the `xcc` binary: leg and phase
//! queries, waits, relayers that deliver to some chains only, whole chains
//! killed and restarted, and the audit.

use crate::binaries::Spawned;
use crate::testnet::{xcc, Testnet};
use crate::wait::wait_until;

/// The chains of a cross-tx of two legs, the second depending on the first.
#[derive(Clone, Copy, Debug)]
pub struct TwoLegs<'a> {
    pub coordinator: &'a str,
    pub first: &'a str,
    pub second: &'a str,
}

/// How far [`Testnet::relay_to`] relays a cross-tx of two legs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// Taken by the coordinator, nothing relayed.
    Submitted,
    /// The first leg prepared, its vote not relayed.
    FirstPrepared,
    /// Both legs prepared, no vote of the second relayed.
    BothPrepared,
    /// Decided, no decision relayed.
    Decided,
}

impl Stop {
    pub const ALL: [Stop; 4] = [
        Stop::Submitted,
        Stop::FirstPrepared,
        Stop::BothPrepared,
        Stop::Decided,
    ];
}

impl Testnet {
    /// The leg's status on `chain` ("prepared", "committed", ...), if any.
    pub fn leg(&self, chain: &str, id: &str) -> Option<String> {
        let out = xcc(
            self.home(),
            &["query", "--chain-id", chain, "xtx", "leg", id],
        );
        out.status.success().then(|| {
            let leg: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
            leg["status"].as_str().unwrap_or_default().to_owned()
        })
    }

    /// The status on `chain` of leg `index` of the cross-tx, if recorded.
    pub fn leg_at(&self, chain: &str, id: &str, index: usize) -> Option<String> {
        let index = index.to_string();
        let args = [
            "query",
            "--chain-id",
            chain,
            "xtx",
            "leg",
            id,
            "--leg",
            &index,
        ];
        let out = xcc(self.home(), &args);
        out.status.success().then(|| {
            let leg: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
            leg["status"].as_str().unwrap_or_default().to_owned()
        })
    }

    /// Waits until every leg in `legs` of the cross-tx is `status` on `chain`.
    pub fn wait_legs(&self, chain: &str, id: &str, legs: std::ops::Range<usize>, status: &str) {
        wait_until(
            &format!("legs {legs:?} of {id} on {chain} to be {status}"),
            || {
                legs.clone()
                    .all(|leg| self.leg_at(chain, id, leg).as_deref() == Some(status))
            },
        );
    }

    pub fn wait_phase(&self, id: &str, phase: &str) -> serde_json::Value {
        let mut last = serde_json::Value::Null;
        wait_until(&format!("cross-tx {id} to be {phase}"), || {
            // The coordinator may be restarting: an error is a "not yet".
            let out = xcc(self.home(), &["xtx", "status", id]);
            if out.status.success() {
                last = serde_json::from_slice(&out.stdout).expect("JSON");
            }
            last["phase"] == phase || (phase == "decided" && last["phase"] == "done")
        });
        last
    }

    pub fn wait_leg(&self, chain: &str, id: &str, status: &str) {
        wait_until(
            &format!("the leg of {id} on {chain} to be {status}"),
            || self.leg(chain, id).as_deref() == Some(status),
        );
    }

    pub fn relayer(&self, deliver_to: &[&str]) -> Spawned {
        let mut args = Vec::new();
        for chain in deliver_to {
            args.extend(["--deliver-to", chain]);
        }
        self.spawn_relayer("relayer", &args)
    }

    /// Runs a relayer that delivers to `to` only until `until` returns.
    pub fn relay_until(&self, to: &str, until: impl FnOnce()) {
        let mut relayer = self.relayer(&[to]);
        until();
        relayer.kill();
    }

    /// Relays the cross-tx `id` of two legs (leg 0 on `first`, leg 1 on
    /// `second`, which depends on it) one chain at a time as far as `stop`,
    /// and no further: the point where a test kills its coordinator.
    pub fn relay_to(&self, id: &str, chains: TwoLegs, stop: Stop) {
        let TwoLegs {
            coordinator,
            first,
            second,
        } = chains;
        if stop == Stop::Submitted {
            return;
        }
        self.relay_until(first, || self.wait_leg(first, id, "prepared"));
        if stop == Stop::FirstPrepared {
            return;
        }
        self.relay_until(coordinator, || {
            wait_until(&format!("leg 0 of {id} to be voted"), || {
                let out = xcc(self.home(), &["xtx", "status", id]);
                out.status.success() && {
                    let record: serde_json::Value =
                        serde_json::from_slice(&out.stdout).expect("JSON");
                    record["legs"][0]["state"] == "voted_ok"
                }
            })
        });
        self.relay_until(second, || self.wait_leg(second, id, "prepared"));
        if stop == Stop::BothPrepared {
            return;
        }
        self.relay_until(coordinator, || {
            self.wait_phase(id, "decided");
        });
    }

    /// SIGKILL every validator of `chain`.
    pub fn kill_chain(&self, chain: &str) {
        self.xcc(&["testnet", "stop", "--chain", chain, "--kill"]);
    }

    pub fn restart_chain(&self, chain: &str) {
        self.xcc(&["testnet", "start", "--chain", chain, "--timeout", "180"]);
    }

    pub fn audit(&self) {
        let out = xcc(self.home(), &["audit"]);
        assert!(
            out.status.success(),
            "audit found violations:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    pub fn units(&self, symbol: &str, who: &str) -> u64 {
        let balance = self.json(&["query", "security", "balance", symbol, who]);
        balance["amount"].as_u64().unwrap_or(0)
    }

    pub fn cash(&self, who: &str) -> u64 {
        let balance = self.json(&["query", "currency", "balance", who]);
        balance["amount"].as_u64().unwrap_or(0)
    }

    /// `seller` offers `units` of `symbol` to `buyer` for `price` usd
    /// (the offer written to `<testnet>/<name>.json`) and `buyer`
    /// countersigns and submits; returns the cross-tx id.
    #[allow(clippy::too_many_arguments)]
    pub fn swap(
        &self,
        name: &str,
        symbol: &str,
        seller: &str,
        buyer: &str,
        units: u64,
        price: u64,
        deadline_secs: u64,
    ) -> String {
        let file = self.home().join(format!("{name}.json"));
        let file = file.to_str().expect("utf-8 path");
        self.xcc(&[
            "swap",
            "offer",
            "--from",
            seller,
            "--to",
            buyer,
            "--symbol",
            symbol,
            "--units",
            &units.to_string(),
            "--price",
            &price.to_string(),
            "--deadline-secs",
            &deadline_secs.to_string(),
            "--output",
            file,
        ]);
        self.xcc(&["swap", "accept", file, "--from", buyer])
            .trim()
            .to_owned()
    }

    /// The issuer whitelists `account` (an address) for `symbol` until 2100.
    pub fn whitelist(&self, symbol: &str, account: &str) {
        self.xcc(&[
            "tx",
            "security",
            "--from",
            "issuer",
            "whitelist-add",
            "--symbol",
            symbol,
            "--account",
            account,
            "--expires-at",
            "4102444800",
        ]);
    }
}

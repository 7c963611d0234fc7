//! Auctions on a testnet, through `xcc auction`: bidders funded and
//! whitelisted, lots created and shown, and steps that open with block time.

use crate::testnet::{xcc, Testnet};
use crate::wait::wait_until;

/// What every bidder is given to bid with.
pub const BIDDER_CASH: u64 = 5_000;

impl Testnet {
    /// Gives each of `bidders` a key (if it has none), a place on `symbol`'s
    /// whitelist and [`BIDDER_CASH`] usd from the bank.
    pub fn fund_bidders(&self, symbol: &str, bidders: &[&str]) {
        for who in bidders {
            if !xcc(self.home(), &["keys", "show", who, "--address"])
                .status
                .success()
            {
                self.xcc(&["keys", "add", who]);
            }
            let account = self.address(who);
            self.whitelist(symbol, &account);
            self.xcc(&[
                "tx",
                "currency",
                "--from",
                "bank",
                "transfer",
                "--to",
                &account,
                "--denom",
                "usd",
                "--amount",
                &BIDDER_CASH.to_string(),
            ]);
        }
    }

    /// `xcc auction create` of `units` of `symbol` by `seller` on `terms`
    /// (`--kind` and the rest); returns the lot's id.
    pub fn create_lot(&self, seller: &str, symbol: &str, units: u64, terms: &[&str]) -> u64 {
        let units = units.to_string();
        let mut args = vec![
            "auction", "create", "--from", seller, "--symbol", symbol, "--units", &units,
        ];
        args.extend(terms);
        let created = self.json(&args);
        created["events"]
            .as_array()
            .and_then(|events| events.iter().find(|e| e["type"] == "auction_created"))
            .and_then(|e| e["attributes"]["lot_id"].as_str())
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no lot id in {created}"))
    }

    /// `xcc auction show`: the lot with its history.
    pub fn lot(&self, id: u64) -> serde_json::Value {
        self.json(&["auction", "show", &id.to_string()])
    }

    /// The kinds of the lot's history steps, in order.
    pub fn lot_steps(&self, id: u64) -> Vec<String> {
        self.lot(id)["history"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter_map(|step| step["kind"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Runs `args` until the chain takes it: a step that opens with block
    /// time (the first bid, a reveal, the close) is refused before.
    pub fn when_accepted(&self, what: &str, args: &[&str]) {
        wait_until(what, || xcc(self.home(), args).status.success());
    }
}

//! The three chains in process for two-phase commit tests: a coordinator,
//! a security chain with HARB (alice holds 100) and a currency chain where
//! alice, bob, carol and dave hold cash.

#![allow(dead_code)]

use std::collections::BTreeMap;

use xcc_chain::app::TxOutcome;
use xcc_chain::testing::{ChainSetup, TestKey, TestNetwork, BLOCK_INTERVAL_NS};
use xcc_chain::xtx::{cross_tx_id, signed_cross_tx};
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

pub const COORDINATOR: &str = "coordinator-1";
pub const SECURITY: &str = "security-1";
pub const CURRENCY: &str = "currency-1";
pub const SYMBOL: &str = "HARB";
pub const BIG: &str = "BIG";
pub const SUPPLY: u64 = 1_000;
pub const CASH: u64 = 10_000;
/// How long participants keep a finished leg past its deadline.
pub const LEG_RETENTION_SECS: u64 = 300;

pub struct Fixture {
    _dir: tempfile::TempDir,
    pub net: TestNetwork,
    pub registrar: TestKey,
    pub issuer: TestKey,
    pub alice: TestKey,
    pub bob: TestKey,
    pub carol: TestKey,
    /// Has cash but is not on the whitelist.
    pub dave: TestKey,
    pub submitter: TestKey,
}

pub fn fixture(holder_cap: u32) -> Fixture {
    fixture_with(holder_cap, 0)
}

/// The address of the `index`th holder of BIG (they never sign).
pub fn big_holder(index: usize) -> xcc_chain::Address {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&(index as u64).to_be_bytes());
    let key = ed25519_consensus::SigningKey::from(seed);
    xcc_chain::Address::from_public_key(&key.verification_key())
}

/// With `big_holders` > 0, the security chain also starts with BIG, of
/// which each of that many whitelisted holders has one unit.
pub fn fixture_with(holder_cap: u32, big_holders: usize) -> Fixture {
    fixture_paged(
        holder_cap,
        big_holders,
        xcc_security::handler::dividend::DEFAULT_PAGE_HOLDERS,
    )
}

/// A fixture whose dividend payouts carry `page_holders` holders a page.
pub fn fixture_paged(holder_cap: u32, big_holders: usize, page_holders: u32) -> Fixture {
    fixture_configured(
        holder_cap,
        big_holders,
        page_holders,
        xcc_chain::AppConfig::default(),
        None,
    )
}

/// A fixture whose chains run with a node's own `config`, its security
/// chain with a record window of `record_window_blocks` (the default if
/// `None`).
pub fn fixture_configured(
    holder_cap: u32,
    big_holders: usize,
    page_holders: u32,
    config: xcc_chain::AppConfig,
    record_window_blocks: Option<u64>,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let registrar = TestKey::from_seed(1);
    let issuer = TestKey::from_seed(2);
    let (alice, bob, carol, dave) = (
        TestKey::from_seed(3),
        TestKey::from_seed(4),
        TestKey::from_seed(5),
        TestKey::from_seed(6),
    );
    let bank = TestKey::from_seed(7);
    let participant = serde_json::json!({
        "coordinator": COORDINATOR,
        "leg_retention_secs": LEG_RETENTION_SECS,
    });
    let balances: Vec<_> = [&alice, &bob, &carol, &dave]
        .iter()
        .map(|k| serde_json::json!({ "account": k.address.to_string(), "amount": CASH }))
        .collect();
    let setups = vec![
        ChainSetup {
            chain_id: COORDINATOR.into(),
            modules: xcc_coordinator::modules(),
            app_state: serde_json::json!({
                "coordinator": { "participants": [SECURITY, CURRENCY], "max_deadline_secs": 600, "retention_blocks": 50 }
            }),
        },
        ChainSetup {
            chain_id: SECURITY.into(),
            modules: xcc_security::modules(),
            app_state: serde_json::json!({
                "security": {
                    "registrar": registrar.address.to_string(),
                    "securities": big(&issuer, big_holders),
                    "dividend_page_holders": page_holders,
                    "record_window_blocks": record_window_blocks
                        .unwrap_or(xcc_security::DEFAULT_RECORD_WINDOW_BLOCKS),
                },
                "participant": participant,
                "trust": {
                    "fee_denom": "usd",
                    "banks": [{
                        "key": hex::encode(receipt_bank().key.verification_key().to_bytes()),
                        "name": "The fixture's bank",
                        "valid_until_ns": u64::MAX,
                    }],
                },
            }),
        },
        ChainSetup {
            chain_id: CURRENCY.into(),
            modules: xcc_currency::modules(),
            app_state: serde_json::json!({
                "currency": { "denoms": [{ "denom": "usd", "mint_authority": bank.address.to_string(), "balances": balances }] },
                "participant": participant,
            }),
        },
    ];
    let mut net = TestNetwork::with_config(dir.path(), setups, config);
    net.step(BTreeMap::new());
    let mut f = Fixture {
        _dir: dir,
        net,
        registrar,
        issuer,
        alice,
        bob,
        carol,
        dave,
        submitter: TestKey::from_seed(8),
    };
    let register = to_any(&sec::MsgRegisterSecurity {
        issuer: f.issuer.address.to_string(),
        registrar: f.registrar.address.to_string(),
        symbol: SYMBOL.into(),
        name: "12 Harbour Street".into(),
        property: None,
        total_supply: SUPPLY,
        holder_cap,
    });
    ok(
        &mut f.net,
        SECURITY,
        &[&f.issuer, &f.registrar],
        vec![register],
    );
    let whitelist: Vec<Any> = [&f.alice, &f.bob, &f.carol]
        .iter()
        .map(|k| {
            to_any(&sec::MsgWhitelistAdd {
                authority: f.issuer.address.to_string(),
                symbol: SYMBOL.into(),
                account: k.address.to_string(),
                expires_at: 4_000_000_000,
            })
        })
        .collect();
    ok(&mut f.net, SECURITY, &[&f.issuer], whitelist);
    let seed = vec![units(&f.issuer, &f.alice, 100)];
    ok(&mut f.net, SECURITY, &[&f.issuer], seed);
    f
}

/// The genesis of BIG: one unit for each of `holders` whitelisted holders.
fn big(issuer: &TestKey, holders: usize) -> serde_json::Value {
    if holders == 0 {
        return serde_json::json!([]);
    }
    let accounts: Vec<String> = (0..holders).map(|i| big_holder(i).to_string()).collect();
    let balances: Vec<_> = accounts
        .iter()
        .map(|a| serde_json::json!({ "account": a, "amount": 1 }))
        .collect();
    serde_json::json!([{
        "symbol": BIG,
        "name": "A tower of many owners",
        "issuer": issuer.address.to_string(),
        "total_supply": 2 * holders as u64,
        "holder_cap": holders as u32,
        "whitelist": accounts,
        "balances": balances,
    }])
}

/// Every leg record on `chain` in `status` (`Unspecified` for all).
pub fn legs(net: &TestNetwork, chain: &str, status: xtx::LegStatus) -> Vec<xtx::LegRecord> {
    net.chain(chain)
        .query_all(
            "/xcc.xtx.v1.Query/Legs",
            |page| xtx::QueryLegsRequest {
                status: status as i32,
                page: Some(page),
            },
            |r: xtx::QueryLegsResponse| (r.legs, r.page),
        )
        .unwrap()
}

pub fn leg(chain_id: &str, msgs: Vec<Any>, depends_on: Option<u32>) -> xtx::Leg {
    xtx::Leg {
        chain_id: chain_id.into(),
        msgs,
        depends_on,
    }
}

pub fn fill(buyer: &TestKey, listing_id: u64, units: u64) -> Any {
    to_any(&sec::MsgFillListing {
        buyer: buyer.address.to_string(),
        listing_id,
        units,
    })
}

pub fn units(from: &TestKey, to: &TestKey, amount: u64) -> Any {
    to_any(&sec::MsgTransfer {
        from: from.address.to_string(),
        to: to.address.to_string(),
        symbol: SYMBOL.into(),
        amount,
    })
}

pub fn cash(from: &TestKey, to: &TestKey, amount: u64) -> Any {
    to_any(&cash::MsgTransfer {
        from: from.address.to_string(),
        to: to.address.to_string(),
        denom: "usd".into(),
        amount,
    })
}

/// The bank whose receipts the security chain takes (registered in genesis).
pub fn receipt_bank() -> TestKey {
    TestKey::from_seed(30)
}

pub fn ok(net: &mut TestNetwork, chain: &str, signers: &[&TestKey], msgs: Vec<Any>) {
    let outcome = net.submit(chain, signers, msgs);
    assert!(outcome.is_ok(), "{}", outcome.log);
}

impl Fixture {
    /// The issuer declares a dividend of `symbol` at the last committed
    /// height, paid by dave; returns its id.
    pub fn declare(&mut self, symbol: &str, amount_per_unit_micros: u64) -> u64 {
        let record_height = self.net.chain(SECURITY).height();
        let msg = to_any(&sec::MsgDeclareDividend {
            issuer: self.issuer.address.to_string(),
            symbol: symbol.into(),
            record_height,
            amount_per_unit_micros,
            payer: self.dave.address.to_string(),
            denom: "usd".into(),
            currency_chain: CURRENCY.into(),
        });
        let issuer = TestKey::from_seed(2);
        ok(&mut self.net, SECURITY, &[&issuer], vec![msg]);
        let all = self
            .net
            .chain(SECURITY)
            .query_all(
                "/xcc.security.v1.Query/Dividends",
                |page| sec::QueryDividendsRequest {
                    page: Some(page),
                    ..Default::default()
                },
                |r: sec::QueryDividendsResponse| (r.dividends, r.page),
            )
            .unwrap();
        all.last().expect("a dividend").id
    }

    pub fn dividend(&self, id: u64) -> sec::Dividend {
        self.net
            .chain(SECURITY)
            .query(
                "/xcc.security.v1.Query/Dividend",
                &sec::QueryDividendRequest { dividend_id: id },
            )
            .unwrap()
    }

    /// `seller` (a key of its own, not one of the fixture's borrowed) lists `units` of HARB at `price_per_unit` usd on the
    /// currency chain; returns the listing's id.
    pub fn list(&mut self, seller: &TestKey, units: u64, price_per_unit: u64) -> u64 {
        let msg = to_any(&sec::MsgCreateListing {
            seller: seller.address.to_string(),
            symbol: SYMBOL.into(),
            units,
            price_per_unit,
            denom: "usd".into(),
            currency_chain: CURRENCY.into(),
        });
        ok(&mut self.net, SECURITY, &[seller], vec![msg]);
        self.listings()
            .iter()
            .map(|l| l.id)
            .max()
            .expect("a listing")
    }

    /// Every open listing on the security chain.
    pub fn listings(&self) -> Vec<sec::Listing> {
        self.net
            .chain(SECURITY)
            .query_all(
                "/xcc.security.v1.Query/Listings",
                |page| sec::QueryListingsRequest {
                    page: Some(page),
                    ..Default::default()
                },
                |r: sec::QueryListingsResponse| (r.listings, r.page),
            )
            .unwrap()
    }

    /// Submits `signed` by the fixture's submitter in the coordinator's
    /// next block, which must refuse it and change nothing but the
    /// submitter's nonce.
    pub fn refused_at_intake(&mut self, signed: &xtx::SignedCrossTx) -> TxOutcome {
        let tx = self
            .net
            .chain(COORDINATOR)
            .tx(&[&self.submitter], vec![self.submit_msg(signed)]);
        let coordinator = self
            .net
            .chains
            .get_mut(COORDINATOR)
            .expect("the coordinator");
        coordinator.assert_refused(tx)
    }

    /// A cross-tx of `legs` due in a minute, signed by `signers`.
    pub fn signed(
        &self,
        legs: Vec<xtx::Leg>,
        signers: &[&TestKey],
        salt: u8,
    ) -> xtx::SignedCrossTx {
        let cross_tx = xtx::CrossTx {
            legs,
            deadline_ns: self.now() + 60 * BLOCK_INTERVAL_NS,
            salt: vec![salt],
        };
        let keys: Vec<_> = signers.iter().map(|k| &k.key).collect();
        signed_cross_tx(cross_tx, &keys)
    }

    pub fn now(&self) -> u64 {
        self.net.chain(COORDINATOR).next_block().time_ns
    }

    /// A swap of `amount` units from `seller` for `price` cash from `buyer`.
    pub fn swap(
        &self,
        seller: &TestKey,
        buyer: &TestKey,
        amount: u64,
        price: u64,
        salt: u8,
    ) -> xtx::SignedCrossTx {
        let cross_tx = xtx::CrossTx {
            legs: vec![
                xtx::Leg {
                    chain_id: SECURITY.into(),
                    msgs: vec![units(seller, buyer, amount)],
                    depends_on: None,
                },
                xtx::Leg {
                    chain_id: CURRENCY.into(),
                    msgs: vec![cash(buyer, seller, price)],
                    depends_on: None,
                },
            ],
            deadline_ns: self.now() + 60 * BLOCK_INTERVAL_NS,
            salt: vec![salt],
        };
        signed_cross_tx(cross_tx, &[&seller.key, &buyer.key])
    }

    pub fn submit_msg(&self, signed: &xtx::SignedCrossTx) -> Any {
        to_any(&coord::MsgSubmitCrossTx {
            submitter: self.submitter.address.to_string(),
            signed_cross_tx: Some(signed.clone()),
        })
    }

    pub fn submit(&mut self, signed: &xtx::SignedCrossTx) -> [u8; 32] {
        let msg = self.submit_msg(signed);
        let submitter = TestKey::from_seed(8);
        ok(&mut self.net, COORDINATOR, &[&submitter], vec![msg]);
        cross_tx_id(signed.cross_tx.as_ref().unwrap())
    }

    pub fn record(&self, id: &[u8; 32]) -> coord::CrossTxRecord {
        self.net
            .chain(COORDINATOR)
            .query(
                "/xcc.coordinator.v1.Query/CrossTx",
                &coord::QueryCrossTxRequest { tx_id: id.to_vec() },
            )
            .expect("a record")
    }

    pub fn run_to_done(&mut self, ids: &[[u8; 32]]) {
        let ids = ids.to_vec();
        self.net.run_until(40, |net| {
            ids.iter().all(|id| {
                let record: coord::CrossTxRecord = net
                    .chain(COORDINATOR)
                    .query(
                        "/xcc.coordinator.v1.Query/CrossTx",
                        &coord::QueryCrossTxRequest { tx_id: id.to_vec() },
                    )
                    .unwrap();
                record.phase == coord::Phase::Done as i32
            })
        });
    }

    pub fn units_of(&self, who: &TestKey) -> sec::QueryBalanceResponse {
        self.net
            .chain(SECURITY)
            .query(
                "/xcc.security.v1.Query/Balance",
                &sec::QueryBalanceRequest {
                    symbol: SYMBOL.into(),
                    account: who.address.to_string(),
                },
            )
            .unwrap()
    }

    pub fn cash_of(&self, who: &TestKey) -> cash::QueryBalanceResponse {
        self.net
            .chain(CURRENCY)
            .query(
                "/xcc.currency.v1.Query/Balance",
                &cash::QueryBalanceRequest {
                    denom: "usd".into(),
                    account: who.address.to_string(),
                },
            )
            .unwrap()
    }

    pub fn security(&self) -> sec::Security {
        self.net
            .chain(SECURITY)
            .query(
                "/xcc.security.v1.Query/Security",
                &sec::QuerySecurityRequest {
                    symbol: SYMBOL.into(),
                },
            )
            .unwrap()
    }

    /// Nothing held anywhere, every leg settled, and units and cash conserved.
    pub fn assert_settled(&self) {
        let sec_holds = self
            .net
            .chain(SECURITY)
            .query_all(
                "/xcc.security.v1.Query/Holds",
                |page| sec::QueryHoldsRequest { page: Some(page) },
                |r: sec::QueryHoldsResponse| (r.holds, r.page),
            )
            .unwrap();
        assert!(sec_holds.is_empty(), "security holds left: {sec_holds:?}");
        let cash_holds = self
            .net
            .chain(CURRENCY)
            .query_all(
                "/xcc.currency.v1.Query/Holds",
                |page| cash::QueryHoldsRequest { page: Some(page) },
                |r: cash::QueryHoldsResponse| (r.holds, r.page),
            )
            .unwrap();
        assert!(cash_holds.is_empty(), "cash holds left: {cash_holds:?}");
        for chain in [SECURITY, CURRENCY] {
            let prepared = legs(&self.net, chain, xtx::LegStatus::Prepared);
            assert!(prepared.is_empty(), "prepared legs left on {chain}");
        }
        let accounts = [
            &self.issuer,
            &self.alice,
            &self.bob,
            &self.carol,
            &self.dave,
        ];
        let units: u64 = accounts.iter().map(|k| self.units_of(k).amount).sum();
        assert_eq!(units, SUPPLY, "units conserved");
        for k in accounts {
            let position = self.units_of(k);
            assert_eq!((position.reserved, position.pending_in), (0, 0));
            assert_eq!(self.cash_of(k).reserved, 0);
        }
        let total_cash: u64 = accounts.iter().map(|k| self.cash_of(k).amount).sum();
        assert_eq!(total_cash, 4 * CASH, "cash conserved");
        let security = self.security();
        assert_eq!(security.reserved_slots, 0);
        assert!(security.holders <= security.holder_cap);
    }

    /// Steps past `deadline`, then relays everything again: the cross-tx
    /// must abort for its deadline, leaving alice's units where they were.
    pub fn abort_at_the_deadline(&mut self, id: &[u8; 32], deadline: u64) {
        while self.now() <= deadline {
            self.net.step(BTreeMap::new());
        }
        self.net.blocked.clear();
        self.run_to_done(&[*id]);
        self.assert_aborted(id, "deadline passed");
        assert_eq!(self.units_of(&self.alice).amount, 100);
    }

    pub fn assert_aborted(&self, id: &[u8; 32], reason: &str) {
        let record = self.record(id);
        assert!(record.decided && !record.commit, "not aborted: {record:?}");
        let timeline: Vec<String> = record
            .timeline
            .iter()
            .map(|t| format!("{} {}", t.step, t.detail))
            .collect();
        assert!(
            timeline.iter().any(|t| t.contains(reason)),
            "no {reason:?} in the timeline {timeline:#?}"
        );
    }
}

/// Every invariant broken on the three chains, as `xcc audit` words it.
pub fn violations(f: &Fixture) -> Vec<String> {
    xcc_audit::testing::audit_network(&f.net, COORDINATOR, SECURITY, CURRENCY)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// No invariant broken on the three chains.
pub fn assert_audited(f: &Fixture) {
    let violations = violations(f);
    assert!(violations.is_empty(), "{violations:?}");
}

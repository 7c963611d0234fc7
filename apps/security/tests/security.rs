//! The security chain through the app: registration, whitelist, holder cap,
//! freezing, queries, and every refusal leaving state unchanged.

use xcc_chain::error::code;
use xcc_chain::page::{PageRequest, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use xcc_chain::testing::{TestChain, TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::Address;
use xcc_proto::security::v1 as pb;
use xcc_proto::{to_any, Any};
use xcc_security::SecurityModule;

struct Fixture {
    _dir: tempfile::TempDir,
    chain: TestChain,
    registrar: TestKey,
    issuer: TestKey,
    alice: TestKey,
    bob: TestKey,
    carol: TestKey,
}

const FAR_FUTURE: i64 = 4_000_000_000;

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let registrar = TestKey::from_seed(10);
    let app_state =
        serde_json::json!({ "security": { "registrar": registrar.address.to_string() } });
    let mut chain = TestChain::new(
        dir.path(),
        "security-1",
        vec![Box::new(SecurityModule)],
        app_state,
    );
    chain.block(vec![]);
    Fixture {
        _dir: dir,
        chain,
        registrar,
        issuer: TestKey::from_seed(11),
        alice: TestKey::from_seed(12),
        bob: TestKey::from_seed(13),
        carol: TestKey::from_seed(14),
    }
}

fn registration(issuer: &TestKey, registrar: &TestKey, symbol: &str, cap: u32) -> Any {
    to_any(&pb::MsgRegisterSecurity {
        issuer: issuer.address.to_string(),
        registrar: registrar.address.to_string(),
        symbol: symbol.into(),
        name: "12 Harbour Street".into(),
        property: Some(pb::PropertyMetadata {
            location: "Lisbon".into(),
            valuation: 2_000_000,
            ..Default::default()
        }),
        total_supply: 1000,
        holder_cap: cap,
    })
}

fn whitelist(authority: &TestKey, account: &TestKey, expires_at: i64) -> Any {
    to_any(&pb::MsgWhitelistAdd {
        authority: authority.address.to_string(),
        symbol: "HARB".into(),
        account: account.address.to_string(),
        expires_at,
    })
}

fn transfer(from: &TestKey, to: &TestKey, amount: u64) -> Any {
    to_any(&pb::MsgTransfer {
        from: from.address.to_string(),
        to: to.address.to_string(),
        symbol: "HARB".into(),
        amount,
    })
}

fn balance(chain: &TestChain, who: &TestKey) -> u64 {
    let request = pb::QueryBalanceRequest {
        symbol: "HARB".into(),
        account: who.address.to_string(),
    };
    chain
        .query::<pb::QueryBalanceResponse>("/xcc.security.v1.Query/Balance", &request)
        .unwrap()
        .amount
}

/// Every holder of HARB, all pages in one answer.
fn holders(chain: &TestChain) -> pb::QueryHoldersResponse {
    let (mut count, mut holder_cap) = (0, 0);
    let holders = chain
        .query_all(
            "/xcc.security.v1.Query/Holders",
            |page| holders_request(Some(page)),
            |r: pb::QueryHoldersResponse| {
                (count, holder_cap) = (r.count, r.holder_cap);
                (r.holders, r.page)
            },
        )
        .unwrap();
    pb::QueryHoldersResponse {
        holders,
        count,
        holder_cap,
        page: None,
    }
}

fn holders_request(page: Option<PageRequest>) -> pb::QueryHoldersRequest {
    pb::QueryHoldersRequest {
        symbol: "HARB".into(),
        page,
    }
}

fn holders_page(chain: &TestChain, page: Option<PageRequest>) -> pb::QueryHoldersResponse {
    chain
        .query("/xcc.security.v1.Query/Holders", &holders_request(page))
        .unwrap()
}

fn ok(chain: &mut TestChain, signers: &[&TestKey], msgs: Vec<Any>) {
    let outcome = chain.submit(signers, msgs);
    assert!(outcome.is_ok(), "{}", outcome.log);
}

/// Registers HARB with `cap` and whitelists `accounts` for a long time.
fn registered(
    chain: &mut TestChain,
    issuer: &TestKey,
    registrar: &TestKey,
    cap: u32,
    accounts: &[&TestKey],
) {
    ok(
        chain,
        &[issuer, registrar],
        vec![registration(issuer, registrar, "HARB", cap)],
    );
    if !accounts.is_empty() {
        let msgs = accounts
            .iter()
            .map(|a| whitelist(issuer, a, FAR_FUTURE))
            .collect();
        ok(chain, &[issuer], msgs);
    }
}

#[test]
fn registration_needs_the_registrar() {
    let mut f = fixture();
    let msg = registration(&f.issuer, &f.registrar, "HARB", 10);
    let unsigned = f.chain.tx(&[&f.issuer], vec![msg.clone()]);
    let outcome = f.chain.assert_refused(unsigned);
    assert_eq!(outcome.code, code::UNAUTHORIZED);

    // Someone who countersigns but is not the registrar named at genesis.
    let impostor = registration(&f.issuer, &f.alice, "HARB", 10);
    let outcome = f
        .chain
        .assert_refused(f.chain.tx(&[&f.issuer, &f.alice], vec![impostor]));
    assert_eq!(outcome.codespace, "security");
    assert!(outcome.log.contains("not the registrar"), "{}", outcome.log);

    ok(&mut f.chain, &[&f.issuer, &f.registrar], vec![msg.clone()]);
    let security: pb::Security = f
        .chain
        .query(
            "/xcc.security.v1.Query/Security",
            &pb::QuerySecurityRequest {
                symbol: "HARB".into(),
            },
        )
        .unwrap();
    assert_eq!(
        (security.total_supply, security.holder_cap, security.holders),
        (1000, 10, 0)
    );
    assert_eq!(security.property.unwrap().location, "Lisbon");
    assert_eq!(
        balance(&f.chain, &f.issuer),
        1000,
        "the supply goes to the issuer"
    );

    let again = f.chain.tx(&[&f.issuer, &f.registrar], vec![msg]);
    assert!(f
        .chain
        .assert_refused(again)
        .log
        .contains("already registered"));
    let bad_symbol = registration(&f.issuer, &f.registrar, "harb/x", 10);
    assert!(f
        .chain
        .assert_refused(f.chain.tx(&[&f.issuer, &f.registrar], vec![bad_symbol]))
        .log
        .contains("invalid symbol"));
    let no_cap = registration(&f.issuer, &f.registrar, "ZERO", 0);
    assert!(f
        .chain
        .assert_refused(f.chain.tx(&[&f.issuer, &f.registrar], vec![no_cap]))
        .log
        .contains("holder_cap"));
}

#[test]
fn transfers_need_both_parties_whitelisted() {
    let mut f = fixture();
    registered(&mut f.chain, &f.issuer, &f.registrar, 10, &[&f.alice]);
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![transfer(&f.issuer, &f.alice, 100)],
    );

    let to_outsider = f
        .chain
        .tx(&[&f.alice], vec![transfer(&f.alice, &f.bob, 10)]);
    let outcome = f.chain.assert_refused(to_outsider);
    assert!(
        outcome.log.contains("not on the whitelist"),
        "{}",
        outcome.log
    );

    // An entry that expires two blocks from now works until then.
    let expires_at =
        f.chain.next_block().time_seconds() + 2 * (BLOCK_INTERVAL_NS / 1_000_000_000) as i64;
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![whitelist(&f.issuer, &f.bob, expires_at)],
    );
    ok(
        &mut f.chain,
        &[&f.alice],
        vec![transfer(&f.alice, &f.bob, 10)],
    );
    let late = f
        .chain
        .tx(&[&f.alice], vec![transfer(&f.alice, &f.bob, 10)]);
    let outcome = f.chain.assert_refused(late);
    assert!(outcome.log.contains("expired"), "{}", outcome.log);

    // The sender is checked too: bob's entry has expired.
    let from_expired = f.chain.tx(&[&f.bob], vec![transfer(&f.bob, &f.alice, 1)]);
    assert!(f.chain.assert_refused(from_expired).log.contains("expired"));

    let status: pb::QueryWhitelistResponse = f
        .chain
        .query(
            "/xcc.security.v1.Query/Whitelist",
            &pb::QueryWhitelistRequest {
                symbol: "HARB".into(),
                account: f.bob.address.to_string(),
            },
        )
        .unwrap();
    assert!(status.listed && !status.active);

    let overdraft = f
        .chain
        .tx(&[&f.alice], vec![transfer(&f.alice, &f.issuer, 91)]);
    assert!(f.chain.assert_refused(overdraft).log.contains("needs 91"));
    assert_eq!(
        (balance(&f.chain, &f.alice), balance(&f.chain, &f.bob)),
        (90, 10)
    );
}

#[test]
fn holder_cap_is_kept_and_freed_by_selling_out() {
    let mut f = fixture();
    registered(
        &mut f.chain,
        &f.issuer,
        &f.registrar,
        2,
        &[&f.alice, &f.bob, &f.carol],
    );
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![
            transfer(&f.issuer, &f.alice, 100),
            transfer(&f.issuer, &f.bob, 100),
        ],
    );
    assert_eq!(holders(&f.chain).count, 2);

    let third = f
        .chain
        .tx(&[&f.issuer], vec![transfer(&f.issuer, &f.carol, 1)]);
    let outcome = f.chain.assert_refused(third);
    assert!(
        outcome.log.contains("above its cap of 2"),
        "{}",
        outcome.log
    );

    // Alice sells out to bob: one holder fewer, so carol may join.
    ok(
        &mut f.chain,
        &[&f.alice],
        vec![transfer(&f.alice, &f.bob, 100)],
    );
    assert_eq!(holders(&f.chain).count, 1);
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![transfer(&f.issuer, &f.carol, 1)],
    );

    // A holder passing everything to a newcomer keeps the count.
    let dave = TestKey::from_seed(15);
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![whitelist(&f.issuer, &dave, FAR_FUTURE)],
    );
    ok(
        &mut f.chain,
        &[&f.carol],
        vec![transfer(&f.carol, &dave, 1)],
    );

    let list = holders(&f.chain);
    assert_eq!((list.count, list.holder_cap), (2, 2));
    let mut expected = vec![
        (f.bob.address.to_string(), 200),
        (dave.address.to_string(), 1),
    ];
    expected.sort();
    let got: Vec<(String, u64)> = list
        .holders
        .into_iter()
        .map(|h| (h.account, h.amount))
        .collect();
    assert_eq!(got, expected, "issuer excluded, sorted by address");
}

#[test]
fn kyc_agents_manage_the_whitelist() {
    let mut f = fixture();
    registered(&mut f.chain, &f.issuer, &f.registrar, 10, &[]);
    let agent = TestKey::from_seed(20);

    let by_stranger = f
        .chain
        .tx(&[&agent], vec![whitelist(&agent, &f.alice, FAR_FUTURE)]);
    assert!(f
        .chain
        .assert_refused(by_stranger)
        .log
        .contains("neither the issuer nor a KYC agent"));

    let appoint = to_any(&pb::MsgAppointKycAgent {
        issuer: f.issuer.address.to_string(),
        symbol: "HARB".into(),
        agent: agent.address.to_string(),
    });
    let not_issuer = f.chain.tx(
        &[&f.alice],
        vec![to_any(&pb::MsgAppointKycAgent {
            issuer: f.alice.address.to_string(),
            symbol: "HARB".into(),
            agent: agent.address.to_string(),
        })],
    );
    assert!(f
        .chain
        .assert_refused(not_issuer)
        .log
        .contains("not the issuer"));
    ok(&mut f.chain, &[&f.issuer], vec![appoint]);
    ok(
        &mut f.chain,
        &[&agent],
        vec![whitelist(&agent, &f.alice, FAR_FUTURE)],
    );

    let agents = f
        .chain
        .query_all(
            "/xcc.security.v1.Query/KycAgents",
            |page| pb::QueryKycAgentsRequest {
                symbol: "HARB".into(),
                page: Some(page),
            },
            |r: pb::QueryKycAgentsResponse| (r.agents, r.page),
        )
        .unwrap();
    assert_eq!(agents, vec![agent.address.to_string()]);

    let past = whitelist(&agent, &f.bob, 1_000);
    assert!(f
        .chain
        .assert_refused(f.chain.tx(&[&agent], vec![past]))
        .log
        .contains("not after block time"));

    let remove = to_any(&pb::MsgWhitelistRemove {
        authority: agent.address.to_string(),
        symbol: "HARB".into(),
        account: f.alice.address.to_string(),
    });
    ok(&mut f.chain, &[&agent], vec![remove]);
    let revoke = to_any(&pb::MsgRevokeKycAgent {
        issuer: f.issuer.address.to_string(),
        symbol: "HARB".into(),
        agent: agent.address.to_string(),
    });
    ok(&mut f.chain, &[&f.issuer], vec![revoke]);
    let after_revoke = f
        .chain
        .tx(&[&agent], vec![whitelist(&agent, &f.bob, FAR_FUTURE)]);
    assert!(f
        .chain
        .assert_refused(after_revoke)
        .log
        .contains("neither the issuer nor a KYC agent"));
}

#[test]
fn frozen_positions_neither_send_nor_receive() {
    let mut f = fixture();
    registered(
        &mut f.chain,
        &f.issuer,
        &f.registrar,
        10,
        &[&f.alice, &f.bob],
    );
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![transfer(&f.issuer, &f.alice, 50)],
    );
    let freeze = |issuer: &TestKey, who: &TestKey| {
        to_any(&pb::MsgFreeze {
            issuer: issuer.address.to_string(),
            symbol: "HARB".into(),
            account: who.address.to_string(),
        })
    };
    let by_alice = f.chain.tx(&[&f.alice], vec![freeze(&f.alice, &f.bob)]);
    assert!(f
        .chain
        .assert_refused(by_alice)
        .log
        .contains("not the issuer"));
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![freeze(&f.issuer, &f.alice)],
    );

    let send = f.chain.tx(&[&f.alice], vec![transfer(&f.alice, &f.bob, 1)]);
    assert!(f.chain.assert_refused(send).log.contains("frozen"));
    let receive = f
        .chain
        .tx(&[&f.issuer], vec![transfer(&f.issuer, &f.alice, 1)]);
    assert!(f.chain.assert_refused(receive).log.contains("frozen"));
    let request = pb::QueryBalanceRequest {
        symbol: "HARB".into(),
        account: f.alice.address.to_string(),
    };
    let position: pb::QueryBalanceResponse = f
        .chain
        .query("/xcc.security.v1.Query/Balance", &request)
        .unwrap();
    assert!(position.frozen);

    let unfreeze = to_any(&pb::MsgUnfreeze {
        issuer: f.issuer.address.to_string(),
        symbol: "HARB".into(),
        account: f.alice.address.to_string(),
    });
    ok(&mut f.chain, &[&f.issuer], vec![unfreeze]);
    ok(
        &mut f.chain,
        &[&f.alice],
        vec![transfer(&f.alice, &f.bob, 1)],
    );
}

#[test]
fn queries_refuse_bad_requests() {
    let f = fixture();
    let unknown = f.chain.query::<pb::Security>(
        "/xcc.security.v1.Query/Security",
        &pb::QuerySecurityRequest {
            symbol: "NOPE".into(),
        },
    );
    assert_eq!(unknown.unwrap_err().code, code::NOT_FOUND);
    let bad = f.chain.query::<pb::QueryBalanceResponse>(
        "/xcc.security.v1.Query/Balance",
        &pb::QueryBalanceRequest {
            symbol: "HARB".into(),
            account: "not-an-address".into(),
        },
    );
    assert_eq!(bad.unwrap_err().code, code::INVALID_QUERY);
    let path = f.chain.query::<pb::Security>(
        "/xcc.security.v1.Query/Nothing",
        &pb::QuerySecurityRequest::default(),
    );
    assert_eq!(path.unwrap_err().code, code::UNKNOWN_QUERY_PATH);
}

/// An account of its own for each index: genesis gives it units, so it
/// needs no key.
fn genesis_holder(index: u32) -> Address {
    let mut bytes = [9u8; 20];
    bytes[..4].copy_from_slice(&index.to_be_bytes());
    Address::from_bytes(bytes)
}

/// A security chain where HARB has `holders` holders from genesis, one
/// unit each; the issuer keeps as many.
fn many_holders(holders: u32) -> (tempfile::TempDir, TestChain) {
    let dir = tempfile::tempdir().unwrap();
    let (registrar, issuer) = (TestKey::from_seed(10), TestKey::from_seed(11));
    let accounts: Vec<String> = (0..holders)
        .map(|i| genesis_holder(i).to_string())
        .collect();
    let balances: Vec<_> = accounts
        .iter()
        .map(|a| serde_json::json!({ "account": a, "amount": 1 }))
        .collect();
    let app_state = serde_json::json!({ "security": {
        "registrar": registrar.address.to_string(),
        "securities": [{
            "symbol": "HARB",
            "name": "12 Harbour Street",
            "issuer": issuer.address.to_string(),
            "total_supply": 2 * u64::from(holders),
            "holder_cap": holders,
            "whitelist": accounts,
            "balances": balances,
        }],
    } });
    let mut chain = TestChain::new(
        dir.path(),
        "security-1",
        vec![Box::new(SecurityModule)],
        app_state,
    );
    chain.block(vec![]);
    (dir, chain)
}

#[test]
fn holders_come_in_bounded_pages_that_follow_to_every_holder_once() {
    const HOLDERS: u32 = 2_500;
    let (_dir, chain) = many_holders(HOLDERS);
    let page = |key: Vec<u8>, limit| Some(PageRequest { key, limit });

    // No page, or a limit of 0, is the default page; every page tells the
    // count of all holders.
    for request in [None, page(Vec::new(), 0)] {
        let first = holders_page(&chain, request);
        assert_eq!(first.holders.len(), DEFAULT_PAGE_LIMIT as usize);
        assert_eq!((first.count, first.holder_cap), (HOLDERS, HOLDERS));
        assert!(!first.page.unwrap_or_default().next_key.is_empty());
    }
    // No request gets more than the maximum.
    let greedy = holders_page(&chain, page(Vec::new(), 10 * MAX_PAGE_LIMIT));
    assert_eq!(greedy.holders.len(), MAX_PAGE_LIMIT as usize);

    // Following next keys lists every holder once, by address; the issuer
    // is none.
    let (mut listed, mut pages, mut key) = (Vec::new(), 0, Vec::new());
    loop {
        let answer = holders_page(&chain, page(key, 700));
        assert!(answer.holders.len() <= 700);
        assert_eq!(answer.count, HOLDERS);
        listed.extend(answer.holders.into_iter().map(|h| h.account));
        pages += 1;
        key = answer.page.unwrap_or_default().next_key;
        if key.is_empty() {
            break;
        }
    }
    let mut expected: Vec<String> = (0..HOLDERS)
        .map(|i| genesis_holder(i).to_string())
        .collect();
    expected.sort();
    assert_eq!(pages, 4);
    assert_eq!(listed, expected);
    assert_eq!(holders(&chain).holders.len(), HOLDERS as usize);

    // A page key of another list is refused.
    let elsewhere = chain.query::<pb::QueryHoldersResponse>(
        "/xcc.security.v1.Query/Holders",
        &holders_request(page(b"security/balance/OTHER/".to_vec(), 0)),
    );
    assert_eq!(elsewhere.unwrap_err().code, code::INVALID_QUERY);
}

/// Runs one block of `txs` on both chains; they must agree on every result
/// and on the app hash.
fn on_both(a: &mut TestChain, b: &mut TestChain, txs: Vec<Vec<u8>>) -> Vec<xcc_chain::TxOutcome> {
    let results = a.block(txs.clone());
    let theirs = b.block(txs);
    let codes = |r: &[xcc_chain::TxOutcome]| {
        r.iter()
            .map(|o| (o.code, o.log.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        codes(&results),
        codes(&theirs),
        "the nodes disagree on a tx"
    );
    assert_eq!(
        a.app_hash(),
        b.app_hash(),
        "the nodes disagree on the state"
    );
    results
}

#[test]
fn nodes_keeping_different_history_agree_on_every_declaration() {
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let registrar = TestKey::from_seed(10);
    let issuer = TestKey::from_seed(11);
    let app_state = serde_json::json!({ "security": {
        "registrar": registrar.address.to_string(),
        "record_window_blocks": 4,
    } });
    let modules = || -> Vec<Box<dyn xcc_chain::Module>> { vec![Box::new(SecurityModule)] };
    // Node a keeps 2 recent heights by its own config, node b everything.
    let config = xcc_chain::AppConfig {
        keep_recent: Some(2),
        ..Default::default()
    };
    let mut a = TestChain::with_config(
        dir_a.path(),
        "security-1",
        modules(),
        app_state.clone(),
        config,
    );
    let mut b = TestChain::new(dir_b.path(), "security-1", modules(), app_state);
    on_both(&mut a, &mut b, vec![]);
    let register = a.tx(
        &[&issuer, &registrar],
        vec![registration(&issuer, &registrar, "HARB", 10)],
    );
    on_both(&mut a, &mut b, vec![register]);
    for _ in 0..6 {
        on_both(&mut a, &mut b, vec![]);
    }
    let declare = |chain: &TestChain, back: u64| {
        let msg = to_any(&pb::MsgDeclareDividend {
            issuer: issuer.address.to_string(),
            symbol: "HARB".into(),
            record_height: chain.height() - back,
            amount_per_unit_micros: 1_000_000,
            payer: issuer.address.to_string(),
            denom: "usd".into(),
            currency_chain: "currency-1".into(),
        });
        chain.tx(&[&issuer], vec![msg])
    };
    // Inside the window every node can read the record height, even the
    // one whose own config would have pruned it; outside it no node may.
    let mut declared = Vec::new();
    for (back, accepted) in [(0, true), (3, true), (4, false), (7, false)] {
        let tx = declare(&a, back);
        let record_height = a.height() - back;
        let outcome = on_both(&mut a, &mut b, vec![tx]).remove(0);
        assert_eq!(outcome.is_ok(), accepted, "{back} back: {}", outcome.log);
        if accepted {
            declared.push(record_height);
        } else {
            assert!(
                outcome.log.contains("record window is 4 blocks"),
                "{}",
                outcome.log
            );
        }
    }
    // Unpaid dividends keep their record heights; the rest goes past the window.
    for _ in 0..8 {
        on_both(&mut a, &mut b, vec![]);
    }
    let store = a.app.store();
    for height in declared {
        assert!(
            store.has_version(height),
            "record height {height} was pruned"
        );
    }
    assert!(!store.has_version(1), "heights nobody needs are pruned");
}

#[test]
fn a_holder_keeps_its_whitelist_entry_until_it_holds_nothing() {
    let mut f = fixture();
    let agent = TestKey::from_seed(20);
    registered(&mut f.chain, &f.issuer, &f.registrar, 10, &[&f.alice]);
    let appoint = to_any(&pb::MsgAppointKycAgent {
        issuer: f.issuer.address.to_string(),
        symbol: "HARB".into(),
        agent: agent.address.to_string(),
    });
    ok(&mut f.chain, &[&f.issuer], vec![appoint]);
    ok(
        &mut f.chain,
        &[&f.issuer],
        vec![transfer(&f.issuer, &f.alice, 5)],
    );
    let remove = || {
        to_any(&pb::MsgWhitelistRemove {
            authority: agent.address.to_string(),
            symbol: "HARB".into(),
            account: f.alice.address.to_string(),
        })
    };
    let refused = f.chain.tx(&[&agent], vec![remove()]);
    let log = f.chain.assert_refused(refused).log;
    assert!(
        log.contains("holds 5 HARB") && log.contains("freeze"),
        "{log}"
    );
    // Once alice sold out, her entry may go.
    ok(
        &mut f.chain,
        &[&f.alice],
        vec![transfer(&f.alice, &f.issuer, 5)],
    );
    ok(&mut f.chain, &[&agent], vec![remove()]);
    assert_eq!(balance(&f.chain, &f.alice), 0);
}

#[test]
fn a_dividend_page_holds_1_to_10_000_holders_and_genesis_says_so() {
    let registrar = TestKey::from_seed(10);
    let init = |page_holders: u64| {
        let dir = tempfile::tempdir().unwrap();
        let store = xcc_store::Store::open(&dir.path().join("state.redb")).unwrap();
        let modules: Vec<Box<dyn xcc_chain::Module>> = vec![Box::new(SecurityModule)];
        let mut app = xcc_chain::App::new(store, Default::default(), modules).unwrap();
        let app_state = serde_json::json!({ "security": {
            "registrar": registrar.address.to_string(),
            "dividend_page_holders": page_holders,
        } });
        app.init_chain("security-1", 1, &app_state).map(|_| ())
    };
    for accepted in [1, 10_000] {
        assert!(init(accepted).is_ok(), "{accepted}");
    }
    for refused in [0, 10_001] {
        let error = init(refused).unwrap_err().to_string();
        assert!(
            error.contains(&format!(
                "dividend_page_holders is 1 to 10000, not {refused}"
            )),
            "{error}"
        );
    }
}

//! The currency chain end to end through the app: mint, transfer, queries, and
//! every refusal of the tx envelope.

use prost::Name;
use xcc_chain::error::code;
use xcc_chain::page::{PageRequest, DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT};
use xcc_chain::testing::{TestChain, TestKey};
use xcc_chain::tx::signed_tx;
use xcc_chain::{Address, CheckKind};
use xcc_currency::CurrencyModule;
use xcc_proto::currency::v1 as pb;
use xcc_proto::{prost::Message, to_any, Any};

const CHAIN: &str = "currency-1";

struct Fixture {
    _dir: tempfile::TempDir,
    chain: TestChain,
    authority: TestKey,
    alice: TestKey,
    bob: TestKey,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (authority, alice, bob) = (
        TestKey::from_seed(1),
        TestKey::from_seed(2),
        TestKey::from_seed(3),
    );
    let chain = TestChain::new(
        dir.path(),
        CHAIN,
        vec![Box::new(CurrencyModule)],
        genesis(&authority, &alice),
    );
    Fixture {
        _dir: dir,
        chain,
        authority,
        alice,
        bob,
    }
}

fn genesis(authority: &TestKey, alice: &TestKey) -> serde_json::Value {
    serde_json::json!({
        "currency": {
            "denoms": [{
                "denom": "usd",
                "mint_authority": authority.address.to_string(),
                "balances": [{ "account": alice.address.to_string(), "amount": 1000 }]
            }]
        }
    })
}

fn transfer(from: &TestKey, to: &TestKey, amount: u64) -> Any {
    to_any(&pb::MsgTransfer {
        from: from.address.to_string(),
        to: to.address.to_string(),
        denom: "usd".into(),
        amount,
    })
}

fn balance(chain: &TestChain, who: &TestKey) -> u64 {
    let request = pb::QueryBalanceRequest {
        denom: "usd".into(),
        account: who.address.to_string(),
    };
    chain
        .query::<pb::QueryBalanceResponse>("/xcc.currency.v1.Query/Balance", &request)
        .unwrap()
        .amount
}

fn supply(chain: &TestChain) -> u64 {
    chain
        .query::<pb::Denom>(
            "/xcc.currency.v1.Query/Denom",
            &pb::QueryDenomRequest {
                denom: "usd".into(),
            },
        )
        .unwrap()
        .supply
}

#[test]
fn transfer_and_mint() {
    let Fixture {
        mut chain,
        authority,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    assert_eq!(supply(&chain), 1000);

    let outcome = chain.submit(&[&alice], vec![transfer(&alice, &bob, 300)]);
    assert!(outcome.is_ok(), "{}", outcome.log);
    assert_eq!((balance(&chain, &alice), balance(&chain, &bob)), (700, 300));
    assert!(outcome.events.iter().any(|e| e.kind == "transfer"));

    let mint = to_any(&pb::MsgMint {
        authority: authority.address.to_string(),
        denom: "usd".into(),
        to: bob.address.to_string(),
        amount: 50,
    });
    assert!(chain.submit(&[&authority], vec![mint]).is_ok());
    assert_eq!(balance(&chain, &bob), 350);
    assert_eq!(supply(&chain), 1050);

    let balances = chain
        .query_all(
            "/xcc.currency.v1.Query/Balances",
            |page| pb::QueryBalancesRequest {
                account: bob.address.to_string(),
                page: Some(page),
            },
            |r: pb::QueryBalancesResponse| (r.balances, r.page),
        )
        .unwrap();
    assert_eq!(
        balances,
        vec![pb::Coin {
            denom: "usd".into(),
            amount: 350
        }]
    );
}

#[test]
fn module_refusals_change_nothing() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);

    let too_much = chain.tx(&[&alice], vec![transfer(&alice, &bob, 1001)]);
    let outcome = chain.assert_refused(too_much);
    assert_eq!(outcome.codespace, "currency");
    assert!(outcome.log.contains("needs 1001"), "{}", outcome.log);

    let mint = to_any(&pb::MsgMint {
        authority: alice.address.to_string(),
        denom: "usd".into(),
        to: alice.address.to_string(),
        amount: 5,
    });
    let outcome = chain.assert_refused(chain.tx(&[&alice], vec![mint]));
    assert!(
        outcome.log.contains("not the mint authority"),
        "{}",
        outcome.log
    );

    let unknown = to_any(&pb::MsgTransfer {
        from: alice.address.to_string(),
        to: bob.address.to_string(),
        denom: "eur".into(),
        amount: 1,
    });
    assert!(chain
        .assert_refused(chain.tx(&[&alice], vec![unknown]))
        .log
        .contains("unknown denom"));

    let zero = chain.tx(&[&alice], vec![transfer(&alice, &bob, 0)]);
    assert!(chain.assert_refused(zero).log.contains("positive"));

    let to_self = chain.tx(&[&alice], vec![transfer(&alice, &alice, 1)]);
    assert!(chain.assert_refused(to_self).log.contains("same account"));

    // An over-limit mint that would overflow the supply.
    let authority = TestKey::from_seed(1);
    let overflow = to_any(&pb::MsgMint {
        authority: authority.address.to_string(),
        denom: "usd".into(),
        to: bob.address.to_string(),
        amount: u64::MAX,
    });
    assert!(chain
        .assert_refused(chain.tx(&[&authority], vec![overflow]))
        .log
        .contains("overflow"));

    // A failing second message undoes the first one of the same tx.
    let tx = chain.tx(
        &[&alice],
        vec![transfer(&alice, &bob, 10), transfer(&alice, &bob, 5000)],
    );
    chain.assert_refused(tx);
    assert_eq!(balance(&chain, &alice), 1000);
}

#[test]
fn envelope_refusals_change_nothing() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    let msgs = || vec![transfer(&alice, &bob, 1)];
    let sign = |chain_id: &str, nonce: u64, keys: &[&TestKey], msgs: Vec<Any>| {
        let body = xcc_proto::tx::v1::TxBody {
            chain_id: chain_id.into(),
            nonce,
            msgs,
            timeout_height: 0,
            memo: String::new(),
        };
        signed_tx(body, &keys.iter().map(|k| &k.key).collect::<Vec<_>>()).encode_to_vec()
    };

    let wrong_chain = chain.assert_refused(sign("security-1", 0, &[&alice], msgs()));
    assert_eq!(wrong_chain.code, code::WRONG_CHAIN_ID);

    let mut forged =
        xcc_proto::tx::v1::Tx::decode(sign(CHAIN, 0, &[&alice], msgs()).as_slice()).unwrap();
    forged.signatures[0].signature[10] ^= 0x40;
    assert_eq!(
        chain.assert_refused(forged.encode_to_vec()).code,
        code::UNAUTHORIZED
    );

    let mut unsigned = forged.clone();
    unsigned.signatures.clear();
    assert_eq!(
        chain.assert_refused(unsigned.encode_to_vec()).code,
        code::UNAUTHORIZED
    );

    // Signed, but not by the account the message spends from.
    let by_bob = chain.assert_refused(sign(CHAIN, 0, &[&bob], msgs()));
    assert_eq!(by_bob.code, code::UNAUTHORIZED);
    assert!(
        by_bob.log.contains(&alice.address.to_string()),
        "{}",
        by_bob.log
    );

    assert_eq!(
        chain.assert_refused(sign(CHAIN, 1, &[&alice], msgs())).code,
        code::INVALID_NONCE,
        "skipped nonce"
    );

    let unknown = Any {
        type_url: "/xcc.nothing.v1.MsgNothing".into(),
        value: vec![],
    };
    assert_eq!(
        chain
            .assert_refused(sign(CHAIN, 0, &[&alice], vec![unknown]))
            .code,
        code::UNKNOWN_MESSAGE
    );

    let garbage = Any {
        type_url: pb::MsgTransfer::type_url(),
        value: vec![0xff, 0xff, 0xff],
    };
    assert_eq!(
        chain
            .assert_refused(sign(CHAIN, 0, &[&alice], vec![garbage]))
            .code,
        code::INVALID_MESSAGE
    );

    assert_eq!(
        chain.assert_refused(vec![0x0a, 0x05, 0x01]).code,
        code::TX_DECODE,
        "malformed bytes"
    );

    let mut late = xcc_proto::tx::v1::TxBody {
        chain_id: CHAIN.into(),
        nonce: 0,
        msgs: msgs(),
        timeout_height: 1,
        memo: String::new(),
    };
    late.timeout_height = chain.height();
    let late = signed_tx(late, &[&alice.key]).encode_to_vec();
    assert_eq!(chain.assert_refused(late).code, code::TX_TIMED_OUT);

    // The first use of a nonce succeeds, its replay is refused.
    let first = sign(CHAIN, 0, &[&alice], msgs());
    assert!(chain.block(vec![first.clone()])[0].is_ok());
    assert_eq!(
        chain.assert_refused(first).code,
        code::INVALID_NONCE,
        "replayed nonce"
    );
    assert_eq!(balance(&chain, &bob), 1);
}

#[test]
fn check_tx_accumulates_until_commit() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    let first = chain.tx_with_nonce(&[&alice], 0, vec![transfer(&alice, &bob, 600)]);
    let second = chain.tx_with_nonce(&[&alice], 1, vec![transfer(&alice, &bob, 300)]);
    let overdraft = chain.tx_with_nonce(&[&alice], 2, vec![transfer(&alice, &bob, 200)]);
    assert!(chain.app.check_tx(&first, CheckKind::New).unwrap().is_ok());
    assert!(
        chain.app.check_tx(&second, CheckKind::New).unwrap().is_ok(),
        "a second tx of one sender in one block"
    );
    assert_eq!(
        chain.app.check_tx(&first, CheckKind::New).unwrap().code,
        code::INVALID_NONCE,
        "replay in the mempool"
    );
    assert!(
        !chain
            .app
            .check_tx(&overdraft, CheckKind::New)
            .unwrap()
            .is_ok(),
        "check state saw the first two debits"
    );

    let results = chain.block(vec![first, second]);
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(balance(&chain, &alice), 100);
    // After commit, check state restarts from the committed state.
    let next = chain.tx_with_nonce(&[&alice], 2, vec![transfer(&alice, &bob, 100)]);
    assert!(chain.app.check_tx(&next, CheckKind::New).unwrap().is_ok());
}

/// A simulated CheckTx answers as CheckTx would, over the txs already
/// checked, and keeps nothing: the same tx still passes CheckTx after.
#[test]
fn simulate_tx_answers_like_check_tx_and_keeps_nothing() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    let first = chain.tx_with_nonce(&[&alice], 0, vec![transfer(&alice, &bob, 600)]);
    let overdraft = chain.tx_with_nonce(&[&alice], 1, vec![transfer(&alice, &bob, 500)]);
    assert!(chain.app.simulate_tx(&first).unwrap().is_ok());
    assert!(
        chain.app.simulate_tx(&first).unwrap().is_ok(),
        "the first simulation kept its nonce"
    );
    assert!(chain.app.check_tx(&first, CheckKind::New).unwrap().is_ok());
    assert_eq!(
        chain.app.simulate_tx(&first).unwrap().code,
        code::INVALID_NONCE,
        "a simulation sees the txs checked before it"
    );
    assert!(
        !chain.app.simulate_tx(&overdraft).unwrap().is_ok(),
        "a simulation sees the checked debit"
    );
    let results = chain.block(vec![first]);
    assert!(results.iter().all(|r| r.is_ok()));
    assert_eq!(balance(&chain, &alice), 400);
}

/// A block another validator proposed spends what a queued tx counted on:
/// the recheck keeps that tx on its envelope alone, the block fails its
/// messages with their reason and consumes its nonce, and the sender's next
/// tx is not stranded behind a nonce nothing would consume.
#[test]
fn a_recheck_keeps_a_tx_whose_messages_now_fail_and_its_sender_goes_on() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    let queued: Vec<Vec<u8>> = [(0, 600), (1, 300), (2, 50)]
        .into_iter()
        .map(|(nonce, amount)| {
            chain.tx_with_nonce(&[&alice], nonce, vec![transfer(&alice, &bob, amount)])
        })
        .collect();
    for tx in &queued {
        assert!(chain.app.check_tx(tx, CheckKind::New).unwrap().is_ok());
    }
    let elsewhere = chain.tx_with_nonce(&[&alice], 0, vec![transfer(&alice, &bob, 950)]);
    assert!(chain.block(vec![elsewhere])[0].is_ok());
    assert_eq!(
        chain
            .app
            .check_tx(&queued[0], CheckKind::Recheck)
            .unwrap()
            .code,
        code::INVALID_NONCE,
        "a recheck still refuses a spent nonce"
    );
    let overdraft = chain.app.check_tx(&queued[1], CheckKind::New).unwrap();
    assert!(!overdraft.is_ok(), "its messages alone would now fail");
    for tx in &queued[1..] {
        let recheck = chain.app.check_tx(tx, CheckKind::Recheck).unwrap();
        assert!(recheck.is_ok(), "{}", recheck.log);
    }
    let results = chain.block(queued[1..].to_vec());
    assert!(!results[0].is_ok(), "the overdraft fails in the block");
    assert!(results[1].is_ok(), "{}", results[1].log);
    assert_eq!(chain.nonce(&alice.address), 3);
    assert_eq!(balance(&chain, &alice), 0);
    assert_eq!(balance(&chain, &bob), 1_000);
}

#[test]
fn same_blocks_give_same_app_hashes() {
    let run = || {
        let Fixture {
            _dir,
            mut chain,
            authority,
            alice,
            bob,
        } = fixture();
        let mut hashes = vec![chain.genesis_hash];
        for round in 0..5u64 {
            let mut txs = vec![chain.tx(&[&alice], vec![transfer(&alice, &bob, 10 + round)])];
            let mint = to_any(&pb::MsgMint {
                authority: authority.address.to_string(),
                denom: "usd".into(),
                to: alice.address.to_string(),
                amount: round + 1,
            });
            txs.push(chain.tx(&[&authority], vec![mint]));
            txs.push(chain.tx_with_nonce(&[&bob], 99, vec![transfer(&bob, &alice, 1)]));
            chain.block(txs);
            hashes.push(chain.app_hash());
        }
        hashes
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second);
    assert_eq!(
        first.iter().collect::<std::collections::HashSet<_>>().len(),
        first.len(),
        "every block changed state"
    );
}

#[test]
fn queries_read_retained_heights_and_pruning_drops_old_ones() {
    let dir = tempfile::tempdir().unwrap();
    let (authority, alice, bob) = (
        TestKey::from_seed(1),
        TestKey::from_seed(2),
        TestKey::from_seed(3),
    );
    let config = xcc_chain::AppConfig {
        keep_recent: Some(3),
        ..Default::default()
    };
    let mut chain = TestChain::with_config(
        dir.path(),
        CHAIN,
        vec![Box::new(CurrencyModule)],
        genesis(&authority, &alice),
        config,
    );
    for _ in 0..6 {
        assert!(chain
            .submit(&[&alice], vec![transfer(&alice, &bob, 1)])
            .is_ok());
    }
    let request = pb::QueryBalanceRequest {
        denom: "usd".into(),
        account: bob.address.to_string(),
    };
    let at = |height: u64| {
        chain.app.query(
            "/xcc.currency.v1.Query/Balance",
            &request.encode_to_vec(),
            height,
            false,
        )
    };
    for height in 3..=6 {
        let outcome = at(height);
        assert_eq!(outcome.code, 0, "height {height}: {}", outcome.log);
        assert_eq!(outcome.height, height);
        assert_eq!(
            pb::QueryBalanceResponse::decode(outcome.value.as_slice())
                .unwrap()
                .amount,
            height
        );
    }
    assert_eq!(at(2).code, code::NOT_FOUND, "height 2 was pruned");
    assert_eq!(at(7).code, code::NOT_FOUND, "height 7 does not exist yet");
}

#[test]
fn a_failed_tx_in_a_block_consumes_its_nonce_and_can_never_run_again() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    // Bob has nothing yet: his transfer fails, but it was in a block.
    let early = chain.tx(&[&bob], vec![transfer(&bob, &alice, 10)]);
    let outcome = chain.assert_refused(early.clone());
    assert!(outcome.log.contains("needs 10"), "{}", outcome.log);
    assert_eq!(
        chain.nonce(&bob.address),
        1,
        "the failed tx consumed its nonce"
    );
    // Once bob holds enough, the same bytes are stale, not a payment.
    chain.submit(&[&alice], vec![transfer(&alice, &bob, 100)]);
    let replay = chain.assert_refused(early);
    assert_eq!(replay.code, code::INVALID_NONCE, "{}", replay.log);
    assert_eq!(balance(&chain, &bob), 100);
    assert_eq!(balance(&chain, &alice), 900);
    // CheckTx keeps a failing tx out of the mempool without consuming anything.
    let failing = chain.tx(&[&bob], vec![transfer(&bob, &alice, 1_000)]);
    assert_ne!(
        chain.app.check_tx(&failing, CheckKind::New).unwrap().code,
        0
    );
    assert_eq!(chain.nonce(&bob.address), 1);
}

/// An account of its own for each index: genesis gives it cash, so it
/// needs no key.
fn genesis_account(index: u32) -> Address {
    let mut bytes = [5u8; 20];
    bytes[..4].copy_from_slice(&index.to_be_bytes());
    Address::from_bytes(bytes)
}

fn denom_balances_page(
    chain: &TestChain,
    denom: &str,
    page: Option<PageRequest>,
) -> pb::QueryDenomBalancesResponse {
    chain
        .query(
            "/xcc.currency.v1.Query/DenomBalances",
            &pb::QueryDenomBalancesRequest {
                denom: denom.into(),
                page,
            },
        )
        .unwrap()
}

/// The accounts holding `denom`, following next keys from pages of `limit`.
/// Every page but the last is full: the denom's holders are indexed, so no
/// page ends early for having read other denoms' balances.
fn denom_holders(chain: &TestChain, denom: &str, limit: u32) -> Vec<String> {
    let (mut accounts, mut key) = (Vec::new(), Vec::new());
    loop {
        let answer = denom_balances_page(chain, denom, Some(PageRequest { key, limit }));
        let full = answer.balances.len() == limit as usize;
        accounts.extend(answer.balances.into_iter().map(|b| b.account));
        key = answer.page.unwrap_or_default().next_key;
        if key.is_empty() {
            return accounts;
        }
        assert!(full, "a page short of its limit {limit} before the end");
    }
}

/// A denom's holders are exactly the accounts with a balance of it: one
/// that receives joins them, one that spends all it held leaves them.
#[test]
fn a_denoms_holders_are_the_accounts_that_hold_it() {
    let Fixture {
        mut chain,
        alice,
        bob,
        ..
    } = fixture();
    chain.block(vec![]);
    let sorted = |mut accounts: Vec<String>| {
        accounts.sort();
        accounts
    };
    let (a, b) = (alice.address.to_string(), bob.address.to_string());
    assert_eq!(denom_holders(&chain, "usd", 10), vec![a.clone()]);
    chain.submit(&[&alice], vec![transfer(&alice, &bob, 400)]);
    assert_eq!(denom_holders(&chain, "usd", 1), sorted(vec![a, b.clone()]));
    chain.submit(&[&alice], vec![transfer(&alice, &bob, 600)]);
    assert_eq!(denom_holders(&chain, "usd", 10), vec![b]);
}

#[test]
fn denom_balances_come_in_full_bounded_pages_of_their_denom_only() {
    const ACCOUNTS: u32 = 1_200;
    let dir = tempfile::tempdir().unwrap();
    let authority = TestKey::from_seed(1);
    // Every account holds usd, every third one eur too: balances are keyed
    // account first, eur's pages come from its own holder index.
    let holding = |every: u32| -> Vec<serde_json::Value> {
        (0..ACCOUNTS)
            .step_by(every as usize)
            .map(|i| serde_json::json!({ "account": genesis_account(i).to_string(), "amount": 10 }))
            .collect()
    };
    let denom = |name: &str, every| {
        serde_json::json!({
            "denom": name,
            "mint_authority": authority.address.to_string(),
            "balances": holding(every),
        })
    };
    let genesis =
        serde_json::json!({ "currency": { "denoms": [denom("usd", 1), denom("eur", 3)] } });
    let mut chain = TestChain::new(dir.path(), CHAIN, vec![Box::new(CurrencyModule)], genesis);
    chain.block(vec![]);

    for page in [
        None,
        Some(PageRequest {
            key: Vec::new(),
            limit: 0,
        }),
    ] {
        let first = denom_balances_page(&chain, "eur", page);
        assert_eq!(first.balances.len(), DEFAULT_PAGE_LIMIT as usize);
        assert!(!first.page.unwrap_or_default().next_key.is_empty());
    }
    let greedy = Some(PageRequest {
        key: Vec::new(),
        limit: 10 * MAX_PAGE_LIMIT,
    });
    let usd = denom_balances_page(&chain, "usd", greedy);
    assert_eq!(usd.balances.len(), MAX_PAGE_LIMIT as usize);

    let mut every_account: Vec<String> = (0..ACCOUNTS)
        .map(|i| genesis_account(i).to_string())
        .collect();
    every_account.sort();
    let mut eur_accounts: Vec<String> = (0..ACCOUNTS)
        .step_by(3)
        .map(|i| genesis_account(i).to_string())
        .collect();
    eur_accounts.sort();
    assert_eq!(denom_holders(&chain, "usd", MAX_PAGE_LIMIT), every_account);
    for limit in [7, 150, 399, 400] {
        assert_eq!(
            denom_holders(&chain, "eur", limit),
            eur_accounts,
            "limit {limit}"
        );
    }
}

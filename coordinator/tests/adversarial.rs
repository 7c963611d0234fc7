//! A generative adversarial test of settlement: random cross-txs drawn from
//! every message kind the participants accept, in any number, order and
//! combination of legs, chain ids (registered and not), `depends_on`
//! values (valid, self, forward, out of range), signer subsets (all, some,
//! none, strangers), duplicated messages and legs; interleaved with random
//! local txs and a relayer that holds directions back so packets arrive
//! late and deadlines pass. After every block every invariant of DESIGN.md
//! section 8 is judged by the audit library; at the end of each case,
//! with the relayer free again, every cross-tx must be done and nothing
//! held.
//!
//! `XCC_ADVERSARIAL_CROSS_TXS` sets how many cross-txs to draw (3,000 by
//! default). Shrunk failures are kept beside this file, in
//! `adversarial.proptest-regressions`, and replayed first.

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};
use support::*;
use xcc_chain::testing::{TestKey, TestNetwork, BLOCK_INTERVAL_NS};
use xcc_chain::xtx::signed_cross_tx;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash_pb;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

/// issuer, alice, bob, carol, dave (never whitelisted at first), a stranger.
const ACCOUNT_SEEDS: [u8; 6] = [2, 3, 4, 5, 6, 9];
const STEPS_PER_CASE: usize = 16;
const CROSS_TXS_PER_STEP: usize = 4;

fn account(index: u8) -> TestKey {
    TestKey::from_seed(ACCOUNT_SEEDS[index as usize % ACCOUNT_SEEDS.len()])
}

fn pick<T: Copy>(choices: &[T], index: u8) -> T {
    choices[index as usize % choices.len()]
}

/// A message of a cross-tx leg, accounts and ids as indices.
#[derive(Clone, Debug)]
enum MsgDraw {
    Units {
        from: u8,
        to: u8,
        amount: u8,
    },
    Fill {
        buyer: u8,
        listing: u8,
        units: u8,
    },
    /// One page of a dividend: dividends are paid a holder to a page here,
    /// so a payout has one page per holder at its record height.
    Reserve {
        payer: u8,
        dividend: u8,
        page: u8,
    },
    Cash {
        from: u8,
        to: u8,
        amount: u8,
    },
    /// Pays the seller of `listing` for `units` at its price, exactly,
    /// short by one, or twice (`kind`), in usd or another denom.
    PaySeller {
        from: u8,
        listing: u8,
        units: u8,
        kind: u8,
    },
    Pay {
        payer: u8,
        chain: u8,
        dividend: u8,
        denom: u8,
    },
}

#[derive(Clone, Debug)]
struct LegDraw {
    chain: u8,
    msgs: Vec<MsgDraw>,
    depends_on: Option<u8>,
}

#[derive(Clone, Debug)]
enum SignerDraw {
    /// Every account the messages act for.
    Needed,
    /// Those but one.
    AllBut(u8),
    /// Any subset, strangers included; none when 0.
    Mask(u8),
}

#[derive(Clone, Debug)]
struct CrossDraw {
    legs: Vec<LegDraw>,
    signers: SignerDraw,
    deadline: u8,
    duplicate_msg: bool,
    duplicate_leg: bool,
}

#[derive(Clone, Debug)]
enum LocalDraw {
    Units {
        from: u8,
        to: u8,
        amount: u8,
    },
    List {
        seller: u8,
        units: u8,
        price: u8,
    },
    Cancel {
        seller: u8,
        listing: u8,
    },
    WhitelistAdd {
        account: u8,
        expiry: u8,
    },
    WhitelistRemove {
        account: u8,
    },
    Freeze {
        account: u8,
        frozen: bool,
    },
    Declare {
        payer: u8,
        amount: u8,
        chain: u8,
        back: u8,
    },
    Cash {
        from: u8,
        to: u8,
        amount: u8,
    },
    /// Dave pays the stranger, whose own transfers failed until now.
    TopUp {
        amount: u8,
    },
    /// The bytes of a tx already included in a block, sent again.
    Replay {
        pick: u8,
    },
}

#[derive(Clone, Debug)]
struct StepDraw {
    cross: Vec<CrossDraw>,
    local: Vec<LocalDraw>,
    /// Bit i holds back relayer direction i (see `DIRECTIONS`).
    blocked: u8,
}

const DIRECTIONS: [(&str, &str); 4] = [
    (COORDINATOR, SECURITY),
    (COORDINATOR, CURRENCY),
    (SECURITY, COORDINATOR),
    (CURRENCY, COORDINATOR),
];
const LEG_CHAINS: [&str; 4] = [SECURITY, CURRENCY, COORDINATOR, "elsewhere-1"];
/// A leg on the chain of its position: security, currency, then the rest.
const POSITIONAL: u8 = u8::MAX;

fn msg_draw() -> impl Strategy<Value = MsgDraw> {
    prop_oneof![
        2 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(from, to, amount)| MsgDraw::Units { from, to, amount }),
        3 => (any::<u8>(), 1..6u8, any::<u8>())
            .prop_map(|(buyer, listing, units)| MsgDraw::Fill { buyer, listing, units }),
        2 => (any::<u8>(), 1..3u8, 0..5u8)
            .prop_map(|(payer, dividend, page)| MsgDraw::Reserve { payer, dividend, page }),
        2 => (any::<u8>(), any::<u8>(), any::<u8>())
            .prop_map(|(from, to, amount)| MsgDraw::Cash { from, to, amount }),
        3 => (any::<u8>(), 1..6u8, any::<u8>(), any::<u8>())
            .prop_map(|(from, listing, units, kind)| MsgDraw::PaySeller { from, listing, units, kind }),
        2 => (any::<u8>(), any::<u8>(), 1..3u8, any::<u8>())
            .prop_map(|(payer, chain, dividend, denom)| MsgDraw::Pay { payer, chain, dividend, denom }),
    ]
}

/// A leg's chain is its position's (security, then currency) unless drawn
/// otherwise: a chain of another leg, the coordinator, or no participant.
fn leg_draw() -> impl Strategy<Value = LegDraw> {
    (
        prop_oneof![8 => Just(POSITIONAL), 1 => 0..4u8],
        proptest::collection::vec(msg_draw(), 1..4),
        prop_oneof![10 => Just(None), 1 => (0..4u8).prop_map(Some)],
    )
        .prop_map(|(chain, msgs, depends_on)| LegDraw {
            chain,
            msgs,
            depends_on,
        })
}

/// The shapes the CLI builds, with random terms: a fill paid (or not) and
/// a dividend payout; they make commits common among the random draws.
fn shaped_draw() -> impl Strategy<Value = Vec<LegDraw>> {
    prop_oneof![
        (1..4u8, 1..6u8, any::<u8>(), any::<u8>(), any::<u8>()).prop_map(
            |(buyer, listing, units, kind, second)| {
                let fill = MsgDraw::Fill {
                    buyer,
                    listing,
                    units,
                };
                let pay = MsgDraw::PaySeller {
                    from: buyer,
                    listing,
                    units,
                    kind,
                };
                // Now and then a second fill of the same listing, paid for
                // or not.
                let (fills, pays) = match second % 6 {
                    4 => (vec![fill.clone(), fill], vec![pay]),
                    5 => (vec![fill.clone(), fill], vec![pay.clone(), pay]),
                    _ => (vec![fill], vec![pay]),
                };
                vec![
                    LegDraw {
                        chain: 0,
                        msgs: fills,
                        depends_on: None,
                    },
                    LegDraw {
                        chain: 1,
                        msgs: pays,
                        depends_on: None,
                    },
                ]
            }
        ),
        (
            prop_oneof![3 => Just(4u8), 1 => any::<u8>()],
            1..4u8,
            prop_oneof![3 => Just(3u8), 1 => 1..5u8],
            any::<u8>()
        )
            .prop_map(|(payer, dividend, pages, variant)| {
                // Mostly the payout as the CLI builds it (a reservation per
                // page, then a payment of each); else the reservations
                // alone, a payment that does not depend on its page, or one
                // page paid twice.
                let reserve = |page: u8| LegDraw {
                    chain: 0,
                    msgs: vec![MsgDraw::Reserve {
                        payer,
                        dividend,
                        page,
                    }],
                    depends_on: None,
                };
                let pay = |page: u8| LegDraw {
                    chain: 1,
                    msgs: vec![MsgDraw::Pay {
                        payer,
                        chain: 0,
                        dividend,
                        denom: 0,
                    }],
                    depends_on: Some(page),
                };
                let mut legs: Vec<LegDraw> = (0..pages).map(reserve).collect();
                match variant % 8 {
                    5 => {}
                    6 => {
                        legs.extend((0..pages).map(pay));
                        legs.last_mut().expect("a page").depends_on = None;
                    }
                    7 => {
                        legs.extend((0..pages).map(pay));
                        legs.push(pay(0));
                    }
                    _ => legs.extend((0..pages).map(pay)),
                }
                legs
            }),
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()).prop_map(
            |(from, to, amount, price)| {
                vec![
                    LegDraw {
                        chain: 0,
                        msgs: vec![MsgDraw::Units { from, to, amount }],
                        depends_on: None,
                    },
                    LegDraw {
                        chain: 1,
                        msgs: vec![MsgDraw::Cash {
                            from: to,
                            to: from,
                            amount: price,
                        }],
                        depends_on: None,
                    },
                ]
            }
        ),
    ]
}

fn cross_draw() -> impl Strategy<Value = CrossDraw> {
    (
        prop_oneof![1 => proptest::collection::vec(leg_draw(), 1..4), 3 => shaped_draw()],
        prop_oneof![
            8 => Just(SignerDraw::Needed),
            1 => any::<u8>().prop_map(SignerDraw::AllBut),
            1 => any::<u8>().prop_map(SignerDraw::Mask),
        ],
        any::<u8>(),
        proptest::bool::weighted(0.05),
        proptest::bool::weighted(0.05),
    )
        .prop_map(
            |(legs, signers, deadline, duplicate_msg, duplicate_leg)| CrossDraw {
                legs,
                signers,
                deadline,
                duplicate_msg,
                duplicate_leg,
            },
        )
}

fn local_draw() -> impl Strategy<Value = LocalDraw> {
    prop_oneof![
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(from, to, amount)| LocalDraw::Units {
            from,
            to,
            amount
        }),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(seller, units, price)| {
            LocalDraw::List {
                seller,
                units,
                price,
            }
        }),
        (any::<u8>(), 1..6u8).prop_map(|(seller, listing)| LocalDraw::Cancel { seller, listing }),
        (any::<u8>(), any::<u8>())
            .prop_map(|(account, expiry)| LocalDraw::WhitelistAdd { account, expiry }),
        any::<u8>().prop_map(|account| LocalDraw::WhitelistRemove { account }),
        (any::<u8>(), any::<bool>())
            .prop_map(|(account, frozen)| LocalDraw::Freeze { account, frozen }),
        (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>()).prop_map(
            |(payer, amount, chain, back)| LocalDraw::Declare {
                payer,
                amount,
                chain,
                back
            }
        ),
        (any::<u8>(), any::<u8>(), any::<u8>()).prop_map(|(from, to, amount)| LocalDraw::Cash {
            from,
            to,
            amount
        }),
        any::<u8>().prop_map(|amount| LocalDraw::TopUp { amount }),
        any::<u8>().prop_map(|pick| LocalDraw::Replay { pick }),
        any::<u8>().prop_map(|pick| LocalDraw::Replay { pick }),
    ]
}

fn step_draw() -> impl Strategy<Value = StepDraw> {
    (
        proptest::collection::vec(cross_draw(), 0..=CROSS_TXS_PER_STEP),
        proptest::collection::vec(local_draw(), 0..3),
        prop_oneof![3 => Just(0u8), 1 => 0..16u8],
    )
        .prop_map(|(cross, local, blocked)| StepDraw {
            cross,
            local,
            blocked,
        })
}

/// Figures over the whole run.
struct Tally {
    drawn: AtomicUsize,
    refused_at_intake: AtomicUsize,
    committed: AtomicUsize,
    aborted: AtomicUsize,
}

/// The cross-txs drawn before the first failing case, if any.
static FIRST_FAILURE: Mutex<Option<usize>> = Mutex::new(None);

static TALLY: Tally = Tally {
    drawn: AtomicUsize::new(0),
    refused_at_intake: AtomicUsize::new(0),
    committed: AtomicUsize::new(0),
    aborted: AtomicUsize::new(0),
};

/// How often each kind of refusal and abort was seen, for the report.
static REASONS: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

/// A reason without its numbers and addresses: its kind.
fn note_reason(prefix: &str, log: &str) {
    let kind: String = log
        .split_whitespace()
        .filter(|w| !w.starts_with("xcc1") && !w.chars().any(|c| c.is_ascii_digit()))
        .take(8)
        .collect::<Vec<_>>()
        .join(" ");
    if let Ok(mut reasons) = REASONS.lock() {
        *reasons.entry(format!("{prefix}: {kind}")).or_default() += 1;
    }
}

const UNITS: [u64; 6] = [0, 1, 5, 10, 30, 200];
const FILL_UNITS: [u64; 5] = [1, 2, 5, 10, 30];
const CASH_AMOUNTS: [u64; 6] = [1, 50, 100, 600, 2_000, 20_000];

/// Turns draws into signed messages against the network's current state.
struct Builder<'a> {
    f: &'a Fixture,
}

impl Builder<'_> {
    fn listing(&self, id: u8) -> Option<sec::Listing> {
        self.f
            .net
            .chain(SECURITY)
            .query(
                "/xcc.security.v1.Query/Listing",
                &sec::QueryListingRequest {
                    listing_id: u64::from(id),
                },
            )
            .ok()
    }

    /// The message and the account it acts for.
    fn msg(&self, draw: &MsgDraw) -> (Any, Option<u8>) {
        let addr = |i: u8| account(i).address.to_string();
        // Rarely `from` itself: a transfer to oneself is refused at once.
        let other = |from: u8, to: u8| {
            let (from, to) = (from % 6, to % 6);
            if from == to && from % 4 != 0 {
                (from + 1) % 6
            } else {
                to
            }
        };
        match *draw {
            MsgDraw::Units { from, to, amount } => (
                to_any(&sec::MsgTransfer {
                    from: addr(from),
                    to: addr(other(from, to)),
                    symbol: SYMBOL.into(),
                    amount: pick(&UNITS, amount),
                }),
                Some(from),
            ),
            MsgDraw::Fill {
                buyer,
                listing,
                units,
            } => (
                to_any(&sec::MsgFillListing {
                    buyer: addr(buyer),
                    listing_id: u64::from(listing),
                    units: pick(&FILL_UNITS, units),
                }),
                Some(buyer),
            ),
            MsgDraw::Reserve {
                payer,
                dividend,
                page,
            } => (
                to_any(&sec::MsgReserveDividend {
                    payer: addr(payer),
                    dividend_id: u64::from(dividend),
                    page: u32::from(page),
                }),
                Some(payer),
            ),
            MsgDraw::Cash { from, to, amount } => (
                to_any(&cash_pb::MsgTransfer {
                    from: addr(from),
                    to: addr(other(from, to)),
                    denom: "usd".into(),
                    amount: pick(&CASH_AMOUNTS, amount),
                }),
                Some(from),
            ),
            MsgDraw::PaySeller {
                from,
                listing,
                units,
                kind,
            } => {
                let (seller, price) = self
                    .listing(listing)
                    .map_or((addr(1), 100), |l| (l.seller, l.price_per_unit));
                let cost = pick(&FILL_UNITS, units) * price;
                let amount = match kind % 4 {
                    0 | 1 => cost,
                    2 => cost.saturating_sub(1).max(1),
                    _ => cost * 2,
                };
                let denom = if kind % 8 == 7 { "eur" } else { "usd" };
                (
                    to_any(&cash_pb::MsgTransfer {
                        from: addr(from),
                        to: seller,
                        denom: denom.into(),
                        amount,
                    }),
                    Some(from),
                )
            }
            MsgDraw::Pay {
                payer,
                chain,
                dividend,
                denom,
            } => (
                to_any(&cash_pb::MsgPayDividend {
                    payer: addr(payer),
                    security_chain: pick(&[SECURITY, SECURITY, CURRENCY], chain).into(),
                    dividend_id: u64::from(dividend),
                    denom: pick(&["usd", "usd", "usd", "eur"], denom).into(),
                }),
                Some(payer),
            ),
        }
    }

    fn cross_tx(&self, draw: &CrossDraw, salt: u64) -> xtx::SignedCrossTx {
        let mut needed = Vec::new();
        let mut legs: Vec<xtx::Leg> = draw
            .legs
            .iter()
            .enumerate()
            .map(|(position, leg)| {
                let mut msgs = Vec::new();
                for msg in &leg.msgs {
                    let (any, actor) = self.msg(msg);
                    needed.extend(actor.map(|a| a as usize % ACCOUNT_SEEDS.len()));
                    msgs.push(any);
                }
                let chain = if leg.chain == POSITIONAL {
                    position as u8
                } else {
                    leg.chain
                };
                xtx::Leg {
                    chain_id: pick(&LEG_CHAINS, chain).into(),
                    msgs,
                    depends_on: leg.depends_on.map(u32::from),
                }
            })
            .collect();
        if draw.duplicate_msg {
            let first = legs[0].msgs[0].clone();
            legs[0].msgs.push(first);
        }
        if draw.duplicate_leg {
            legs.push(legs[0].clone());
        }
        let now = self.f.now();
        let deadline_ns = match draw.deadline % 16 {
            0 => now - BLOCK_INTERVAL_NS,
            1 => now + 3_600 * BLOCK_INTERVAL_NS,
            2..=4 => now + 3 * BLOCK_INTERVAL_NS,
            5..=9 => now + 8 * BLOCK_INTERVAL_NS,
            _ => now + 30 * BLOCK_INTERVAL_NS,
        };
        needed.sort_unstable();
        needed.dedup();
        let signers: Vec<usize> = match &draw.signers {
            SignerDraw::Needed => needed,
            SignerDraw::AllBut(skip) => {
                let skip = *skip as usize % needed.len().max(1);
                needed
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| *i != skip)
                    .map(|(_, a)| a)
                    .collect()
            }
            SignerDraw::Mask(mask) => (0..ACCOUNT_SEEDS.len())
                .filter(|i| mask & (1 << i) != 0)
                .collect(),
        };
        let keys: Vec<TestKey> = signers.iter().map(|i| account(*i as u8)).collect();
        let key_refs: Vec<_> = keys.iter().map(|k| &k.key).collect();
        let cross_tx = xtx::CrossTx {
            legs,
            deadline_ns,
            salt: salt.to_be_bytes().to_vec(),
        };
        signed_cross_tx(cross_tx, &key_refs)
    }

    /// A local tx: its chain and bytes; `None` for a replay, which the
    /// caller takes from what was included.
    fn local(&self, draw: &LocalDraw) -> Option<(&'static str, Vec<u8>)> {
        let issuer = account(0);
        let addr = |i: u8| account(i).address.to_string();
        let (chain, signer, msg) = match *draw {
            LocalDraw::Units { from, to, amount } => (
                SECURITY,
                account(from),
                to_any(&sec::MsgTransfer {
                    from: addr(from),
                    to: addr(to),
                    symbol: SYMBOL.into(),
                    amount: pick(&UNITS, amount),
                }),
            ),
            LocalDraw::List {
                seller,
                units,
                price,
            } => (
                SECURITY,
                account(seller),
                to_any(&sec::MsgCreateListing {
                    seller: addr(seller),
                    symbol: SYMBOL.into(),
                    units: pick(&UNITS[1..5], units),
                    price_per_unit: pick(&[1, 10, 20, 150], price),
                    denom: "usd".into(),
                    currency_chain: CURRENCY.into(),
                }),
            ),
            LocalDraw::Cancel { seller, listing } => (
                SECURITY,
                account(seller),
                to_any(&sec::MsgCancelListing {
                    seller: addr(seller),
                    listing_id: u64::from(listing),
                }),
            ),
            LocalDraw::WhitelistAdd { account: a, expiry } => {
                let now_s = self.f.net.chain(SECURITY).next_block().time_ns / 1_000_000_000;
                let expires_at = now_s + pick(&[3, 10, 40, 100_000], expiry);
                (
                    SECURITY,
                    issuer,
                    to_any(&sec::MsgWhitelistAdd {
                        authority: addr(0),
                        symbol: SYMBOL.into(),
                        account: addr(a),
                        expires_at: expires_at as i64,
                    }),
                )
            }
            LocalDraw::WhitelistRemove { account: a } => (
                SECURITY,
                issuer,
                to_any(&sec::MsgWhitelistRemove {
                    authority: addr(0),
                    symbol: SYMBOL.into(),
                    account: addr(a),
                }),
            ),
            LocalDraw::Freeze { account: a, frozen } => {
                let (issuer_field, symbol, account_field) = (addr(0), SYMBOL.to_owned(), addr(a));
                let msg = if frozen {
                    to_any(&sec::MsgFreeze {
                        issuer: issuer_field,
                        symbol,
                        account: account_field,
                    })
                } else {
                    to_any(&sec::MsgUnfreeze {
                        issuer: issuer_field,
                        symbol,
                        account: account_field,
                    })
                };
                (SECURITY, issuer, msg)
            }
            LocalDraw::Declare {
                payer,
                amount,
                chain,
                back,
            } => {
                let height = self.f.net.chain(SECURITY).height();
                (
                    SECURITY,
                    issuer,
                    to_any(&sec::MsgDeclareDividend {
                        issuer: addr(0),
                        symbol: SYMBOL.into(),
                        record_height: height.saturating_sub(u64::from(back % 4)),
                        amount_per_unit_micros: pick(&[100_000, 1_000_000, 50_000_000], amount),
                        payer: addr(payer),
                        denom: "usd".into(),
                        currency_chain: pick(&[CURRENCY, CURRENCY, "currency-2"], chain).into(),
                    }),
                )
            }
            LocalDraw::Replay { .. } => return None,
            LocalDraw::TopUp { amount } => (
                CURRENCY,
                account(4),
                to_any(&cash_pb::MsgTransfer {
                    from: addr(4),
                    to: addr(5),
                    denom: "usd".into(),
                    amount: pick(&CASH_AMOUNTS[..4], amount),
                }),
            ),
            LocalDraw::Cash { from, to, amount } => (
                CURRENCY,
                account(from),
                to_any(&cash_pb::MsgTransfer {
                    from: addr(from),
                    to: addr(to),
                    denom: "usd".into(),
                    amount: pick(&CASH_AMOUNTS, amount),
                }),
            ),
        };
        Some((chain, self.f.net.chain(chain).tx(&[&signer], vec![msg])))
    }
}

fn records(net: &TestNetwork) -> Vec<coord::CrossTxRecord> {
    net.chain(COORDINATOR)
        .query_all(
            "/xcc.coordinator.v1.Query/CrossTxs",
            |page| coord::QueryCrossTxsRequest {
                page: Some(page),
                ..Default::default()
            },
            |r: coord::QueryCrossTxsResponse| (r.records, r.page),
        )
        .expect("records")
}

/// Bob and carol hold units too, alice and bob have listings (1 and 2),
/// the issuer one (3), and dividend 1 is payable by dave, in three pages
/// of one holder.
fn seeded() -> Fixture {
    let mut f = fixture_paged(4, 0, 1);
    let issuer = TestKey::from_seed(2);
    let to_holders = vec![units(&f.issuer, &f.bob, 50), units(&f.issuer, &f.carol, 50)];
    ok(&mut f.net, SECURITY, &[&issuer], to_holders);
    f.list(&account(1), 20, 10);
    f.list(&account(2), 20, 20);
    f.list(&issuer, 100, 5);
    f.declare(SYMBOL, 1_000_000);
    f
}

fn run_case(steps: &[StepDraw], case: u64) -> Result<(), TestCaseError> {
    let mut f = seeded();
    let mut salt = case << 32;
    // Every tx put in a block so far.
    let mut included: Vec<(&'static str, Vec<u8>)> = Vec::new();
    // The local txs among them that failed: those a replay could profit from.
    let mut failed: Vec<(&'static str, Vec<u8>)> = Vec::new();
    for (index, step) in steps.iter().enumerate() {
        let mut txs: BTreeMap<String, Vec<Vec<u8>>> = BTreeMap::new();
        // Where this step's replays sit in their chain's block.
        let mut replays: Vec<(&'static str, usize)> = Vec::new();
        {
            let builder = Builder { f: &f };
            for (slot, draw) in step.cross.iter().enumerate() {
                salt += 1;
                let signed = builder.cross_tx(draw, salt);
                // One submitter per slot, so their nonces never collide.
                let submitter = TestKey::from_seed(100 + slot as u8);
                let msg = to_any(&coord::MsgSubmitCrossTx {
                    submitter: submitter.address.to_string(),
                    signed_cross_tx: Some(signed),
                });
                let tx = f.net.chain(COORDINATOR).tx(&[&submitter], vec![msg]);
                txs.entry(COORDINATOR.into()).or_default().push(tx);
            }
            for draw in &step.local {
                let (chain, tx) = match (builder.local(draw), draw) {
                    (Some(local), _) => local,
                    (None, LocalDraw::Replay { pick }) if !included.is_empty() => {
                        // Mostly one of the latest failures: its sender's
                        // nonce has likely not moved on yet.
                        let (chain, tx) = if pick % 4 != 0 && !failed.is_empty() {
                            &failed[failed.len() - 1 - *pick as usize % failed.len().min(4)]
                        } else {
                            &included[*pick as usize % included.len()]
                        };
                        let queued = txs.get(*chain).map_or(0, Vec::len);
                        replays.push((chain, queued));
                        (*chain, tx.clone())
                    }
                    (None, _) => continue,
                };
                txs.entry(chain.into()).or_default().push(tx);
            }
        }
        let sent: Vec<(&'static str, Vec<Vec<u8>>)> = [COORDINATOR, SECURITY, CURRENCY]
            .into_iter()
            .map(|chain| (chain, txs.get(chain).cloned().unwrap_or_default()))
            .collect();
        f.net.blocked = DIRECTIONS
            .iter()
            .enumerate()
            .filter(|(bit, _)| step.blocked & (1 << bit) != 0)
            .map(|(_, (from, to))| ((*from).to_owned(), (*to).to_owned()))
            .collect();
        let outcomes = f.net.step(txs);
        let intake = outcomes
            .get(COORDINATOR)
            .map_or(&[][..], |o| &o[..step.cross.len()]);
        let refused = intake.iter().filter(|o| !o.is_ok()).count();
        for outcome in intake.iter().filter(|o| !o.is_ok()) {
            note_reason("refused", &outcome.log);
        }
        TALLY.drawn.fetch_add(step.cross.len(), Ordering::Relaxed);
        TALLY
            .refused_at_intake
            .fetch_add(refused, Ordering::Relaxed);
        for (chain, queue) in sent {
            // The coordinator's txs are submissions, first in its block.
            let locals_from = if chain == COORDINATOR {
                step.cross.len()
            } else {
                0
            };
            for (position, (tx, outcome)) in queue.into_iter().zip(&outcomes[chain]).enumerate() {
                if !outcome.is_ok() && position >= locals_from {
                    failed.push((chain, tx.clone()));
                }
                included.push((chain, tx));
            }
        }
        for (chain, position) in replays {
            let outcome = &outcomes[chain][position];
            prop_assert!(
                !outcome.is_ok(),
                "step {index}: a tx already included ran again on {chain}"
            );
        }
        let found = violations(&f);
        prop_assert!(found.is_empty(), "after step {index}: {found:#?}");
    }
    // The relayer runs freely again: everything must end, nothing held.
    f.net.blocked.clear();
    f.net.run_until(80, |net| {
        records(net)
            .iter()
            .all(|r| r.phase == coord::Phase::Done as i32)
    });
    let found = violations(&f);
    prop_assert!(found.is_empty(), "once settled: {found:#?}");
    for record in records(&f.net) {
        let faults: Vec<_> = record
            .legs
            .iter()
            .filter(|l| !l.decision_fault.is_empty())
            .collect();
        prop_assert!(faults.is_empty(), "{faults:?}");
        let counter = if record.commit {
            &TALLY.committed
        } else {
            let decided = record.timeline.iter().find(|t| t.step == "decided");
            note_reason("aborted", decided.map_or("", |t| t.detail.as_str()));
            &TALLY.aborted
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

#[test]
fn no_cross_tx_breaks_an_invariant() {
    let target: usize = std::env::var("XCC_ADVERSARIAL_CROSS_TXS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3_000);
    // A step draws CROSS_TXS_PER_STEP / 2 cross-txs on average.
    let per_case = STEPS_PER_CASE * CROSS_TXS_PER_STEP / 2;
    let cases = target.div_ceil(per_case) as u32;
    let config = Config {
        cases,
        source_file: Some(file!()),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let case = AtomicUsize::new(0);
    let strategy = proptest::collection::vec(step_draw(), STEPS_PER_CASE);
    let result = runner.run(&strategy, |steps| {
        let drawn_before = TALLY.drawn.load(Ordering::Relaxed);
        let outcome = run_case(&steps, case.fetch_add(1, Ordering::Relaxed) as u64);
        if outcome.is_err() {
            if let Ok(mut first) = FIRST_FAILURE.lock() {
                first.get_or_insert(
                    drawn_before + steps.iter().map(|s| s.cross.len()).sum::<usize>(),
                );
            }
        }
        outcome
    });
    let drawn = TALLY.drawn.load(Ordering::Relaxed);
    println!(
        "{cases} cases, {drawn} cross-txs drawn: {} refused at intake, {} committed, {} aborted",
        TALLY.refused_at_intake.load(Ordering::Relaxed),
        TALLY.committed.load(Ordering::Relaxed),
        TALLY.aborted.load(Ordering::Relaxed),
    );
    if let Ok(reasons) = REASONS.lock() {
        let mut by_count: Vec<_> = reasons.iter().collect();
        by_count.sort_by(|a, b| b.1.cmp(a.1));
        for (reason, count) in by_count.into_iter().take(25) {
            println!("{count:>7}  {reason}");
        }
    }
    if let Err(e) = result {
        let first = FIRST_FAILURE.lock().ok().and_then(|f| *f);
        panic!("first failing case within {first:?} cross-txs drawn; shrunk: {e}");
    }
    assert!(
        drawn >= target * 9 / 10,
        "only {drawn} cross-txs drawn of {target}"
    );
}

//! Bank receipts and proof of trust through the security chain's app: every
//! receipt that does not hold (forged, of an unknown or revoked bank,
//! expired, replayed, signed for another chain or purpose, for a lot that
//! does not exist) is refused with what was wrong and changes nothing; and
//! the fees of bidder registrations become the platforms' validator powers
//! at the epoch, capped, as the validator updates of that block.

use ed25519_consensus::SigningKey;
use xcc_chain::testing::{TestChain, TestKey, BLOCK_INTERVAL_NS};
use xcc_chain::validators::ValidatorsModule;
use xcc_chain::ValidatorUpdate;
use xcc_proto::auction::v1 as auction;
use xcc_proto::trust::v1 as pb;
use xcc_proto::{to_any, Any};
use xcc_security::auction::AuctionModule;
use xcc_security::trust::receipt::{sign, PlatformKeys, Purpose, Receipt};
use xcc_security::trust::TrustModule;
use xcc_security::SecurityModule;

const CHAIN: &str = "security-1";
/// Epochs of 10 blocks: the powers change at heights 11, 21, ...
const EPOCH_BLOCKS: u64 = 10;
const PLATFORMS: [&str; 4] = ["alpha", "bravo", "charlie", "delta"];
const FLOOR: u64 = 100;

struct Fixture {
    _dir: tempfile::TempDir,
    chain: TestChain,
    admin: TestKey,
    issuer: TestKey,
    bank: SigningKey,
    lot: u64,
}

fn platform_key(index: usize) -> [u8; 32] {
    SigningKey::from([40 + index as u8; 32])
        .verification_key()
        .to_bytes()
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let (registrar, admin, issuer) = (
        TestKey::from_seed(10),
        TestKey::from_seed(11),
        TestKey::from_seed(12),
    );
    let bank = SigningKey::from([30; 32]);
    let platforms: Vec<_> = PLATFORMS
        .iter()
        .enumerate()
        .map(|(i, id)| {
            serde_json::json!({
                "id": id,
                "validator_key": hex::encode(platform_key(i)),
                "operator": TestKey::from_seed(50 + i as u8).address.to_string(),
                "power": 100,
            })
        })
        .collect();
    let app_state = serde_json::json!({
        "security": {
            "registrar": registrar.address.to_string(),
            "securities": [{
                "symbol": "HARB",
                "name": "12 Harbour Street",
                "issuer": issuer.address.to_string(),
                "total_supply": 1000,
                "holder_cap": 100,
            }],
        },
        "validators": { "admin": admin.address.to_string() },
        "trust": {
            "fee_denom": "usd",
            "epoch_blocks": EPOCH_BLOCKS,
            "window_epochs": 1,
            "pool": 1000,
            "max_share_bp": 3000,
            "banks": [{
                "key": hex::encode(bank.verification_key().to_bytes()),
                "name": "Banco Atlântico",
                "valid_until_ns": u64::MAX,
            }],
            "platforms": platforms,
            "registrar_validators": [{
                "public_key": hex::encode(SigningKey::from([60; 32]).verification_key().to_bytes()),
                "power": FLOOR,
            }],
        },
    });
    let mut chain = TestChain::new(
        dir.path(),
        CHAIN,
        vec![
            Box::new(SecurityModule),
            Box::new(AuctionModule),
            Box::new(TrustModule),
            Box::new(ValidatorsModule),
        ],
        app_state,
    );
    chain.block(vec![]);
    let now = chain.next_block().time_ns;
    let terms = auction::Terms {
        kind: Some(auction::terms::Kind::English(auction::English {
            extension_secs: 5,
            max_end_ns: now + 1_000 * BLOCK_INTERVAL_NS,
        })),
        start_price: 1_000,
        step_absolute: 100,
        step_basis_points: 0,
        reserve: 0,
        start_ns: now,
        end_ns: now + 500 * BLOCK_INTERVAL_NS,
        guarantee: 10,
        min_bidders: 1,
        payment_window_secs: 30,
        requires_registration: false,
    };
    let create = to_any(&auction::MsgCreateAuction {
        seller: issuer.address.to_string(),
        symbol: "HARB".into(),
        units: 10,
        denom: "usd".into(),
        currency_chain: "currency-1".into(),
        terms: Some(terms),
    });
    let outcome = chain.submit(&[&issuer], vec![create]);
    assert!(outcome.is_ok(), "{}", outcome.log);
    Fixture {
        _dir: dir,
        chain,
        admin,
        issuer,
        bank,
        lot: 1,
    }
}

impl Fixture {
    /// A bidder-registration receipt of `payer` through `platform`, valid
    /// for a hundred blocks from now.
    fn bidder_receipt(&self, id: &str, payer: &TestKey, platform: &str, fee: u64) -> Receipt {
        let now = self.chain.next_block().time_ns;
        Receipt {
            bank: self.bank.verification_key().to_bytes(),
            id: id.into(),
            purpose: Purpose::BidderRegistration,
            payer: payer.address,
            platform: platform.into(),
            lot: self.lot,
            amount: fee,
            denom: "usd".into(),
            issued_at_ns: now - BLOCK_INTERVAL_NS,
            expires_at_ns: now + 100 * BLOCK_INTERVAL_NS,
            platform_keys: None,
            kyc_expires_at_ns: 0,
        }
    }

    fn register(&self, submitter: &TestKey, signed: pb::SignedReceipt) -> Vec<u8> {
        let msg = to_any(&pb::MsgRegisterBidder {
            submitter: submitter.address.to_string(),
            receipt: Some(signed),
        });
        self.chain.tx(&[submitter], vec![msg])
    }

    fn refused(&mut self, tx: Vec<u8>, says: &str) {
        let outcome = self.chain.assert_refused(tx);
        assert!(
            outcome.log.contains(says),
            "{says:?} not in {:?}",
            outcome.log
        );
    }

    fn ok(&mut self, signers: &[&TestKey], msgs: Vec<Any>) {
        let outcome = self.chain.submit(signers, msgs);
        assert!(outcome.is_ok(), "{}", outcome.log);
    }

    /// Blocks until the one that opens the next epoch; its validator updates.
    fn next_epoch(&mut self) -> Vec<ValidatorUpdate> {
        loop {
            let height = self.chain.next_block().height;
            let (_, updates) = self.chain.block_with_updates(vec![]);
            if (height - 1).is_multiple_of(EPOCH_BLOCKS) {
                return updates;
            }
        }
    }

    fn platforms(&self) -> Vec<pb::Platform> {
        self.chain
            .query::<pb::QueryPlatformsResponse>(
                "/xcc.trust.v1.Query/Platforms",
                &pb::QueryPlatformsRequest { page: None },
            )
            .unwrap()
            .platforms
    }
}

#[test]
fn receipts_that_do_not_hold_are_refused_and_change_nothing() {
    let mut f = fixture();
    let payer = TestKey::from_seed(20);
    let good = f.bidder_receipt("r-1", &payer, "alpha", 100);

    // Forged: signed by a key that is not the bank's.
    let forger = SigningKey::from([31; 32]);
    let tx = f.register(&payer, sign(&forger, CHAIN, &good));
    f.refused(tx, "signature does not verify");
    // Unknown bank: the forger names itself.
    let mut unknown = good.clone();
    unknown.bank = forger.verification_key().to_bytes();
    let tx = f.register(&payer, sign(&forger, CHAIN, &unknown));
    f.refused(tx, "no bank with key");
    // Signed for another chain.
    let tx = f.register(&payer, sign(&f.bank, "security-2", &good));
    f.refused(tx, "signature does not verify");
    // Signed as a bidder registration, presented with another purpose.
    let mut signed = sign(&f.bank, CHAIN, &good);
    if let Some(receipt) = signed.receipt.as_mut() {
        receipt.purpose = pb::Purpose::Guarantee as i32;
    }
    let tx = f.register(&payer, signed);
    f.refused(tx, "a receipt for bidder registration was expected");
    // Any field changed after signing.
    let mut signed = sign(&f.bank, CHAIN, &good);
    if let Some(receipt) = signed.receipt.as_mut() {
        receipt.amount = 10_000;
    }
    let tx = f.register(&payer, signed);
    f.refused(tx, "signature does not verify");
    // Expired: its expiry is before this block.
    let mut expired = good.clone();
    expired.expires_at_ns = f.chain.next_block().time_ns - 1;
    expired.issued_at_ns = expired.expires_at_ns - 10;
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &expired));
    f.refused(tx, "expired");
    // Issued after this block's time.
    let mut early = good.clone();
    early.issued_at_ns = f.chain.next_block().time_ns + 10 * BLOCK_INTERVAL_NS;
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &early));
    f.refused(tx, "after block time");
    // A lot that does not exist.
    let mut nowhere = good.clone();
    nowhere.lot = 99;
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &nowhere));
    f.refused(tx, "no lot 99");
    // An unknown platform.
    let mut elsewhere = good.clone();
    elsewhere.platform = "echo".into();
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &elsewhere));
    f.refused(tx, "no platform echo");
    // Submitted by someone other than the payer.
    let stranger = TestKey::from_seed(21);
    let tx = f.register(&stranger, sign(&f.bank, CHAIN, &good));
    f.refused(tx, "only");

    // The good receipt registers once; its replay is refused.
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &good));
    assert!(f.chain.block(vec![tx])[0].is_ok());
    let again = f.bidder_receipt("r-1", &TestKey::from_seed(22), "alpha", 100);
    let tx = f.register(&TestKey::from_seed(22), sign(&f.bank, CHAIN, &again));
    f.refused(tx, "already used");
    // The same payer again for the lot, on a fresh receipt.
    let twice = f.bidder_receipt("r-2", &payer, "alpha", 100);
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &twice));
    f.refused(tx, "already registered for lot 1");

    // A revoked bank's receipts are refused from the block of revocation.
    let revoke = to_any(&pb::MsgRevokeBank {
        admin: f.admin.address.to_string(),
        key: f.bank.verification_key().to_bytes().to_vec(),
    });
    // Only the admin revokes.
    let by_issuer = to_any(&pb::MsgRevokeBank {
        admin: f.issuer.address.to_string(),
        key: f.bank.verification_key().to_bytes().to_vec(),
    });
    let issuer = TestKey::from_seed(12);
    let tx = f.chain.tx(&[&issuer], vec![by_issuer]);
    f.refused(tx, "is not this chain's admin");
    let admin = TestKey::from_seed(11);
    f.ok(&[&admin], vec![revoke]);
    let late = f.bidder_receipt("r-3", &TestKey::from_seed(23), "alpha", 100);
    let tx = f.register(&TestKey::from_seed(23), sign(&f.bank, CHAIN, &late));
    f.refused(tx, "was revoked");
}

#[test]
fn fees_become_capped_powers_at_the_epoch_as_validator_updates() {
    let mut f = fixture();
    // Fees 100, 200, 300, 400 through the four platforms.
    let mut txs = Vec::new();
    for (index, platform) in PLATFORMS.iter().enumerate() {
        for n in 0..=index {
            let payer = TestKey::from_seed(100 + (index * 4 + n) as u8);
            let receipt = f.bidder_receipt(&format!("{platform}-{n}"), &payer, platform, 100);
            txs.push(f.register(&payer, sign(&f.bank, CHAIN, &receipt)));
        }
    }
    for outcome in f.chain.block(txs) {
        assert!(outcome.is_ok(), "{}", outcome.log);
    }
    // Raw 100, 200, 300, 400 of the pool of 1000; with the floor of 100 the
    // whole is 1100 and delta's 400 is 36%. Capped: x = 3000 · (100 + 600)
    // / 7000 = 300, the whole 1000, delta 30%. Alpha keeps its 100: no update.
    let updates = f.next_epoch();
    let mut expected: Vec<ValidatorUpdate> = [(1, 200), (2, 300), (3, 300)]
        .into_iter()
        .map(|(i, power)| ValidatorUpdate {
            public_key: platform_key(i),
            power,
        })
        .collect();
    expected.sort_by_key(|u| u.public_key);
    let mut updates = updates;
    updates.sort_by_key(|u| u.public_key);
    assert_eq!(updates, expected);
    let powers: Vec<u64> = f.platforms().iter().map(|p| p.power).collect();
    assert_eq!(powers, [100, 200, 300, 300]);
    let epoch: pb::Epoch = f
        .chain
        .query(
            "/xcc.trust.v1.Query/Epoch",
            &pb::QueryEpochRequest { number: 0 },
        )
        .unwrap();
    assert_eq!(
        epoch.powers.iter().map(|p| p.fees).collect::<Vec<_>>(),
        [100, 200, 300, 400]
    );
    let trust: pb::QueryLotTrustResponse = f
        .chain
        .query(
            "/xcc.trust.v1.Query/LotTrust",
            &pb::QueryLotTrustRequest { lot_id: f.lot },
        )
        .unwrap();
    let shares: Vec<u32> = trust.shares.iter().map(|s| s.share_bp).collect();
    assert_eq!(shares, [1_000, 2_000, 3_000, 4_000]);

    // An epoch without receipts (the window is one epoch): equal shares.
    let updates = f.next_epoch();
    assert_eq!(updates.len(), 4, "{updates:?}");
    assert!(updates.iter().all(|u| u.power == 250), "{updates:?}");
}

#[test]
fn a_platform_registers_on_its_receipt_and_earns_power_from_the_next_epoch() {
    let mut f = fixture();
    let operator = TestKey::from_seed(70);
    let validator_key = SigningKey::from([71; 32]).verification_key().to_bytes();
    let now = f.chain.next_block().time_ns;
    let registration = Receipt {
        bank: f.bank.verification_key().to_bytes(),
        id: "platform-echo".into(),
        purpose: Purpose::PlatformRegistration,
        payer: operator.address,
        platform: "echo".into(),
        lot: 0,
        amount: 5_000,
        denom: "usd".into(),
        issued_at_ns: now - 1,
        expires_at_ns: now + 100 * BLOCK_INTERVAL_NS,
        platform_keys: Some(PlatformKeys {
            validator_key,
            operator: operator.address,
        }),
        kyc_expires_at_ns: 0,
    };
    let bank = SigningKey::from([30; 32]);
    let msg = |receipt: &Receipt| {
        to_any(&pb::MsgRegisterPlatform {
            submitter: operator.address.to_string(),
            receipt: Some(sign(&bank, CHAIN, receipt)),
        })
    };
    // A bidder receipt is no platform registration.
    let bidder = f.bidder_receipt("b-1", &operator, "alpha", 100);
    let tx = f.chain.tx(&[&operator], vec![msg(&bidder)]);
    f.refused(tx, "a receipt for platform registration was expected");
    // A key a platform already runs with.
    let mut taken = registration.clone();
    taken.id = "platform-echo-2".into();
    taken.platform_keys = Some(PlatformKeys {
        validator_key: platform_key(0),
        operator: operator.address,
    });
    let tx = f.chain.tx(&[&operator], vec![msg(&taken)]);
    f.refused(tx, "already belongs to a platform");
    f.ok(&[&operator], vec![msg(&registration)]);
    assert_eq!(f.platforms().len(), 5);

    let payer = TestKey::from_seed(72);
    let receipt = f.bidder_receipt("e-1", &payer, "echo", 100);
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &receipt));
    assert!(f.chain.block(vec![tx])[0].is_ok());
    // Echo has every fee: 1000 raw, capped at 3000 · 100 / 7000 = 42 (the
    // others have none); the others drop to 0 and leave the set.
    let updates = f.next_epoch();
    let echo = updates
        .iter()
        .find(|u| u.public_key == validator_key)
        .expect("echo joins the set");
    assert_eq!(echo.power, 42);
    assert_eq!(
        updates.iter().filter(|u| u.power == 0).count(),
        4,
        "{updates:?}"
    );
}

#[test]
fn a_used_receipts_mark_is_forgotten_once_it_expired_and_its_replay_stays_refused() {
    let mut f = fixture();
    let payer = TestKey::from_seed(24);
    let mut short = f.bidder_receipt("short", &payer, "alpha", 100);
    short.expires_at_ns = f.chain.next_block().time_ns + 3 * BLOCK_INTERVAL_NS;
    let signed = sign(&f.bank, CHAIN, &short);
    let tx = f.register(&payer, signed.clone());
    assert!(f.chain.block(vec![tx])[0].is_ok());
    let mark = xcc_security::trust::state_key::used_receipt(&short.bank, &short.id);
    let stored = |chain: &TestChain| {
        !chain
            .app
            .query("/store/key", &mark, 0, false)
            .value
            .is_empty()
    };
    assert!(
        stored(&f.chain),
        "the mark is kept while the receipt is valid"
    );
    for _ in 0..4 {
        f.chain.block(vec![]);
    }
    assert!(!stored(&f.chain), "an expired receipt's mark is pruned");
    // Its replay is refused all the same: it has expired.
    let again = TestKey::from_seed(25);
    let tx = f.register(&again, signed);
    f.refused(tx, "expired");
}

#[test]
fn a_receipt_id_of_64_bytes_is_taken_and_one_of_65_is_refused_with_the_limit() {
    let mut f = fixture();
    let payer = TestKey::from_seed(26);
    let long = f.bidder_receipt(&"x".repeat(65), &payer, "alpha", 100);
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &long));
    f.refused(tx, "1 to 64 letters");
    let fits = f.bidder_receipt(&"x".repeat(64), &payer, "alpha", 100);
    let tx = f.register(&payer, sign(&f.bank, CHAIN, &fits));
    assert!(f.chain.block(vec![tx])[0].is_ok());
}

#[test]
fn hand_built_shapes_are_refused_and_change_nothing() {
    let mut f = fixture();
    let payer = TestKey::from_seed(27);
    let receipt = f.bidder_receipt("twice", &payer, "alpha", 100);
    let signed = sign(&f.bank, CHAIN, &receipt);
    // One receipt twice in one tx: the second sees the first's mark.
    let register = to_any(&pb::MsgRegisterBidder {
        submitter: payer.address.to_string(),
        receipt: Some(signed.clone()),
    });
    let tx = f.chain.tx(&[&payer], vec![register.clone(), register]);
    f.refused(tx, "already used");
    // A stranger registers a bank; the admin registers one twice; a name over its limit.
    let stranger = TestKey::from_seed(28);
    let bank = |name: &str, key: [u8; 32]| pb::Bank {
        key: key.to_vec(),
        name: name.into(),
        valid_from_ns: 0,
        valid_until_ns: u64::MAX,
        revoked: false,
        revoked_at_ns: 0,
    };
    let new_key = SigningKey::from([32; 32]).verification_key().to_bytes();
    let by = |signer: &TestKey, bank: pb::Bank| {
        to_any(&pb::MsgRegisterBank {
            admin: signer.address.to_string(),
            bank: Some(bank),
        })
    };
    let tx = f
        .chain
        .tx(&[&stranger], vec![by(&stranger, bank("Rogue", new_key))]);
    f.refused(tx, "is not this chain's admin");
    let admin = TestKey::from_seed(11);
    let existing = f.bank.verification_key().to_bytes();
    let tx = f
        .chain
        .tx(&[&admin], vec![by(&admin, bank("Again", existing))]);
    f.refused(tx, "already registered");
    let tx = f
        .chain
        .tx(&[&admin], vec![by(&admin, bank(&"n".repeat(129), new_key))]);
    f.refused(tx, "1 to 128 bytes");
    f.ok(&[&admin], vec![by(&admin, bank(&"n".repeat(128), new_key))]);
    // The receipt is still unused: it registers once, alone.
    let tx = f.register(&payer, signed);
    assert!(f.chain.block(vec![tx])[0].is_ok());
}

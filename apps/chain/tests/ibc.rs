//! The packet layer between two in-process chains: a ping travels from A to
//! B and back acknowledged, every proof checked against a light client
//! updated with headers the counterparty's validators signed. Every forged
//! or mismatched input is refused and changes nothing.

use xcc_chain::ibc::error::{code, CODESPACE};
use xcc_chain::ibc::state_key;
use xcc_chain::testing::{TestChain, TestKey, TestValidators, BLOCK_INTERVAL_NS, GENESIS_TIME_NS};
use xcc_proto::ibc::v1 as pb;
use xcc_proto::ping::v1 as ping;
use xcc_proto::{to_any, Any};

const A: &str = "security-1";
const B: &str = "currency-1";
const TRUSTING_PERIOD_SECS: u64 = 3600;

struct Pair {
    a: TestChain,
    b: TestChain,
    a_validators: TestValidators,
    b_validators: TestValidators,
    relayer: TestKey,
    alice: TestKey,
}

fn genesis(counterparty: &TestValidators, trusting_period_secs: u64) -> serde_json::Value {
    let root = counterparty.trust_root(GENESIS_TIME_NS - BLOCK_INTERVAL_NS, trusting_period_secs);
    serde_json::json!({ "ibc": { "counterparties": [root] } })
}

impl Pair {
    fn new(dir: &std::path::Path, trusting_period_secs: u64) -> Pair {
        let a_validators = TestValidators::new(A, &[1, 2, 3, 4]);
        let b_validators = TestValidators::new(B, &[11, 12, 13, 14]);
        let modules = || xcc_chain::chain_modules(Vec::new(), Vec::new());
        std::fs::create_dir_all(dir.join("a")).unwrap();
        std::fs::create_dir_all(dir.join("b")).unwrap();
        Pair {
            a: TestChain::new(
                &dir.join("a"),
                A,
                modules(),
                genesis(&b_validators, trusting_period_secs),
            ),
            b: TestChain::new(
                &dir.join("b"),
                B,
                modules(),
                genesis(&a_validators, trusting_period_secs),
            ),
            a_validators,
            b_validators,
            relayer: TestKey::from_seed(50),
            alice: TestKey::from_seed(51),
        }
    }

    /// Alice pings B from A in A's next block; returns the packet.
    fn ping(&mut self, message: &str, timeout_ns: u64) -> pb::Packet {
        let msg = to_any(&ping::MsgPing {
            sender: self.alice.address.to_string(),
            dest_chain: B.to_owned(),
            message: message.to_owned(),
            timeout_ns,
        });
        let outcome = self.a.submit(&[&self.alice], vec![msg]);
        assert_eq!(outcome.code, 0, "{}", outcome.log);
        let request = pb::QueryPendingPacketsRequest {
            dest_chain: B.to_owned(),
            limit: 0,
        };
        let pending: pb::QueryPendingPacketsResponse = self
            .a
            .query("/xcc.ibc.v1.Query/PendingPackets", &request)
            .unwrap();
        pending.packets.last().cloned().expect("a pending packet")
    }
}

/// The header at `height` of `chain`, which commits the state after
/// `height - 1`, verified from `trusted_height`.
fn header(
    chain: &TestChain,
    validators: &TestValidators,
    height: u64,
    trusted_height: u64,
) -> pb::Header {
    let app_hash = chain
        .app
        .store()
        .root_hash(height - 1)
        .expect("a committed version");
    validators.header(
        height,
        block_time(height),
        &app_hash,
        trusted_height,
        validators,
    )
}

fn block_time(height: u64) -> u64 {
    GENESIS_TIME_NS + (height - 1) * BLOCK_INTERVAL_NS
}

fn update(relayer: &TestKey, client_id: &str, header: pb::Header) -> Any {
    to_any(&pb::MsgUpdateClient {
        signer: relayer.address.to_string(),
        client_id: client_id.to_owned(),
        header: Some(header),
    })
}

/// An ics23 proof of `key` in `chain`'s state after `version`.
fn proof(chain: &TestChain, key: &[u8], version: u64) -> Vec<u8> {
    let outcome = chain
        .app
        .query(xcc_chain::app::STORE_KEY_PATH, key, version, true);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    outcome.proof.expect("a proof")
}

fn recv(relayer: &TestKey, packet: &pb::Packet, proof: Vec<u8>, proof_height: u64) -> Any {
    to_any(&pb::MsgRecvPacket {
        signer: relayer.address.to_string(),
        packet: Some(packet.clone()),
        proof_commitment: proof,
        proof_height,
    })
}

/// B's client of A updated to `version + 1` (from `trusted`), then the
/// packet proven in A's state after `version`.
fn update_and_recv(
    pair: &Pair,
    relayer: &TestKey,
    packet: &pb::Packet,
    version: u64,
    trusted: u64,
) -> Vec<Any> {
    vec![
        update(
            relayer,
            A,
            header(&pair.a, &pair.a_validators, version + 1, trusted),
        ),
        recv(
            relayer,
            packet,
            proof(&pair.a, &commitment_key(packet), version),
            version + 1,
        ),
    ]
}

fn commitment_key(packet: &pb::Packet) -> Vec<u8> {
    state_key::commitment(&packet.dest_chain, &packet.port, packet.sequence)
}

/// Advances `chain` with empty blocks until it reaches `height`.
fn catch_up(chain: &mut TestChain, height: u64) {
    while chain.height() < height {
        chain.block(Vec::new());
    }
}

fn pings_received(chain: &TestChain, source: &str) -> u64 {
    let key = xcc_chain::ping::state_key::received(source);
    let outcome = chain
        .app
        .query(xcc_chain::app::STORE_KEY_PATH, &key, 0, false);
    <ping::Received as prost::Message>::decode(outcome.value.as_slice())
        .unwrap()
        .count
}

fn ping_outcome(chain: &TestChain, dest: &str, sequence: u64) -> Option<ping::outcome::Outcome> {
    let key = xcc_chain::ping::state_key::outcome(dest, sequence);
    let outcome = chain
        .app
        .query(xcc_chain::app::STORE_KEY_PATH, &key, 0, false);
    if outcome.value.is_empty() {
        return None;
    }
    <ping::Outcome as prost::Message>::decode(outcome.value.as_slice())
        .unwrap()
        .outcome
}

/// Runs `msgs` in a tx that must be refused with the packet layer's `code`
/// and change nothing; returns the log.
fn assert_refused_with(
    chain: &mut TestChain,
    signer: &TestKey,
    msgs: Vec<Any>,
    code: u32,
) -> String {
    let tx = chain.tx(&[signer], msgs);
    let outcome = chain.assert_refused(tx);
    assert_eq!(
        (outcome.codespace, outcome.code),
        (CODESPACE, code),
        "{}",
        outcome.log
    );
    outcome.log
}

const MINUTE_NS: u64 = 60 * 1_000_000_000;

/// Relays `packet` (sent in A's block `sent_at`) to B; returns B's height
/// after the receive.
fn deliver(pair: &mut Pair, packet: &pb::Packet) -> u64 {
    let version = pair.a.height();
    let proof_height = version + 1;
    catch_up(&mut pair.b, proof_height);
    let trusted = client_state(&pair.b, A).latest_height;
    let msgs = update_and_recv(pair, &pair.relayer, packet, version, trusted);
    let outcome = pair.b.submit(&[&pair.relayer], msgs);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    pair.b.height()
}

fn client_state(chain: &TestChain, client_id: &str) -> pb::ClientState {
    let request = pb::QueryClientStateRequest {
        client_id: client_id.to_owned(),
    };
    let response: pb::QueryClientStateResponse = chain
        .query("/xcc.ibc.v1.Query/ClientState", &request)
        .unwrap();
    response.client_state.unwrap()
}

fn acknowledgement(chain: &TestChain, packet: &pb::Packet) -> Vec<u8> {
    let request = pb::QueryAcknowledgementsRequest {
        source_chain: packet.source_chain.clone(),
        sequences: vec![packet.sequence],
    };
    let response: pb::QueryAcknowledgementsResponse = chain
        .query("/xcc.ibc.v1.Query/Acknowledgements", &request)
        .unwrap();
    response.acknowledgements[0].acknowledgement.clone()
}

#[test]
fn a_ping_is_received_once_and_acknowledged_with_a_pong() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    let packet = pair.ping("hello", MINUTE_NS);
    assert_eq!(packet.sequence, 1);

    deliver(&mut pair, &packet);
    assert_eq!(pings_received(&pair.b, A), 1);
    assert_eq!(client_state(&pair.b, A).latest_height, pair.a.height() + 1);

    // A second relayer delivers the same packet: a successful no-op.
    let version = pair.a.height();
    let again = recv(
        &pair.relayer,
        &packet,
        proof(&pair.a, &commitment_key(&packet), version),
        version + 1,
    );
    let outcome = pair.b.submit(&[&pair.relayer], vec![again]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome
        .events
        .iter()
        .any(|e| e.kind == "packet_already_received"));
    assert_eq!(pings_received(&pair.b, A), 1, "a packet was handled twice");

    // The acknowledgement goes back to A, proven against A's client of B.
    let ack = acknowledgement(&pair.b, &packet);
    let version = pair.b.height();
    catch_up(&mut pair.a, version + 1);
    let ack_key = state_key::ack_commitment(A, packet.sequence);
    let msgs = vec![
        update(
            &pair.relayer,
            B,
            header(&pair.b, &pair.b_validators, version + 1, 0),
        ),
        to_any(&pb::MsgAcknowledge {
            signer: pair.relayer.address.to_string(),
            packet: Some(packet.clone()),
            acknowledgement: ack.clone(),
            proof_acked: proof(&pair.b, &ack_key, version),
            proof_height: version + 1,
        }),
    ];
    let outcome = pair.a.submit(&[&pair.relayer], msgs.clone());
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(
        ping_outcome(&pair.a, B, 1),
        Some(ping::outcome::Outcome::Pong("pong: hello".to_owned()))
    );
    let pending: pb::QueryPendingPacketsResponse = pair
        .a
        .query(
            "/xcc.ibc.v1.Query/PendingPackets",
            &pb::QueryPendingPacketsRequest {
                dest_chain: B.to_owned(),
                limit: 0,
            },
        )
        .unwrap();
    assert!(pending.packets.is_empty());

    // Acknowledged twice: a no-op.
    let outcome = pair.a.submit(&[&pair.relayer], msgs[1..].to_vec());
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome
        .events
        .iter()
        .any(|e| e.kind == "packet_already_settled"));
}

#[test]
fn forged_proofs_and_tampered_packets_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    let packet = pair.ping("hello", MINUTE_NS);
    let version = pair.a.height();
    pair.a.block(Vec::new());
    catch_up(&mut pair.b, version + 2);
    // B's client of A learns headers version+1 and version+2.
    let msgs = vec![
        update(
            &pair.relayer,
            A,
            header(&pair.a, &pair.a_validators, version + 1, 0),
        ),
        update(
            &pair.relayer,
            A,
            header(&pair.a, &pair.a_validators, version + 2, version + 1),
        ),
    ];
    assert_eq!(pair.b.submit(&[&pair.relayer], msgs).code, 0);
    let good_proof = proof(&pair.a, &commitment_key(&packet), version);
    let relayer = TestKey::from_seed(50);
    let ibc = code::INVALID_PROOF;
    let mut refuse_recv = |packet: &pb::Packet, proof: Vec<u8>, proof_height: u64, code: u32| {
        let msg = recv(&relayer, packet, proof, proof_height);
        assert_refused_with(&mut pair.b, &relayer, vec![msg], code);
    };

    let mut tampered = good_proof.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    refuse_recv(&packet, tampered, version + 1, ibc);
    refuse_recv(&packet, vec![1, 2, 3], version + 1, ibc);

    // A proof of the state after `version`, claimed at the wrong height.
    refuse_recv(&packet, good_proof.clone(), version + 2, ibc);
    refuse_recv(
        &packet,
        good_proof.clone(),
        version + 5,
        code::CONSENSUS_STATE_NOT_FOUND,
    );

    // Tampered packet fields do not match the proven commitment.
    let mut data = packet.clone();
    data.data.push(0);
    refuse_recv(&data, good_proof.clone(), version + 1, ibc);
    let mut timeout = packet.clone();
    timeout.timeout_timestamp_ns += 1;
    refuse_recv(&timeout, good_proof.clone(), version + 1, ibc);
    let mut sequence = packet.clone();
    sequence.sequence = 2;
    refuse_recv(&sequence, good_proof.clone(), version + 1, ibc);
    let mut dest = packet.clone();
    dest.dest_chain = "other-1".to_owned();
    refuse_recv(&dest, good_proof.clone(), version + 1, code::INVALID_PACKET);
    let mut source = packet.clone();
    source.source_chain = "other-1".to_owned();
    refuse_recv(
        &source,
        good_proof.clone(),
        version + 1,
        code::CLIENT_NOT_FOUND,
    );
    assert_eq!(pings_received(&pair.b, A), 0);

    // The genuine one goes through; the same tx again is a replay.
    let tx = pair.b.tx(
        &[&relayer],
        vec![recv(&relayer, &packet, good_proof, version + 1)],
    );
    assert_eq!(pair.b.block(vec![tx.clone()])[0].code, 0);
    let outcome = pair.b.assert_refused(tx);
    assert_eq!(
        outcome.code,
        xcc_chain::error::code::INVALID_NONCE,
        "{}",
        outcome.log
    );
    assert_eq!(pings_received(&pair.b, A), 1);
}

#[test]
fn headers_that_do_not_verify_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    catch_up(&mut pair.a, 5);
    catch_up(&mut pair.b, 6);
    let relayer = TestKey::from_seed(50);
    let invalid = code::INVALID_HEADER;
    let app_hash = pair.a.app.store().root_hash(4).unwrap();
    let strangers = TestValidators::new(A, &[21, 22, 23, 24]);
    let other_chain = TestValidators::new("other-1", &[1, 2, 3, 4]);

    // Signed by a validator set the client does not trust: adjacent and skipping.
    for height in [1, 5] {
        let forged = strangers.header(height, block_time(height), &app_hash, 0, &pair.a_validators);
        let log = assert_refused_with(
            &mut pair.b,
            &relayer,
            vec![update(&relayer, A, forged)],
            invalid,
        );
        assert!(!log.is_empty());
    }
    // Claiming the strangers were the trusted validators.
    let forged = strangers.header(5, block_time(5), &app_hash, 0, &strangers);
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, forged)],
        invalid,
    );
    // Signed by the right keys for another chain id.
    let forged = other_chain.header(5, block_time(5), &app_hash, 0, &other_chain);
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, forged)],
        invalid,
    );
    // An app hash swapped after signing.
    let mut forged = header(&pair.a, &pair.a_validators, 5, 0);
    let signed = {
        use prost::Message;
        let mut raw =
            tendermint_proto::v0_38::types::SignedHeader::decode(forged.signed_header.as_slice())
                .unwrap();
        raw.header.as_mut().unwrap().app_hash = vec![7; 32];
        raw.encode_to_vec()
    };
    forged.signed_header = signed;
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, forged)],
        invalid,
    );
    // From the future, beyond the allowed clock drift.
    let future = pair.a_validators.header(
        5,
        block_time(5) + 60 * MINUTE_NS,
        &app_hash,
        0,
        &pair.a_validators,
    );
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, future)],
        invalid,
    );
    // Undecodable bytes, and a chain this one has no client of.
    let mut garbage = header(&pair.a, &pair.a_validators, 5, 0);
    garbage.signed_header = vec![0xff; 9];
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, garbage)],
        invalid,
    );
    let genuine = header(&pair.a, &pair.a_validators, 5, 0);
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, "other-1", genuine.clone())],
        code::CLIENT_NOT_FOUND,
    );
    assert_eq!(client_state(&pair.b, A).latest_height, 0);

    // The genuine header is accepted, skipping from the trust root.
    let outcome = pair
        .b
        .submit(&[&relayer], vec![update(&relayer, A, genuine)]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(client_state(&pair.b, A).latest_height, 5);
}

#[test]
fn an_expired_client_refuses_headers_and_packets() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), 5);
    let packet = pair.ping("late", MINUTE_NS);
    let version = pair.a.height();
    catch_up(&mut pair.b, 10);
    let relayer = TestKey::from_seed(50);
    let msgs = update_and_recv(&pair, &relayer, &packet, version, 0);
    let log = assert_refused_with(&mut pair.b, &relayer, msgs.clone(), code::CLIENT_EXPIRED);
    assert!(log.contains("expired"), "{log}");
    // Nor can the chain send to an expired counterparty.
    let ping = to_any(&ping::MsgPing {
        sender: pair.alice.address.to_string(),
        dest_chain: A.to_owned(),
        message: "hi".to_owned(),
        timeout_ns: MINUTE_NS,
    });
    let alice = TestKey::from_seed(51);
    assert_refused_with(&mut pair.b, &alice, vec![ping], code::CLIENT_EXPIRED);
}

#[test]
fn misbehaviour_freezes_the_client_and_blocks_its_packets() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    let packet = pair.ping("hello", MINUTE_NS);
    let version = pair.a.height();
    catch_up(&mut pair.b, version + 1);
    let relayer = TestKey::from_seed(50);
    let genuine = header(&pair.a, &pair.a_validators, version + 1, 0);
    assert_eq!(
        pair.b
            .submit(&[&relayer], vec![update(&relayer, A, genuine.clone())])
            .code,
        0
    );
    // The same header again is a no-op, not misbehaviour.
    let outcome = pair
        .b
        .submit(&[&relayer], vec![update(&relayer, A, genuine)]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(client_state(&pair.b, A).frozen_height, 0);

    // The validators sign a second, different header at the same height.
    let conflicting = pair.a_validators.header(
        version + 1,
        block_time(version + 1),
        &[9; 32],
        0,
        &pair.a_validators,
    );
    let outcome = pair
        .b
        .submit(&[&relayer], vec![update(&relayer, A, conflicting)]);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert!(outcome
        .events
        .iter()
        .any(|e| e.kind == "client_misbehaviour"));
    assert_eq!(client_state(&pair.b, A).frozen_height, version + 1);

    // No packet from a frozen client, and no further header.
    let msg = recv(
        &relayer,
        &packet,
        proof(&pair.a, &commitment_key(&packet), version),
        version + 1,
    );
    assert_refused_with(&mut pair.b, &relayer, vec![msg], code::CLIENT_FROZEN);
    pair.a.block(Vec::new());
    let next = header(&pair.a, &pair.a_validators, version + 2, version + 1);
    assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![update(&relayer, A, next)],
        code::CLIENT_FROZEN,
    );
    assert_eq!(pings_received(&pair.b, A), 0);
}

#[test]
fn a_timed_out_packet_is_refused_by_its_destination_and_timed_out_at_its_source() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    let packet = pair.ping("too late", 3 * BLOCK_INTERVAL_NS);
    let version = pair.a.height();
    catch_up(&mut pair.b, version + 5);
    let relayer = TestKey::from_seed(50);
    let msgs = update_and_recv(&pair, &relayer, &packet, version, 0);
    assert_refused_with(&mut pair.b, &relayer, msgs, code::PACKET_TIMED_OUT);

    // B's state before the timeout cannot prove it; its state after can.
    let receipt = state_key::receipt(A, packet.sequence);
    let timeout = |proof: Vec<u8>, proof_height: u64| {
        to_any(&pb::MsgTimeout {
            signer: relayer.address.to_string(),
            packet: Some(packet.clone()),
            proof_unreceived: proof,
            proof_height,
        })
    };
    let early = version;
    let late = pair.b.height();
    catch_up(&mut pair.a, late + 1);
    let msgs = vec![
        update(
            &relayer,
            B,
            header(&pair.b, &pair.b_validators, early + 1, 0),
        ),
        timeout(proof(&pair.b, &receipt, early), early + 1),
    ];
    assert_refused_with(&mut pair.a, &relayer, msgs, code::TIMEOUT_NOT_REACHED);
    let msgs = vec![
        update(
            &relayer,
            B,
            header(&pair.b, &pair.b_validators, late + 1, 0),
        ),
        timeout(proof(&pair.b, &receipt, late), late + 1),
    ];
    let outcome = pair.a.submit(&[&relayer], msgs);
    assert_eq!(outcome.code, 0, "{}", outcome.log);
    assert_eq!(
        ping_outcome(&pair.a, B, packet.sequence),
        Some(ping::outcome::Outcome::TimedOut(true))
    );
}

#[test]
fn a_receipt_cannot_be_proven_absent() {
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), TRUSTING_PERIOD_SECS);
    let packet = pair.ping("hello", 4 * BLOCK_INTERVAL_NS);
    let received_at = deliver(&mut pair, &packet);
    catch_up(&mut pair.b, received_at + 6);
    let version = pair.b.height();
    catch_up(&mut pair.a, version + 1);
    let relayer = TestKey::from_seed(50);
    let receipt = state_key::receipt(A, packet.sequence);
    let msgs = vec![
        update(
            &relayer,
            B,
            header(&pair.b, &pair.b_validators, version + 1, 0),
        ),
        to_any(&pb::MsgTimeout {
            signer: relayer.address.to_string(),
            packet: Some(packet.clone()),
            proof_unreceived: proof(&pair.b, &receipt, version),
            proof_height: version + 1,
        }),
    ];
    assert_refused_with(&mut pair.a, &relayer, msgs, code::INVALID_PROOF);
    assert_eq!(ping_outcome(&pair.a, B, packet.sequence), None);
}

/// The heights of the consensus states `chain` holds for its client of `of`.
fn consensus_heights(chain: &TestChain, of: &str) -> Vec<u64> {
    let store = chain.app.store();
    let latest = store.latest_version().unwrap().unwrap();
    store
        .snapshot(latest)
        .unwrap()
        .prefix(&state_key::consensus_states(of))
        .unwrap()
        .iter()
        .filter_map(|(key, _)| state_key::consensus_height(key))
        .collect()
}

#[test]
fn consensus_states_older_than_the_trusting_period_are_pruned_and_the_latest_kept() {
    const PERIOD_SECS: u64 = 20;
    let dir = tempfile::tempdir().unwrap();
    let mut pair = Pair::new(dir.path(), PERIOD_SECS);
    let relayer = TestKey::from_seed(50);
    let mut trusted = 0;
    // A header every 2 blocks, each verified from the one before, for
    // three trusting periods.
    for height in (2..=60).step_by(2) {
        catch_up(&mut pair.a, height);
        catch_up(&mut pair.b, height - 1);
        let msg = update(
            &relayer,
            A,
            header(&pair.a, &pair.a_validators, height, trusted),
        );
        let outcome = pair.b.submit(&[&relayer], vec![msg]);
        assert_eq!(outcome.code, 0, "{}", outcome.log);
        trusted = height;
    }
    let heights = consensus_heights(&pair.b, A);
    // B's block time is that of its height 60: the states still trusted
    // are those of the last 20 seconds, plus at most one an update found
    // still trusted.
    let now_ns = block_time(pair.b.height());
    let trusted_from = now_ns - PERIOD_SECS * 1_000_000_000;
    assert!(
        heights
            .iter()
            .all(|h| *h == 60 || block_time(*h) + 2 * BLOCK_INTERVAL_NS > trusted_from),
        "{heights:?}"
    );
    assert!(
        !heights.contains(&0),
        "the trust root is pruned: {heights:?}"
    );
    assert!(heights.contains(&60), "the latest is kept: {heights:?}");
    assert!(heights.len() <= 12, "{heights:?}");

    // A proof at a pruned height is refused before it is even read.
    let packet = pb::Packet {
        sequence: 1,
        source_chain: A.to_owned(),
        dest_chain: B.to_owned(),
        port: "ping".to_owned(),
        timeout_timestamp_ns: now_ns + MINUTE_NS,
        data: Vec::new(),
    };
    let msg = recv(&relayer, &packet, Vec::new(), 2);
    let log = assert_refused_with(
        &mut pair.b,
        &relayer,
        vec![msg],
        code::CONSENSUS_STATE_NOT_FOUND,
    );
    assert!(log.contains("height 2"), "{log}");
}

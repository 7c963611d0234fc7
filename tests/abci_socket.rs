//! ABCI conformance over the real socket: a client sends what CometBFT v0.38
//! sends to the `xcc-app` binary, kills it with SIGKILL mid-chain, restarts
//! it, and checks that it resumes exactly where it committed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ed25519_consensus::SigningKey;
use prost::Message;
use tendermint_proto::google::protobuf::{Duration as PbDuration, Timestamp};
use tendermint_proto::v0_38::abci::{self, request, response, Request, Response};
use tendermint_proto::v0_38::types;
use xcc_chain::tx::signed_tx;
use xcc_chain::Address;
use xcc_proto::currency::v1 as currency;
use xcc_proto::to_any;
use xcc_tests::{binary, Spawned};

const CHAIN: &str = "currency-1";

/// The app process, killed when dropped.
struct AppProcess {
    process: Spawned,
    port: u16,
}

impl AppProcess {
    fn start(home: &Path, genesis: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary("xcc-app"))
            .args(["currency", "--home"])
            .arg(home)
            .args(["--abci", &format!("tcp://127.0.0.1:{port}"), "--genesis"])
            .arg(genesis)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn xcc-app");
        AppProcess {
            process: Spawned(child),
            port,
        }
    }

    fn connect(&self) -> AbciClient {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match TcpStream::connect(("127.0.0.1", self.port)) {
                Ok(stream) => return AbciClient { stream },
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) => panic!("xcc-app did not listen on {}: {e}", self.port),
            }
        }
    }

    /// SIGKILL: no chance to flush or clean up.
    fn kill(mut self) {
        self.process.kill();
    }
}

/// Speaks the ABCI socket protocol: varint-length-prefixed protobuf.
struct AbciClient {
    stream: TcpStream,
}

impl AbciClient {
    fn call(&mut self, value: request::Value) -> response::Value {
        for value in [value, request::Value::Flush(abci::RequestFlush {})] {
            let bytes = Request { value: Some(value) }.encode_length_delimited_to_vec();
            self.stream.write_all(&bytes).unwrap();
        }
        let answer = self.read();
        assert!(matches!(self.read(), response::Value::Flush(_)));
        answer
    }

    fn read(&mut self) -> response::Value {
        let mut len: u64 = 0;
        for shift in (0..64).step_by(7) {
            let mut byte = [0u8; 1];
            self.stream.read_exact(&mut byte).unwrap();
            len |= u64::from(byte[0] & 0x7f) << shift;
            if byte[0] & 0x80 == 0 {
                break;
            }
        }
        let mut buf = vec![0u8; len as usize];
        self.stream.read_exact(&mut buf).unwrap();
        match Response::decode(buf.as_slice()).unwrap().value.unwrap() {
            response::Value::Exception(e) => panic!("ABCI exception: {}", e.error),
            value => value,
        }
    }

    fn info(&mut self) -> abci::ResponseInfo {
        let request = abci::RequestInfo {
            version: "0.38.17".into(),
            block_version: 11,
            p2p_version: 8,
            abci_version: "2.0.0".into(),
        };
        match self.call(request::Value::Info(request)) {
            response::Value::Info(info) => info,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn init_chain(&mut self, app_state: &[u8]) -> Vec<u8> {
        let request = abci::RequestInitChain {
            time: Some(block_time(0)),
            chain_id: CHAIN.into(),
            consensus_params: Some(types::ConsensusParams {
                block: Some(types::BlockParams {
                    max_bytes: 4 << 20,
                    max_gas: -1,
                }),
                evidence: Some(types::EvidenceParams {
                    max_age_num_blocks: 100_000,
                    max_age_duration: Some(PbDuration {
                        seconds: 172_800,
                        nanos: 0,
                    }),
                    max_bytes: 1 << 20,
                }),
                validator: Some(types::ValidatorParams {
                    pub_key_types: vec!["ed25519".into()],
                }),
                version: Some(types::VersionParams { app: 1 }),
                abci: Some(types::AbciParams {
                    vote_extensions_enable_height: 0,
                }),
            }),
            validators: Vec::new(),
            app_state_bytes: app_state.to_vec().into(),
            initial_height: 1,
        };
        match self.call(request::Value::InitChain(request)) {
            response::Value::InitChain(init) => init.app_hash.to_vec(),
            other => panic!("unexpected {other:?}"),
        }
    }

    fn check_tx(&mut self, tx: &[u8]) -> abci::ResponseCheckTx {
        let request = abci::RequestCheckTx {
            tx: tx.to_vec().into(),
            r#type: abci::CheckTxType::New as i32,
        };
        match self.call(request::Value::CheckTx(request)) {
            response::Value::CheckTx(check) => check,
            other => panic!("unexpected {other:?}"),
        }
    }

    /// PrepareProposal, ProcessProposal and FinalizeBlock of one height, as a
    /// proposer sees them; returns the finalized block.
    fn propose_and_finalize(
        &mut self,
        height: i64,
        mempool: Vec<Vec<u8>>,
    ) -> abci::ResponseFinalizeBlock {
        let prepare = abci::RequestPrepareProposal {
            max_tx_bytes: 1 << 20,
            txs: mempool.into_iter().map(Into::into).collect(),
            local_last_commit: Some(abci::ExtendedCommitInfo {
                round: 0,
                votes: Vec::new(),
            }),
            misbehavior: Vec::new(),
            height,
            time: Some(block_time(height)),
            next_validators_hash: vec![7; 32].into(),
            proposer_address: vec![9; 20].into(),
        };
        let txs = match self.call(request::Value::PrepareProposal(prepare)) {
            response::Value::PrepareProposal(p) => p.txs,
            other => panic!("unexpected {other:?}"),
        };
        let process = proposal(height, txs.clone());
        match self.call(request::Value::ProcessProposal(process)) {
            response::Value::ProcessProposal(p) => assert_eq!(
                p.status,
                abci::response_process_proposal::ProposalStatus::Accept as i32
            ),
            other => panic!("unexpected {other:?}"),
        }
        self.finalize(height, txs.into_iter().map(|t| t.to_vec()).collect())
    }

    fn finalize(&mut self, height: i64, txs: Vec<Vec<u8>>) -> abci::ResponseFinalizeBlock {
        // The block CometBFT would decide: the fields of its proposal.
        let block = proposal(height, txs.into_iter().map(Into::into).collect());
        let request = abci::RequestFinalizeBlock {
            txs: block.txs,
            decided_last_commit: block.proposed_last_commit,
            misbehavior: block.misbehavior,
            hash: block.hash,
            height: block.height,
            time: block.time,
            next_validators_hash: block.next_validators_hash,
            proposer_address: block.proposer_address,
        };
        match self.call(request::Value::FinalizeBlock(request)) {
            response::Value::FinalizeBlock(block) => block,
            other => panic!("unexpected {other:?}"),
        }
    }

    fn commit(&mut self) {
        assert!(matches!(
            self.call(request::Value::Commit(abci::RequestCommit {})),
            response::Value::Commit(_)
        ));
    }

    fn query(&mut self, path: &str, data: Vec<u8>, prove: bool) -> abci::ResponseQuery {
        let request = abci::RequestQuery {
            data: data.into(),
            path: path.into(),
            height: 0,
            prove,
        };
        match self.call(request::Value::Query(request)) {
            response::Value::Query(query) => query,
            other => panic!("unexpected {other:?}"),
        }
    }
}

fn block_time(height: i64) -> Timestamp {
    Timestamp {
        seconds: 1_767_225_600 + height,
        nanos: 0,
    }
}

struct Keys {
    authority: SigningKey,
    alice: SigningKey,
    bob: SigningKey,
}

fn address(key: &SigningKey) -> Address {
    Address::from_public_key(&key.verification_key())
}

fn write_genesis(path: &Path, keys: &Keys) -> Vec<u8> {
    let app_state = serde_json::json!({
        "currency": { "denoms": [{
            "denom": "usd",
            "mint_authority": address(&keys.authority).to_string(),
            "balances": [{ "account": address(&keys.alice).to_string(), "amount": 1_000_000 }]
        }]}
    });
    let genesis = serde_json::json!({
        "genesis_time": "2026-01-01T00:00:00Z",
        "chain_id": CHAIN,
        "initial_height": "1",
        "app_state": app_state,
    });
    std::fs::write(path, serde_json::to_vec_pretty(&genesis).unwrap()).unwrap();
    serde_json::to_vec(&app_state).unwrap()
}

/// Block `height`'s one tx: alice pays bob `height` units.
fn payment(keys: &Keys, height: i64) -> Vec<u8> {
    let msg = currency::MsgTransfer {
        from: address(&keys.alice).to_string(),
        to: address(&keys.bob).to_string(),
        denom: "usd".into(),
        amount: height as u64,
    };
    let body = xcc_proto::tx::v1::TxBody {
        chain_id: CHAIN.into(),
        nonce: (height - 1) as u64,
        msgs: vec![to_any(&msg)],
        timeout_height: 0,
        memo: String::new(),
    };
    signed_tx(body, &[&keys.alice]).encode_to_vec()
}

/// Runs blocks `from..=to` through CheckTx, proposal and commit; returns
/// their app hashes.
fn run_blocks(client: &mut AbciClient, keys: &Keys, from: i64, to: i64) -> Vec<Vec<u8>> {
    (from..=to)
        .map(|height| {
            let tx = payment(keys, height);
            let check = client.check_tx(&tx);
            assert_eq!(check.code, 0, "{}", check.log);
            let block = client.propose_and_finalize(height, vec![tx]);
            assert_eq!(block.tx_results.len(), 1);
            assert_eq!(block.tx_results[0].code, 0, "{}", block.tx_results[0].log);
            client.commit();
            block.app_hash.to_vec()
        })
        .collect()
}

#[test]
fn survives_sigkill_between_blocks_and_replays_identically() {
    let keys = Keys {
        authority: SigningKey::from([1; 32]),
        alice: SigningKey::from([2; 32]),
        bob: SigningKey::from([3; 32]),
    };
    let dir = tempfile::tempdir().unwrap();
    let genesis = dir.path().join("genesis.json");
    let app_state = write_genesis(&genesis, &keys);

    // Reference run, never interrupted.
    let reference_home = dir.path().join("reference");
    let reference = AppProcess::start(&reference_home, &genesis);
    let mut client = reference.connect();
    assert_eq!(client.info().last_block_height, 0);
    let reference_genesis = client.init_chain(&app_state);
    let reference_hashes = run_blocks(&mut client, &keys, 1, 5);
    drop(client);
    reference.kill();

    // The same chain, killed twice.
    let home = dir.path().join("crashy");
    let app = AppProcess::start(&home, &genesis);
    let mut client = app.connect();
    // Empty app_state_bytes: the genesis file supplies it.
    assert_eq!(client.init_chain(&[]), reference_genesis);
    let mut hashes = run_blocks(&mut client, &keys, 1, 3);

    // A refused CheckTx answers with a code over the socket and keeps the connection.
    let replay = client.check_tx(&payment(&keys, 3));
    assert_ne!(replay.code, 0);
    assert!(replay.log.contains("nonce"), "{}", replay.log);

    // Each crash kills the app; restarted, it is back at block 3.
    let crash_and_restart = |app: AppProcess, client: AbciClient| {
        drop(client);
        app.kill();
        let app = AppProcess::start(&home, &genesis);
        let mut client = app.connect();
        let info = client.info();
        assert_eq!(info.last_block_height, 3);
        assert_eq!(info.last_block_app_hash.to_vec(), hashes[2]);
        (app, client)
    };
    // Crash 1: between Commit(3) and FinalizeBlock(4).
    let (app, mut client) = crash_and_restart(app, client);
    // Crash 2: after FinalizeBlock(4) but before its Commit loses block 4 only.
    let uncommitted = client.finalize(4, vec![payment(&keys, 4)]);
    let (_app, mut client) = crash_and_restart(app, client);

    hashes.extend(run_blocks(&mut client, &keys, 4, 5));
    assert_eq!(
        hashes[3],
        uncommitted.app_hash.to_vec(),
        "replaying block 4 gives the same app hash"
    );
    assert_eq!(
        hashes, reference_hashes,
        "a crashed run matches the uninterrupted one"
    );

    // Queries: a module query, and a proven store read against the last app hash.
    let request = currency::QueryBalanceRequest {
        denom: "usd".into(),
        account: address(&keys.bob).to_string(),
    };
    let answer = client.query(
        "/xcc.currency.v1.Query/Balance",
        request.encode_to_vec(),
        false,
    );
    assert_eq!(answer.code, 0, "{}", answer.log);
    assert_eq!(
        currency::QueryBalanceResponse::decode(answer.value.as_ref())
            .unwrap()
            .amount,
        15
    );

    let key = format!("currency/balance/{}/usd", address(&keys.bob)).into_bytes();
    let proven = client.query("/store/key", key.clone(), true);
    assert_eq!(proven.height, 5);
    let ops = proven.proof_ops.expect("a proof");
    let proof = ics23::CommitmentProof::decode(ops.ops[0].data.as_slice()).unwrap();
    let root: [u8; 32] = hashes[4].clone().try_into().unwrap();
    assert!(xcc_store::verify_membership(
        &proof,
        &root,
        &key,
        &proven.value
    ));
    assert!(!xcc_store::verify_membership(
        &proof,
        &root,
        &key,
        &16u64.to_be_bytes()
    ));

    let unknown = client.query("/xcc.currency.v1.Query/Nothing", Vec::new(), false);
    assert_ne!(unknown.code, 0);
    assert_eq!(
        client.info().last_block_height,
        5,
        "a bad query keeps the connection"
    );
}

/// A proposal of `txs` at `height`, as CometBFT sends it for checking.
fn proposal(height: i64, txs: Vec<bytes::Bytes>) -> abci::RequestProcessProposal {
    abci::RequestProcessProposal {
        txs,
        proposed_last_commit: Some(abci::CommitInfo {
            round: 0,
            votes: Vec::new(),
        }),
        misbehavior: Vec::new(),
        hash: vec![height as u8; 32].into(),
        height,
        time: Some(block_time(height)),
        next_validators_hash: vec![7; 32].into(),
        proposer_address: vec![9; 20].into(),
    }
}

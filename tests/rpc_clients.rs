//! tendermint-rpc's own clients against a running `xcc-node`: the HTTP
//! methods the relayer and CLI use, proven store queries, websocket event
//! subscriptions, and malformed requests that must leave the node running.

use futures::{FutureExt as _, StreamExt as _};
use serde_json::Value;
use tendermint_rpc::event::{Event, EventData};
use tendermint_rpc::query::{EventType, Query};
use tendermint_rpc::{Client, Paging, SubscriptionClient};
use xcc_tests::chain::{address, new_key, transfer_tx, CurrencyChain};
use xcc_tests::rpc::{raw_post, RawSocket};
use xcc_tests::WAIT;

#[tokio::test(flavor = "multi_thread")]
async fn http_client_reads_blocks_results_commits_and_proofs() {
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 2).await;
    let client = net.nodes[0].http();

    let status = client.status().await.expect("status");
    assert_eq!(
        status.node_info.network.as_str(),
        xcc_tests::chain::CHAIN_ID
    );
    assert!(status.sync_info.latest_block_height.value() >= 2);

    let recipient = address(&new_key());
    let tx = transfer_tx(&net.faucet, 0, &recipient, 250);
    let committed = client
        .broadcast_tx_commit(tx.clone())
        .await
        .expect("broadcast_tx_commit");
    assert!(committed.check_tx.code.is_ok(), "{:?}", committed.check_tx);
    assert!(
        committed.tx_result.code.is_ok(),
        "{:?}",
        committed.tx_result
    );
    let height = committed.height;
    assert!(height.value() > 0);

    let block = client.block(height).await.expect("block");
    assert_eq!(block.block.data, vec![tx.clone()]);
    assert_eq!(block.block_id.hash, block.block.header.hash());

    let results = client.block_results(height).await.expect("block_results");
    let tx_results = results.txs_results.expect("tx results");
    assert_eq!(tx_results.len(), 1);
    assert!(tx_results[0].code.is_ok());
    assert!(tx_results[0].events.iter().any(|e| e.kind == "transfer"));

    let commit = client.commit(height).await.expect("commit");
    assert_eq!(commit.signed_header.header.hash(), block.block_id.hash);
    assert_eq!(commit.signed_header.commit.block_id, block.block_id);
    assert!(!commit.signed_header.commit.signatures.is_empty());

    let validators = client
        .validators(height, Paging::All)
        .await
        .expect("validators");
    assert_eq!(validators.validators.len(), 1);
    assert_eq!(
        tendermint::validator::Set::without_proposer(validators.validators).hash(),
        block.block.header.validators_hash
    );

    let found = client.tx(committed.hash, false).await.expect("tx by hash");
    assert_eq!(found.height, height);
    assert_eq!(found.tx, tx);

    let faucet_balance = client
        .abci_query(
            Some("/store/key".into()),
            xcc_tests::chain::balance_key(&address(&net.faucet)),
            None,
            false,
        )
        .await
        .expect("abci_query without proof");
    assert!(faucet_balance.proof.is_none());
    assert_eq!(
        faucet_balance.value,
        (xcc_tests::chain::FAUCET_BALANCE - 250)
            .to_be_bytes()
            .to_vec()
    );

    // The recipient's balance, proven against the app hash of the next header.
    let key = xcc_tests::chain::balance_key(&recipient);
    let answer = client
        .abci_query(Some("/store/key".into()), key.clone(), None, true)
        .await
        .expect("abci_query");
    assert!(answer.code.is_ok(), "{answer:?}");
    assert_eq!(answer.value, 250u64.to_be_bytes().to_vec());
    let ops = answer.proof.expect("a proof with prove=true");
    assert_eq!(ops.ops.len(), 1);
    assert_eq!(ops.ops[0].field_type, "ics23:jmt");
    let queried = answer.height.value();
    net.wait_for_height(0, queried + 1).await;
    let header = client
        .header(tendermint::block::Height::try_from(queried + 1).expect("height"))
        .await
        .expect("header")
        .header;
    let root: [u8; 32] = header
        .app_hash
        .as_bytes()
        .try_into()
        .expect("a 32-byte app hash");
    // The proof type is whatever `verify_membership` takes: an ics23 proof.
    let proof = prost::Message::decode(ops.ops[0].data.as_slice()).expect("an ics23 proof");
    assert!(xcc_store::verify_membership(
        &proof,
        &root,
        &key,
        &answer.value
    ));
    assert!(!xcc_store::verify_membership(
        &proof,
        &root,
        &key,
        &251u64.to_be_bytes()
    ));
}

/// The next event on `subscription`, within the harness's patience.
async fn next_event(subscription: &mut tendermint_rpc::Subscription) -> Event {
    tokio::time::timeout(WAIT, subscription.next())
        .await
        .expect("an event in time")
        .expect("the subscription is open")
        .expect("a well-formed event")
}

#[tokio::test(flavor = "multi_thread")]
async fn websocket_client_receives_new_blocks_and_txs() {
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 1).await;
    let node = &net.nodes[0];
    let ws = node.websocket().await;

    // Other methods work over the socket as over HTTP.
    let status = ws.status().await.expect("status over the websocket");
    assert_eq!(
        status.node_info.network.as_str(),
        xcc_tests::chain::CHAIN_ID
    );

    let mut blocks = ws
        .subscribe(EventType::NewBlock.into())
        .await
        .expect("subscribe NewBlock");
    match next_event(&mut blocks).await.data {
        EventData::NewBlock {
            block: Some(block),
            block_id,
            result_finalize_block: Some(results),
        } => {
            assert_eq!(block_id.hash, block.header.hash());
            assert_eq!(results.tx_results.len(), block.data.len());
        }
        other => panic!("not a 0.38 NewBlock event: {other:?}"),
    }

    let recipient = address(&new_key());
    let tx = transfer_tx(&net.faucet, 0, &recipient, 7);
    let hash = tendermint::Hash::Sha256(sha2_256(&tx));
    let mut txs = ws
        .subscribe(EventType::Tx.into())
        .await
        .expect("subscribe Tx");
    let mut this_tx = ws
        .subscribe(Query::from(EventType::Tx).and_eq("tx.hash", hash.to_string()))
        .await
        .expect("subscribe to one tx");
    let sender = address(&net.faucet).to_string();
    let mut from_faucet = ws
        .subscribe(Query::eq("transfer.from", sender.clone()))
        .await
        .expect("subscribe by attribute");
    let mut other_tx = ws
        .subscribe(Query::from(EventType::Tx).and_eq("tx.hash", "00".repeat(32)))
        .await
        .expect("subscribe to a tx that never comes");

    let sent = node
        .http()
        .broadcast_tx_sync(tx.clone())
        .await
        .expect("broadcast_tx_sync");
    assert!(sent.code.is_ok(), "{sent:?}");
    assert_eq!(sent.hash, hash);

    let event = next_event(&mut txs).await;
    let EventData::Tx { tx_result } = &event.data else {
        panic!("not a Tx event: {event:?}");
    };
    assert_eq!(tx_result.tx, tx);
    assert!(tx_result.height > 0);
    assert_eq!(tx_result.index, Some(0));
    assert!(tx_result.result.events.iter().any(|e| e.kind == "transfer"));
    let events = event.events.as_ref().expect("the events map");
    assert_eq!(events["tm.event"], vec!["Tx".to_owned()]);
    assert_eq!(events["tx.hash"], vec![hash.to_string()]);
    assert_eq!(events["tx.height"], vec![tx_result.height.to_string()]);
    assert_eq!(events["transfer.from"], vec![sender]);

    assert_eq!(next_event(&mut this_tx).await.data, event.data);
    assert_eq!(next_event(&mut from_faucet).await.data, event.data);

    // Once a later block has arrived, everything about the tx's block has
    // been routed: the subscription to another tx got nothing.
    loop {
        if let EventData::NewBlock {
            block: Some(block), ..
        } = next_event(&mut blocks).await.data
        {
            if block.header.height.value() > tx_result.height as u64 {
                break;
            }
        }
    }
    assert!(other_tx.next().now_or_never().is_none());

    ws.unsubscribe(EventType::Tx.into())
        .await
        .expect("unsubscribe");

    ws.close().expect("closing the websocket client");
}

fn sha2_256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}

fn error_code(response: &Value) -> i64 {
    response["error"]["code"]
        .as_i64()
        .unwrap_or_else(|| panic!("not a JSON-RPC error: {response}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_requests_get_errors_and_the_node_runs_on() {
    let mut net = CurrencyChain::start(1);
    net.wait_for_height(0, 1).await;
    let rpc = net.nodes[0].rpc.clone();

    // Over HTTP.
    assert_eq!(error_code(&raw_post(&rpc, "{not json").await), -32700);
    assert_eq!(error_code(&raw_post(&rpc, "[1, 2]").await), -32600);
    let unknown = r#"{"jsonrpc":"2.0","id":1,"method":"no_such_method"}"#;
    assert_eq!(error_code(&raw_post(&rpc, unknown).await), -32601);
    let bad_height = r#"{"jsonrpc":"2.0","id":2,"method":"block","params":{"height":"abc"}}"#;
    assert_eq!(error_code(&raw_post(&rpc, bad_height).await), -32602);
    let bad_tx = r#"{"jsonrpc":"2.0","id":3,"method":"broadcast_tx_sync","params":{"tx":"!!"}}"#;
    assert_eq!(error_code(&raw_post(&rpc, bad_tx).await), -32602);

    // Over the websocket.
    let mut socket = RawSocket::connect(&rpc).await;
    assert_eq!(error_code(&socket.call("{not json").await), -32700);
    let unknown = r#"{"jsonrpc":"2.0","id":4,"method":"no_such_method"}"#;
    assert_eq!(error_code(&socket.call(unknown).await), -32601);
    let bad_query =
        r#"{"jsonrpc":"2.0","id":5,"method":"subscribe","params":{"query":"tm.event="}}"#;
    assert_eq!(error_code(&socket.call(bad_query).await), -32602);
    let no_query = r#"{"jsonrpc":"2.0","id":6,"method":"subscribe","params":{}}"#;
    assert_eq!(error_code(&socket.call(no_query).await), -32602);
    let not_subscribed =
        r#"{"jsonrpc":"2.0","id":7,"method":"unsubscribe","params":{"query":"tm.event='Tx'"}}"#;
    assert_eq!(error_code(&socket.call(not_subscribed).await), -32602);

    // A subscription on the same socket still works after all that.
    let subscribe = r#"{"jsonrpc":"2.0","id":"s","method":"subscribe","params":{"query":"tm.event='NewBlock'"}}"#;
    let answer = socket.call(subscribe).await;
    assert_eq!(answer["id"], "s");
    assert!(answer["result"].is_object(), "{answer}");
    let event = socket.recv().await;
    assert_eq!(event["id"], "s#event");
    assert_eq!(event["result"]["query"], "tm.event='NewBlock'");
    assert_eq!(event["result"]["data"]["type"], "tendermint/event/NewBlock");
    assert_eq!(event["result"]["events"]["tm.event"][0], "NewBlock");
    let unsubscribe = r#"{"jsonrpc":"2.0","id":8,"method":"unsubscribe_all"}"#;
    socket.send(unsubscribe).await;
    // Events already on their way may arrive before the answer.
    let answer = loop {
        let message = socket.recv().await;
        if message["id"] == 8 {
            break message;
        }
    };
    assert!(answer["result"].is_object(), "{answer}");

    // Clients that subscribe and then never read, or vanish, cost nothing.
    let mut silent = RawSocket::connect(&rpc).await;
    silent
        .send(r#"{"jsonrpc":"2.0","id":1,"method":"subscribe","params":{"query":"tm.event='NewBlock'"}}"#)
        .await;
    drop(RawSocket::connect(&rpc).await);

    let before = net.wait_for_height(0, 1).await;
    net.wait_for_height(0, before + 3).await;
    let status = socket
        .call(r#"{"jsonrpc":"2.0","id":9,"method":"status","params":{}}"#)
        .await;
    assert!(status["result"]["sync_info"].is_object(), "{status}");
    assert!(net.nodes[0].is_running());
    drop(silent);
}

#[tokio::test(flavor = "multi_thread")]
async fn requests_past_the_servers_limits_get_errors_and_the_node_runs_on() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
    const MAX_WEBSOCKET_CLIENTS: usize = 100;
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 1).await;
    let rpc = net.nodes[0].rpc.clone();

    // A body one byte over the limit: refused before it is parsed.
    let host = rpc.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host)
        .await
        .expect("connect");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        MAX_BODY_BYTES + 1
    );
    stream.write_all(head.as_bytes()).await.expect("sending");
    // The server may answer and close before it has read the whole body.
    let _ = stream.write_all(&vec![b' '; MAX_BODY_BYTES + 1]).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    let (_, body) = answer.split_once("\r\n\r\n").expect("an HTTP response");
    let body: Value = serde_json::from_str(body).expect("a JSON-RPC answer");
    assert_eq!(error_code(&body), -32600, "{body}");
    assert!(
        body["error"]["data"].as_str().unwrap().contains("exceeds"),
        "{body}"
    );

    // Websocket clients up to the limit, and one more refused with a
    // JSON-RPC error; a slot frees when a client leaves.
    let mut sockets = Vec::new();
    for _ in 0..MAX_WEBSOCKET_CLIENTS {
        sockets.push(RawSocket::connect(&rpc).await);
    }
    let refused = RawSocket::try_connect(&rpc).await.err().expect("refused");
    assert!(refused.starts_with("HTTP/1.1 503"), "{refused}");
    drop(sockets.pop());
    let deadline = std::time::Instant::now() + WAIT;
    while RawSocket::try_connect(&rpc).await.is_err() {
        assert!(std::time::Instant::now() < deadline, "no slot freed");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    let before = net.wait_for_height(0, 1).await;
    net.wait_for_height(0, before + 2).await;
    let status = raw_post(&rpc, r#"{"jsonrpc":"2.0","id":1,"method":"status"}"#).await;
    assert!(status["result"]["sync_info"].is_object(), "{status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn http_client_reads_blocks_by_hash_and_range_parameters_genesis_and_the_mempool() {
    use base64::Engine as _;
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 3).await;
    let client = net.nodes[0].http();
    let rpc = net.nodes[0].rpc.clone();
    let tx = transfer_tx(&net.faucet, 0, &address(&new_key()), 5);
    let committed = client
        .broadcast_tx_commit(tx.clone())
        .await
        .expect("commit");
    let height = committed.height;
    let block = client.block(height).await.expect("block");

    // By hash: the same block and header; an unknown hash finds none.
    let by_hash = client
        .block_by_hash(block.block_id.hash)
        .await
        .expect("block_by_hash");
    assert_eq!(by_hash.block_id, block.block_id);
    assert_eq!(
        by_hash.block.as_ref().map(|b| &b.data),
        Some(&vec![tx.clone()])
    );
    let header = client
        .header_by_hash(block.block_id.hash)
        .await
        .expect("header_by_hash");
    assert_eq!(header.header, Some(block.block.header.clone()));
    let unknown = tendermint::Hash::Sha256([7; 32]);
    let none = client
        .block_by_hash(unknown)
        .await
        .expect("an unknown hash");
    assert!(none.block.is_none());

    // By range: newest first, at most 20, each meta naming its block.
    let metas = client
        .blockchain(1u32, height.value() as u32)
        .await
        .expect("blockchain");
    assert!(metas.last_height >= height);
    assert_eq!(metas.block_metas.len(), height.value().min(20) as usize);
    assert_eq!(metas.block_metas[0].header.height, height);
    assert_eq!(metas.block_metas[0].block_id, block.block_id);
    assert_eq!(metas.block_metas[0].num_txs, 1);
    let heights: Vec<u64> = metas
        .block_metas
        .iter()
        .map(|m| m.header.height.value())
        .collect();
    assert!(heights.windows(2).all(|w| w[0] == w[1] + 1), "{heights:?}");

    let params = client
        .consensus_params(height)
        .await
        .expect("consensus_params");
    assert_eq!(params.block_height, height);
    assert!(params.consensus_params.block.max_bytes > 0);

    // Genesis in chunks: one chunk here, the genesis itself.
    let chunk = client.genesis_chunked(0).await.expect("genesis_chunked");
    assert_eq!((chunk.chunk, chunk.total), (0, 1));
    let genesis: Value = serde_json::from_slice(&chunk.data).expect("genesis JSON");
    assert_eq!(genesis["chain_id"], xcc_tests::chain::CHAIN_ID);
    let past = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"genesis_chunked","params":{"chunk":"1"}}"#,
    )
    .await;
    assert_eq!(error_code(&past), -32602, "{past}");

    // abci_info in CometBFT's form: the app hash in base64.
    let info = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"abci_info","params":{}}"#,
    )
    .await;
    let app_hash = info["result"]["response"]["last_block_app_hash"]
        .as_str()
        .expect("a base64 string");
    let app_hash = base64::engine::general_purpose::STANDARD
        .decode(app_hash)
        .expect("base64");
    assert_eq!(app_hash.len(), 32, "{info}");
    assert!(
        info["result"]["response"]["last_block_height"].is_string(),
        "{info}"
    );

    // The mempool, counted and listed; empty once the tx committed.
    let count = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"num_unconfirmed_txs","params":{}}"#,
    )
    .await;
    assert_eq!(count["result"]["total"], "0", "{count}");
    let listed = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"unconfirmed_txs","params":{"limit":"5"}}"#,
    )
    .await;
    assert_eq!(listed["result"]["txs"], serde_json::json!([]), "{listed}");
    assert!(listed["result"]["total_bytes"].is_string(), "{listed}");

    // status names this node: its id (from its key), moniker and listen address.
    let status = client.status().await.expect("status");
    assert_ne!(status.node_info.id.to_string(), "0".repeat(40));
    assert_eq!(
        status.node_info.id.to_string(),
        status.validator_info.address.to_string().to_lowercase()
    );
    assert!(!status.node_info.listen_addr.to_string().is_empty());
    assert!(!status.node_info.moniker.to_string().is_empty());

    // Evidence is refused with why; the node runs on.
    let evidence = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"broadcast_evidence","params":{"evidence":{}}}"#,
    )
    .await;
    assert_eq!(error_code(&evidence), -32602, "{evidence}");
    assert!(
        evidence["error"]["data"]
            .as_str()
            .unwrap_or("")
            .contains("no evidence"),
        "{evidence}"
    );
    client.status().await.expect("the node runs on");
}

/// `check_tx` answers as CheckTx would and keeps nothing: the tx is not in
/// the mempool, its nonce is still free (the same tx checks again, then
/// commits), a bad tx gets its code, a request without a tx an error.
#[tokio::test(flavor = "multi_thread")]
async fn check_tx_answers_without_adding_to_the_mempool() {
    use base64::Engine as _;
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 2).await;
    let rpc = net.nodes[0].rpc.clone();
    let check = |tx: &[u8]| {
        let tx = base64::engine::general_purpose::STANDARD.encode(tx);
        let rpc = rpc.clone();
        async move {
            let body = format!(
                r#"{{"jsonrpc":"2.0","id":1,"method":"check_tx","params":{{"tx":"{tx}"}}}}"#
            );
            raw_post(&rpc, &body).await
        }
    };
    let tx = transfer_tx(&net.faucet, 0, &address(&new_key()), 5);
    for _ in 0..2 {
        let answer = check(&tx).await;
        assert_eq!(answer["result"]["code"], 0, "{answer}");
        assert!(answer["result"]["gas_wanted"].is_string(), "{answer}");
    }
    let count = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"num_unconfirmed_txs","params":{}}"#,
    )
    .await;
    assert_eq!(count["result"]["total"], "0", "{count}");

    let future_nonce = transfer_tx(&net.faucet, 7, &address(&new_key()), 5);
    let answer = check(&future_nonce).await;
    assert_ne!(answer["result"]["code"], 0, "{answer}");
    assert!(
        !answer["result"]["log"].as_str().unwrap_or("").is_empty(),
        "{answer}"
    );
    let answer = check(b"not a tx").await;
    assert_ne!(answer["result"]["code"], 0, "{answer}");
    let missing = raw_post(
        &rpc,
        r#"{"jsonrpc":"2.0","id":1,"method":"check_tx","params":{}}"#,
    )
    .await;
    assert_eq!(error_code(&missing), -32602, "{missing}");

    let committed = net.nodes[0]
        .http()
        .broadcast_tx_commit(tx)
        .await
        .expect("the checked tx, sent");
    assert!(committed.check_tx.code.is_ok(), "{committed:?}");
    assert!(committed.tx_result.code.is_ok(), "{committed:?}");
}

/// `net_info` names each node's peers as `status` names them (id, moniker),
/// in a form `tendermint-rpc` parses, with the node listening; and
/// `consensus_state` tells the height consensus is at, its proposer among
/// the validators, and the votes of its rounds, each a vote of the height.
#[tokio::test(flavor = "multi_thread")]
async fn net_info_lists_the_real_peers_and_consensus_state_the_votes() {
    let net = CurrencyChain::start(2);
    net.wait_for_height(0, 2).await;
    net.wait_for_height(1, 2).await;
    let (first, second) = (net.nodes[0].http(), net.nodes[1].http());
    let second_status = second.status().await.expect("status");
    let info = xcc_tests::eventually("node 0 to list its peer", || {
        let first = first.clone();
        async move {
            let info = first.net_info().await.ok()?;
            (info.n_peers == 1).then_some(info)
        }
    })
    .await;
    assert!(info.listening);
    assert_eq!(info.listeners.len(), 1);
    assert_eq!(info.peers.len(), 1);
    let peer = &info.peers[0];
    assert_eq!(peer.node_info.id, second_status.node_info.id);
    assert_eq!(peer.node_info.moniker, second_status.node_info.moniker);
    assert_eq!(
        peer.node_info.network.to_string(),
        xcc_tests::chain::CHAIN_ID
    );
    assert!(peer.remote_ip.is_loopback(), "{:?}", peer.remote_ip);
    let own = first.status().await.expect("status");
    assert_ne!(
        peer.node_info.id, own.node_info.id,
        "a node is not its own peer"
    );
}

/// `tx_search` and `block_search` find what was committed, by event
/// attribute, hash and height, paged and in either order, txs with proofs
/// against their blocks' data hashes; a query that nothing narrows and a
/// page past the last are refused with why.
#[tokio::test(flavor = "multi_thread")]
async fn tx_search_and_block_search_find_what_was_committed() {
    use std::str::FromStr;
    use tendermint_rpc::query::Query;
    use tendermint_rpc::Order;
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 2).await;
    let client = net.nodes[0].http();
    let rpc = net.nodes[0].rpc.clone();
    let (to, other) = (address(&new_key()), address(&new_key()));
    let mut sent = Vec::new();
    for nonce in 0..3u64 {
        let committed = client
            .broadcast_tx_commit(transfer_tx(&net.faucet, nonce, &to, nonce + 1))
            .await
            .expect("a transfer");
        assert!(committed.tx_result.code.is_ok(), "{committed:?}");
        sent.push((committed.height, committed.hash));
    }
    client
        .broadcast_tx_commit(transfer_tx(&net.faucet, 3, &other, 9))
        .await
        .expect("a transfer elsewhere");

    let to_query = Query::from_str(&format!("transfer.to = '{to}'")).expect("a query");
    let all = client
        .tx_search(to_query.clone(), false, 1, 30, Order::Ascending)
        .await
        .expect("tx_search");
    assert_eq!(all.total_count, 3);
    let hashes: Vec<_> = all.txs.iter().map(|tx| tx.hash).collect();
    assert_eq!(
        hashes,
        sent.iter().map(|(_, hash)| *hash).collect::<Vec<_>>()
    );
    assert_eq!(all.txs[0].height, sent[0].0);

    let second_page = client
        .tx_search(to_query.clone(), false, 2, 2, Order::Ascending)
        .await
        .expect("the second page");
    assert_eq!((second_page.total_count, second_page.txs.len()), (3, 1));
    assert_eq!(second_page.txs[0].hash, sent[2].1);
    let newest_first = client
        .tx_search(to_query, false, 1, 1, Order::Descending)
        .await
        .expect("newest first");
    assert_eq!(newest_first.txs[0].hash, sent[2].1);

    let narrowed =
        Query::from_str(&format!("transfer.to = '{to}' AND transfer.amount > 1")).expect("a query");
    let narrowed = client
        .tx_search(narrowed, false, 1, 30, Order::Ascending)
        .await
        .expect("two conditions");
    assert_eq!(narrowed.total_count, 2);
    let by_hash = Query::from_str(&format!("tx.hash = '{}'", sent[1].1)).expect("a query");
    let by_hash = client
        .tx_search(by_hash, false, 1, 30, Order::Ascending)
        .await
        .expect("by hash");
    assert_eq!(by_hash.txs.len(), 1);
    assert_eq!(by_hash.txs[0].hash, sent[1].1);
    let at_height = Query::from_str(&format!("tx.height = {}", sent[0].0)).expect("a query");
    let at_height = client
        .tx_search(at_height, false, 1, 30, Order::Ascending)
        .await
        .expect("by height");
    assert!(at_height.txs.iter().any(|tx| tx.hash == sent[0].1));

    // Proven: each proof is of the tx itself, against its block's data hash.
    let proven = Query::from_str(&format!("transfer.to = '{to}'")).expect("a query");
    let proven = client
        .tx_search(proven, true, 1, 30, Order::Ascending)
        .await
        .expect("proven txs");
    assert_eq!(proven.txs.len(), 3);
    for tx in &proven.txs {
        let proof = tx.proof.as_ref().expect("a proof");
        let header = client
            .block(tx.height)
            .await
            .expect("its block")
            .block
            .header;
        assert_eq!(Some(proof.root_hash), header.data_hash);
        assert_eq!(proof.data, tx.tx);
        assert_eq!(proof.proof.index, u64::from(tx.index));
    }
    let one = client.tx(sent[1].1, true).await.expect("tx, proven");
    assert_eq!(one.proof.map(|p| p.data), Some(one.tx));

    let (first, last) = (sent[0].0.value(), sent[2].0.value());
    let blocks = Query::from_str(&format!(
        "block.height >= {first} AND block.height <= {last}"
    ))
    .expect("a query");
    let blocks = client
        .block_search(blocks, 1, 100, Order::Ascending)
        .await
        .expect("block_search");
    assert_eq!(blocks.total_count as u64, last - first + 1);
    let heights: Vec<u64> = blocks
        .blocks
        .iter()
        .map(|b| b.block.header.height.value())
        .collect();
    assert_eq!(heights, (first..=last).collect::<Vec<_>>());

    for (body, why) in [
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tx_search","params":{"query":"transfer.amount > 0"}}"#,
            "narrows",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"block_search","params":{"query":"block.height > 1"}}"#,
            "narrows",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tx_search","params":{"query":"tx.height = 1","page":"9"}}"#,
            "past the last page",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"tx_search","params":{"query":"transfer.to ="}}"#,
            "query",
        ),
    ] {
        let refused = raw_post(&rpc, body).await;
        assert_eq!(error_code(&refused), -32602, "{refused}");
        assert!(
            refused["error"]["data"]
                .as_str()
                .unwrap_or("")
                .contains(why),
            "{refused}"
        );
    }
    client.status().await.expect("the node runs on");
}

/// The value of `name`'s first sample, which must carry the chain's id as
/// CometBFT's label it.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (metric, value) = line.rsplit_once(' ')?;
            let (metric_name, labels) = metric.split_once('{').unwrap_or((metric, ""));
            if metric_name != name {
                return None;
            }
            assert!(
                labels.contains("chain_id=\"currency-1\""),
                "{name} is not labelled with its chain: {line}"
            );
            value.trim().parse().ok()
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_node_serves_cometbft_metrics_that_follow_its_blocks() {
    // Planned testnets serve metrics by default (`[instrumentation]`).
    let net = CurrencyChain::start(1);
    net.wait_for_height(0, 2).await;
    let url = net.nodes[0].metrics.clone().expect("a metrics address");
    let client = net.nodes[0].http();
    let tx = transfer_tx(&net.faucet, 0, &address(&new_key()), 5);
    let committed = client.broadcast_tx_commit(tx).await.expect("commit");
    let height = committed.height.value();
    net.wait_for_height(0, height + 1).await;

    // The metrics follow the committed blocks: wait for them to pass the tx's.
    let text = xcc_tests::eventually(&format!("metrics past height {height} at {url}"), || {
        let url = url.clone();
        async move {
            let text = xcc_tests::rpc::get_text(&url).await.ok()?;
            sample(&text, "cometbft_consensus_height")
                .is_some_and(|h| h as u64 > height)
                .then_some(text)
        }
    })
    .await;
    assert_eq!(
        sample(&text, "cometbft_consensus_validators"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "cometbft_consensus_validators_power").is_some_and(|p| p > 0.0),
        "{text}"
    );
    assert!(
        sample(&text, "cometbft_consensus_total_txs").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(sample(&text, "cometbft_mempool_size"), Some(0.0), "{text}");
    assert!(
        sample(&text, "cometbft_consensus_block_interval_seconds_count").is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert!(
        sample(&text, "cometbft_state_block_processing_time_count").is_some_and(|n| n >= 1.0),
        "{text}"
    );
}

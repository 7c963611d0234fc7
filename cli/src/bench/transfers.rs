//! Transfer throughput: many senders, each with a run of nonces, spread over
//! the nodes; the clock stops when the last transfer is committed.

use std::time::{Duration, Instant};

use anyhow::bail;
use ed25519_consensus::SigningKey;
use prost::Message;
use tendermint_rpc::HttpClient;
use xcc_chain::tx::signed_tx;
use xcc_chain::Address;
use xcc_proto::{currency::v1 as currency, to_any, tx::v1 as pb};

use super::{broadcast_batches, ScratchNet};
use crate::keyring::Keyring;
use crate::rpc::http_client;
use crate::send::{broadcast_and_wait, latest_height, next_nonce};
use crate::testnet::init::CURRENCY_CHAIN;

pub struct Figures {
    pub validators: usize,
    pub tx_per_sec: f64,
    pub blocks_per_sec: f64,
    pub seconds: f64,
}

pub async fn run(
    validator_counts: &[usize],
    txs: usize,
    senders: usize,
    block_time_ms: u64,
) -> anyhow::Result<()> {
    if senders == 0 || txs < senders {
        bail!("need at least one sender and one transfer per sender");
    }
    let mut all = Vec::new();
    for &validators in validator_counts {
        let figures = one_run(validators, txs, senders, block_time_ms).await?;
        println!(
            "transfers: {validators} validator(s): {} txs in {:.1} s: {:.0} tx/s committed, {:.2} blocks/s",
            txs, figures.seconds, figures.tx_per_sec, figures.blocks_per_sec
        );
        all.push(figures);
    }
    if let Some(baseline) = all.first() {
        for f in &all[1..] {
            println!(
                "ratio {} vs {} validator(s): {:.2}x tx/s, {:.2}x blocks/s",
                f.validators,
                baseline.validators,
                f.tx_per_sec / baseline.tx_per_sec,
                f.blocks_per_sec / baseline.blocks_per_sec
            );
        }
    }
    Ok(())
}

fn transfer(chain_id: &str, key: &SigningKey, nonce: u64, to: Address, amount: u64) -> pb::Tx {
    let from = Address::from_public_key(&key.verification_key());
    let msg = to_any(&currency::MsgTransfer {
        from: from.to_string(),
        to: to.to_string(),
        denom: "usd".into(),
        amount,
    });
    let body = pb::TxBody {
        chain_id: chain_id.to_owned(),
        nonce,
        msgs: vec![msg],
        timeout_height: 0,
        memo: String::new(),
    };
    signed_tx(body, &[key])
}

async fn one_run(
    validators: usize,
    txs: usize,
    senders: usize,
    block_time_ms: u64,
) -> anyhow::Result<Figures> {
    let net = ScratchNet::start(&[CURRENCY_CHAIN], validators, block_time_ms).await?;
    let figures = measure(&net, txs, senders).await?;
    debug_assert_eq!(figures.validators, validators);
    Ok(figures)
}

/// Commits `txs` transfers from `senders` fresh accounts on the currency
/// chain of a running scratch testnet, timed to the last commit.
pub async fn measure(net: &ScratchNet, txs: usize, senders: usize) -> anyhow::Result<Figures> {
    let urls = net.client.chains[CURRENCY_CHAIN].rpc.clone();
    let clients: Vec<HttpClient> = urls
        .iter()
        .map(|u| http_client(u))
        .collect::<Result<_, _>>()?;
    let bank = Keyring::open(net.home())?.get("bank")?;

    // Fund the senders in one tx of many messages.
    let keys: Vec<SigningKey> = (0..senders)
        .map(|_| SigningKey::new(rand_core::OsRng))
        .collect();
    let mut funding = pb::TxBody {
        chain_id: CURRENCY_CHAIN.into(),
        nonce: next_nonce(&clients[0], &bank.address()).await?,
        msgs: Vec::new(),
        timeout_height: 0,
        memo: String::new(),
    };
    for key in &keys {
        funding.msgs.push(to_any(&currency::MsgTransfer {
            from: bank.address().to_string(),
            to: Address::from_public_key(&key.verification_key()).to_string(),
            denom: "usd".into(),
            amount: 1_000_000,
        }));
    }
    let funding = signed_tx(funding, &[&bank.key]);
    broadcast_and_wait(&clients[0], &funding).await?;

    // Sign everything before the clock starts.
    let per_sender = txs / senders;
    let mut batches = Vec::new();
    for (index, key) in keys.iter().enumerate() {
        let to = bank.address();
        let batch = (0..per_sender as u64)
            .map(|nonce| transfer(CURRENCY_CHAIN, key, nonce, to, 1).encode_to_vec())
            .collect::<Vec<_>>();
        batches.push((clients[index % clients.len()].clone(), batch));
    }
    let total = per_sender * senders;

    let start_height = latest_height(&clients[0]).await?;
    let started = Instant::now();
    broadcast_batches(batches).await?;
    // Done when every sender's nonce shows all its transfers committed.
    let deadline = started + Duration::from_secs(600);
    for key in &keys {
        let address = Address::from_public_key(&key.verification_key());
        while next_nonce(&clients[0], &address).await? < per_sender as u64 {
            if Instant::now() > deadline {
                bail!("transfers of {address} not committed within 10 minutes");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let blocks = latest_height(&clients[0])
        .await?
        .saturating_sub(start_height);
    Ok(Figures {
        validators: net
            .manifest
            .nodes
            .iter()
            .filter(|node| node.chain_id == CURRENCY_CHAIN)
            .count(),
        tx_per_sec: total as f64 / seconds,
        blocks_per_sec: blocks as f64 / seconds,
        seconds,
    })
}

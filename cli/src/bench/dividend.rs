//! The time of one atomic dividend payout to every holder of a security
//! with many holders, on the three chains with an in-process relayer.

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use tendermint_rpc::HttpClient;
use xcc_chain::xtx::{cross_tx_id, signed_cross_tx};
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::{currency::v1 as cash, security::v1 as sec, to_any, xtx::v1 as xtx_pb};
use xcc_relayer::{Relayer, RelayerOptions, DEFAULT_KEY};

use super::{while_relaying, ScratchNet};
use crate::keyring::Keyring;
use crate::query::all_pages;
use crate::rpc::http_client;
use crate::send::latest_height;
use crate::testnet::init::{
    many_holder, GenesisHolders, COORDINATOR_CHAIN, CURRENCY_CHAIN, MANY_HOLDERS_SECURITY,
    SECURITY_CHAIN,
};
use crate::xtx::{deadline_in, random_salt, record, send_msgs};

const CHAINS: [&str; 3] = [COORDINATOR_CHAIN, SECURITY_CHAIN, CURRENCY_CHAIN];

pub async fn run(holders: usize, validators: usize, block_time_ms: u64) -> anyhow::Result<()> {
    if holders == 0 {
        bail!("a payout needs holders");
    }
    let population = GenesisHolders {
        count: holders,
        dividend_page_holders: None,
        ..Default::default()
    };
    let net =
        ScratchNet::start_with_holders(&CHAINS, validators, block_time_ms, population).await?;
    let keyring = Keyring::open(net.home())?;
    let (issuer, bank) = (keyring.get("issuer")?, keyring.get("bank")?);
    let clients: Vec<HttpClient> = CHAINS
        .iter()
        .map(|chain| http_client(&net.client.chains[*chain].rpc[0]))
        .collect::<Result<_, _>>()?;
    let (coordinator, security, currency) = (&clients[0], &clients[1], &clients[2]);

    let declare = to_any(&sec::MsgDeclareDividend {
        issuer: issuer.address().to_string(),
        symbol: MANY_HOLDERS_SECURITY.into(),
        record_height: latest_height(security).await?,
        amount_per_unit_micros: 1_000_000,
        payer: bank.address().to_string(),
        denom: "usd".into(),
        currency_chain: CURRENCY_CHAIN.into(),
    });
    send_msgs(security, SECURITY_CHAIN, &issuer, vec![declare]).await?;
    let dividends = all_pages(
        security,
        "/xcc.security.v1.Query/Dividends",
        None,
        |page| sec::QueryDividendsRequest {
            symbol: MANY_HOLDERS_SECURITY.into(),
            page: Some(page),
        },
        |r: sec::QueryDividendsResponse| (r.dividends, r.page),
    )
    .await?;
    let dividend_id = dividends.last().context("the declared dividend")?.id;
    let pages = dividends.last().map_or(0, |d| d.pages);
    let declared = dividends.last().context("the declared dividend")?;
    let cross_tx = xtx_pb::CrossTx {
        legs: xcc_security::payout::legs(SECURITY_CHAIN, declared, &bank.address().to_string()),
        deadline_ns: deadline_in(coordinator, 900).await?,
        salt: random_salt(),
    };
    let signed = signed_cross_tx(cross_tx, &[&bank.key]);
    let id = cross_tx_id(signed.cross_tx.as_ref().context("cross-tx")?);

    let relayer = Relayer::from_home(net.home(), DEFAULT_KEY, RelayerOptions::default())?;
    let measured = async {
        let mut start_heights = Vec::new();
        for client in &clients {
            start_heights.push(latest_height(client).await?);
        }
        let started = Instant::now();
        let submit = to_any(&coord::MsgSubmitCrossTx {
            submitter: bank.address().to_string(),
            signed_cross_tx: Some(signed),
        });
        send_msgs(coordinator, COORDINATOR_CHAIN, &bank, vec![submit]).await?;
        let give_up = started + Duration::from_secs(900);
        let done = loop {
            if let Ok(r) = record(coordinator, &id).await {
                if r.phase == coord::Phase::Done as i32 {
                    break r;
                }
            }
            if Instant::now() > give_up {
                bail!("the payout was not done in 15 minutes");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let seconds = started.elapsed().as_secs_f64();
        let mut blocks = Vec::new();
        for (client, start) in clients.iter().zip(&start_heights) {
            blocks.push(latest_height(client).await?.saturating_sub(*start));
        }
        anyhow::Ok((done, seconds, blocks))
    };
    let (done, seconds, blocks) = while_relaying(&relayer, measured).await?;
    if !done.commit {
        bail!(
            "the payout aborted: {:?}",
            done.timeline.iter().find(|t| t.step == "decided")
        );
    }
    let at = |step: &str| {
        done.timeline
            .iter()
            .filter(|t| t.step == step)
            .map(|t| t.time_ns)
            .max()
    };
    // The largest acknowledgement of the payout: a page's entitlements.
    let largest_result = done.legs.iter().map(|l| l.result_bytes).max().unwrap_or(0);
    let settled_ms = match (at("submitted"), at("committed")) {
        (Some(start), Some(end)) => end.saturating_sub(start) as f64 / 1e6,
        _ => f64::NAN,
    };
    let mut payment = None;
    let receipts = all_pages(
        currency,
        "/xcc.currency.v1.Query/DividendPayment",
        None,
        |page| cash::QueryDividendPaymentRequest {
            security_chain: SECURITY_CHAIN.into(),
            dividend_id,
            page: Some(page),
        },
        |r: cash::QueryDividendPaymentResponse| {
            payment = r.payment;
            (r.receipts, r.page)
        },
    )
    .await?;
    let paid = payment.context("no payment recorded")?;
    if paid.holders != holders as u64 || receipts.len() != holders {
        bail!("{} of {holders} holders were paid", paid.holders);
    }
    let last = all_pages(
        currency,
        "/xcc.currency.v1.Query/DividendsReceived",
        None,
        |page| cash::QueryDividendsReceivedRequest {
            account: many_holder(holders - 1).to_string(),
            page: Some(page),
        },
        |r: cash::QueryDividendsReceivedResponse| (r.receipts, r.page),
    )
    .await?;
    if last.len() != 1 {
        bail!("the last holder was not paid once");
    }
    println!(
        "dividend payout to {holders} holders in {pages} pages ({validators} validator(s) per chain, block time {block_time_ms} ms): \
         done in {seconds:.1} s, {} coordinator blocks ({} security, {} currency); every holder paid {:.1} s after submission",
        blocks[0],
        blocks[1],
        blocks[2],
        settled_ms / 1000.0
    );
    println!(
        "largest page result: {largest_result} bytes; a prepare and its acknowledgement may take {} bytes together",
        xcc_chain::xtx::MAX_PACKET_AND_ACK_BYTES
    );
    drop(net);
    Ok(())
}

//! Auctions under load, on the three chains with an in-process relayer:
//! qualifications of many bidders at once, bids per second on one English
//! lot they all bid on, and a lot's settlement latency one at a time, each
//! beside its baseline measured on the same testnet (plain transfers, and a
//! swap, which is the same two legs without the auction).

use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use ed25519_consensus::SigningKey;
use prost::Message;
use tendermint_rpc::HttpClient;
use xcc_chain::tx::signed_tx;
use xcc_chain::xtx::{cross_tx_id, signed_cross_tx};
use xcc_proto::auction::v1 as pb;
use xcc_proto::{currency::v1 as currency, to_any, tx::v1 as tx_pb, xtx::v1 as xtx_pb, Any};
use xcc_relayer::{Relayer, RelayerOptions, DEFAULT_KEY};
use xcc_security::auction::legs::{qualification_legs, settlement_legs};

use super::swaps::{self, heights, submission, submit_and_wait, wait_done, Latencies};
use super::{broadcast_batches, transfers, while_relaying, ScratchNet};
use crate::auction::{history, load, Kind, TermsArgs};
use crate::keyring::{Keyring, NamedKey};
use crate::rpc::http_client;
use crate::send::{broadcast_and_wait, next_nonce};
use crate::testnet::init::{
    many_holder_key, GenesisHolders, COORDINATOR_CHAIN, CURRENCY_CHAIN, MANY_HOLDERS_SECURITY,
    SECURITY_CHAIN,
};
use crate::xtx::{deadline_in, random_salt, send_msgs};

const CHAINS: [&str; 3] = [COORDINATOR_CHAIN, SECURITY_CHAIN, CURRENCY_CHAIN];
const RUN_LIMIT: Duration = Duration::from_secs(900);
const START_PRICE: u64 = 1_000;
const GUARANTEE: u64 = 10;
/// What each bidder is given: enough to settle any lot of the run.
const BIDDER_CASH: u64 = 1_000_000;

pub struct Settings {
    pub validators: usize,
    pub bidders: usize,
    pub bids: usize,
    pub settlements: usize,
    pub transfers: usize,
    pub block_time_ms: u64,
}

pub async fn run(settings: &Settings) -> anyhow::Result<()> {
    let max = xcc_security::auction::terms::MAX_BIDDERS as usize;
    if settings.bidders == 0 || settings.bidders > max {
        bail!("a lot takes between 1 and {max} bidders");
    }
    if settings.bids < settings.bidders || settings.settlements == 0 {
        bail!("need a bid per bidder at least, and a settlement");
    }
    // The issuer holds as many MANY units as there are holders: one for the
    // English lot, one for each settlement's lot.
    if settings.settlements + 1 > settings.bidders {
        bail!("ask for fewer settlements than bidders");
    }
    let population = GenesisHolders {
        count: settings.bidders,
        dividend_page_holders: None,
        ..Default::default()
    };
    let net = ScratchNet::start_with_holders(
        &CHAINS,
        settings.validators,
        settings.block_time_ms,
        population,
    )
    .await?;
    let transfers = transfers::measure(&net, settings.transfers, 16).await?;
    let keyring = Keyring::open(net.home())?;
    let issuer = keyring.get("issuer")?;
    let clients: Vec<HttpClient> = CHAINS
        .iter()
        .map(|chain| http_client(&net.client.chains[*chain].rpc[0]))
        .collect::<Result<_, _>>()?;
    let bidders: Vec<NamedKey> = (0..settings.bidders)
        .map(|index| NamedKey {
            name: format!("bidder-{index}"),
            key: many_holder_key(index),
        })
        .collect();
    fund(&clients[2], &keyring.get("bank")?, &bidders).await?;
    let relayer = Relayer::from_home(net.home(), DEFAULT_KEY, RelayerOptions::default())?;
    let bench = Bench {
        clients: &clients,
        issuer: &issuer,
        bidders: &bidders,
    };
    let measured = async {
        let bidding = bench.bidding(settings.bids).await?;
        let settling = bench.settling(settings.settlements).await?;
        let swaps = swaps::one_at_a_time(
            &clients[0],
            &issuer,
            &keyring.get("bob")?,
            settings.settlements,
        )
        .await?;
        anyhow::Ok((bidding, settling, Latencies::of(&swaps)?))
    };
    let (bidding, (settled, interval_ms), swapped) = while_relaying(&relayer, measured).await?;
    drop(net);

    let validators = settings.validators;
    println!(
        "auction: {validators} validator(s) per chain, {} bidders qualified by {} cross-txs at once in {:.1} s: {:.1} qualifications/s",
        settings.bidders, settings.bidders, bidding.qualify_secs, settings.bidders as f64 / bidding.qualify_secs
    );
    let bids_per_sec = bidding.bids as f64 / bidding.bid_secs;
    println!(
        "  bids on one English lot of {} bidders: {} bids committed in {:.1} s: {bids_per_sec:.0} bids/s ({} blocks, {:.1} bids a block); same testnet's transfers {:.0} tx/s: bids at {:.2}x",
        settings.bidders,
        bidding.bids,
        bidding.bid_secs,
        bidding.blocks,
        bidding.bids as f64 / bidding.blocks.max(1) as f64,
        transfers.tx_per_sec,
        bids_per_sec / transfers.tx_per_sec
    );
    println!(
        "  a lot's settlement one at a time ({} lots): {}",
        settings.settlements,
        settled.describe(interval_ms)
    );
    println!(
        "  a swap one at a time ({} swaps): {}; settlement p50 at {:.2}x the swap's",
        settings.settlements,
        swapped.describe(interval_ms),
        settled.settled.0 / swapped.settled.0
    );
    Ok(())
}

struct Bench<'a> {
    /// The coordinator's, the security chain's and the currency chain's.
    clients: &'a [HttpClient],
    issuer: &'a NamedKey,
    bidders: &'a [NamedKey],
}

struct Bidding {
    qualify_secs: f64,
    bids: usize,
    bid_secs: f64,
    blocks: u64,
}

impl Bench<'_> {
    fn coordinator(&self) -> &HttpClient {
        &self.clients[0]
    }

    fn security(&self) -> &HttpClient {
        &self.clients[1]
    }

    /// Every bidder qualifies for one English lot at once, then they bid in
    /// turn, each bid the best so far plus the step, `bids` in all.
    async fn bidding(&self, bids: usize) -> anyhow::Result<Bidding> {
        let lot = self.create(&self.terms(Kind::English)).await?;

        // Qualifications, signed before the clock starts.
        let deadline = deadline_in(self.coordinator(), 600).await?;
        let mut ids = Vec::new();
        let mut batches = Vec::new();
        for bidder in self.bidders {
            let signed = self.qualification(&lot, bidder, deadline);
            ids.push(cross_tx_id(signed.cross_tx.as_ref().context("cross-tx")?));
            let nonce = next_nonce(self.coordinator(), &bidder.address()).await?;
            let tx = submission(&bidder.key, nonce, signed).encode_to_vec();
            batches.push((self.coordinator().clone(), vec![tx]));
        }
        let started = Instant::now();
        broadcast_batches(batches).await?;
        for id in &ids {
            let done = wait_done(self.coordinator(), id).await?;
            if !done.commit {
                bail!("a qualification aborted: {}", hex::encode(id));
            }
        }
        let qualify_secs = started.elapsed().as_secs_f64();
        self.wait_for_start(lot.id).await?;

        // Bids in turn, from one client so that they reach blocks in order.
        let rounds = bids / self.bidders.len();
        let mut first_nonces = Vec::new();
        for bidder in self.bidders {
            first_nonces.push(next_nonce(self.security(), &bidder.address()).await?);
        }
        let mut signed = Vec::new();
        for round in 0..rounds {
            for (index, (bidder, first)) in self.bidders.iter().zip(&first_nonces).enumerate() {
                let amount = START_PRICE + (round * self.bidders.len() + index) as u64;
                let bid = to_any(&pb::MsgBid {
                    bidder: bidder.address().to_string(),
                    lot_id: lot.id,
                    amount,
                });
                let nonce = first + round as u64;
                signed.push(tx(SECURITY_CHAIN, &bidder.key, nonce, vec![bid]).encode_to_vec());
            }
        }
        let start_height = heights(&self.clients[1..2]).await?[0];
        let started = Instant::now();
        broadcast_batches(vec![(self.security().clone(), signed)]).await?;
        for (bidder, first) in self.bidders.iter().zip(&first_nonces) {
            while next_nonce(self.security(), &bidder.address()).await? < first + rounds as u64 {
                if started.elapsed() > RUN_LIMIT {
                    bail!("the bids were not committed in time");
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let bid_secs = started.elapsed().as_secs_f64();
        let blocks = heights(&self.clients[1..2]).await?[0].saturating_sub(start_height);
        let accepted = history(self.security(), lot.id).await?;
        let committed = accepted.iter().filter(|e| e.kind == "bid").count();
        if committed != rounds * self.bidders.len() {
            bail!(
                "{committed} of {} bids were accepted: bids reached blocks out of order",
                rounds * self.bidders.len()
            );
        }
        Ok(Bidding {
            qualify_secs,
            bids: committed,
            bid_secs,
            blocks,
        })
    }

    /// `samples` Dutch lots, each qualified for, taken and settled by one
    /// bidder; the settlements' records and the security chain's block
    /// interval over them, in ms.
    async fn settling(&self, samples: usize) -> anyhow::Result<(Latencies, f64)> {
        let terms = TermsArgs {
            floor: START_PRICE / 2,
            interval_secs: 3_600,
            ..self.terms(Kind::Dutch)
        };
        let mut settlements = Vec::new();
        let mut spent = Duration::ZERO;
        let mut blocks = 0;
        for bidder in &self.bidders[..samples] {
            let lot = self.create(&terms).await?;
            let deadline = deadline_in(self.coordinator(), 600).await?;
            let signed = self.qualification(&lot, bidder, deadline);
            submit_and_wait(self.coordinator(), bidder, signed).await?;
            self.wait_for_start(lot.id).await?;
            let take = to_any(&pb::MsgTake {
                bidder: bidder.address().to_string(),
                lot_id: lot.id,
            });
            send_msgs(self.security(), SECURITY_CHAIN, bidder, vec![take]).await?;
            let won = load(self.security(), lot.id).await?;
            let cross_tx = xtx_pb::CrossTx {
                legs: settlement_legs(SECURITY_CHAIN, &won, &bidder.address().to_string()),
                deadline_ns: deadline_in(self.coordinator(), 600).await?,
                salt: random_salt(),
            };
            let start_height = heights(&self.clients[1..2]).await?[0];
            let started = Instant::now();
            let signed = signed_cross_tx(cross_tx, &[&bidder.key]);
            let done = submit_and_wait(self.coordinator(), bidder, signed).await?;
            spent += started.elapsed();
            blocks += heights(&self.clients[1..2]).await?[0].saturating_sub(start_height);
            if !done.commit {
                bail!("a settlement aborted");
            }
            settlements.push(done);
        }
        let interval_ms = spent.as_secs_f64() * 1_000.0 / blocks.max(1) as f64;
        Ok((Latencies::of(&settlements)?, interval_ms))
    }

    /// Terms of `kind` opening in a few seconds, for a week.
    fn terms(&self, kind: Kind) -> TermsArgs {
        TermsArgs {
            kind,
            start_price: START_PRICE,
            step: 1,
            step_bp: 0,
            reserve: 0,
            starts_in_secs: 5,
            duration_secs: 7 * 24 * 3_600,
            guarantee: GUARANTEE,
            min_bidders: 1,
            payment_window_secs: 600,
            requires_registration: false,
            extension_secs: 60,
            max_extension_secs: 600,
            interval_secs: 60,
            floor: 1,
            reveal_secs: 120,
            second_price: false,
        }
    }

    /// The issuer offers one unit of MANY on `terms`; the lot as created.
    async fn create(&self, terms: &TermsArgs) -> anyhow::Result<pb::Lot> {
        let now = deadline_in(self.security(), 0).await?;
        let create = to_any(&pb::MsgCreateAuction {
            seller: self.issuer.address().to_string(),
            symbol: MANY_HOLDERS_SECURITY.into(),
            units: 1,
            denom: "usd".into(),
            currency_chain: CURRENCY_CHAIN.into(),
            terms: Some(terms.terms(now)?),
        });
        let created = send_msgs(self.security(), SECURITY_CHAIN, self.issuer, vec![create]).await?;
        let id = created
            .events
            .iter()
            .find(|e| e["type"] == "auction_created")
            .and_then(|e| e["attributes"]["lot_id"].as_str())
            .and_then(|id| id.parse().ok())
            .context("no lot id in the creation's events")?;
        load(self.security(), id).await
    }

    fn qualification(
        &self,
        lot: &pb::Lot,
        bidder: &NamedKey,
        deadline_ns: u64,
    ) -> xtx_pb::SignedCrossTx {
        let cross_tx = xtx_pb::CrossTx {
            legs: qualification_legs(SECURITY_CHAIN, lot, &bidder.address().to_string()),
            deadline_ns,
            salt: random_salt(),
        };
        signed_cross_tx(cross_tx, &[&bidder.key])
    }

    /// Waits until the security chain's block time reaches the lot's start.
    async fn wait_for_start(&self, lot: u64) -> anyhow::Result<()> {
        let start = load(self.security(), lot)
            .await?
            .terms
            .context("a lot has terms")?
            .start_ns;
        let give_up = Instant::now() + Duration::from_secs(120);
        while deadline_in(self.security(), 0).await? <= start {
            if Instant::now() > give_up {
                bail!("lot {lot} did not open in 2 minutes");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}

/// The bank gives every bidder [`BIDDER_CASH`] usd, a hundred at a time.
async fn fund(currency: &HttpClient, bank: &NamedKey, bidders: &[NamedKey]) -> anyhow::Result<()> {
    for chunk in bidders.chunks(100) {
        let msgs = chunk
            .iter()
            .map(|bidder| {
                to_any(&currency::MsgTransfer {
                    from: bank.address().to_string(),
                    to: bidder.address().to_string(),
                    denom: "usd".into(),
                    amount: BIDDER_CASH,
                })
            })
            .collect();
        let nonce = next_nonce(currency, &bank.address()).await?;
        broadcast_and_wait(currency, &tx(CURRENCY_CHAIN, &bank.key, nonce, msgs)).await?;
    }
    Ok(())
}

fn tx(chain_id: &str, key: &SigningKey, nonce: u64, msgs: Vec<Any>) -> tx_pb::Tx {
    let body = tx_pb::TxBody {
        chain_id: chain_id.to_owned(),
        nonce,
        msgs,
        timeout_height: 0,
        memo: String::new(),
    };
    signed_tx(body, &[key])
}

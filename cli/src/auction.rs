//! `xcc auction`: lots of a security's units sold by English, Dutch or
//! sealed-bid auction on the security chain. Qualifying and settling are
//! cross-txs (the guarantee held in the lot's escrow on the currency chain;
//! the units for the price); every other step is a plain tx.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand, ValueEnum};
use tendermint_rpc::HttpClient;
use xcc_chain::xtx::signed_cross_tx;
use xcc_chain::Address;
use xcc_node_config::AppKind;
use xcc_proto::auction::v1 as pb;
use xcc_proto::xtx::v1 as xtx;
use xcc_proto::{to_any, Any};

use crate::keyring::{Keyring, NamedKey};
use crate::query::{all_pages, chain_id, module_query};
use crate::rpc;
use xcc_security::auction::legs::{qualification_legs, settlement_legs};

use crate::xtx::{coordinator, deadline_in, follow, random_salt, send_msgs, submit};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    English,
    Dutch,
    Sealed,
}

/// A lot's terms as the command line gives them: times in seconds from now.
#[derive(Clone, Debug, Args)]
pub struct TermsArgs {
    #[arg(long, value_enum)]
    pub kind: Kind,
    /// The lowest first bid (English, sealed) or the opening price (Dutch).
    #[arg(long)]
    pub start_price: u64,
    /// The least raise (English) or fall (Dutch), absolute.
    #[arg(long, default_value_t = 1)]
    pub step: u64,
    /// The least raise as a share of the price, in basis points.
    #[arg(long, default_value_t = 0)]
    pub step_bp: u32,
    #[arg(long, default_value_t = 0)]
    pub reserve: u64,
    /// Seconds from the chain's latest block time until bidding opens.
    #[arg(long, default_value_t = 5)]
    pub starts_in_secs: u64,
    /// Seconds of bidding (of commitments, for sealed).
    #[arg(long)]
    pub duration_secs: u64,
    /// Held from each bidder to qualify, counted towards the price.
    #[arg(long)]
    pub guarantee: u64,
    #[arg(long, default_value_t = 1)]
    pub min_bidders: u32,
    #[arg(long, default_value_t = 300)]
    pub payment_window_secs: u64,
    /// English: a bid in the last N seconds moves the end by N.
    #[arg(long, default_value_t = 60)]
    pub extension_secs: u64,
    /// English: extensions end this many seconds after the end at most.
    #[arg(long, default_value_t = 600)]
    pub max_extension_secs: u64,
    /// Dutch: the price falls by the step every N seconds.
    #[arg(long, default_value_t = 60)]
    pub interval_secs: u64,
    /// Dutch: the lowest price.
    #[arg(long, default_value_t = 1)]
    pub floor: u64,
    /// Sealed: seconds to reveal after the end.
    #[arg(long, default_value_t = 120)]
    pub reveal_secs: u64,
    /// Sealed: the winner pays the second-highest bid.
    #[arg(long)]
    pub second_price: bool,
    /// Bidders qualify only once registered on a bank's receipt
    /// (`xcc trust register-bidder`).
    #[arg(long)]
    pub requires_registration: bool,
}

const SECOND_NS: u64 = 1_000_000_000;

impl TermsArgs {
    /// The terms, bidding opening `starts_in_secs` after block time `now_ns`.
    pub fn terms(&self, now_ns: u64) -> anyhow::Result<pb::Terms> {
        let at = |secs: u64| {
            secs.checked_mul(SECOND_NS)
                .and_then(|ns| ns.checked_add(now_ns))
                .ok_or_else(|| anyhow!("{secs} s from now is out of range"))
        };
        let start_ns = at(self.starts_in_secs)?;
        let end_ns = at(self.starts_in_secs.saturating_add(self.duration_secs))?;
        let kind = match self.kind {
            Kind::English => pb::terms::Kind::English(pb::English {
                extension_secs: self.extension_secs,
                max_end_ns: end_ns
                    .checked_add(self.max_extension_secs.saturating_mul(SECOND_NS))
                    .ok_or_else(|| anyhow!("the max end is out of range"))?,
            }),
            Kind::Dutch => pb::terms::Kind::Dutch(pb::Dutch {
                interval_secs: self.interval_secs,
                floor: self.floor,
            }),
            Kind::Sealed => pb::terms::Kind::Sealed(pb::Sealed {
                reveal_secs: self.reveal_secs,
                second_price: self.second_price,
            }),
        };
        Ok(pb::Terms {
            kind: Some(kind),
            start_price: self.start_price,
            step_absolute: self.step,
            step_basis_points: self.step_bp,
            reserve: self.reserve,
            start_ns,
            end_ns,
            guarantee: self.guarantee,
            min_bidders: self.min_bidders,
            payment_window_secs: self.payment_window_secs,
            requires_registration: self.requires_registration,
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum AuctionCommand {
    /// Offer units by auction; they are reserved until the lot ends.
    Create {
        #[arg(long)]
        from: String,
        #[arg(long)]
        symbol: String,
        #[arg(long)]
        units: u64,
        #[arg(long, default_value = "usd")]
        denom: String,
        /// Where the guarantees and the price are paid; the currency chain
        /// of client.toml by default.
        #[arg(long)]
        currency_chain: Option<String>,
        #[command(flatten)]
        terms: TermsArgs,
    },
    /// Qualify for a lot: one cross-tx holds the guarantee in its escrow.
    Qualify {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
        #[command(flatten)]
        cross_tx: CrossTxArgs,
    },
    /// English: bid for the whole lot.
    Bid {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
        #[arg(long)]
        amount: u64,
    },
    /// Dutch: take the lot at this block's price.
    Take {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
    },
    /// Sealed: commit to a bid; prints the salt to reveal it with.
    Commit {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
        #[arg(long)]
        amount: u64,
        /// Hex; random if not given.
        #[arg(long)]
        salt: Option<String>,
    },
    /// Sealed: reveal a committed bid, in the reveal window.
    Reveal {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
        #[arg(long)]
        amount: u64,
        #[arg(long)]
        salt: String,
    },
    /// Close a lot after its end, or pass it on after an unpaid window.
    Close {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
    },
    /// Withdraw a lot that has no bid (the seller).
    Cancel {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
    },
    /// Settle a lot won: the units for the price, one cross-tx.
    Settle {
        #[arg(long)]
        from: String,
        #[arg(long)]
        lot: u64,
        #[command(flatten)]
        cross_tx: CrossTxArgs,
    },
    /// A lot, with every step of its history.
    Show { lot: u64 },
    /// Every lot.
    List,
}

#[derive(Clone, Debug, Args)]
pub struct CrossTxArgs {
    #[arg(long, default_value_t = 300)]
    pub deadline_secs: u64,
    /// Wait until the cross-tx is done; exit non-zero unless it committed.
    #[arg(long)]
    pub wait: bool,
    #[arg(long, default_value_t = 600)]
    pub timeout_secs: u64,
}

pub async fn load(security: &HttpClient, id: u64) -> anyhow::Result<pb::Lot> {
    module_query(
        security,
        "/xcc.auction.v1.Query/Lot",
        &pb::QueryLotRequest { lot_id: id },
        None,
    )
    .await
}

/// Every step of the lot's history, in order.
pub async fn history(security: &HttpClient, lot: u64) -> anyhow::Result<Vec<pb::LotEvent>> {
    all_pages(
        security,
        "/xcc.auction.v1.Query/LotHistory",
        None,
        |page| pb::QueryLotHistoryRequest {
            lot_id: lot,
            page: Some(page),
        },
        |r: pb::QueryLotHistoryResponse| (r.events, r.page),
    )
    .await
}

async fn run_cross_tx(
    home: &Path,
    signer: &NamedKey,
    legs: Vec<xtx::Leg>,
    args: &CrossTxArgs,
    what: &str,
) -> anyhow::Result<()> {
    let cross_tx = xtx::CrossTx {
        legs,
        deadline_ns: deadline_in(&coordinator(home).await?, args.deadline_secs).await?,
        salt: random_salt(),
    };
    let id = submit(home, signer, signed_cross_tx(cross_tx, &[&signer.key])).await?;
    follow(
        home,
        &id,
        args.wait,
        Duration::from_secs(args.timeout_secs),
        what,
    )
    .await
}

fn parse_salt(text: &str) -> anyhow::Result<Vec<u8>> {
    let salt = hex::decode(text).context("the salt is hex")?;
    if salt.len() > xcc_security::auction::msg::MAX_SALT_BYTES {
        bail!(
            "a salt has at most {} bytes",
            xcc_security::auction::msg::MAX_SALT_BYTES
        );
    }
    Ok(salt)
}

/// Builds a plain tx's message once its signer's address is known.
type Build = Box<dyn FnOnce(Address) -> Any>;

/// The signer's key name and the message of a command that is one plain tx.
fn plain_tx(command: AuctionCommand) -> anyhow::Result<(String, Build)> {
    Ok(match command {
        AuctionCommand::Bid { from, lot, amount } => (
            from,
            Box::new(move |bidder: Address| {
                to_any(&pb::MsgBid {
                    bidder: bidder.to_string(),
                    lot_id: lot,
                    amount,
                })
            }),
        ),
        AuctionCommand::Take { from, lot } => (
            from,
            Box::new(move |bidder: Address| {
                to_any(&pb::MsgTake {
                    bidder: bidder.to_string(),
                    lot_id: lot,
                })
            }),
        ),
        AuctionCommand::Commit {
            from,
            lot,
            amount,
            salt,
        } => {
            let salt = match salt {
                Some(text) => parse_salt(&text)?,
                None => random_salt(),
            };
            (
                from,
                Box::new(move |bidder: Address| {
                    let sealed =
                        xcc_security::auction::machine::sealed_bid(lot, &bidder, amount, &salt);
                    eprintln!("salt {}: keep it to reveal the bid", hex::encode(&salt));
                    to_any(&pb::MsgCommitBid {
                        bidder: bidder.to_string(),
                        lot_id: lot,
                        sealed: sealed.to_vec(),
                    })
                }),
            )
        }
        AuctionCommand::Reveal {
            from,
            lot,
            amount,
            salt,
        } => {
            let salt = parse_salt(&salt)?;
            (
                from,
                Box::new(move |bidder: Address| {
                    to_any(&pb::MsgRevealBid {
                        bidder: bidder.to_string(),
                        lot_id: lot,
                        amount,
                        salt,
                    })
                }),
            )
        }
        AuctionCommand::Close { from, lot } => (
            from,
            Box::new(move |signer: Address| {
                to_any(&pb::MsgCloseAuction {
                    signer: signer.to_string(),
                    lot_id: lot,
                })
            }),
        ),
        AuctionCommand::Cancel { from, lot } => (
            from,
            Box::new(move |seller: Address| {
                to_any(&pb::MsgCancelAuction {
                    seller: seller.to_string(),
                    lot_id: lot,
                })
            }),
        ),
        other => bail!("{other:?} is not a plain tx"),
    })
}

pub async fn run(home: &Path, keyring: &Keyring, command: AuctionCommand) -> anyhow::Result<()> {
    let security_chain = chain_id(home, None, Some(AppKind::Security))?;
    let security = rpc::connect(home, &security_chain, None).await?;
    let send = |signer: NamedKey, msg: Any| {
        let (security, chain) = (security.clone(), security_chain.clone());
        async move {
            let committed = send_msgs(&security, &chain, &signer, vec![msg]).await?;
            println!("{}", serde_json::to_string_pretty(&committed)?);
            anyhow::Ok(())
        }
    };
    match command {
        AuctionCommand::Create {
            from,
            symbol,
            units,
            denom,
            currency_chain,
            terms,
        } => {
            let seller = keyring.get(&from)?;
            let currency_chain =
                chain_id(home, currency_chain.as_deref(), Some(AppKind::Currency))?;
            let terms = terms.terms(deadline_in(&security, 0).await?)?;
            let msg = to_any(&pb::MsgCreateAuction {
                seller: seller.address().to_string(),
                symbol,
                units,
                denom,
                currency_chain,
                terms: Some(terms),
            });
            send(seller, msg).await?;
        }
        AuctionCommand::Qualify {
            from,
            lot,
            cross_tx,
        } => {
            let bidder = keyring.get(&from)?;
            let lot = load(&security, lot).await?;
            let legs = qualification_legs(&security_chain, &lot, &bidder.address().to_string());
            run_cross_tx(home, &bidder, legs, &cross_tx, "the qualification").await?;
        }
        AuctionCommand::Settle {
            from,
            lot,
            cross_tx,
        } => {
            let winner = keyring.get(&from)?;
            let lot = load(&security, lot).await?;
            let legs = settlement_legs(&security_chain, &lot, &winner.address().to_string());
            run_cross_tx(home, &winner, legs, &cross_tx, "the settlement").await?;
        }
        command @ (AuctionCommand::Bid { .. }
        | AuctionCommand::Take { .. }
        | AuctionCommand::Commit { .. }
        | AuctionCommand::Reveal { .. }
        | AuctionCommand::Close { .. }
        | AuctionCommand::Cancel { .. }) => {
            let (from, build) = plain_tx(command)?;
            let signer = keyring.get(&from)?;
            let msg = build(signer.address());
            send(signer, msg).await?;
        }
        AuctionCommand::Show { lot } => {
            let shown = load(&security, lot).await?;
            let history = history(&security, lot).await?;
            let mut json = serde_json::to_value(&shown)?;
            json["history"] = serde_json::to_value(history)?;
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        AuctionCommand::List => {
            let lots = all_pages(
                &security,
                "/xcc.auction.v1.Query/Lots",
                None,
                |page| pb::QueryLotsRequest { page: Some(page) },
                |r: pb::QueryLotsResponse| (r.lots, r.page),
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&lots)?);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(kind: Kind) -> TermsArgs {
        TermsArgs {
            kind,
            start_price: 1_000,
            step: 10,
            step_bp: 0,
            reserve: 0,
            starts_in_secs: 5,
            duration_secs: 60,
            guarantee: 100,
            min_bidders: 2,
            payment_window_secs: 300,
            requires_registration: false,
            extension_secs: 30,
            max_extension_secs: 120,
            interval_secs: 10,
            floor: 500,
            reveal_secs: 40,
            second_price: true,
        }
    }

    #[test]
    fn terms_are_laid_out_from_the_chain_time_and_valid_for_the_chain() {
        let now = 1_000 * SECOND_NS;
        for kind in [Kind::English, Kind::Dutch, Kind::Sealed] {
            let terms = args(kind).terms(now).unwrap();
            assert_eq!(terms.start_ns, now + 5 * SECOND_NS);
            assert_eq!(terms.end_ns, now + 65 * SECOND_NS);
            let checked = xcc_security::auction::record::terms_from_proto(&terms).unwrap();
            assert_eq!(checked.check(now), Ok(()), "{kind:?}");
        }
        let english = args(Kind::English).terms(now).unwrap();
        let Some(pb::terms::Kind::English(rules)) = english.kind else {
            panic!("an English lot");
        };
        assert_eq!(rules.max_end_ns, now + 185 * SECOND_NS);
        assert!(args(Kind::English).terms(u64::MAX).is_err());
    }

    #[test]
    fn qualification_and_settlement_legs_name_the_lot_on_both_chains() {
        let lot = pb::Lot {
            id: 7,
            currency_chain: "currency-1".into(),
            denom: "usd".into(),
            terms: Some(args(Kind::English).terms(0).unwrap()),
            ..Default::default()
        };
        let legs = qualification_legs("security-1", &lot, "bidder");
        assert_eq!(legs[0].chain_id, "security-1");
        assert_eq!(legs[1].chain_id, "currency-1");
        let settle = settlement_legs("security-1", &lot, "winner");
        assert_eq!(settle[1].depends_on, Some(0));
        assert!(parse_salt("zz").is_err());
        assert!(parse_salt(&"00".repeat(65)).is_err());
    }
}

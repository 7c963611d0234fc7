//! One lot's auction as a pure state machine: `apply(lot, input, now)`
//! gives the next lot and what the chain must carry out, or a refusal that
//! leaves the lot as it was. No state access and no clock: block time comes
//! in with every input, and only block time ever counts.
//!
//! A lot lives through these phases:
//! - `Bidding`: bidders qualify (their guarantee held on the currency
//!   chain) and bid, take or commit by the kind's rules; sealed bidders
//!   reveal after the end;
//! - `Awarded`: closed with a winner, who has the payment window to settle
//!   (one cross-tx: units for the price). A settlement that aborts, or a
//!   window that passes, forfeits the winner's guarantee and awards the lot
//!   to the next-best bid at or above the reserve;
//! - `Sold`, `Failed` or `Cancelled`: over, every guarantee disposed of
//!   exactly once (released, applied to the price, or forfeited).

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use xcc_chain::Address;

use super::terms::{Kind, Terms, MAX_BIDDERS};

/// What became of a bidder's guarantee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guarantee {
    /// A qualification cross-tx is prepared: the bidder has a place but
    /// cannot bid until it commits.
    Pending,
    Held,
    /// Given back to the bidder.
    Released,
    /// Counted towards the price the winner paid.
    Applied,
    /// Paid to the seller: a winner who did not pay, a sealed bidder who
    /// did not reveal.
    Forfeited,
}

/// A bidder's standing bid: its amount, and the order it came in (the
/// earlier of two equal bids ranks first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub amount: u64,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bidder {
    pub guarantee: Guarantee,
    /// English: the best bid; Dutch: the take; sealed: the revealed bid.
    pub bid: Option<Standing>,
    /// Sealed: the commitment, until revealed.
    pub sealed: Option<[u8; 32]>,
}

/// Why a lot failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    TooFewBidders {
        qualified: u32,
        needed: u32,
    },
    NoValidBid,
    ReserveNotMet {
        best: u64,
        reserve: u64,
    },
    /// Every bidder in line at or above the reserve was awarded and did
    /// not pay.
    NobodyPaid,
}

/// A lot awarded and not yet paid for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Award {
    pub winner: Address,
    pub price: u64,
    pub pay_by_ns: u64,
    /// The settlement cross-tx that holds the lot, while prepared.
    pub settling: Option<[u8; 32]>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Phase {
    Bidding,
    Awarded(Award),
    Sold { winner: Address, price: u64 },
    Failed(Failure),
    Cancelled,
}

/// A lot's auction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lot {
    pub id: u64,
    pub seller: Address,
    pub terms: Terms,
    /// The current end of bidding: English extensions move it.
    pub end_ns: u64,
    pub bidders: BTreeMap<Address, Bidder>,
    pub next_seq: u64,
    pub phase: Phase,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A qualification cross-tx prepared: the bidder, whitelisted, takes a
    /// place while the guarantee is held on the currency chain.
    Qualify { bidder: Address },
    /// That cross-tx committed (`held`: the guarantee is held) or aborted.
    /// Fits in any phase: a lot that closed meanwhile releases it at once.
    Qualified { bidder: Address, held: bool },
    /// English: a bid of `amount`.
    Bid { bidder: Address, amount: u64 },
    /// Dutch: the current price, taken.
    Take { bidder: Address },
    /// Sealed: a commitment to a hidden bid (a new one replaces the old).
    Commit { bidder: Address, sealed: [u8; 32] },
    /// Sealed: the bid behind the commitment.
    Reveal {
        bidder: Address,
        amount: u64,
        salt: Vec<u8>,
    },
    /// Anyone, once bidding (and revealing) is over, or once a winner's
    /// payment window has passed: awards, passes on or fails the lot.
    Close,
    /// The seller withdraws the lot, before any bid.
    Cancel { by: Address },
    /// The winner's settlement cross-tx prepared on this chain.
    SettlementPrepared { tx_id: [u8; 32] },
    /// That cross-tx committed (`paid`) or aborted.
    SettlementDecided { tx_id: [u8; 32], paid: bool },
}

/// What the chain carries out after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    Extended {
        end_ns: u64,
    },
    Awarded {
        winner: Address,
        price: u64,
        pay_by_ns: u64,
    },
    /// A guarantee to release, apply or forfeit on the currency chain.
    Guarantee {
        bidder: Address,
        disposition: Guarantee,
    },
    /// The lot's units go back to the seller.
    ReturnUnits,
    /// The lot's units went to the winner.
    Sold {
        winner: Address,
        price: u64,
    },
    Failed(Failure),
}

/// An input that does not fit the lot, with what was expected and found.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("lot {lot} is {phase}: {input} needs it {expected}")]
    WrongPhase {
        lot: u64,
        phase: &'static str,
        input: &'static str,
        expected: &'static str,
    },
    #[error("lot {lot} is a {kind} auction: it takes no {input}")]
    WrongKind {
        lot: u64,
        kind: &'static str,
        input: &'static str,
    },
    #[error("lot {lot}: {input} is accepted from {from_ns} ns until {until_ns} ns; the block time is {now_ns} ns")]
    OutsideWindow {
        lot: u64,
        input: &'static str,
        from_ns: u64,
        until_ns: u64,
        now_ns: u64,
    },
    #[error("{bidder} is not qualified for lot {lot}")]
    NotQualified { lot: u64, bidder: Address },
    #[error("{bidder}'s guarantee for lot {lot} is no longer held")]
    GuaranteeNotHeld { lot: u64, bidder: Address },
    #[error("{bidder}'s qualification for lot {lot} is not decided yet")]
    QualificationPending { lot: u64, bidder: Address },
    #[error("{bidder} has no qualification in progress for lot {lot}")]
    NotPending { lot: u64, bidder: Address },
    #[error("{bidder} is already qualified for lot {lot}")]
    AlreadyQualified { lot: u64, bidder: Address },
    #[error("lot {lot} has its {max} bidders")]
    TooManyBidders { lot: u64, max: u32 },
    #[error("the seller cannot bid on their own lot {lot}")]
    SellerBids { lot: u64 },
    #[error("a bid on lot {lot} must be at least {minimum}, not {amount}")]
    BidTooLow { lot: u64, minimum: u64, amount: u64 },
    #[error("{bidder} committed no sealed bid on lot {lot}")]
    NothingToReveal { lot: u64, bidder: Address },
    #[error("the revealed bid does not match {bidder}'s commitment on lot {lot}")]
    RevealMismatch { lot: u64, bidder: Address },
    #[error("lot {lot} has bids: only a lot without any can be cancelled")]
    HasBids { lot: u64 },
    #[error("only the seller {seller} can cancel lot {lot}")]
    NotSeller { lot: u64, seller: Address },
    #[error("lot {lot}: the winner's payment window runs until {pay_by_ns} ns; the block time is {now_ns} ns")]
    PaymentWindowOpen {
        lot: u64,
        pay_by_ns: u64,
        now_ns: u64,
    },
    #[error("lot {lot} is held by its settlement {held}")]
    Settling { lot: u64, held: String },
    #[error("the settlement {tx_id} is not the one that holds lot {lot}")]
    NotTheSettlement { lot: u64, tx_id: String },
}

/// The commitment a sealed bid is revealed against:
/// `sha256(BE64(lot) || bidder || BE64(amount) || salt)`.
pub fn sealed_bid(lot: u64, bidder: &Address, amount: u64, salt: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(lot.to_be_bytes());
    hasher.update(bidder.as_bytes());
    hasher.update(amount.to_be_bytes());
    hasher.update(salt);
    hasher.finalize().into()
}

impl Phase {
    pub fn name(&self) -> &'static str {
        match self {
            Phase::Bidding => "bidding",
            Phase::Awarded(_) => "awarded",
            Phase::Sold { .. } => "sold",
            Phase::Failed(_) => "failed",
            Phase::Cancelled => "cancelled",
        }
    }
}

impl Input {
    fn name(&self) -> &'static str {
        match self {
            Input::Qualify { .. } => "a qualification",
            Input::Qualified { .. } => "a qualification's decision",
            Input::Bid { .. } => "a bid",
            Input::Take { .. } => "a take",
            Input::Commit { .. } => "a sealed bid",
            Input::Reveal { .. } => "a reveal",
            Input::Close => "a close",
            Input::Cancel { .. } => "a cancellation",
            Input::SettlementPrepared { .. } => "a settlement",
            Input::SettlementDecided { .. } => "a settlement's decision",
        }
    }
}

type Step = Result<(Lot, Vec<Output>), Refusal>;

impl Lot {
    /// A new lot, bidding from its terms' start.
    pub fn new(id: u64, seller: Address, terms: Terms) -> Lot {
        Lot {
            id,
            seller,
            end_ns: terms.end_ns,
            terms,
            bidders: BTreeMap::new(),
            next_seq: 0,
            phase: Phase::Bidding,
        }
    }

    /// The lot after `input` at block time `now_ns`, and what to carry out.
    pub fn apply(&self, input: Input, now_ns: u64) -> Step {
        let name = input.name();
        match (&self.phase, input) {
            (Phase::Bidding, Input::Qualify { bidder }) => self.qualify(bidder, now_ns),
            (_, Input::Qualified { bidder, held }) => self.qualified(bidder, held),
            (Phase::Bidding, Input::Bid { bidder, amount }) => self.bid(bidder, amount, now_ns),
            (Phase::Bidding, Input::Take { bidder }) => self.take(bidder, now_ns),
            (Phase::Bidding, Input::Commit { bidder, sealed }) => {
                self.commit(bidder, sealed, now_ns)
            }
            (
                Phase::Bidding,
                Input::Reveal {
                    bidder,
                    amount,
                    salt,
                },
            ) => self.reveal(bidder, amount, &salt, now_ns),
            (Phase::Bidding, Input::Close) => self.close(now_ns),
            (Phase::Bidding, Input::Cancel { by }) => self.cancel(by),
            (Phase::Awarded(award), Input::Close) => self.pass_on_if_unpaid(*award, now_ns),
            (Phase::Awarded(award), Input::SettlementPrepared { tx_id }) => {
                self.settlement_prepared(*award, tx_id, now_ns)
            }
            (Phase::Awarded(award), Input::SettlementDecided { tx_id, paid }) => {
                self.settlement_decided(*award, tx_id, paid, now_ns)
            }
            (phase, _) => Err(Refusal::WrongPhase {
                lot: self.id,
                phase: phase.name(),
                input: name,
                expected: expected_phase(name),
            }),
        }
    }

    fn window(
        &self,
        input: &'static str,
        from_ns: u64,
        until_ns: u64,
        now_ns: u64,
    ) -> Result<(), Refusal> {
        if (from_ns..until_ns).contains(&now_ns) {
            Ok(())
        } else {
            Err(Refusal::OutsideWindow {
                lot: self.id,
                input,
                from_ns,
                until_ns,
                now_ns,
            })
        }
    }

    fn wrong_kind(&self, input: &'static str) -> Refusal {
        Refusal::WrongKind {
            lot: self.id,
            kind: self.terms.kind.name(),
            input,
        }
    }

    /// A bidder whose guarantee is held.
    fn holding(&self, bidder: &Address) -> Result<&Bidder, Refusal> {
        let entry = self.bidders.get(bidder).ok_or(Refusal::NotQualified {
            lot: self.id,
            bidder: *bidder,
        })?;
        if entry.guarantee == Guarantee::Pending {
            return Err(Refusal::QualificationPending {
                lot: self.id,
                bidder: *bidder,
            });
        }
        if entry.guarantee != Guarantee::Held {
            return Err(Refusal::GuaranteeNotHeld {
                lot: self.id,
                bidder: *bidder,
            });
        }
        Ok(entry)
    }

    fn qualify(&self, bidder: Address, now_ns: u64) -> Step {
        if bidder == self.seller {
            return Err(Refusal::SellerBids { lot: self.id });
        }
        self.window("a qualification", 0, self.end_ns, now_ns)?;
        if self.bidders.contains_key(&bidder) {
            return Err(Refusal::AlreadyQualified {
                lot: self.id,
                bidder,
            });
        }
        if self.bidders.len() >= MAX_BIDDERS as usize {
            return Err(Refusal::TooManyBidders {
                lot: self.id,
                max: MAX_BIDDERS,
            });
        }
        let mut lot = self.clone();
        lot.bidders.insert(
            bidder,
            Bidder {
                guarantee: Guarantee::Pending,
                bid: None,
                sealed: None,
            },
        );
        Ok((lot, Vec::new()))
    }

    fn qualified(&self, bidder: Address, held: bool) -> Step {
        let pending = self
            .bidders
            .get(&bidder)
            .is_some_and(|entry| entry.guarantee == Guarantee::Pending);
        if !pending {
            return Err(Refusal::NotPending {
                lot: self.id,
                bidder,
            });
        }
        let mut lot = self.clone();
        if !held {
            lot.bidders.remove(&bidder);
            return Ok((lot, Vec::new()));
        }
        let bidding = self.phase == Phase::Bidding;
        let guarantee = if bidding {
            Guarantee::Held
        } else {
            Guarantee::Released
        };
        if let Some(entry) = lot.bidders.get_mut(&bidder) {
            entry.guarantee = guarantee;
        }
        let outputs = if bidding {
            Vec::new()
        } else {
            vec![Output::Guarantee {
                bidder,
                disposition: Guarantee::Released,
            }]
        };
        Ok((lot, outputs))
    }

    /// Bidders whose qualification committed.
    fn qualified_count(&self) -> u32 {
        let count = self
            .bidders
            .values()
            .filter(|b| b.guarantee != Guarantee::Pending)
            .count();
        u32::try_from(count).unwrap_or(u32::MAX)
    }

    /// The best standing bid, by amount and then by order.
    fn ranked(&self) -> Vec<(Address, Standing)> {
        let mut bids: Vec<(Address, Standing)> = self
            .bidders
            .iter()
            .filter(|(_, b)| b.guarantee == Guarantee::Held)
            .filter_map(|(address, b)| b.bid.map(|bid| (*address, bid)))
            .collect();
        bids.sort_by(|(_, a), (_, b)| b.amount.cmp(&a.amount).then(a.seq.cmp(&b.seq)));
        bids
    }

    fn with_bid(&self, bidder: Address, amount: u64) -> Lot {
        let mut lot = self.clone();
        let seq = lot.next_seq;
        lot.next_seq += 1;
        if let Some(entry) = lot.bidders.get_mut(&bidder) {
            entry.bid = Some(Standing { amount, seq });
        }
        lot
    }

    fn bid(&self, bidder: Address, amount: u64, now_ns: u64) -> Step {
        let Kind::English {
            extension_ns,
            max_end_ns,
        } = self.terms.kind
        else {
            return Err(self.wrong_kind("bids; it takes sealed bids or takes"));
        };
        self.window("a bid", self.terms.start_ns, self.end_ns, now_ns)?;
        self.holding(&bidder)?;
        let minimum = match self.ranked().first() {
            Some((_, best)) => best
                .amount
                .saturating_add(self.terms.step.over(best.amount)),
            None => self.terms.start_price,
        };
        if amount < minimum {
            return Err(Refusal::BidTooLow {
                lot: self.id,
                minimum,
                amount,
            });
        }
        let mut lot = self.with_bid(bidder, amount);
        let mut outputs = Vec::new();
        if now_ns >= self.end_ns.saturating_sub(extension_ns) {
            let end_ns = self.end_ns.saturating_add(extension_ns).min(max_end_ns);
            if end_ns > self.end_ns {
                lot.end_ns = end_ns;
                outputs.push(Output::Extended { end_ns });
            }
        }
        Ok((lot, outputs))
    }

    fn take(&self, bidder: Address, now_ns: u64) -> Step {
        let Some(price) = self.terms.dutch_price(now_ns) else {
            return Err(self.wrong_kind("takes"));
        };
        self.window("a take", self.terms.start_ns, self.end_ns, now_ns)?;
        self.holding(&bidder)?;
        if self.qualified_count() < self.terms.min_bidders {
            return Err(Refusal::WrongPhase {
                lot: self.id,
                phase: "short of bidders",
                input: "a take",
                expected: "to have its minimum of qualified bidders",
            });
        }
        let lot = self.with_bid(bidder, price);
        Ok(lot.award_best(now_ns, Vec::new()))
    }

    fn commit(&self, bidder: Address, sealed: [u8; 32], now_ns: u64) -> Step {
        if !matches!(self.terms.kind, Kind::Sealed { .. }) {
            return Err(self.wrong_kind("sealed bids"));
        }
        self.window("a sealed bid", self.terms.start_ns, self.end_ns, now_ns)?;
        self.holding(&bidder)?;
        let mut lot = self.clone();
        if let Some(entry) = lot.bidders.get_mut(&bidder) {
            entry.sealed = Some(sealed);
        }
        Ok((lot, Vec::new()))
    }

    fn reveal(&self, bidder: Address, amount: u64, salt: &[u8], now_ns: u64) -> Step {
        let Kind::Sealed { reveal_ns, .. } = self.terms.kind else {
            return Err(self.wrong_kind("reveals"));
        };
        self.window(
            "a reveal",
            self.end_ns,
            self.end_ns.saturating_add(reveal_ns),
            now_ns,
        )?;
        let entry = self.holding(&bidder)?;
        let Some(sealed) = entry.sealed else {
            return Err(Refusal::NothingToReveal {
                lot: self.id,
                bidder,
            });
        };
        if sealed_bid(self.id, &bidder, amount, salt) != sealed {
            return Err(Refusal::RevealMismatch {
                lot: self.id,
                bidder,
            });
        }
        if amount < self.terms.start_price {
            return Err(Refusal::BidTooLow {
                lot: self.id,
                minimum: self.terms.start_price,
                amount,
            });
        }
        let mut lot = self.with_bid(bidder, amount);
        if let Some(entry) = lot.bidders.get_mut(&bidder) {
            entry.sealed = None;
        }
        Ok((lot, Vec::new()))
    }

    /// When bidding, and for a sealed lot revealing, is over.
    fn closes_at(&self) -> u64 {
        match self.terms.kind {
            Kind::Sealed { reveal_ns, .. } => self.end_ns.saturating_add(reveal_ns),
            Kind::English { .. } | Kind::Dutch { .. } => self.end_ns,
        }
    }

    fn close(&self, now_ns: u64) -> Step {
        let closes_at = self.closes_at();
        self.window("a close", closes_at, u64::MAX, now_ns)?;
        let mut lot = self.clone();
        let mut outputs = Vec::new();
        // A sealed bidder who committed and did not reveal forfeits.
        for (address, bidder) in lot.bidders.iter_mut() {
            if bidder.sealed.is_some() && bidder.guarantee == Guarantee::Held {
                bidder.guarantee = Guarantee::Forfeited;
                outputs.push(Output::Guarantee {
                    bidder: *address,
                    disposition: Guarantee::Forfeited,
                });
            }
        }
        let qualified = self.qualified_count();
        if qualified < self.terms.min_bidders {
            return Ok(lot.fail(
                Failure::TooFewBidders {
                    qualified,
                    needed: self.terms.min_bidders,
                },
                outputs,
            ));
        }
        Ok(lot.award_best(now_ns, outputs))
    }

    /// Whether a winner was awarded the lot before and did not pay.
    fn passed_on(&self) -> bool {
        self.bidders
            .values()
            .any(|b| b.guarantee == Guarantee::Forfeited && b.bid.is_some())
    }

    /// Awards the lot to the best bid still in line, or fails it.
    fn award_best(mut self, now_ns: u64, mut outputs: Vec<Output>) -> (Lot, Vec<Output>) {
        let ranked = self.ranked();
        let passed_on = self.passed_on();
        let best = ranked.first().copied();
        let Some((winner, best)) = best.filter(|(_, bid)| bid.amount >= self.terms.reserve) else {
            let failure = match best {
                _ if passed_on => Failure::NobodyPaid,
                None => Failure::NoValidBid,
                Some((_, bid)) => Failure::ReserveNotMet {
                    best: bid.amount,
                    reserve: self.terms.reserve,
                },
            };
            return self.fail(failure, outputs);
        };
        // Vickrey: the first winner pays the next bid (at least the start
        // price and the reserve); a bidder further down pays their own.
        let price = match self.terms.kind {
            Kind::Sealed {
                second_price: true, ..
            } if !passed_on => ranked
                .get(1)
                .map_or(self.terms.start_price, |(_, next)| next.amount)
                .max(self.terms.start_price)
                .max(self.terms.reserve),
            _ => best.amount,
        };
        let pay_by_ns = now_ns.saturating_add(self.terms.payment_window_ns);
        self.phase = Phase::Awarded(Award {
            winner,
            price,
            pay_by_ns,
            settling: None,
        });
        outputs.push(Output::Awarded {
            winner,
            price,
            pay_by_ns,
        });
        (self, outputs)
    }

    /// Fails the lot: every guarantee still held is released, and the
    /// units go back to the seller.
    fn fail(mut self, failure: Failure, mut outputs: Vec<Output>) -> (Lot, Vec<Output>) {
        outputs.extend(self.release_all());
        outputs.push(Output::ReturnUnits);
        outputs.push(Output::Failed(failure));
        self.phase = Phase::Failed(failure);
        (self, outputs)
    }

    fn release_all(&mut self) -> Vec<Output> {
        let mut outputs = Vec::new();
        for (address, bidder) in self.bidders.iter_mut() {
            if bidder.guarantee == Guarantee::Held {
                bidder.guarantee = Guarantee::Released;
                outputs.push(Output::Guarantee {
                    bidder: *address,
                    disposition: Guarantee::Released,
                });
            }
        }
        outputs
    }

    fn cancel(&self, by: Address) -> Step {
        if by != self.seller {
            return Err(Refusal::NotSeller {
                lot: self.id,
                seller: self.seller,
            });
        }
        let has_bids = self
            .bidders
            .values()
            .any(|b| b.bid.is_some() || b.sealed.is_some());
        if has_bids {
            return Err(Refusal::HasBids { lot: self.id });
        }
        let mut lot = self.clone();
        let mut outputs = lot.release_all();
        outputs.push(Output::ReturnUnits);
        lot.phase = Phase::Cancelled;
        Ok((lot, outputs))
    }

    /// The awarded winner's guarantee goes to the seller; the lot passes on.
    fn forfeit_winner(&self, winner: Address, now_ns: u64) -> (Lot, Vec<Output>) {
        let mut lot = self.clone();
        if let Some(entry) = lot.bidders.get_mut(&winner) {
            entry.guarantee = Guarantee::Forfeited;
        }
        lot.phase = Phase::Bidding;
        let outputs = vec![Output::Guarantee {
            bidder: winner,
            disposition: Guarantee::Forfeited,
        }];
        lot.award_best(now_ns, outputs)
    }

    fn pass_on_if_unpaid(&self, award: Award, now_ns: u64) -> Step {
        if let Some(held) = award.settling {
            return Err(Refusal::Settling {
                lot: self.id,
                held: hex::encode(held),
            });
        }
        if now_ns < award.pay_by_ns {
            return Err(Refusal::PaymentWindowOpen {
                lot: self.id,
                pay_by_ns: award.pay_by_ns,
                now_ns,
            });
        }
        Ok(self.forfeit_winner(award.winner, now_ns))
    }

    fn settlement_prepared(&self, award: Award, tx_id: [u8; 32], now_ns: u64) -> Step {
        if let Some(held) = award.settling {
            return Err(Refusal::Settling {
                lot: self.id,
                held: hex::encode(held),
            });
        }
        self.window("a settlement", 0, award.pay_by_ns, now_ns)?;
        let mut lot = self.clone();
        lot.phase = Phase::Awarded(Award {
            settling: Some(tx_id),
            ..award
        });
        Ok((lot, Vec::new()))
    }

    fn settlement_decided(&self, award: Award, tx_id: [u8; 32], paid: bool, now_ns: u64) -> Step {
        if award.settling != Some(tx_id) {
            return Err(Refusal::NotTheSettlement {
                lot: self.id,
                tx_id: hex::encode(tx_id),
            });
        }
        let Award { winner, price, .. } = award;
        if !paid {
            return Ok(self.forfeit_winner(winner, now_ns));
        }
        let mut lot = self.clone();
        if let Some(entry) = lot.bidders.get_mut(&winner) {
            entry.guarantee = Guarantee::Applied;
        }
        let mut outputs = vec![Output::Guarantee {
            bidder: winner,
            disposition: Guarantee::Applied,
        }];
        outputs.extend(lot.release_all());
        outputs.push(Output::Sold { winner, price });
        lot.phase = Phase::Sold { winner, price };
        Ok((lot, outputs))
    }
}

/// The phase an input needs, for its refusal.
fn expected_phase(input: &'static str) -> &'static str {
    match input {
        "a close" => "bidding past its end, or awarded past the payment window",
        "a settlement" | "a settlement's decision" => "awarded",
        "a qualification's decision" => "to hold the bidder's pending qualification",
        _ => "bidding",
    }
}

#[cfg(test)]
mod tests;

//! What a lot's creator fixes once: the kind of auction, its prices and
//! its times. Every time here is block time, in nanoseconds.

/// The rules a lot is sold under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Ascending: each bid at least the best plus the step; a bid in the
    /// last `extension_ns` moves the end by `extension_ns`, never past
    /// `max_end_ns`.
    English { extension_ns: u64, max_end_ns: u64 },
    /// Descending: the price falls by the step (taken over the start price)
    /// every `interval_ns` from the start price down to `floor`; the first
    /// qualified bidder to take it buys at the price of that block.
    Dutch { interval_ns: u64, floor: u64 },
    /// Bidders commit to a hidden amount before the end and reveal it in
    /// the `reveal_ns` after; the highest revealed bid wins, at its own
    /// price or, with `second_price`, at the next highest (Vickrey).
    Sealed { reveal_ns: u64, second_price: bool },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::English { .. } => "english",
            Kind::Dutch { .. } => "dutch",
            Kind::Sealed { .. } => "sealed",
        }
    }
}

/// The least raise over a price: the larger of an absolute amount and a
/// share of the price in basis points (rounded up), and at least 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub absolute: u64,
    pub basis_points: u32,
}

impl Step {
    pub fn over(&self, price: u64) -> u64 {
        let share = (u128::from(price) * u128::from(self.basis_points)).div_ceil(10_000);
        let share = u64::try_from(share).unwrap_or(u64::MAX);
        self.absolute.max(share).max(1)
    }
}

/// The most basis points a step may be: doubling the price each step.
pub const MAX_STEP_BASIS_POINTS: u32 = 10_000;

/// The most bidders one lot qualifies: a lot's record and its close stay
/// bounded.
pub const MAX_BIDDERS: u32 = 256;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Terms {
    pub kind: Kind,
    /// The lowest first bid (English, sealed) or the opening price (Dutch).
    pub start_price: u64,
    pub step: Step,
    /// The lowest price the seller accepts; 0 for none.
    pub reserve: u64,
    pub start_ns: u64,
    /// The end of bidding (English: before any extension; sealed: of
    /// commitments; Dutch: the last moment a take is accepted).
    pub end_ns: u64,
    /// What each bidder puts on hold to qualify; counted towards the
    /// winner's price, forfeited by a winner who does not pay or a sealed
    /// bidder who does not reveal.
    pub guarantee: u64,
    /// Fewer qualified bidders than this at the close: the lot fails.
    pub min_bidders: u32,
    /// How long a winner has to settle before the lot passes on.
    pub payment_window_ns: u64,
    /// Bidders must first register for the lot on a bank's receipt; with
    /// no guarantee, the registration alone qualifies them (the receipt
    /// instead of a guarantee held on the currency chain).
    pub requires_registration: bool,
}

/// Why terms cannot make a lot.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TermsError {
    #[error("the start price must be positive")]
    NoStartPrice,
    #[error("the auction must end after it starts (start {start_ns} ns, end {end_ns} ns)")]
    EndsBeforeStart { start_ns: u64, end_ns: u64 },
    #[error(
        "the auction must start at or after the block time ({now_ns} ns), not at {start_ns} ns"
    )]
    StartsInThePast { start_ns: u64, now_ns: u64 },
    #[error("the step's basis points must be at most {MAX_STEP_BASIS_POINTS}, not {0}")]
    StepTooLarge(u32),
    #[error("an English auction needs a positive extension and a max end at or after its end ({end_ns} ns), not {max_end_ns} ns")]
    BadExtension { end_ns: u64, max_end_ns: u64 },
    #[error("a Dutch auction needs a positive interval and a floor between the reserve ({reserve}) and the start price ({start_price}), not {floor}")]
    BadFloor {
        floor: u64,
        reserve: u64,
        start_price: u64,
    },
    #[error("a sealed-bid auction needs a positive reveal window")]
    NoRevealWindow,
    #[error(
        "the guarantee ({guarantee}) must be at most the lowest price a winner can pay ({lowest})"
    )]
    GuaranteeTooLarge { guarantee: u64, lowest: u64 },
    #[error("the minimum number of bidders must be between 1 and {MAX_BIDDERS}, not {0}")]
    BadMinBidders(u32),
    #[error("the payment window must be positive")]
    NoPaymentWindow,
    #[error("a lot without a guarantee takes bidders registered on a bank's receipt: it must require registration")]
    NoGuarantee,
}

impl Terms {
    /// The lowest price a winner can be asked to pay under these terms.
    pub fn lowest_price(&self) -> u64 {
        let floor = match self.kind {
            Kind::Dutch { floor, .. } => floor,
            Kind::English { .. } | Kind::Sealed { .. } => self.start_price,
        };
        floor.max(self.reserve)
    }

    /// Refuses terms no auction can be run under, at block time `now_ns`.
    pub fn check(&self, now_ns: u64) -> Result<(), TermsError> {
        if self.start_price == 0 {
            return Err(TermsError::NoStartPrice);
        }
        if self.start_ns < now_ns {
            return Err(TermsError::StartsInThePast {
                start_ns: self.start_ns,
                now_ns,
            });
        }
        if self.end_ns <= self.start_ns {
            return Err(TermsError::EndsBeforeStart {
                start_ns: self.start_ns,
                end_ns: self.end_ns,
            });
        }
        if self.step.basis_points > MAX_STEP_BASIS_POINTS {
            return Err(TermsError::StepTooLarge(self.step.basis_points));
        }
        match self.kind {
            Kind::English {
                extension_ns,
                max_end_ns,
            } if extension_ns == 0 || max_end_ns < self.end_ns => {
                return Err(TermsError::BadExtension {
                    end_ns: self.end_ns,
                    max_end_ns,
                })
            }
            Kind::Dutch { interval_ns, floor }
                if interval_ns == 0
                    || floor == 0
                    || floor > self.start_price
                    || floor < self.reserve =>
            {
                return Err(TermsError::BadFloor {
                    floor,
                    reserve: self.reserve,
                    start_price: self.start_price,
                })
            }
            Kind::Sealed { reveal_ns: 0, .. } => return Err(TermsError::NoRevealWindow),
            _ => {}
        }
        if self.guarantee > self.lowest_price() {
            return Err(TermsError::GuaranteeTooLarge {
                guarantee: self.guarantee,
                lowest: self.lowest_price(),
            });
        }
        if self.min_bidders == 0 || self.min_bidders > MAX_BIDDERS {
            return Err(TermsError::BadMinBidders(self.min_bidders));
        }
        if self.payment_window_ns == 0 {
            return Err(TermsError::NoPaymentWindow);
        }
        if self.guarantee == 0 && !self.requires_registration {
            return Err(TermsError::NoGuarantee);
        }
        Ok(())
    }

    /// The Dutch price at `now_ns`: the start price less a step for every
    /// whole interval since the start, never below the floor. `None` for
    /// another kind.
    pub fn dutch_price(&self, now_ns: u64) -> Option<u64> {
        let Kind::Dutch { interval_ns, floor } = self.kind else {
            return None;
        };
        let intervals = now_ns.saturating_sub(self.start_ns) / interval_ns.max(1);
        // The step is taken over the start price, so every fall is the same
        // and the price is one product, whatever the time.
        let fall = u128::from(intervals) * u128::from(self.step.over(self.start_price));
        let price = u128::from(self.start_price).saturating_sub(fall);
        Some(u64::try_from(price).unwrap_or(0).max(floor))
    }

    /// When bidding (or committing) closes for good, extensions included.
    pub fn last_end_ns(&self) -> u64 {
        match self.kind {
            Kind::English { max_end_ns, .. } => max_end_ns,
            _ => self.end_ns,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: u64 = 1_000_000_000;

    fn english() -> Terms {
        Terms {
            kind: Kind::English {
                extension_ns: 10 * SECOND,
                max_end_ns: 200 * SECOND,
            },
            start_price: 1_000,
            step: Step {
                absolute: 10,
                basis_points: 500,
            },
            reserve: 0,
            start_ns: 100 * SECOND,
            end_ns: 160 * SECOND,
            guarantee: 100,
            min_bidders: 1,
            payment_window_ns: 30 * SECOND,
            requires_registration: false,
        }
    }

    #[test]
    fn a_step_is_the_larger_of_its_absolute_amount_and_its_share() {
        let step = Step {
            absolute: 10,
            basis_points: 500,
        };
        assert_eq!(step.over(100), 10);
        assert_eq!(step.over(1_000), 50);
        assert_eq!(step.over(1_001), 51, "rounded up");
        let nothing = Step {
            absolute: 0,
            basis_points: 0,
        };
        assert_eq!(nothing.over(5), 1);
        assert_eq!(step.over(u64::MAX), u64::MAX / 20 + 1);
    }

    #[test]
    fn terms_no_auction_can_run_under_are_refused() {
        assert_eq!(english().check(100 * SECOND), Ok(()));
        let cases: Vec<(Terms, &str)> = vec![
            (
                Terms {
                    start_price: 0,
                    ..english()
                },
                "start price",
            ),
            (
                Terms {
                    end_ns: 100 * SECOND,
                    ..english()
                },
                "end after",
            ),
            (
                Terms {
                    step: Step {
                        absolute: 1,
                        basis_points: 10_001,
                    },
                    ..english()
                },
                "basis points",
            ),
            (
                Terms {
                    kind: Kind::English {
                        extension_ns: 10 * SECOND,
                        max_end_ns: 150 * SECOND,
                    },
                    ..english()
                },
                "max end",
            ),
            (
                Terms {
                    kind: Kind::Dutch {
                        interval_ns: SECOND,
                        floor: 2_000,
                    },
                    ..english()
                },
                "floor",
            ),
            (
                Terms {
                    kind: Kind::Sealed {
                        reveal_ns: 0,
                        second_price: false,
                    },
                    ..english()
                },
                "reveal window",
            ),
            (
                Terms {
                    guarantee: 1_001,
                    ..english()
                },
                "guarantee",
            ),
            (
                Terms {
                    min_bidders: 0,
                    ..english()
                },
                "minimum number",
            ),
            (
                Terms {
                    payment_window_ns: 0,
                    requires_registration: false,
                    ..english()
                },
                "payment window",
            ),
        ];
        for (terms, expected) in cases {
            let error = terms.check(100 * SECOND).unwrap_err().to_string();
            assert!(error.contains(expected), "{error} should say {expected}");
        }
        let error = english().check(101 * SECOND).unwrap_err();
        assert!(matches!(error, TermsError::StartsInThePast { .. }));
    }

    #[test]
    fn the_dutch_price_falls_a_step_an_interval_down_to_the_floor() {
        let dutch = Terms {
            kind: Kind::Dutch {
                interval_ns: 10 * SECOND,
                floor: 700,
            },
            step: Step {
                absolute: 100,
                basis_points: 0,
            },
            ..english()
        };
        let at = |secs: u64| dutch.dutch_price(secs * SECOND).unwrap();
        assert_eq!(at(100), 1_000);
        assert_eq!(at(109), 1_000);
        assert_eq!(at(110), 900);
        assert_eq!(at(125), 800);
        assert_eq!(at(130), 700);
        assert_eq!(at(1_000_000), 700);
        assert_eq!(english().dutch_price(0), None);
    }
}

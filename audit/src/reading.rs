//! What an audit reads, and where from. `read` asks a [`Source`] the same
//! questions whether the chains are behind RPC or in this process.

use std::collections::BTreeMap;

use prost::Message;
use xcc_chain::page::{PageRequest, PageResponse, MAX_PAGE_LIMIT};
use xcc_proto::auction::v1 as auction;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
use xcc_proto::ibc::v1 as ibc;
use xcc_proto::security::v1 as sec;
use xcc_proto::xtx::v1 as xtx;

/// A whitelist entry a prepared cross-tx relies on.
#[derive(Clone, Debug, Default)]
pub struct PinnedEntry {
    pub tx_id: Vec<u8>,
    pub symbol: String,
    pub account: String,
    pub entry: sec::QueryWhitelistResponse,
}

/// What the audit read from the chains.
#[derive(Clone, Debug, Default)]
pub struct Reading {
    pub security_chain: String,
    pub currency_chain: String,
    /// The coordinator's records, read before and after the participants.
    pub records_before: Vec<coord::CrossTxRecord>,
    pub records_after: Vec<coord::CrossTxRecord>,
    /// Leg records per participant chain.
    pub legs: BTreeMap<String, Vec<xtx::LegRecord>>,
    pub securities: Vec<SecurityReading>,
    pub security_holds: Vec<sec::Hold>,
    /// The whitelist entries of the parties of every held movement.
    pub pinned_entries: Vec<PinnedEntry>,
    pub listings: Vec<sec::Listing>,
    /// The auction lots of the security chain, read with it and again
    /// after the currency chain (a lot whose bidders changed in between
    /// was read mid-step).
    pub lots: Vec<auction::Lot>,
    pub lots_after: Vec<auction::Lot>,
    /// Dispositions the security chain sent and the currency chain has not
    /// acknowledged: their guarantees may still be in escrow.
    pub dispositions_in_flight: Vec<auction::GuaranteeDisposition>,
    /// The guarantees in escrow on the currency chain for the security
    /// chain's lots.
    pub guarantees: Vec<cash::Guarantee>,
    pub denoms: Vec<DenomReading>,
    pub cash_holds: Vec<cash::Hold>,
    pub dividends: Vec<DividendReading>,
    /// Proof of trust's recent epochs, their receipts and applied sets.
    pub trust: crate::trust_reading::TrustReading,
}

#[derive(Clone, Debug)]
pub struct DividendReading {
    pub dividend: sec::Dividend,
    /// The holders at the record height (the issuer is none).
    pub holders_at_record: Vec<sec::Holding>,
    /// What the currency chain records as paid, if anything.
    pub payment: Option<cash::QueryDividendPaymentResponse>,
}

#[derive(Clone, Debug)]
pub struct SecurityReading {
    pub security: sec::Security,
    pub issuer: sec::QueryBalanceResponse,
    pub holders: Vec<sec::Holding>,
    /// Holders without a whitelist entry.
    pub unlisted: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct DenomReading {
    pub denom: cash::Denom,
    pub balances: Vec<cash::AccountBalance>,
}

/// The chains an audit reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Coordinator,
    Security,
    Currency,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    /// The chain answered with an error (e.g. a record that does not exist).
    #[error("query {path} on {chain} failed (code {code}): {log}")]
    Refused {
        chain: String,
        path: String,
        code: u32,
        log: String,
    },
    #[error("query {path} on {chain}: undecodable answer: {error}")]
    Undecodable {
        chain: String,
        path: String,
        error: prost::DecodeError,
    },
    /// The chain could not be asked at all.
    #[error("{chain}: {reason}")]
    Unreachable { chain: String, reason: String },
    /// A list's next page starts at or before the page it follows:
    /// following it would never end.
    #[error("query {path} on {chain}: the pages do not advance")]
    PagesDoNotAdvance { chain: String, path: String },
}

/// Where chain state is read from.
// Used generically only, awaited where it is called: no `Send` bound needed.
#[allow(async_fn_in_trait)]
pub trait Source {
    fn chain_id(&self, role: Role) -> String;
    async fn latest_height(&mut self, role: Role) -> Result<u64, SourceError>;
    /// protobuf request -> protobuf response bytes, at `height` (None = latest)
    async fn query(
        &mut self,
        role: Role,
        path: &str,
        request: Vec<u8>,
        height: Option<u64>,
    ) -> Result<Vec<u8>, SourceError>;

    /// The validator set the nodes applied at `height` (ed25519 key and
    /// power), when the source can tell: chains in process cannot.
    async fn validators(
        &mut self,
        _role: Role,
        _height: u64,
    ) -> Result<Option<Vec<([u8; 32], u64)>>, SourceError> {
        Ok(None)
    }
}

/// An ABCI query's answer, as a source returns it: the value if `code` is
/// 0, else the chain's refusal.
pub fn abci_answer(
    chain: &str,
    path: &str,
    code: u32,
    log: String,
    value: Vec<u8>,
) -> Result<Vec<u8>, SourceError> {
    if code != 0 {
        return Err(SourceError::Refused {
            chain: chain.to_owned(),
            path: path.to_owned(),
            code,
            log,
        });
    }
    Ok(value)
}

/// Reads everything `judge` needs: the coordinator's records, then each
/// participant at one height (so its sums are consistent), then the records
/// again (a leg applied before the second read must agree with them).
pub async fn read<S: Source>(source: &mut S) -> Result<Reading, SourceError> {
    let mut reading = Reading {
        records_before: records(source).await?,
        ..Reading::default()
    };
    read_security(source, &mut reading).await?;
    read_currency(source, &mut reading).await?;
    reading.lots_after = lots_after(source).await?;
    reading.trust = crate::trust_reading::read_trust(source).await?;
    reading.records_after = records(source).await?;
    Ok(reading)
}

/// One chain of a source, read at one height.
pub(crate) struct At<'s, S> {
    pub(crate) source: &'s mut S,
    pub(crate) role: Role,
    pub(crate) height: Option<u64>,
}

impl<S: Source> At<'_, S> {
    pub(crate) async fn ask<R: Message + Default>(
        &mut self,
        path: &str,
        request: &impl Message,
    ) -> Result<R, SourceError> {
        self.ask_at(path, request, self.height).await
    }

    pub(crate) async fn ask_at<R: Message + Default>(
        &mut self,
        path: &str,
        request: &impl Message,
        height: Option<u64>,
    ) -> Result<R, SourceError> {
        let answer = self
            .source
            .query(self.role, path, request.encode_to_vec(), height)
            .await?;
        R::decode(answer.as_slice()).map_err(|error| SourceError::Undecodable {
            chain: self.source.chain_id(self.role),
            path: path.to_owned(),
            error,
        })
    }

    /// `all_pages_at` the height this chain is read at.
    pub(crate) async fn all_pages<Q: Message, R: Message + Default, T>(
        &mut self,
        path: &str,
        request: impl Fn(PageRequest) -> Q,
        items: impl FnMut(R) -> (Vec<T>, Option<PageResponse>),
    ) -> Result<Vec<T>, SourceError> {
        self.all_pages_at(path, self.height, request, items).await
    }

    /// Every item of a list query at `height`, page after page, so that
    /// nothing is left out: `request` asks for one page, `items` takes the
    /// page's items and its response out of the answer.
    pub(crate) async fn all_pages_at<Q: Message, R: Message + Default, T>(
        &mut self,
        path: &str,
        height: Option<u64>,
        request: impl Fn(PageRequest) -> Q,
        mut items: impl FnMut(R) -> (Vec<T>, Option<PageResponse>),
    ) -> Result<Vec<T>, SourceError> {
        let (mut all, mut key) = (Vec::new(), Vec::new());
        loop {
            let page = PageRequest {
                key: key.clone(),
                limit: MAX_PAGE_LIMIT,
            };
            let (found, page) = items(self.ask_at(path, &request(page), height).await?);
            all.extend(found);
            let next_key = page.unwrap_or_default().next_key;
            if next_key.is_empty() {
                return Ok(all);
            }
            // Keys only grow along a list; a chain that says otherwise
            // would keep the audit reading forever.
            if next_key <= key {
                return Err(SourceError::PagesDoNotAdvance {
                    chain: self.source.chain_id(self.role),
                    path: path.to_owned(),
                });
            }
            key = next_key;
        }
    }

    async fn holders(
        &mut self,
        symbol: &str,
        height: Option<u64>,
    ) -> Result<Vec<sec::Holding>, SourceError> {
        let request = |page| sec::QueryHoldersRequest {
            symbol: symbol.to_owned(),
            page: Some(page),
        };
        let path = "/xcc.security.v1.Query/Holders";
        self.all_pages_at(path, height, request, |r: sec::QueryHoldersResponse| {
            (r.holders, r.page)
        })
        .await
    }

    async fn securities(&mut self, height: Option<u64>) -> Result<Vec<sec::Security>, SourceError> {
        let request = |page| sec::QuerySecuritiesRequest { page: Some(page) };
        let path = "/xcc.security.v1.Query/Securities";
        self.all_pages_at(path, height, request, |r: sec::QuerySecuritiesResponse| {
            (r.securities, r.page)
        })
        .await
    }

    /// What the currency chain records as paid of a dividend, every
    /// receipt with its account. None while the chain refuses to answer,
    /// as it does until the dividend is paid.
    async fn payment(
        &mut self,
        security_chain: &str,
        dividend_id: u64,
    ) -> Result<Option<cash::QueryDividendPaymentResponse>, SourceError> {
        let request = |page| cash::QueryDividendPaymentRequest {
            security_chain: security_chain.to_owned(),
            dividend_id,
            page: Some(page),
        };
        let mut payment = None;
        let paid = self
            .all_pages(
                "/xcc.currency.v1.Query/DividendPayment",
                request,
                |r: cash::QueryDividendPaymentResponse| {
                    payment = r.payment;
                    (r.accounts.into_iter().zip(r.receipts).collect(), r.page)
                },
            )
            .await;
        // Any failure but a refusal is no answer at all.
        let paid: Vec<(String, cash::DividendReceipt)> = match paid {
            Ok(paid) => paid,
            Err(SourceError::Refused { .. }) => return Ok(None),
            Err(other) => return Err(other),
        };
        let (accounts, receipts) = paid.into_iter().unzip();
        Ok(Some(cash::QueryDividendPaymentResponse {
            payment,
            receipts,
            accounts,
            page: None,
        }))
    }

    async fn lots(&mut self) -> Result<Vec<auction::Lot>, SourceError> {
        self.all_pages(
            "/xcc.auction.v1.Query/Lots",
            |page| auction::QueryLotsRequest { page: Some(page) },
            |r: auction::QueryLotsResponse| (r.lots, r.page),
        )
        .await
    }

    /// The guarantee dispositions this (security) chain sent to the
    /// currency chain that are not yet acknowledged.
    async fn dispositions_in_flight(
        &mut self,
    ) -> Result<Vec<auction::GuaranteeDisposition>, SourceError> {
        let request = ibc::QueryPendingPacketsRequest {
            dest_chain: self.source.chain_id(Role::Currency),
            limit: 0,
        };
        let path = "/xcc.ibc.v1.Query/PendingPackets";
        let pending: ibc::QueryPendingPacketsResponse = self.ask(path, &request).await?;
        let mut dispositions = Vec::new();
        for packet in pending
            .packets
            .iter()
            .filter(|p| p.port == xcc_security::auction::port::PORT)
        {
            let disposition = auction::GuaranteeDisposition::decode(packet.data.as_slice())
                .map_err(|error| SourceError::Undecodable {
                    chain: self.source.chain_id(self.role),
                    path: path.to_owned(),
                    error,
                })?;
            dispositions.push(disposition);
        }
        Ok(dispositions)
    }

    /// The holders a dividend's entitlements are computed from. A record
    /// height may precede the security's registration, when the chain
    /// refuses to name holders: there were none.
    async fn holders_at_record(
        &mut self,
        dividend: &sec::Dividend,
    ) -> Result<Vec<sec::Holding>, SourceError> {
        let at = Some(dividend.record_height);
        match self.holders(&dividend.symbol, at).await {
            Err(refused @ SourceError::Refused { .. }) => {
                let then = self.securities(at).await?;
                if then.iter().any(|s| s.symbol == dividend.symbol) {
                    return Err(refused);
                }
                Ok(Vec::new())
            }
            answer => answer,
        }
    }
}

/// The coordinator's records, every page read at one height.
async fn records(source: &mut impl Source) -> Result<Vec<coord::CrossTxRecord>, SourceError> {
    let height = Some(source.latest_height(Role::Coordinator).await?);
    let mut coordinator = At {
        source,
        role: Role::Coordinator,
        height,
    };
    let request = |page| coord::QueryCrossTxsRequest {
        page: Some(page),
        ..Default::default()
    };
    let mut records = coordinator
        .all_pages(
            "/xcc.coordinator.v1.Query/CrossTxs",
            request,
            |r: coord::QueryCrossTxsResponse| (r.records, r.page),
        )
        .await?;
    // A leg's result is kept apart from its record; the fills' terms are
    // joined in for the authorization judge.
    let fill_url = <sec::MsgFillListing as prost::Name>::type_url();
    for record in &mut records {
        let Some(cross_tx) = record
            .signed_cross_tx
            .as_ref()
            .and_then(|s| s.cross_tx.clone())
        else {
            continue;
        };
        for (index, leg) in record.legs.iter_mut().enumerate() {
            let fills = cross_tx
                .legs
                .get(index)
                .is_some_and(|l| l.msgs.iter().any(|m| m.type_url == fill_url));
            if fills && leg.result_bytes > 0 {
                let request = coord::QueryLegResultRequest {
                    tx_id: record.tx_id.clone(),
                    leg_index: index as u32,
                };
                let answer: coord::QueryLegResultResponse = coordinator
                    .ask("/xcc.coordinator.v1.Query/LegResult", &request)
                    .await?;
                leg.result = answer.result;
            }
        }
    }
    Ok(records)
}

/// The chain at its latest height, its leg records read into `reading`.
async fn at_latest<'s, S: Source>(
    source: &'s mut S,
    role: Role,
    reading: &mut Reading,
) -> Result<(String, At<'s, S>), SourceError> {
    let chain = source.chain_id(role);
    let height = Some(source.latest_height(role).await?);
    let mut at = At {
        source,
        role,
        height,
    };
    let request = |page| xtx::QueryLegsRequest {
        page: Some(page),
        ..Default::default()
    };
    let legs = at
        .all_pages(
            "/xcc.xtx.v1.Query/Legs",
            request,
            |r: xtx::QueryLegsResponse| (r.legs, r.page),
        )
        .await?;
    reading.legs.insert(chain.clone(), legs);
    Ok((chain, at))
}

/// The whitelist entry of every party of a held movement (the issuer, who
/// needs none, has none).
async fn pinned_entries(
    at: &mut At<'_, impl Source>,
    holds: &[sec::Hold],
) -> Result<Vec<PinnedEntry>, SourceError> {
    let mut entries = Vec::new();
    for hold in holds {
        for held in &hold.transfers {
            for account in [&held.from, &held.to] {
                let request = sec::QueryWhitelistRequest {
                    symbol: held.symbol.clone(),
                    account: account.clone(),
                };
                let entry: sec::QueryWhitelistResponse =
                    at.ask("/xcc.security.v1.Query/Whitelist", &request).await?;
                entries.push(PinnedEntry {
                    tx_id: hold.tx_id.clone(),
                    symbol: held.symbol.clone(),
                    account: account.clone(),
                    entry,
                });
            }
        }
    }
    Ok(entries)
}

async fn read_security(source: &mut impl Source, reading: &mut Reading) -> Result<(), SourceError> {
    let (chain, mut at) = at_latest(source, Role::Security, reading).await?;
    reading.security_chain = chain;
    for security in at.securities(at.height).await? {
        let symbol = security.symbol.clone();
        let holders = at.holders(&symbol, at.height).await?;
        let balance = sec::QueryBalanceRequest {
            symbol: symbol.clone(),
            account: security.issuer.clone(),
        };
        let issuer: sec::QueryBalanceResponse =
            at.ask("/xcc.security.v1.Query/Balance", &balance).await?;
        let mut unlisted = Vec::new();
        for holding in &holders {
            let request = sec::QueryWhitelistRequest {
                symbol: symbol.clone(),
                account: holding.account.clone(),
            };
            let entry: sec::QueryWhitelistResponse =
                at.ask("/xcc.security.v1.Query/Whitelist", &request).await?;
            if !entry.listed {
                unlisted.push(holding.account.clone());
            }
        }
        reading.securities.push(SecurityReading {
            security,
            issuer,
            holders,
            unlisted,
        });
    }
    reading.security_holds = at
        .all_pages(
            "/xcc.security.v1.Query/Holds",
            |page| sec::QueryHoldsRequest { page: Some(page) },
            |r: sec::QueryHoldsResponse| (r.holds, r.page),
        )
        .await?;
    reading.pinned_entries = pinned_entries(&mut at, &reading.security_holds).await?;
    reading.listings = at
        .all_pages(
            "/xcc.security.v1.Query/Listings",
            |page| sec::QueryListingsRequest {
                page: Some(page),
                ..Default::default()
            },
            |r: sec::QueryListingsResponse| (r.listings, r.page),
        )
        .await?;
    reading.lots = at.lots().await?;
    reading.dispositions_in_flight = at.dispositions_in_flight().await?;
    let dividends = at
        .all_pages(
            "/xcc.security.v1.Query/Dividends",
            |page| sec::QueryDividendsRequest {
                page: Some(page),
                ..Default::default()
            },
            |r: sec::QueryDividendsResponse| (r.dividends, r.page),
        )
        .await?;
    for dividend in dividends {
        let holders_at_record = at.holders_at_record(&dividend).await?;
        reading.dividends.push(DividendReading {
            dividend,
            holders_at_record,
            payment: None,
        });
    }
    Ok(())
}

async fn read_currency(source: &mut impl Source, reading: &mut Reading) -> Result<(), SourceError> {
    let (chain, mut at) = at_latest(source, Role::Currency, reading).await?;
    reading.currency_chain = chain;
    let denoms = at
        .all_pages(
            "/xcc.currency.v1.Query/Denoms",
            |page| cash::QueryDenomsRequest { page: Some(page) },
            |r: cash::QueryDenomsResponse| (r.denoms, r.page),
        )
        .await?;
    for denom in denoms {
        let request = |page| cash::QueryDenomBalancesRequest {
            denom: denom.denom.clone(),
            page: Some(page),
        };
        let balances = at
            .all_pages(
                "/xcc.currency.v1.Query/DenomBalances",
                request,
                |r: cash::QueryDenomBalancesResponse| (r.balances, r.page),
            )
            .await?;
        reading.denoms.push(DenomReading { denom, balances });
    }
    reading.cash_holds = at
        .all_pages(
            "/xcc.currency.v1.Query/Holds",
            |page| cash::QueryHoldsRequest { page: Some(page) },
            |r: cash::QueryHoldsResponse| (r.holds, r.page),
        )
        .await?;
    reading.guarantees = at
        .all_pages(
            "/xcc.currency.v1.Query/Guarantees",
            |page| cash::QueryGuaranteesRequest {
                security_chain: reading.security_chain.clone(),
                lot_id: 0,
                page: Some(page),
            },
            |r: cash::QueryGuaranteesResponse| (r.guarantees, r.page),
        )
        .await?;
    for d in &mut reading.dividends {
        d.payment = at.payment(&reading.security_chain, d.dividend.id).await?;
    }
    Ok(())
}

/// The security chain's lots at its latest height, read again.
async fn lots_after(source: &mut impl Source) -> Result<Vec<auction::Lot>, SourceError> {
    let height = Some(source.latest_height(Role::Security).await?);
    At {
        source,
        role: Role::Security,
        height,
    }
    .lots()
    .await
}

/// A leg record's status; an unknown one counts as unspecified.
pub(crate) fn leg_status(leg: &xtx::LegRecord) -> xtx::LegStatus {
    xtx::LegStatus::try_from(leg.status).unwrap_or(xtx::LegStatus::Unspecified)
}

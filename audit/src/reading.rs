//! What an audit reads, and where from. `read` asks a [`Source`] the same
//! questions whether the chains are behind RPC or in this process.

use std::collections::BTreeMap;

use prost::Message;
use xcc_proto::coordinator::v1 as coord;
use xcc_proto::currency::v1 as cash;
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
    pub denoms: Vec<DenomReading>,
    pub cash_holds: Vec<cash::Hold>,
    pub dividends: Vec<DividendReading>,
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
    reading.records_after = records(source).await?;
    Ok(reading)
}

/// One chain of a source, read at one height.
struct At<'s, S> {
    source: &'s mut S,
    role: Role,
    height: Option<u64>,
}

impl<S: Source> At<'_, S> {
    async fn ask<R: Message + Default>(
        &mut self,
        path: &str,
        request: &impl Message,
    ) -> Result<R, SourceError> {
        self.ask_at(path, request, self.height).await
    }

    async fn ask_at<R: Message + Default>(
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

    async fn holders(
        &mut self,
        symbol: &str,
        height: Option<u64>,
    ) -> Result<Vec<sec::Holding>, SourceError> {
        let request = sec::QueryHoldersRequest {
            symbol: symbol.to_owned(),
        };
        let path = "/xcc.security.v1.Query/Holders";
        let response: sec::QueryHoldersResponse = self.ask_at(path, &request, height).await?;
        Ok(response.holders)
    }

    async fn securities(&mut self, height: Option<u64>) -> Result<Vec<sec::Security>, SourceError> {
        let path = "/xcc.security.v1.Query/Securities";
        let response: sec::QuerySecuritiesResponse = self
            .ask_at(path, &sec::QuerySecuritiesRequest {}, height)
            .await?;
        Ok(response.securities)
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

async fn records(source: &mut impl Source) -> Result<Vec<coord::CrossTxRecord>, SourceError> {
    let mut coordinator = At {
        source,
        role: Role::Coordinator,
        height: None,
    };
    let response: coord::QueryCrossTxsResponse = coordinator
        .ask(
            "/xcc.coordinator.v1.Query/CrossTxs",
            &coord::QueryCrossTxsRequest::default(),
        )
        .await?;
    Ok(response.records)
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
    let legs: xtx::QueryLegsResponse = at
        .ask("/xcc.xtx.v1.Query/Legs", &xtx::QueryLegsRequest::default())
        .await?;
    reading.legs.insert(chain.clone(), legs.legs);
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
    let holds: sec::QueryHoldsResponse = at
        .ask("/xcc.security.v1.Query/Holds", &sec::QueryHoldsRequest {})
        .await?;
    reading.security_holds = holds.holds;
    reading.pinned_entries = pinned_entries(&mut at, &reading.security_holds).await?;
    let listings: sec::QueryListingsResponse = at
        .ask(
            "/xcc.security.v1.Query/Listings",
            &sec::QueryListingsRequest::default(),
        )
        .await?;
    reading.listings = listings.listings;
    let dividends: sec::QueryDividendsResponse = at
        .ask(
            "/xcc.security.v1.Query/Dividends",
            &sec::QueryDividendsRequest::default(),
        )
        .await?;
    for dividend in dividends.dividends {
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
    let denoms: cash::QueryDenomsResponse = at
        .ask(
            "/xcc.currency.v1.Query/Denoms",
            &cash::QueryDenomsRequest {},
        )
        .await?;
    for denom in denoms.denoms {
        let request = cash::QueryDenomBalancesRequest {
            denom: denom.denom.clone(),
        };
        let balances: cash::QueryDenomBalancesResponse = at
            .ask("/xcc.currency.v1.Query/DenomBalances", &request)
            .await?;
        reading.denoms.push(DenomReading {
            denom,
            balances: balances.balances,
        });
    }
    let holds: cash::QueryHoldsResponse = at
        .ask("/xcc.currency.v1.Query/Holds", &cash::QueryHoldsRequest {})
        .await?;
    reading.cash_holds = holds.holds;
    for d in &mut reading.dividends {
        let request = cash::QueryDividendPaymentRequest {
            security_chain: reading.security_chain.clone(),
            dividend_id: d.dividend.id,
        };
        // Refused until paid; any other failure is no answer at all.
        d.payment = match at
            .ask("/xcc.currency.v1.Query/DividendPayment", &request)
            .await
        {
            Ok(payment) => Some(payment),
            Err(SourceError::Refused { .. }) => None,
            Err(other) => return Err(other),
        };
    }
    Ok(())
}

/// A leg record's status; an unknown one counts as unspecified.
pub(crate) fn leg_status(leg: &xtx::LegRecord) -> xtx::LegStatus {
    xtx::LegStatus::try_from(leg.status).unwrap_or(xtx::LegStatus::Unspecified)
}

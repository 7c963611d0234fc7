//! The pages, one file each, and what they share: the `?fragment=1` view
//! the live script asks for, and errors rendered as pages.

mod account;
mod auctions;
mod block;
mod chain;
mod cross_tx;
mod cross_txs;
mod home;
mod packets;
mod search;
mod securities;
mod security;
mod tx;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;

use crate::chains::ReadError;
use crate::html::{esc, Rendered};
use crate::Explorer;

pub fn router() -> Router<Explorer> {
    Router::new()
        .route("/", get(home::page))
        .route("/chain/{chain}", get(chain::page))
        .route("/chain/{chain}/block/{height}", get(block::page))
        .route("/tx/{hash}", get(tx::page))
        .route("/securities", get(securities::page))
        .route("/security/{chain}/{symbol}", get(security::page))
        .route("/cross-txs", get(cross_txs::page))
        .route("/cross-tx/{id}", get(cross_tx::page))
        .route("/account/{address}", get(account::page))
        .route("/account/{address}/csv", get(account::csv))
        .route("/packets", get(packets::page))
        .route("/auctions", get(auctions::list))
        .route("/auction/{chain}/{id}", get(auctions::page))
        .route("/search", get(search::page))
        .route("/live", get(crate::live::events))
        .route("/static/live.js", get(crate::live::script))
        .route("/health", get(health))
        .fallback(not_found)
}

/// Each chain's indexed height as JSON; 503 until every chain has one, so a
/// container's health check waits for the explorer to see the chains.
async fn health(axum::extract::State(explorer): axum::extract::State<Explorer>) -> Response {
    let index = explorer.index();
    let heights: serde_json::Map<String, serde_json::Value> = index
        .chains()
        .map(|chain| (chain.id.clone(), chain.height.into()))
        .collect();
    let ready = index.chains().all(|chain| chain.height > 0);
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(heights)).into_response()
}

/// `?fragment=1`: only the inside of `main`, for the live script.
#[derive(Debug, Default, Deserialize)]
pub struct View {
    #[serde(default)]
    fragment: Option<String>,
}

impl View {
    /// A live page at `path` (with its own query, if any).
    pub fn live(&self, title: impl Into<String>, path: &str, body: String) -> Rendered {
        let separator = if path.contains('?') { '&' } else { '?' };
        Rendered {
            status: StatusCode::OK,
            title: title.into(),
            body,
            live: Some(format!("{path}{separator}fragment=1")),
            fragment: self.fragment.is_some(),
        }
    }

    /// A page that does not change as blocks come.
    pub fn still(&self, title: impl Into<String>, body: String) -> Rendered {
        Rendered {
            status: StatusCode::OK,
            title: title.into(),
            body,
            live: None,
            fragment: self.fragment.is_some(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not found: {0}")]
    NotFound(String),
    #[error(transparent)]
    Read(#[from] ReadError),
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title) = match &self {
            PageError::NotFound(_) => (StatusCode::NOT_FOUND, "Not found"),
            PageError::Read(ReadError::UnknownChain(_)) => (StatusCode::NOT_FOUND, "Not found"),
            PageError::Read(_) => (StatusCode::BAD_GATEWAY, "Chain unreachable"),
        };
        Rendered {
            status,
            title: title.to_owned(),
            body: format!(
                "<h1>{}</h1><p id=\"not-found\">{}</p>",
                esc(title),
                esc(&self.to_string())
            ),
            live: None,
            fragment: false,
        }
        .into_response()
    }
}

async fn not_found() -> PageError {
    PageError::NotFound("no such page".to_owned())
}

/// A Unix time in nanoseconds as RFC 3339 (UTC).
pub fn time_ns(ns: u64) -> String {
    // u64 seconds / 1e9 always fit an i64.
    tendermint::Time::from_unix_timestamp((ns / 1_000_000_000) as i64, (ns % 1_000_000_000) as u32)
        .map(|time| time.to_rfc3339())
        .unwrap_or_else(|_| ns.to_string())
}

/// The query paths of the modules' `Query` services.
pub mod paths {
    pub const SECURITY: &str = "/xcc.security.v1.Query/Security";
    pub const SECURITIES: &str = "/xcc.security.v1.Query/Securities";
    pub const SECURITY_BALANCE: &str = "/xcc.security.v1.Query/Balance";
    pub const HOLDERS: &str = "/xcc.security.v1.Query/Holders";
    pub const WHITELIST: &str = "/xcc.security.v1.Query/Whitelist";
    pub const LISTINGS: &str = "/xcc.security.v1.Query/Listings";
    pub const TRADE_STATS: &str = "/xcc.security.v1.Query/TradeStats";
    pub const DIVIDENDS: &str = "/xcc.security.v1.Query/Dividends";
    pub const CASH_BALANCES: &str = "/xcc.currency.v1.Query/Balances";
    pub const DIVIDENDS_RECEIVED: &str = "/xcc.currency.v1.Query/DividendsReceived";
    pub const CROSS_TX: &str = "/xcc.coordinator.v1.Query/CrossTx";
    pub const CROSS_TXS: &str = "/xcc.coordinator.v1.Query/CrossTxs";
    pub const CLIENT_STATUS: &str = "/xcc.ibc.v1.Query/ClientStatus";
    pub const PENDING_PACKETS: &str = "/xcc.ibc.v1.Query/PendingPackets";
    pub const LOT: &str = "/xcc.auction.v1.Query/Lot";
    pub const LOTS: &str = "/xcc.auction.v1.Query/Lots";
    pub const LOT_HISTORY: &str = "/xcc.auction.v1.Query/LotHistory";
}

/// A page request of `limit` items from `key`.
pub fn page_request(key: Vec<u8>, limit: u32) -> Option<xcc_proto::query::v1::PageRequest> {
    Some(xcc_proto::query::v1::PageRequest { key, limit })
}

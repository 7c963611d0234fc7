//! Auctions: every lot of every security chain (phase, kind, best bid), and
//! one lot's page: its terms, bidders with their guarantees and bids, and
//! its history.

use axum::extract::{Path, Query, State};
use xcc_node_config::AppKind;
use xcc_proto::auction::v1 as auction;

use super::{paths, time_ns, PageError, View};
use crate::html::{self, esc, facts, table};
use crate::Explorer;

/// Lots listed per chain, the first pages, at most this many.
const MAX_LISTED: usize = 500;
/// Steps of a lot's history shown, the first ones.
const HISTORY_SHOWN: u32 = 200;

pub async fn list(
    State(explorer): State<Explorer>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let mut rows = Vec::new();
    for chain in explorer.chains.of_kind(AppKind::Security) {
        let mut key = Vec::new();
        let mut listed = 0;
        loop {
            let answer: auction::QueryLotsResponse = chain
                .query(
                    paths::LOTS,
                    &auction::QueryLotsRequest {
                        page: super::page_request(key, 100),
                    },
                )
                .await?;
            listed += answer.lots.len();
            for lot in answer.lots {
                rows.push(vec![
                    html::link(
                        &format!("/auction/{}/{}", html::seg(&chain.id), lot.id),
                        &lot.id.to_string(),
                    ),
                    html::security(&chain.id, &lot.symbol),
                    lot.units.to_string(),
                    kind(&lot).to_owned(),
                    format!("<span class=\"lot-phase\">{}</span>", phase(&lot)),
                    best_bid(&lot),
                    html::account(&lot.seller),
                    html::chain(&chain.id),
                ]);
            }
            key = answer.page.map(|page| page.next_key).unwrap_or_default();
            if key.is_empty() || listed >= MAX_LISTED {
                break;
            }
        }
    }
    let body = format!(
        "<h1>Auctions</h1>{}",
        table(
            &["lot", "security", "units", "kind", "phase", "best bid", "seller", "chain"],
            rows
        )
    );
    Ok(view.live("Auctions", "/auctions", body))
}

pub async fn page(
    State(explorer): State<Explorer>,
    Path((chain_id, id)): Path<(String, String)>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let chain = explorer.chains.get(&chain_id)?;
    let not_found = || PageError::NotFound(format!("lot {id} on {chain_id}"));
    let lot_id: u64 = id.parse().map_err(|_| not_found())?;
    let lot: auction::Lot = chain
        .query(paths::LOT, &auction::QueryLotRequest { lot_id })
        .await
        .map_err(|_| not_found())?;
    let history: auction::QueryLotHistoryResponse = chain
        .query(
            paths::LOT_HISTORY,
            &auction::QueryLotHistoryRequest {
                lot_id,
                page: super::page_request(Vec::new(), HISTORY_SHOWN),
            },
        )
        .await?;
    let terms = lot.terms.unwrap_or_default();
    let mut items = vec![
        ("security", html::security(&chain_id, &lot.symbol)),
        ("units", lot.units.to_string()),
        ("kind", kind(&lot).to_owned()),
        (
            "phase",
            format!("<span id=\"lot-phase\">{}</span>", phase(&lot)),
        ),
        ("seller", html::account(&lot.seller)),
        (
            "start price",
            format!("{} {}", terms.start_price, esc(&lot.denom)),
        ),
        (
            "reserve",
            if terms.reserve == 0 {
                "none".to_owned()
            } else {
                terms.reserve.to_string()
            },
        ),
        (
            "guarantee",
            format!(
                "{} {} on {}",
                terms.guarantee,
                esc(&lot.denom),
                html::chain(&lot.currency_chain)
            ),
        ),
        (
            "bidding",
            format!("{} to {}", time_ns(terms.start_ns), time_ns(lot.end_ns)),
        ),
        ("best bid", best_bid(&lot)),
    ];
    if !lot.winner.is_empty() {
        items.push(("winner", html::account(&lot.winner)));
        items.push(("price", format!("{} {}", lot.price, esc(&lot.denom))));
        items.push(("pay by", time_ns(lot.pay_by_ns)));
    }
    if !lot.settling.is_empty() {
        items.push(("settlement", html::cross_tx(&hex::encode(&lot.settling))));
    }
    let bidders = lot.bidders.iter().map(|bidder| {
        vec![
            html::account(&bidder.bidder),
            guarantee(bidder.guarantee()).to_owned(),
            if bidder.has_bid {
                format!("{} {}", bidder.amount, esc(&lot.denom))
            } else if !bidder.sealed.is_empty() {
                "sealed".to_owned()
            } else {
                "—".to_owned()
            },
        ]
    });
    let steps = history.events.iter().map(|event| {
        vec![
            event.height.to_string(),
            time_ns(event.time_ns),
            esc(&event.kind),
            if event.account.is_empty() {
                String::new()
            } else {
                html::account(&event.account)
            },
            if event.amount == 0 {
                String::new()
            } else {
                event.amount.to_string()
            },
        ]
    });
    let body = format!(
        "<h1>Lot {lot_id} on {}</h1>{}<h2>Bidders</h2>{}<h2>History</h2>{}",
        esc(&chain_id),
        facts(&items),
        table(&["bidder", "guarantee", "bid"], bidders),
        table(&["height", "time", "step", "account", "amount"], steps),
    );
    let path = format!("/auction/{}/{lot_id}", html::seg(&chain_id));
    Ok(view.live(format!("Lot {lot_id}"), &path, body))
}

fn kind(lot: &auction::Lot) -> &'static str {
    match lot.terms.as_ref().and_then(|terms| terms.kind.as_ref()) {
        Some(auction::terms::Kind::English(_)) => "English",
        Some(auction::terms::Kind::Dutch(_)) => "Dutch",
        Some(auction::terms::Kind::Sealed(sealed)) if sealed.second_price => "sealed, second price",
        Some(auction::terms::Kind::Sealed(_)) => "sealed",
        None => "unknown",
    }
}

fn phase(lot: &auction::Lot) -> &'static str {
    match lot.phase() {
        auction::LotPhase::Bidding => "bidding",
        auction::LotPhase::Awarded => "awarded",
        auction::LotPhase::Sold => "sold",
        auction::LotPhase::Failed => "failed",
        auction::LotPhase::Cancelled => "cancelled",
        auction::LotPhase::Unspecified => "unknown",
    }
}

fn guarantee(status: auction::GuaranteeStatus) -> &'static str {
    match status {
        auction::GuaranteeStatus::Held => "held",
        auction::GuaranteeStatus::Released => "released",
        auction::GuaranteeStatus::Applied => "applied to the price",
        auction::GuaranteeStatus::Forfeited => "forfeited",
        auction::GuaranteeStatus::Pending => "pending",
        auction::GuaranteeStatus::Unspecified => "unknown",
    }
}

/// The best open bid (English best, Dutch take, sealed revealed), or the
/// price once awarded.
fn best_bid(lot: &auction::Lot) -> String {
    if !lot.winner.is_empty() {
        return format!("{} {}", lot.price, esc(&lot.denom));
    }
    lot.bidders
        .iter()
        .filter(|bidder| bidder.has_bid)
        .map(|bidder| bidder.amount)
        .max()
        .map_or_else(
            || "—".to_owned(),
            |best| format!("{best} {}", esc(&lot.denom)),
        )
}

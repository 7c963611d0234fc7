//! Every security of every security chain, with supply, holders against
//! the cap and the last trade.

use axum::extract::{Query, State};
use xcc_node_config::AppKind;
use xcc_proto::security::v1 as security;

use super::{paths, PageError, View};
use crate::html::{self, esc, table};
use crate::Explorer;

/// Securities listed per chain: the first pages, at most this many.
const MAX_LISTED: usize = 500;

pub async fn page(
    State(explorer): State<Explorer>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let mut rows = Vec::new();
    for chain in explorer.chains.of_kind(AppKind::Security) {
        for item in all_securities(chain).await? {
            let last = explorer
                .index()
                .trades(&item.symbol)
                .last()
                .map(|trade| format!("{} {}", trade.price_per_unit, esc(&trade.denom)))
                .unwrap_or_else(|| "—".to_owned());
            let property = item.property.clone().unwrap_or_default();
            rows.push(vec![
                html::security(&chain.id, &item.symbol),
                esc(&item.name),
                esc(&property.location),
                item.total_supply.to_string(),
                format!("{} / {}", item.holders, item.holder_cap),
                last,
                html::chain(&chain.id),
            ]);
        }
    }
    let body = format!(
        "<h1>Securities</h1>{}",
        table(
            &[
                "symbol",
                "name",
                "location",
                "supply",
                "holders / cap",
                "last price",
                "chain"
            ],
            rows
        )
    );
    Ok(view.live("Securities", "/securities", body))
}

/// A chain's securities, page after page, up to [`MAX_LISTED`].
pub async fn all_securities(
    chain: &crate::chains::Chain,
) -> Result<Vec<security::Security>, PageError> {
    let mut found = Vec::new();
    let mut key = Vec::new();
    loop {
        let answer: security::QuerySecuritiesResponse = chain
            .query(
                paths::SECURITIES,
                &security::QuerySecuritiesRequest {
                    page: super::page_request(key, 100),
                },
            )
            .await?;
        found.extend(answer.securities);
        key = answer.page.map(|page| page.next_key).unwrap_or_default();
        if key.is_empty() || found.len() >= MAX_LISTED {
            return Ok(found);
        }
    }
}

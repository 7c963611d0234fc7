//! A block, read from the chain: its header, its txs decoded, its events.

use axum::extract::{Path, Query, State};

use super::{PageError, View};
use crate::follow::read_block;
use crate::html::{self, esc, facts};
use crate::Explorer;

pub async fn page(
    State(explorer): State<Explorer>,
    Path((chain_id, height)): Path<(String, u64)>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let chain = explorer.chains.get(&chain_id)?;
    let latest = explorer
        .index()
        .chain(&chain_id)
        .map(|c| c.latest)
        .unwrap_or(0);
    if height == 0 || height > latest {
        return Err(PageError::NotFound(format!("block {height} of {chain_id}")));
    }
    let block = read_block(chain, height).await?;
    let summary = &block.summary;
    let mut body = format!("<h1>{} block {height}</h1>", esc(&chain_id));
    let mut nav = Vec::new();
    if height > 1 {
        nav.push(html::link(
            &format!("/chain/{}/block/{}", html::seg(&chain_id), height - 1),
            "← previous",
        ));
    }
    if height < latest {
        nav.push(html::link(
            &format!("/chain/{}/block/{}", html::seg(&chain_id), height + 1),
            "next →",
        ));
    }
    body.push_str(&facts(&[
        ("chain", html::chain(&chain_id)),
        ("time", esc(&summary.time)),
        (
            "hash",
            format!("<span class=\"mono\">{}</span>", esc(&summary.hash)),
        ),
        (
            "proposer",
            format!("<span class=\"mono\">{}</span>", esc(&summary.proposer)),
        ),
        ("txs", block.txs.len().to_string()),
        ("", nav.join(" ")),
    ]));
    body.push_str("<h2>Txs</h2>");
    body.push_str(&super::tx::tx_table(block.txs.iter()));
    body.push_str("<h2>Block events</h2>");
    body.push_str(&super::tx::events_table(&block.events));
    Ok(view.still(format!("{chain_id} block {height}"), body))
}

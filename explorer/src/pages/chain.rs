//! A chain: its head and its latest blocks.

use axum::extract::{Path, Query, State};

use super::{PageError, View};
use crate::html::{self, esc, facts, seg, table};
use crate::Explorer;

pub async fn page(
    State(explorer): State<Explorer>,
    Path(chain_id): Path<String>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let index = explorer.index();
    let chain = index
        .chain(&chain_id)
        .ok_or_else(|| PageError::NotFound(format!("chain {chain_id}")))?;
    let mut body = format!("<h1>{}</h1>", esc(&chain.id));
    body.push_str(&facts(&[
        ("app", format!("{:?}", chain.app)),
        (
            "height",
            format!(
                "<span data-height=\"{}\">{}</span>",
                esc(&chain.id),
                chain.height
            ),
        ),
        ("latest block time", esc(&chain.time)),
        ("validators", chain.validators.to_string()),
        (
            "status",
            match &chain.unreachable {
                None => "<span class=\"ok\">following</span>".to_owned(),
                Some(why) => format!("<span class=\"bad\">unreachable: {}</span>", esc(why)),
            },
        ),
    ]));
    body.push_str("<h2>Latest blocks</h2>");
    body.push_str(&table(
        &["height", "time", "hash", "proposer", "txs"],
        chain.recent.iter().map(|block| {
            vec![
                html::block(&chain.id, block.height),
                esc(&block.time),
                format!(
                    "<span class=\"mono\">{}</span>",
                    esc(&html::short(&block.hash, 16))
                ),
                format!(
                    "<span class=\"mono\">{}</span>",
                    esc(&html::short(&block.proposer, 12))
                ),
                block.txs.len().to_string(),
            ]
        }),
    ));
    Ok(view.live(
        chain_id.clone(),
        &format!("/chain/{}", seg(&chain_id)),
        body,
    ))
}

//! Cross-txs live, by phase, as the coordinator chain records them; and the
//! latest ones the chains' events mention.

use axum::extract::{Query, State};
use xcc_node_config::AppKind;
use xcc_proto::coordinator::v1 as coordinator;

use super::{paths, PageError, View};
use crate::html::{self, esc, table};
use crate::Explorer;

/// Records listed per phase: the first page.
const PER_PHASE: u32 = 50;
/// Cross-txs listed from the index.
const SEEN: usize = 50;

pub async fn page(
    State(explorer): State<Explorer>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let mut body = String::from("<h1>Cross-txs</h1>");
    for chain in explorer.chains.of_kind(AppKind::Coordinator) {
        for phase in [
            coordinator::Phase::Preparing,
            coordinator::Phase::Decided,
            coordinator::Phase::Done,
        ] {
            let answer: coordinator::QueryCrossTxsResponse = chain
                .query(
                    paths::CROSS_TXS,
                    &coordinator::QueryCrossTxsRequest {
                        phase: phase as i32,
                        page: super::page_request(Vec::new(), PER_PHASE),
                    },
                )
                .await?;
            body.push_str(&format!(
                "<h2 id=\"phase-{name}\">{name} on {chain} ({count}{more})</h2>",
                name = phase_name(phase as i32),
                chain = html::chain(&chain.id),
                count = answer.records.len(),
                more = if answer.page.is_some_and(|p| !p.next_key.is_empty()) {
                    " or more"
                } else {
                    ""
                },
            ));
            body.push_str(&records_table(&answer.records));
        }
    }
    let index = explorer.index();
    body.push_str("<h2>Latest seen on the chains</h2>");
    body.push_str(&table(
        &["cross-tx", "last step", "chain", "height", "time"],
        index.cross_txs().take(SEEN).filter_map(|id| {
            let last = index.cross_tx(id)?.last()?;
            Some(vec![
                html::cross_tx(id),
                esc(&last.kind),
                html::chain(&last.chain_id),
                html::block(&last.chain_id, last.height),
                esc(&last.time),
            ])
        }),
    ));
    Ok(view.live("Cross-txs", "/cross-txs", body))
}

fn records_table(records: &[coordinator::CrossTxRecord]) -> String {
    table(
        &["cross-tx", "submitted at", "legs", "outcome"],
        records.iter().map(|record| {
            let legs: Vec<String> = record.legs.iter().map(|leg| esc(&leg.chain_id)).collect();
            vec![
                html::cross_tx(&hex::encode(&record.tx_id)),
                record.submitted_height.to_string(),
                legs.join(" → "),
                outcome(record),
            ]
        }),
    )
}

pub fn phase_name(phase: i32) -> String {
    coordinator::Phase::try_from(phase)
        .map(|p| p.as_str_name().trim_start_matches("PHASE_").to_lowercase())
        .unwrap_or_else(|_| phase.to_string())
}

pub fn outcome(record: &coordinator::CrossTxRecord) -> String {
    if !record.decided {
        "<span>undecided</span>".to_owned()
    } else if record.commit {
        "<span class=\"ok\">commit</span>".to_owned()
    } else {
        "<span class=\"bad\">abort</span>".to_owned()
    }
}

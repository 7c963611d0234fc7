//! A cross-tx's timeline across the chains: the coordinator's record (phase,
//! legs, decision, its own timeline) and every step the chains' events
//! tell, each with chain, height and time. Live until it is done.

use axum::extract::{Path, Query, State};
use xcc_node_config::AppKind;
use xcc_proto::coordinator::v1 as coordinator;

use super::cross_txs::{outcome, phase_name};
use super::{paths, time_ns, PageError, View};
use crate::html::{self, esc, facts, seg, table};
use crate::Explorer;

pub async fn page(
    State(explorer): State<Explorer>,
    Path(id): Path<String>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let id = id.to_lowercase();
    let tx_id = hex::decode(&id)
        .ok()
        .filter(|bytes| bytes.len() == 32)
        .ok_or_else(|| PageError::NotFound(format!("cross-tx {id}: not a 64-digit hex id")))?;
    let mut record = None;
    for chain in explorer.chains.of_kind(AppKind::Coordinator) {
        if let Ok(found) = chain
            .query::<_, coordinator::CrossTxRecord>(
                paths::CROSS_TX,
                &coordinator::QueryCrossTxRequest {
                    tx_id: tx_id.clone(),
                },
            )
            .await
        {
            record = Some((chain.id.clone(), found));
            break;
        }
    }
    let steps = explorer.index().cross_tx(&id).map(<[_]>::to_vec);
    if record.is_none() && steps.is_none() {
        return Err(PageError::NotFound(format!("cross-tx {id}")));
    }

    let mut body = format!("<h1>Cross-tx <span class=\"mono\">{}</span></h1>", esc(&id));
    match &record {
        Some((coordinator_id, record)) => {
            body.push_str(&facts(&[
                (
                    "phase",
                    format!("<span id=\"phase\">{}</span>", phase_name(record.phase)),
                ),
                ("outcome", outcome(record)),
                ("abort reason", esc(&abort_reason(record))),
                ("coordinator", html::chain(coordinator_id)),
                ("submitter", html::account(&record.submitter)),
                (
                    "submitted at",
                    html::block(coordinator_id, record.submitted_height),
                ),
                ("deadline", esc(&time_ns(record.deadline_ns))),
            ]));
            body.push_str("<h2>Legs</h2>");
            body.push_str(&table(
                &[
                    "leg", "chain", "after", "state", "prepare", "decision", "fault",
                ],
                record.legs.iter().enumerate().map(|(index, leg)| {
                    let state = coordinator::LegState::try_from(leg.state)
                        .map(|s| {
                            s.as_str_name()
                                .trim_start_matches("LEG_STATE_")
                                .to_lowercase()
                        })
                        .unwrap_or_default();
                    let decision = match (leg.decision_due, leg.decision_acked) {
                        (false, _) => "—".to_owned(),
                        (true, false) => format!("#{} sent", leg.decision_sequence),
                        (true, true) => format!("#{} acknowledged", leg.decision_sequence),
                    };
                    vec![
                        index.to_string(),
                        html::chain(&leg.chain_id),
                        leg.depends_on.map(|d| d.to_string()).unwrap_or_default(),
                        format!("{}{}", esc(&state), reason(&leg.reason)),
                        format!("#{}", leg.prepare_sequence),
                        esc(&decision),
                        esc(&leg.decision_fault),
                    ]
                }),
            ));
            body.push_str("<h2>Timeline</h2>");
            body.push_str(&table(
                &["step", "chain", "height", "time", "detail"],
                record.timeline.iter().map(|entry| {
                    vec![
                        format!("<span class=\"step\">{}</span>", esc(&entry.step)),
                        html::chain(&entry.chain_id),
                        html::block(&entry.chain_id, entry.height),
                        esc(&time_ns(entry.time_ns)),
                        esc(&entry.detail),
                    ]
                }),
            ));
        }
        None => body.push_str(
            "<p>The coordinator no longer keeps this cross-tx's record (it was pruned after \
             its retention window); the chains' events below tell its steps.</p>",
        ),
    }
    body.push_str("<h2>Events on every chain</h2>");
    body.push_str(&table(
        &["event", "chain", "height", "time", "detail", "tx"],
        steps.unwrap_or_default().iter().map(|step| {
            vec![
                esc(&step.kind),
                html::chain(&step.chain_id),
                html::block(&step.chain_id, step.height),
                esc(&step.time),
                esc(&step.detail),
                step.tx_hash.as_deref().map(html::tx).unwrap_or_default(),
            ]
        }),
    ));
    Ok(view.live(
        format!("Cross-tx {}", html::short(&id, 12)),
        &format!("/cross-tx/{}", seg(&id)),
        body,
    ))
}

fn reason(reason: &str) -> String {
    if reason.is_empty() {
        String::new()
    } else {
        format!(": {}", esc(reason))
    }
}

fn abort_reason(record: &coordinator::CrossTxRecord) -> String {
    use coordinator::abort_reason::Kind;
    match record.abort_reason.as_ref().and_then(|r| r.kind.as_ref()) {
        None => String::new(),
        Some(Kind::VoteFailed(vote)) => format!("leg {} voted no: {}", vote.leg, vote.reason),
        Some(Kind::PrepareTimedOut(leg)) => format!("leg {leg}'s prepare timed out"),
        Some(Kind::DeadlinePassed(_)) => "the deadline passed with votes missing".to_owned(),
    }
}

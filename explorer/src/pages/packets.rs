//! Packets and light clients per path: each chain's client of each other
//! chain (status and age) and the packets it sent that wait for an
//! acknowledgement.

use axum::extract::{Query, State};
use xcc_proto::ibc::v1 as ibc;

use super::{paths, PageError, View};
use crate::html::{self, esc, table};
use crate::Explorer;

/// Pending packets listed per path.
const PENDING_LISTED: u32 = 50;

pub async fn page(
    State(explorer): State<Explorer>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let mut clients = Vec::new();
    let mut pending = Vec::new();
    for chain in &explorer.chains.all {
        for other in explorer.chains.all.iter().filter(|o| o.id != chain.id) {
            if let Ok(status) = chain
                .query::<_, ibc::QueryClientStatusResponse>(
                    paths::CLIENT_STATUS,
                    &ibc::QueryClientStatusRequest {
                        client_id: other.id.clone(),
                    },
                )
                .await
            {
                let state = ibc::ClientStatus::try_from(status.status)
                    .map(|s| {
                        s.as_str_name()
                            .trim_start_matches("CLIENT_STATUS_")
                            .to_lowercase()
                    })
                    .unwrap_or_default();
                let latest = status
                    .client_state
                    .as_ref()
                    .map(|c| c.latest_height)
                    .unwrap_or_default();
                clients.push(vec![
                    html::chain(&chain.id),
                    html::chain(&other.id),
                    esc(&state),
                    latest.to_string(),
                    format!("{:.1} s", status.age_ns as f64 / 1e9),
                ]);
            }
            let Ok(answer) = chain
                .query::<_, ibc::QueryPendingPacketsResponse>(
                    paths::PENDING_PACKETS,
                    &ibc::QueryPendingPacketsRequest {
                        dest_chain: other.id.clone(),
                        limit: PENDING_LISTED,
                    },
                )
                .await
            else {
                continue;
            };
            for packet in answer.packets {
                pending.push(vec![
                    html::chain(&packet.source_chain),
                    html::chain(&packet.dest_chain),
                    packet.sequence.to_string(),
                    esc(&packet.port),
                    esc(&super::time_ns(packet.timeout_timestamp_ns)),
                ]);
            }
        }
    }
    let mut body = String::from("<h1>Packets and light clients</h1><h2>Light clients</h2>");
    body.push_str(&table(
        &["on chain", "of chain", "status", "latest height", "age"],
        clients,
    ));
    body.push_str("<h2>Packets waiting for an acknowledgement</h2>");
    body.push_str(&table(
        &["from", "to", "sequence", "port", "times out at"],
        pending,
    ));
    Ok(view.live("Packets", "/packets", body))
}

//! One search box: a height, a tx hash, a cross-tx id, an address or a
//! symbol; a clear "not found" for anything else.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use xcc_chain::Address;
use xcc_node_config::AppKind;
use xcc_proto::{coordinator::v1 as coordinator, security::v1 as security};

use super::{paths, PageError};
use crate::html::{self, esc, seg};
use crate::Explorer;

#[derive(Debug, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

pub async fn page(State(explorer): State<Explorer>, Query(search): Query<Search>) -> Response {
    let q = search.q.trim();
    match find(&explorer, q).await {
        Found::At(path) => Redirect::to(&path).into_response(),
        Found::Choices(links) => html::Rendered {
            status: axum::http::StatusCode::OK,
            title: format!("Search {q}"),
            body: format!(
                "<h1>{} is found on several chains</h1><ul>{}</ul>",
                esc(q),
                links
                    .iter()
                    .map(|(href, text)| format!("<li>{}</li>", html::link(href, text)))
                    .collect::<String>()
            ),
            live: None,
            fragment: false,
        }
        .into_response(),
        Found::Nothing => {
            PageError::NotFound(format!("nothing on any chain matches {q:?}")).into_response()
        }
    }
}

enum Found {
    At(String),
    Choices(Vec<(String, String)>),
    Nothing,
}

async fn find(explorer: &Explorer, q: &str) -> Found {
    if q.is_empty() {
        return Found::At("/".to_owned());
    }
    if let Ok(height) = q.parse::<u64>() {
        let chains: Vec<(String, String)> = explorer
            .index()
            .chains()
            .filter(|chain| height >= 1 && height <= chain.latest)
            .map(|chain| {
                (
                    format!("/chain/{}/block/{height}", seg(&chain.id)),
                    format!("{} block {height}", chain.id),
                )
            })
            .collect();
        return match chains.len() {
            0 => Found::Nothing,
            1 => Found::At(chains[0].0.clone()),
            _ => Found::Choices(chains),
        };
    }
    if q.len() == 64 && q.bytes().all(|b| b.is_ascii_hexdigit()) {
        if explorer.index().tx(q).is_some() {
            return Found::At(format!("/tx/{}", q.to_uppercase()));
        }
        if explorer.index().cross_tx(q).is_some() || is_cross_tx(explorer, q).await {
            return Found::At(format!("/cross-tx/{}", q.to_lowercase()));
        }
        if super::tx::find(explorer, q).await.is_some() {
            return Found::At(format!("/tx/{}", q.to_uppercase()));
        }
        return Found::Nothing;
    }
    if let Ok(address) = q.parse::<Address>() {
        return Found::At(format!("/account/{}", seg(&address.to_string())));
    }
    let mut found = Vec::new();
    for chain in explorer.chains.of_kind(AppKind::Security) {
        let known = chain
            .query::<_, security::Security>(
                paths::SECURITY,
                &security::QuerySecurityRequest {
                    symbol: q.to_owned(),
                },
            )
            .await
            .is_ok();
        if known {
            found.push((
                format!("/security/{}/{}", seg(&chain.id), seg(q)),
                format!("{q} on {}", chain.id),
            ));
        }
    }
    match found.len() {
        0 => Found::Nothing,
        1 => Found::At(found[0].0.clone()),
        _ => Found::Choices(found),
    }
}

async fn is_cross_tx(explorer: &Explorer, id: &str) -> bool {
    let Ok(tx_id) = hex::decode(id) else {
        return false;
    };
    for chain in explorer.chains.of_kind(AppKind::Coordinator) {
        let found = chain
            .query::<_, coordinator::CrossTxRecord>(
                paths::CROSS_TX,
                &coordinator::QueryCrossTxRequest {
                    tx_id: tx_id.clone(),
                },
            )
            .await
            .is_ok();
        if found {
            return true;
        }
    }
    false
}

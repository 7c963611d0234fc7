//! A tx: where it was committed, its result and events, its messages
//! decoded, and the cross-txs it took part in.

use axum::extract::{Path, Query, State};
use tendermint_rpc::Client;

use super::{PageError, View};
use crate::decode::{decode_tx, MsgView};
use crate::follow::events;
use crate::html::{self, esc, facts, table};
use crate::index::{EventView, TxRecord};
use crate::Explorer;

pub async fn page(
    State(explorer): State<Explorer>,
    Path(hash): Path<String>,
    Query(view): Query<View>,
) -> Result<html::Rendered, PageError> {
    let tx = find(&explorer, &hash)
        .await
        .ok_or_else(|| PageError::NotFound(format!("tx {hash}")))?;
    let mut body = format!("<h1>Tx <span class=\"mono\">{}</span></h1>", esc(&tx.hash));
    let result = if tx.code == 0 {
        "<span class=\"ok\" id=\"result\">committed</span>".to_owned()
    } else {
        format!(
            "<span class=\"bad\" id=\"result\">refused (code {})</span>",
            tx.code
        )
    };
    let cross_txs: Vec<String> = tx.cross_txs().iter().map(|id| html::cross_tx(id)).collect();
    body.push_str(&facts(&[
        ("chain", html::chain(&tx.chain_id)),
        ("height", html::block(&tx.chain_id, tx.height)),
        ("time", esc(&tx.time)),
        ("result", result),
        ("log", esc(&tx.log)),
        (
            "sender",
            tx.view
                .sender
                .as_deref()
                .map(html::account)
                .unwrap_or_default(),
        ),
        ("nonce", tx.view.nonce.to_string()),
        ("memo", esc(&tx.view.memo)),
        ("cross-txs", cross_txs.join(" ")),
    ]));
    if let Some(error) = &tx.view.error {
        body.push_str(&format!("<p class=\"bad\">{}</p>", esc(error)));
    }
    body.push_str("<h2>Messages</h2>");
    for msg in &tx.view.msgs {
        body.push_str(&msg_html(msg));
    }
    body.push_str("<h2>Events</h2>");
    body.push_str(&events_table(&tx.events));
    Ok(view.still(format!("Tx {}", html::short(&tx.hash, 12)), body))
}

/// The tx from the index, else from any chain's `tx` method (a tx the
/// explorer has not reached yet, or from before it started).
pub async fn find(explorer: &Explorer, hash: &str) -> Option<TxRecord> {
    if let Some(tx) = explorer.index().tx(hash) {
        return Some(tx.clone());
    }
    let parsed: tendermint::Hash =
        tendermint::Hash::from_hex_upper(tendermint::hash::Algorithm::Sha256, &hash.to_uppercase())
            .ok()?;
    for chain in &explorer.chains.all {
        let Ok(found) = chain
            .read(|client| async move { client.tx(parsed, false).await })
            .await
        else {
            continue;
        };
        let height = found.height.value();
        let time = explorer
            .index()
            .chain(&chain.id)
            .and_then(|view| view.recent.iter().find(|b| b.height == height))
            .map(|block| block.time.clone())
            .unwrap_or_default();
        return Some(TxRecord {
            hash: hash.to_uppercase(),
            chain_id: chain.id.clone(),
            height,
            index: found.index as usize,
            time,
            view: decode_tx(found.tx.as_ref()),
            code: found.tx_result.code.value(),
            log: found.tx_result.log,
            events: events(&found.tx_result.events),
        });
    }
    None
}

pub fn tx_table<'a>(txs: impl Iterator<Item = &'a TxRecord>) -> String {
    table(
        &["tx", "chain", "height", "messages", "sender", "result"],
        txs.map(|tx| {
            let msgs: Vec<String> = tx.view.msgs.iter().map(|msg| esc(&msg.name())).collect();
            vec![
                html::tx(&tx.hash),
                html::chain(&tx.chain_id),
                html::block(&tx.chain_id, tx.height),
                msgs.join(", "),
                tx.view
                    .sender
                    .as_deref()
                    .map(html::account)
                    .unwrap_or_default(),
                if tx.code == 0 {
                    "<span class=\"ok\">ok</span>".to_owned()
                } else {
                    format!("<span class=\"bad\">code {}</span>", tx.code)
                },
            ]
        }),
    )
}

pub fn msg_html(msg: &MsgView) -> String {
    let mut out = format!("<h3 class=\"msg\">{}</h3>", esc(&msg.name()));
    out.push_str(&table(
        &["field", "value"],
        msg.fields
            .iter()
            .map(|(name, value)| vec![esc(name), html::value(value)]),
    ));
    for (index, leg) in msg.legs.iter().enumerate() {
        let depends = leg
            .depends_on
            .map(|leg| format!(", after leg {leg}"))
            .unwrap_or_default();
        out.push_str(&format!(
            "<div class=\"leg\" style=\"margin-left:2em\"><h4>leg {index}: {}{}</h4>",
            html::chain(&leg.chain_id),
            esc(&depends)
        ));
        for msg in &leg.msgs {
            out.push_str(&msg_html(msg));
        }
        out.push_str("</div>");
    }
    out
}

pub fn events_table(events: &[EventView]) -> String {
    table(
        &["event", "attributes"],
        events.iter().map(|event| {
            let attributes: Vec<String> = event
                .attributes
                .iter()
                .map(|(key, value)| format!("{}={}", esc(key), html::value(value)))
                .collect();
            vec![esc(&event.kind), attributes.join(" ")]
        }),
    )
}

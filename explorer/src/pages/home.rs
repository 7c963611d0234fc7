//! Home: each chain's head live, the market ticker, latest blocks and txs.

use axum::extract::{Query, State};

use super::View;
use crate::html::{self, esc, table};
use crate::Explorer;

pub async fn page(State(explorer): State<Explorer>, Query(view): Query<View>) -> html::Rendered {
    let index = explorer.index();
    let mut body = String::from("<h1>XCC testnet</h1><div class=\"cards\">");
    for chain in index.chains() {
        let state = match &chain.unreachable {
            None => "<span class=\"ok\">following</span>".to_owned(),
            Some(why) => format!(
                "<span class=\"bad\" title=\"{}\">unreachable</span>",
                esc(why)
            ),
        };
        body.push_str(&format!(
            "<div class=\"card\" id=\"chain-{id}\"><div>{link} · {app:?}</div>\
             <div class=\"big\">height <span class=\"height\" data-height=\"{id}\">{height}</span></div>\
             <div>block time {time}</div><div>{validators} validators · {state}</div></div>",
            id = esc(&chain.id),
            link = html::chain(&chain.id),
            app = chain.app,
            height = chain.height,
            time = esc(&chain.time),
            validators = chain.validators,
        ));
    }
    body.push_str("</div><h2>Market</h2>");
    body.push_str(&table(
        &["security", "last price", "denom", "units", "height"],
        index.last_trades().into_iter().map(|trade| {
            vec![
                html::security(&trade.chain_id, &trade.symbol),
                trade.price_per_unit.to_string(),
                esc(&trade.denom),
                trade.units.to_string(),
                html::block(&trade.chain_id, trade.height),
            ]
        }),
    ));

    let mut blocks: Vec<(&str, &crate::index::BlockSummary)> = index
        .chains()
        .flat_map(|chain| {
            chain
                .recent
                .iter()
                .map(move |block| (chain.id.as_str(), block))
        })
        .collect();
    blocks.sort_by(|a, b| b.1.time.cmp(&a.1.time).then(a.0.cmp(b.0)));
    body.push_str("<h2>Latest blocks</h2>");
    body.push_str(&table(
        &["chain", "height", "time", "txs"],
        blocks.into_iter().take(12).map(|(chain, block)| {
            vec![
                html::chain(chain),
                html::block(chain, block.height),
                esc(&block.time),
                block.txs.len().to_string(),
            ]
        }),
    ));
    body.push_str("<h2>Latest txs</h2>");
    body.push_str(&super::tx::tx_table(index.recent_txs()));
    view.live("Home", "/", body)
}

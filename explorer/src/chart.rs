//! A security's price and volume history as an SVG drawn on the server:
//! price per unit of each trade as a line, units traded as bars below.

use std::fmt::Write;

use crate::html::esc;
use crate::index::Trade;

const WIDTH: f64 = 720.0;
const PRICE_HEIGHT: f64 = 180.0;
const VOLUME_HEIGHT: f64 = 60.0;
const MARGIN: f64 = 48.0;
/// Trades drawn at most: the latest ones.
pub const MAX_POINTS: usize = 500;

pub fn price_history(trades: &[Trade]) -> String {
    let trades = &trades[trades.len().saturating_sub(MAX_POINTS)..];
    let height = PRICE_HEIGHT + VOLUME_HEIGHT + 3.0 * 16.0;
    let mut svg = format!(
        "<svg role=\"img\" aria-label=\"price and volume history\" width=\"{w}\" height=\"{height}\" \
         viewBox=\"0 0 {w} {height}\" xmlns=\"http://www.w3.org/2000/svg\">",
        w = WIDTH + MARGIN
    );
    if trades.is_empty() {
        svg.push_str("<text x=\"50%\" y=\"50%\" text-anchor=\"middle\" fill=\"#8a93a3\">no trades yet</text></svg>");
        return svg;
    }
    let max_price = trades
        .iter()
        .map(|t| t.price_per_unit)
        .max()
        .unwrap_or(1)
        .max(1);
    let min_price = trades.iter().map(|t| t.price_per_unit).min().unwrap_or(0);
    let max_units = trades.iter().map(|t| t.units).max().unwrap_or(1).max(1);
    let span = (max_price - min_price).max(1) as f64;
    let step = if trades.len() > 1 {
        WIDTH / (trades.len() - 1) as f64
    } else {
        0.0
    };
    let x = |i: usize| MARGIN + i as f64 * step;
    let y = |price: u64| 16.0 + PRICE_HEIGHT - (price - min_price) as f64 / span * PRICE_HEIGHT;
    let points: Vec<String> = trades
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{:.1},{:.1}", x(i), y(t.price_per_unit)))
        .collect();
    let _ = write!(
        svg,
        "<polyline fill=\"none\" stroke=\"#2f5bea\" stroke-width=\"2\" points=\"{}\"/>",
        points.join(" ")
    );
    for (i, trade) in trades.iter().enumerate() {
        let _ = write!(
            svg,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"#2f5bea\"/>",
            x(i),
            y(trade.price_per_unit)
        );
    }
    let base = 16.0 * 2.0 + PRICE_HEIGHT + VOLUME_HEIGHT;
    let bar = (step * 0.6).clamp(1.0, 12.0);
    for (i, trade) in trades.iter().enumerate() {
        let h = trade.units as f64 / max_units as f64 * VOLUME_HEIGHT;
        let _ = write!(
            svg,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h:.1}\" fill=\"#9fb3f5\">\
             <title>height {}: {} units at {} {}</title></rect>",
            x(i) - bar / 2.0,
            base - h,
            trade.height,
            trade.units,
            trade.price_per_unit,
            esc(&trade.denom)
        );
    }
    let denom = esc(&trades[0].denom);
    let _ = write!(
        svg,
        "<text x=\"2\" y=\"20\" font-size=\"11\">{max_price}</text>\
         <text x=\"2\" y=\"{:.0}\" font-size=\"11\">{min_price}</text>\
         <text x=\"2\" y=\"{:.0}\" font-size=\"11\">{max_units} u</text>\
         <text x=\"{MARGIN}\" y=\"{:.0}\" font-size=\"11\">height {}</text>\
         <text x=\"{:.0}\" y=\"{:.0}\" font-size=\"11\" text-anchor=\"end\">height {} · price per unit in {denom}</text></svg>",
        16.0 + PRICE_HEIGHT,
        base - VOLUME_HEIGHT + 10.0,
        base + 14.0,
        trades[0].height,
        WIDTH + MARGIN,
        base + 14.0,
        trades[trades.len() - 1].height,
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trade(height: u64, price: u64) -> Trade {
        Trade {
            chain_id: "security-1".into(),
            height,
            time: String::new(),
            symbol: "DOCK".into(),
            seller: "a".into(),
            buyer: "b".into(),
            units: 3,
            price_per_unit: price,
            denom: "<usd>".into(),
            cross_tx: String::new(),
        }
    }

    #[test]
    fn the_chart_draws_every_trade_and_escapes_the_denom() {
        let svg = price_history(&[trade(5, 100), trade(9, 150), trade(12, 120)]);
        assert_eq!(svg.matches("<rect").count(), 3);
        assert!(svg.contains("&lt;usd&gt;") && !svg.contains("<usd>"));
        assert!(price_history(&[]).contains("no trades yet"));
    }
}

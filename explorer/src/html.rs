//! Rendering: every text that comes from a chain goes through [`esc`] (or a
//! link helper that calls it) before it reaches a page.

use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use xcc_chain::Address;

/// `text` with HTML's special characters escaped, for element content and
/// quoted attribute values alike.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A path segment, percent-encoded, so that any text makes a valid link.
pub fn seg(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

pub fn link(href: &str, text: &str) -> String {
    format!("<a href=\"{}\">{}</a>", esc(href), esc(text))
}

/// `value` linked to its account page if it is an address.
pub fn value(value: &str) -> String {
    if value.parse::<Address>().is_ok() {
        account(value)
    } else if is_cross_tx_id(value) {
        cross_tx(value)
    } else {
        esc(value)
    }
}

pub fn account(address: &str) -> String {
    format!(
        "<a class=\"mono\" href=\"/account/{}\">{}</a>",
        seg(address),
        esc(&short(address, 14))
    )
}

pub fn cross_tx(id: &str) -> String {
    format!(
        "<a class=\"mono\" href=\"/cross-tx/{}\">{}</a>",
        seg(id),
        esc(&short(id, 12))
    )
}

pub fn tx(hash: &str) -> String {
    format!(
        "<a class=\"mono\" href=\"/tx/{}\">{}</a>",
        seg(hash),
        esc(&short(hash, 12))
    )
}

pub fn block(chain: &str, height: u64) -> String {
    format!(
        "<a href=\"/chain/{}/block/{height}\">{height}</a>",
        seg(chain)
    )
}

pub fn chain(chain: &str) -> String {
    format!("<a href=\"/chain/{}\">{}</a>", seg(chain), esc(chain))
}

pub fn security(chain: &str, symbol: &str) -> String {
    format!(
        "<a href=\"/security/{}/{}\">{}</a>",
        seg(chain),
        seg(symbol),
        esc(symbol)
    )
}

fn is_cross_tx_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The first `keep` characters and an ellipsis, for long hashes and
/// addresses (the full text stays in the link).
pub fn short(text: &str, keep: usize) -> String {
    if text.chars().count() <= keep + 1 {
        text.to_owned()
    } else {
        let head: String = text.chars().take(keep).collect();
        format!("{head}…")
    }
}

/// A table: a header row and rows of already-rendered cells.
pub fn table(headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) -> String {
    let mut out = String::from("<table><thead><tr>");
    for header in headers {
        let _ = write!(out, "<th>{}</th>", esc(header));
    }
    out.push_str("</tr></thead><tbody>");
    let mut empty = true;
    for row in rows {
        empty = false;
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>");
    }
    if empty {
        let _ = write!(
            out,
            "<tr><td class=\"none\" colspan=\"{}\">none</td></tr>",
            headers.len()
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// A definition list of rendered values.
pub fn facts(items: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"facts\">");
    for (name, value) in items {
        let _ = write!(out, "<dt>{}</dt><dd>{value}</dd>", esc(name));
    }
    out.push_str("</dl>");
    out
}

const STYLE: &str = "\
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2433;background:#f6f7f9}\
header{background:#1d2433;color:#fff;padding:.6em 1.2em;display:flex;gap:1.2em;align-items:center;flex-wrap:wrap}\
header a{color:#fff;text-decoration:none;font-weight:600}\
header form{margin-left:auto}header input{padding:.3em .5em;width:22em}\
main{padding:1em 1.4em;max-width:80em}\
table{border-collapse:collapse;background:#fff;margin:.4em 0 1.2em;min-width:30em}\
th,td{border-bottom:1px solid #e2e5ea;padding:.3em .7em;text-align:left;vertical-align:top}\
th{background:#eef0f4;font-weight:600}td.none{color:#8a93a3}\
.mono{font-family:ui-monospace,monospace;font-size:.92em}\
dl.facts{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;background:#fff;padding:.7em 1em}\
dt{color:#5b6576}dd{margin:0}.ok{color:#17803d}.bad{color:#b42318}\
.cards{display:flex;gap:1em;flex-wrap:wrap}.card{background:#fff;padding:.7em 1em;min-width:14em}\
.big{font-size:1.6em;font-weight:700}svg{background:#fff}";

/// A whole page. With `live`, the page's script refetches `main` from that
/// URL at each new block; without JavaScript the page is complete as is.
pub fn page(title: &str, live: Option<&str>, body: &str) -> String {
    let live = live
        .map(|url| format!(" data-live=\"{}\"", esc(url)))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · XCC explorer</title><style>{STYLE}</style>\
         <script src=\"/static/live.js\" defer></script></head><body>\
         <header><a href=\"/\">XCC explorer</a><a href=\"/securities\">Securities</a>\
         <a href=\"/cross-txs\">Cross-txs</a><a href=\"/auctions\">Auctions</a>\
         <a href=\"/packets\">Packets</a>\
         <form action=\"/search\" method=\"get\" role=\"search\">\
         <input id=\"search\" name=\"q\" placeholder=\"height, tx hash, cross-tx id, address or symbol\">\
         </form></header><main{live}>{body}</main></body></html>",
        title = esc(title),
    )
}

/// A page's answer: the whole page, or with `?fragment=1` only what goes
/// inside `main` (what the live script asks for).
pub struct Rendered {
    pub status: StatusCode,
    pub title: String,
    pub body: String,
    pub live: Option<String>,
    pub fragment: bool,
}

impl IntoResponse for Rendered {
    fn into_response(self) -> Response {
        let html = if self.fragment {
            self.body
        } else {
            page(&self.title, self.live.as_deref(), &self.body)
        };
        (self.status, Html(html)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_text_never_becomes_markup() {
        assert_eq!(
            esc("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
        assert_eq!(seg("a/b c<"), "a%2Fb%20c%3C");
        let cell = value("<img src=x onerror=alert(1)>");
        assert!(!cell.contains('<') || cell.starts_with("&lt;"), "{cell}");
        let page = page("<b>", None, "");
        assert!(page.contains("<title>&lt;b&gt; · XCC explorer</title>"));
    }
}

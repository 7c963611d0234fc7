//! Live updates: each new block of any chain goes to every open page as a
//! server-sent event; the page's script then refetches its `main`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::IntoResponse;
use futures::stream::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::Explorer;

pub async fn events(
    State(explorer): State<Explorer>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = explorer.live.subscribe();
    let blocks = futures::stream::unfold(receiver, |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(news) => {
                    let data = serde_json::to_string(&news).unwrap_or_default();
                    let event = Event::default().event("block").data(data);
                    return Some((Ok(event), receiver));
                }
                // A page too slow to keep up skips blocks: the next one
                // refreshes it all the same.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(blocks).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

/// The only script: refreshes `main[data-live]` at each block (at most one
/// request in flight) and the heights marked `data-height`.
const SCRIPT: &str = r#""use strict";
(function () {
  var main = document.querySelector("main[data-live]");
  var busy = false, again = false;
  function refresh() {
    if (!main) return;
    if (busy) { again = true; return; }
    busy = true;
    fetch(main.getAttribute("data-live"), { headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) { if (html !== null) main.innerHTML = html; })
      .catch(function () {})
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  if (!window.EventSource) return;
  var source = new EventSource("/live");
  source.addEventListener("block", function (message) {
    var news = JSON.parse(message.data);
    document.querySelectorAll("[data-height]").forEach(function (element) {
      if (element.getAttribute("data-height") === news.chain) element.textContent = String(news.height);
    });
    refresh();
  });
})();
"#;

pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        SCRIPT,
    )
}

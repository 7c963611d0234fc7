//! The explorer in a real browser: Debian's chromium driven through
//! chromium-driver (WebDriver), against a testnet that `xcc testnet start`
//! started with its explorer. Heights rise and a swap's timeline reaches
//! `done` without a reload, the security page agrees with the chain, search
//! finds a tx and says "not found" for an unknown one, text from the chain
//! never runs as markup, and the browser logs no JavaScript error.
//! Screenshots go to `<target>/explorer-screenshots/`.

use std::path::PathBuf;
use std::process::Command;

use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use xcc_tests::binaries::spawn_logged;
use xcc_tests::{eventually, free_port, installed_tool, Testnet};

/// Set by CI, which installs chromium and chromium-driver: there a missing
/// browser fails the test instead of skipping it.
const REQUIRE_BROWSER: &str = "XCC_REQUIRE_BROWSER";

fn screenshot_dir() -> PathBuf {
    // <target>/<profile>/deps/<test>
    let exe = std::env::current_exe().expect("the test's own path");
    let target = exe
        .ancestors()
        .nth(3)
        .expect("a test executable under <target>/<profile>/deps");
    let dir = target.join("explorer-screenshots");
    std::fs::create_dir_all(&dir).expect("creating the screenshot directory");
    dir
}

/// chromedriver's log of the browser's console (`goog:loggingPrefs`).
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// Console entries the page's own scripts logged as errors. The network's
/// own entries (the 404 of a "not found" page, say) are not script errors.
async fn script_errors(browser: &Client) -> Vec<Value> {
    let entries = browser
        .issue_cmd(BrowserLog)
        .await
        .expect("the browser's log");
    entries
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|entry| entry["level"] == "SEVERE" && entry["source"] != "network")
        .collect()
}

/// The text of the first element matching `css`, read in one script call:
/// the live script may replace the page's main between a find and a read.
async fn text(browser: &Client, css: &str) -> String {
    eventually(&format!("an element {css}"), || async {
        let found = browser
            .execute(
                "const e = document.querySelector(arguments[0]); return e ? e.innerText : null;",
                vec![json!(css)],
            )
            .await
            .expect("reading an element's text");
        found.as_str().map(|text| text.trim().to_owned())
    })
    .await
}

/// Polls `css`'s text until `done` holds, for at most [`WAIT`].
async fn wait_for_text(browser: &Client, css: &str, what: &str, done: impl Fn(&str) -> bool) {
    eventually(&format!("{what} ({css})"), || async {
        let now = text(browser, css).await;
        done(&now).then_some(())
    })
    .await;
}

/// Marks the page, so that a reload (which would clear the mark) is seen.
async fn mark(browser: &Client) {
    browser
        .execute("window.xccMark = 'kept'; return true;", vec![])
        .await
        .expect("marking the page");
}

async fn assert_not_reloaded(browser: &Client) {
    let mark = browser
        .execute("return window.xccMark || null;", vec![])
        .await
        .expect("reading the mark");
    assert_eq!(mark, json!("kept"), "the page was reloaded");
}

async fn save_screenshot(browser: &Client, name: &str) {
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::write(screenshot_dir().join(format!("{name}.png")), png).expect("saving it");
}

#[test]
fn the_explorer_shows_the_chains_live_in_a_browser() {
    let Some(driver) = installed_tool(
        "chromium-driver",
        &["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"],
        REQUIRE_BROWSER,
    ) else {
        return;
    };
    let net = Testnet::start_with_explorer(&["coordinator-1", "security-1", "currency-1"], 1, 500);
    let explorer = net.explorer_url().expect("the testnet's explorer");

    // A security whose name is markup: shown as text, never run.
    let hostile =
        "<script>window.xccInjected=1</script><img src=x onerror=\"window.xccInjected=2\">";
    let file = net.registration_file("issuer", "XSS", hostile, (100, 10));
    net.xcc(&["tx", "sign", &file, "--from", "registrar"]);
    net.xcc(&["tx", "broadcast", &file]);
    let transfer = net.json(&[
        "tx",
        "currency",
        "--from",
        "alice",
        "transfer",
        "--to",
        &net.address("bob"),
        "--denom",
        "usd",
        "--amount",
        "25",
    ]);
    let tx_hash = transfer["hash"].as_str().expect("the tx's hash").to_owned();

    let port = free_port();
    let log = net.home().join("chromedriver.log");
    let mut command = Command::new(driver);
    command.arg(format!("--port={port}"));
    let _driver = spawn_logged(command, &log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let browser = runtime.block_on(async {
        let capabilities = json!({
            "goog:chromeOptions": {
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,1400"],
            },
            "goog:loggingPrefs": { "browser": "ALL" },
        });
        let capabilities = capabilities.as_object().cloned().unwrap_or_default();
        let what = format!("a WebDriver session (see {})", log.display());
        eventually(&what, || async {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            ClientBuilder::new(connector)
                .capabilities(capabilities.clone())
                .connect(&format!("http://127.0.0.1:{port}"))
                .await
                .map_err(|e| eprintln!("chromium-driver not ready: {e}"))
                .ok()
        })
        .await
    });

    // Home: the heights rise without a reload.
    runtime.block_on(async {
        browser.goto(&explorer).await.expect("the home page");
        let height = |text: String| text.trim().parse::<u64>().unwrap_or(0);
        let first = height(text(&browser, "[data-height=\"coordinator-1\"]").await);
        mark(&browser).await;
        wait_for_text(
            &browser,
            "[data-height=\"coordinator-1\"]",
            "the coordinator's height to rise",
            |now| now.trim().parse::<u64>().unwrap_or(0) > first + 1,
        )
        .await;
        assert_not_reloaded(&browser).await;
        save_screenshot(&browser, "home").await;
    });

    // A swap submitted while no relayer runs: its page shows it preparing,
    // then, once the relayer runs, done without a reload.
    net.xcc(&["testnet", "stop", "--relayer"]);
    let id = net.swap("explorer-swap", "HARB", "alice", "bob", 10, 1_500, 300);
    runtime.block_on(async {
        browser
            .goto(&format!("{explorer}/cross-tx/{id}"))
            .await
            .expect("the cross-tx page");
        assert_eq!(text(&browser, "#phase").await, "preparing");
        mark(&browser).await;
    });
    net.xcc(&["testnet", "start", "--relayer"]);
    runtime.block_on(async {
        wait_for_text(&browser, "#phase", "the swap to be done", |now| {
            now == "done"
        })
        .await;
        assert_not_reloaded(&browser).await;
        let steps = browser
            .execute(
                "return Array.from(document.querySelectorAll('.step'), e => e.innerText.trim());",
                vec![],
            )
            .await
            .expect("timeline steps");
        let names: Vec<String> = serde_json::from_value(steps).expect("step names");
        for step in ["submitted", "prepared", "decided", "committed", "done"] {
            assert!(
                names.iter().any(|name| name == step),
                "{step} missing: {names:?}"
            );
        }
        save_screenshot(&browser, "cross-tx").await;
    });

    // The security page agrees with the chain's own query.
    let holders = net.json(&["query", "security", "holders", "HARB"]);
    runtime.block_on(async {
        browser
            .goto(&format!("{explorer}/security/security-1/HARB"))
            .await
            .expect("the security page");
        assert_eq!(
            text(&browser, "#holder-count").await,
            number(&holders["count"])
        );
        assert_eq!(
            text(&browser, "#holder-cap").await,
            number(&holders["holder_cap"])
        );
        let trades = text(&browser, "main").await;
        assert!(
            trades.contains("150 usd"),
            "the swap's trade is not listed: {trades}"
        );
        save_screenshot(&browser, "security").await;
    });

    // Search: a tx hash is found, an unknown one is not. The home page's
    // ticker has the swap's price by now.
    runtime.block_on(async {
        browser.goto(&explorer).await.expect("the home page");
        wait_for_text(&browser, "main", "the ticker to show HARB", |main| {
            main.contains("HARB")
        })
        .await;
        save_screenshot(&browser, "home-market").await;
        let search = browser
            .find(Locator::Css("#search"))
            .await
            .expect("the search box");
        search
            .send_keys(&format!("{tx_hash}\n"))
            .await
            .expect("typing");
        wait_for_text(&browser, "h1", "the tx's page", |h1| h1.contains(&tx_hash)).await;
        assert_eq!(text(&browser, "#result").await, "committed");

        let search = browser
            .find(Locator::Css("#search"))
            .await
            .expect("the search box");
        search
            .send_keys(&format!("{}\n", "ab".repeat(32)))
            .await
            .expect("typing");
        wait_for_text(&browser, "#not-found", "a \"not found\"", |text| {
            text.contains("not found")
        })
        .await;
    });

    // The auctions page answers (no lot yet).
    runtime.block_on(async {
        browser
            .goto(&format!("{explorer}/auctions"))
            .await
            .expect("the auctions page");
        assert_eq!(text(&browser, "h1").await, "Auctions");
    });

    // Markup from the chain is text.
    runtime.block_on(async {
        browser
            .goto(&format!("{explorer}/security/security-1/XSS"))
            .await
            .expect("the hostile security's page");
        assert_eq!(text(&browser, "#security-name").await, hostile);
        let injected = browser
            .execute("return window.xccInjected || null;", vec![])
            .await
            .expect("reading the page");
        assert_eq!(injected, Value::Null, "the security's name ran as a script");

        let errors = script_errors(&browser).await;
        assert!(errors.is_empty(), "JavaScript errors: {errors:?}");
        browser.close().await.expect("closing the browser");
    });
}

/// A JSON number as text, whether the CLI prints it as a number or, as
/// protobuf JSON does for 64-bit integers, as a string.
fn number(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

//! Debian's Prometheus server scrapes a running testnet: every node's
//! metrics address as a target, and a PromQL query for the consensus height
//! of each chain (by CometBFT's `chain_id` label) answers for every chain
//! and rises.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use xcc_tests::binaries::spawn_logged;
use xcc_tests::{free_port, installed_tool, wait_until, Testnet};

/// Set by CI, which installs Debian's `prometheus`: there a missing server
/// fails the test instead of skipping it.
const REQUIRE_PROMETHEUS: &str = "XCC_REQUIRE_PROMETHEUS";
const CHAINS: [&str; 3] = ["coordinator-1", "security-1", "currency-1"];
/// The height of every chain, one series per chain whatever the number of
/// validators.
const HEIGHT_BY_CHAIN: &str = "max by (chain_id) (cometbft_consensus_height)";

/// One HTTP/1.0 GET on loopback; the body, if the server answered 200.
fn get(port: u16, path: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    let (head, body) = answer.split_once("\r\n\r\n")?;
    (head.split_whitespace().nth(1) == Some("200")).then(|| body.to_owned())
}

/// An instant query's answer (`Null` while the server does not answer);
/// PromQL the server refuses fails the test.
fn query(port: u16, promql: &str) -> Value {
    let encoded: String = url::form_urlencoded::byte_serialize(promql.as_bytes()).collect();
    let Some(body) = get(port, &format!("/api/v1/query?query={encoded}")) else {
        return Value::Null;
    };
    let answer: Value = serde_json::from_str(&body).unwrap_or_default();
    assert_ne!(answer["status"], "error", "{promql} refused: {answer}");
    answer
}

/// Each chain's consensus height, as Prometheus has it.
fn heights(port: u16) -> BTreeMap<String, f64> {
    query(port, HEIGHT_BY_CHAIN)["data"]["result"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|series| {
            let chain = series["metric"]["chain_id"].as_str()?.to_owned();
            let value = series["value"][1].as_str()?.parse().ok()?;
            Some((chain, value))
        })
        .collect()
}

#[test]
fn prometheus_scrapes_every_chain_and_its_height_rises() {
    let Some(server) = installed_tool(
        "prometheus",
        &["/usr/bin/prometheus", "/usr/local/bin/prometheus"],
        REQUIRE_PROMETHEUS,
    ) else {
        return;
    };
    let net = Testnet::start(&CHAINS, 1, 300);
    let targets = net.metrics_addresses();
    assert_eq!(
        targets.len(),
        CHAINS.len(),
        "a metrics address per node: {targets:?}"
    );

    let dir = net.home().join("prometheus");
    std::fs::create_dir_all(&dir).expect("prometheus's directory");
    let targets: Vec<String> = targets
        .iter()
        .map(|(_, address)| format!("\"{address}\""))
        .collect();
    let config = format!(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n\
         scrape_configs:\n  - job_name: xcc\n    static_configs:\n      - targets: [{}]\n",
        targets.join(", ")
    );
    let config_file = dir.join("prometheus.yml");
    std::fs::write(&config_file, config).expect("prometheus.yml");
    let port = free_port();
    let mut command = Command::new(server);
    command
        .arg(format!("--config.file={}", config_file.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"));
    let log = dir.join("prometheus.log");
    let _server = spawn_logged(command, &log);

    let mut first = BTreeMap::new();
    wait_until("a height of every chain in Prometheus", || {
        first = heights(port);
        CHAINS.iter().all(|chain| first.contains_key(*chain))
    });
    wait_until("every chain's height to rise in Prometheus", || {
        let now = heights(port);
        CHAINS
            .iter()
            .all(|chain| now.get(*chain).copied().unwrap_or(0.0) >= first[*chain] + 2.0)
    });

    // Every target is up, as Prometheus judged its scrapes.
    let up = query(port, "up");
    let results = up["data"]["result"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), CHAINS.len(), "{up}");
    assert!(
        results.iter().all(|series| series["value"][1] == "1"),
        "a target is down: {up}"
    );

    // The Grafana dashboard's queries are PromQL the server takes, and the
    // nodes' panels have a series of every chain (the relayer is not a
    // target here).
    let dashboard =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testnet/grafana-dashboard.json");
    let dashboard: Value =
        serde_json::from_str(&std::fs::read_to_string(&dashboard).expect("the dashboard"))
            .expect("its JSON");
    let panels = dashboard["panels"].as_array().cloned().unwrap_or_default();
    assert!(!panels.is_empty(), "the dashboard has no panel");
    for panel in panels {
        for target in panel["targets"].as_array().cloned().unwrap_or_default() {
            let promql = target["expr"].as_str().expect("a panel's expr");
            if promql.contains("xcc_relayer_") {
                query(port, promql);
                continue;
            }
            wait_until(&format!("{promql} to have a series of every chain"), || {
                let answer = query(port, promql);
                let chains: Vec<&str> = answer["data"]["result"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|series| series["metric"]["chain_id"].as_str())
                    .collect();
                CHAINS.iter().all(|chain| chains.contains(chain))
            });
        }
    }
}

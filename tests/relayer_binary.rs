//! The `xcc-relayer` binary as an operator runs it: it starts with chains
//! that are all down (and keeps retrying), serves its metrics, and stops
//! cleanly on SIGTERM; without its key it refuses to start and says why.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ed25519_consensus::SigningKey;
use xcc_home::keyring::Keyring;
use xcc_home::{ChainEndpoints, ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::{write_toml, AppKind};
use xcc_tests::{binary, Spawned, WAIT};

/// A home whose two chains answer nowhere (port 1 is never served).
fn home_with_unreachable_chains(dir: &Path) {
    let mut config = ClientConfig::default();
    for (chain_id, app) in [
        ("security-1", AppKind::Security),
        ("currency-1", AppKind::Currency),
    ] {
        config.chains.insert(
            chain_id.to_owned(),
            ChainEndpoints {
                app,
                rpc: vec!["http://127.0.0.1:1".to_owned()],
                genesis: None,
            },
        );
    }
    write_toml(&dir.join(CLIENT_CONFIG_FILE), &config).expect("client.toml");
}

fn relayer(home: &Path) -> Command {
    let mut command = Command::new(binary("xcc-relayer"));
    command
        .args(["start", "--home"])
        .arg(home)
        .args(["--metrics", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn get_metrics(addr: &str) -> String {
    let mut stream = TcpStream::connect(addr).expect("connect to the metrics server");
    stream
        .write_all(b"GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n")
        .expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    answer
}

#[test]
fn it_serves_metrics_while_chains_are_down_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    home_with_unreachable_chains(dir.path());
    let key = SigningKey::from([7; 32]);
    Keyring::open(dir.path())
        .unwrap()
        .add("relayer", key, "the relayer")
        .unwrap();
    let mut running = Spawned(relayer(dir.path()).spawn().expect("spawn xcc-relayer"));

    let addr_file = xcc_relayer::metrics_addr_file(dir.path(), "relayer");
    let deadline = Instant::now() + WAIT;
    let addr = loop {
        if let Ok(addr) = std::fs::read_to_string(&addr_file) {
            break addr;
        }
        assert!(
            Instant::now() < deadline,
            "no metrics address within {WAIT:?}"
        );
        assert!(
            running.0.try_wait().unwrap().is_none(),
            "the relayer exited while its chains were down"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let answer = get_metrics(addr.trim());
    assert!(
        answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200"),
        "{answer}"
    );
    assert!(answer.contains("xcc_relayer_packets_relayed"), "{answer}");

    let pid = nix::unistd::Pid::from_raw(running.0.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).expect("SIGTERM");
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the relayer ignored SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");
}

#[test]
fn it_refuses_to_start_without_its_key() {
    let dir = tempfile::tempdir().unwrap();
    home_with_unreachable_chains(dir.path());
    let output = relayer(dir.path()).output().expect("run xcc-relayer");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("relayer"), "{stderr}");
}

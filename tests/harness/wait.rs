//! Waiting on conditions, never on the clock alone.

use std::future::Future;
use std::time::{Duration, Instant};

/// Generous: a debug build on a busy 2-core machine.
pub const WAIT: Duration = Duration::from_secs(120);

/// Polls `done` until it holds, for at most [`WAIT`]; panics naming `what`.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `check` until it yields a value, for at most [`WAIT`]; panics
/// naming `what` if it never did.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("gave up waiting for {what} after {WAIT:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A port free on loopback now, for a process the test starts (the OS
/// picks it; the listener is closed before the port is handed out).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// The first of `paths` that is a file: a system tool a test drives. When
/// none is, the test is skipped (`None`), unless the environment variable
/// `require` is set (CI installs the tool and sets it), which fails it.
pub fn installed_tool(name: &str, paths: &[&str], require: &str) -> Option<std::path::PathBuf> {
    let found = paths
        .iter()
        .map(std::path::PathBuf::from)
        .find(|path| path.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os(require).is_none(),
            "{require} is set but {name} is not installed"
        );
        eprintln!("{name} is not installed: the test is skipped");
    }
    found
}

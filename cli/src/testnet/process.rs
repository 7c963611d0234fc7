//! Starting and stopping node processes. Each node runs in its own process
//! group, so it outlives the `xcc` that started it and a Ctrl-C aimed at the
//! CLI does not reach it; its pid file is how `stop` finds it again.

use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use xcc_node_config::{NodeHome, TestnetNode};

/// How long a node gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// The `xcc-node` binary: `$XCC_NODE_BIN`, else the one installed beside
/// `xcc`, else whatever `PATH` finds.
fn node_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("XCC_NODE_BIN") {
        return PathBuf::from(path);
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("xcc-node")))
        .filter(|candidate| candidate.is_file())
        .unwrap_or_else(|| PathBuf::from("xcc-node"))
}

pub fn node_home(testnet: &Path, node: &TestnetNode) -> NodeHome {
    NodeHome::new(testnet.join(&node.home))
}

/// The node's process id, if it is running.
pub fn running_pid(home: &NodeHome) -> Option<Pid> {
    let text = std::fs::read_to_string(home.pid_file()).ok()?;
    let pid = Pid::from_raw(text.trim().parse().ok()?);
    (is_alive(pid) && is_node_process(pid)).then_some(pid)
}

fn is_alive(pid: Pid) -> bool {
    kill(pid, None).is_ok() && !is_zombie(pid)
}

/// A dead process not yet reaped by its parent still answers signals.
fn is_zombie(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let after_name = &stat[stat.rfind(')')? + 1..];
            after_name.trim_start().chars().next()
        })
        .is_some_and(|state| state == 'Z')
}

/// Guards against a pid reused by an unrelated process since the node died.
fn is_node_process(pid: Pid) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains("xcc-node"),
        // Without procfs there is nothing better to go on.
        Err(_) => true,
    }
}

/// Starts every node not already running; returns how many it started.
pub fn start(testnet: &Path, nodes: &[TestnetNode]) -> anyhow::Result<usize> {
    let binary = node_binary();
    let mut started = 0;
    for node in nodes {
        let home = node_home(testnet, node);
        if running_pid(&home).is_some() {
            continue;
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(home.log_file())
            .with_context(|| format!("opening {}", home.log_file().display()))?;
        let child = Command::new(&binary)
            .arg("start")
            .arg("--home")
            .arg(home.root())
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (set XCC_NODE_BIN to the xcc-node binary)",
                    binary.display()
                )
            })?;
        std::fs::write(home.pid_file(), child.id().to_string())
            .with_context(|| format!("writing {}", home.pid_file().display()))?;
        started += 1;
    }
    Ok(started)
}

/// Stops every running node; returns how many it stopped. Stopping a node
/// that is not running is not an error.
pub fn stop(testnet: &Path, nodes: &[TestnetNode], kill_at_once: bool) -> anyhow::Result<usize> {
    let signal = if kill_at_once {
        Signal::SIGKILL
    } else {
        Signal::SIGTERM
    };
    let mut signalled = Vec::new();
    for node in nodes {
        let home = node_home(testnet, node);
        if let Some(pid) = running_pid(&home) {
            kill(pid, signal).with_context(|| format!("signalling {}", node.moniker))?;
            signalled.push((node, home, pid));
        }
    }
    let deadline = Instant::now() + STOP_GRACE;
    for (node, home, pid) in &signalled {
        if !wait_gone(*pid, deadline) {
            eprintln!("warning: {} ignored SIGTERM; killing it", node.moniker);
            let _ = kill(*pid, Signal::SIGKILL);
            if !wait_gone(*pid, Instant::now() + STOP_GRACE) {
                bail!("process {pid} survived SIGKILL");
            }
        }
        let _ = std::fs::remove_file(home.pid_file());
    }
    Ok(signalled.len())
}

/// A node started by this very process stays a zombie until reaped.
fn reap(pid: Pid) {
    let _ = nix::sys::wait::waitpid(pid, Some(nix::sys::wait::WaitPidFlag::WNOHANG));
}

/// Whether the process is gone by `deadline`.
fn wait_gone(pid: Pid, deadline: Instant) -> bool {
    while is_alive(pid) {
        reap(pid);
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    true
}

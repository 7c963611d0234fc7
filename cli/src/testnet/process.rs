//! Starting and stopping the testnet's processes (nodes and the relayer).
//! Each runs in its own process group, so it outlives the `xcc` that started
//! it and a Ctrl-C aimed at the CLI does not reach it; its pid file is how
//! `stop` finds it again.

use std::ffi::OsString;
use std::fs::OpenOptions;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use xcc_node_config::NodeHome;
use xcc_testnet::TestnetNode;

/// How long a process gets to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A background process of the testnet: a validator node or the relayer.
pub struct Service {
    pub name: String,
    /// The binary's file name, also how a pid is recognised as ours.
    program: &'static str,
    args: Vec<OsString>,
    pid_file: PathBuf,
    log_file: PathBuf,
}

impl Service {
    pub fn node(testnet: &Path, node: &TestnetNode) -> Service {
        let home = NodeHome::new(testnet.join(&node.home));
        Service {
            name: node.moniker.clone(),
            program: "xcc-node",
            args: vec!["start".into(), "--home".into(), home.root().into()],
            pid_file: home.pid_file(),
            log_file: home.log_file(),
        }
    }

    /// The testnet's relayer, keeping its pid and log under `<testnet>/relayer`.
    pub fn relayer(testnet: &Path) -> Service {
        let dir = testnet.join(RELAYER_DIR);
        Service {
            name: "relayer".to_owned(),
            program: "xcc-relayer",
            args: vec!["start".into(), "--home".into(), testnet.into()],
            pid_file: dir.join("relayer.pid"),
            log_file: dir.join("relayer.log"),
        }
    }

    /// The testnet's explorer, serving at `listen`, keeping its pid and log
    /// under `<testnet>/explorer`.
    pub fn explorer(testnet: &Path, listen: &str) -> Service {
        let dir = testnet.join(EXPLORER_DIR);
        Service {
            name: "explorer".to_owned(),
            program: "xcc-explorer",
            args: vec![
                "--home".into(),
                testnet.into(),
                "--listen".into(),
                listen.into(),
            ],
            pid_file: dir.join("explorer.pid"),
            log_file: dir.join("explorer.log"),
        }
    }

    pub fn log_file(&self) -> &Path {
        &self.log_file
    }

    /// The process id, if it is running.
    pub fn running_pid(&self) -> Option<Pid> {
        let text = std::fs::read_to_string(&self.pid_file).ok()?;
        let pid = Pid::from_raw(text.trim().parse().ok()?);
        (is_alive(pid) && runs_program(pid, self.program)).then_some(pid)
    }

    /// `$XCC_NODE_BIN` / `$XCC_RELAYER_BIN` / `$XCC_EXPLORER_BIN`, else the binary installed beside
    /// `xcc`, else whatever `PATH` finds.
    fn binary(&self) -> PathBuf {
        let variable = format!("{}_BIN", self.program.to_uppercase().replace('-', "_"));
        if let Some(path) = std::env::var_os(&variable) {
            return PathBuf::from(path);
        }
        std::env::current_exe()
            .ok()
            .and_then(|exe| exe.parent().map(|dir| dir.join(self.program)))
            .filter(|candidate| candidate.is_file())
            .unwrap_or_else(|| PathBuf::from(self.program))
    }
}

/// The services of these nodes.
pub fn nodes(testnet: &Path, nodes: &[TestnetNode]) -> Vec<Service> {
    nodes
        .iter()
        .map(|node| Service::node(testnet, node))
        .collect()
}

/// Where the relayer of a testnet keeps its pid and log.
pub const RELAYER_DIR: &str = "relayer";
/// Where the explorer of a testnet keeps its pid and log.
pub const EXPLORER_DIR: &str = "explorer";

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

/// Guards against a pid reused by an unrelated process since ours died.
fn runs_program(pid: Pid, program: &str) -> bool {
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => String::from_utf8_lossy(&cmdline).contains(program),
        // Without procfs there is nothing better to go on.
        Err(_) => true,
    }
}

/// Starts every service not already running; returns how many it started.
pub fn start(services: &[Service]) -> anyhow::Result<usize> {
    let mut started = 0;
    for service in services {
        if service.running_pid().is_some() {
            continue;
        }
        if let Some(dir) = service.log_file.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&service.log_file)
            .with_context(|| format!("opening {}", service.log_file.display()))?;
        let binary = service.binary();
        let child = Command::new(&binary)
            .args(&service.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .process_group(0)
            .spawn()
            .with_context(|| {
                format!(
                    "starting {} (set {}_BIN to the {} binary)",
                    binary.display(),
                    service.program.to_uppercase().replace('-', "_"),
                    service.program
                )
            })?;
        std::fs::write(&service.pid_file, child.id().to_string())
            .with_context(|| format!("writing {}", service.pid_file.display()))?;
        started += 1;
    }
    Ok(started)
}

/// Stops every running service; returns how many it stopped. Stopping one
/// that is not running is not an error.
pub fn stop(services: &[Service], kill_at_once: bool) -> anyhow::Result<usize> {
    let signal = if kill_at_once {
        Signal::SIGKILL
    } else {
        Signal::SIGTERM
    };
    let mut signalled = Vec::new();
    for service in services {
        if let Some(pid) = service.running_pid() {
            kill(pid, signal).with_context(|| format!("signalling {}", service.name))?;
            signalled.push((service, pid));
        }
    }
    let deadline = Instant::now() + STOP_GRACE;
    for (service, pid) in &signalled {
        if !wait_gone(*pid, deadline) {
            eprintln!("warning: {} ignored SIGTERM; killing it", service.name);
            let _ = kill(*pid, Signal::SIGKILL);
            if !wait_gone(*pid, Instant::now() + STOP_GRACE) {
                bail!("process {pid} survived SIGKILL");
            }
        }
        let _ = std::fs::remove_file(&service.pid_file);
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

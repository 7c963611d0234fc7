//! XCC's binaries for the process tests. Cargo builds a package's binaries
//! for its own integration tests only, so this crate builds them itself:
//! once per test process, in the profile and target directory of the test
//! that runs (a no-op when they are up to date).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// Every binary a process test runs.
const BINARIES: &[&str] = &["xcc", "xcc-node", "xcc-relayer", "xcc-app", "xcc-explorer"];

/// What the build keeps of the test's environment.
const KEPT_ENV: &[&str] = &[
    "PATH",
    "HOME",
    "USER",
    "TMPDIR",
    "LANG",
    "RUSTFLAGS",
    "RUSTC",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_JOBS",
    "CARGO_NET_OFFLINE",
    "CARGO_REGISTRIES_CRATES_IO_PROTOCOL",
];

/// The directory of the running test's profile (`<target>/<profile>`);
/// test executables live in its `deps/`.
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("a test executable under <target>/<profile>/deps")
        .to_path_buf()
}

fn build(profile_dir: &Path) -> Result<(), String> {
    let profile = match profile_dir.file_name().and_then(|n| n.to_str()) {
        Some("debug") | None => "dev".to_owned(),
        Some(other) => other.to_owned(),
    };
    let target_dir = profile_dir.parent().unwrap_or(profile_dir);
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace root");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    // With `--tests` the features resolve as in `cargo test --workspace`,
    // so nothing it built is built again, provided the build sees the
    // environment a user's cargo sees, not the one cargo gives a test
    // (build scripts that watch variables would otherwise run again).
    let mut command = Command::new(cargo);
    command.env_clear();
    for (name, value) in std::env::vars_os() {
        let kept = name.to_str().is_some_and(|name| {
            KEPT_ENV.contains(&name)
                || name.starts_with("RUSTUP_")
                || name.starts_with("CARGO_HOME")
        });
        if kept {
            command.env(name, value);
        }
    }
    let status = command
        .current_dir(workspace)
        .args(["build", "--workspace", "--bins", "--tests", "--locked"])
        .args(["--profile", &profile])
        .arg("--target-dir")
        .arg(target_dir)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("running cargo: {e}"))?;
    if !status.success() {
        return Err(format!("cargo build of the binaries failed: {status}"));
    }
    Ok(())
}

/// The path of XCC binary `name`, built if needed.
pub fn binary(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    assert!(BINARIES.contains(&name), "{name} is not an XCC binary");
    let dir = BUILT
        .get_or_init(|| {
            let dir = profile_dir();
            build(&dir).map(|()| dir)
        })
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(name);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// A process of the test, killed (SIGKILL) when dropped.
pub struct Spawned(pub Child);

impl Spawned {
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// Whether the process is still alive.
    pub fn is_running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Starts `command`, its stdout and stderr appended to `log`.
pub fn spawn_logged(mut command: Command, log: &Path) -> Spawned {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap_or_else(|e| panic!("opening {}: {e}", log.display()));
    let child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("cloning the log handle"))
        .stderr(file)
        .spawn()
        .unwrap_or_else(|e| panic!("spawning {command:?}: {e}"));
    Spawned(child)
}

//! `xcc-relayer`: carries packets between XCC chains, each proven against
//! the receiving chain's light client of its sender, and brings back their
//! acknowledgements and timeouts. Everything is rebuilt from chain state on
//! every pass; events only say when to look. Any number of relayers may run
//! and any may be killed at any moment.

mod backoff;
mod chain;
pub mod config;
mod deliver;
mod error;
mod header;
mod hints;
mod metrics;
mod options;
mod path;
pub mod plan;
mod proof;
mod relayer;
mod rpc;
mod schedule;
mod sender;
mod supervisor;
mod work;

pub use config::{chains_from_home, ChainConfig, DEFAULT_KEY};
pub use error::RelayerError;
pub use metrics::{Metrics, MetricsServer};
pub use options::{RelayerOptions, MAX_PACKETS_PER_QUERY};
pub use path::{PathId, PathReport};
pub use relayer::{PassReport, Relayer};
pub use work::{Counts, Kind};

/// Where `xcc-relayer start` writes the address its metrics server bound,
/// so scripts and tests find a port the OS picked.
pub fn metrics_addr_file(home: &std::path::Path, key: &str) -> std::path::PathBuf {
    home.join("relayer").join(format!("{key}.metrics.addr"))
}

//! The one harness of XCC's cross-process tests. Every process a test
//! starts is killed when the test ends, panics included: testnets stop their
//! nodes on drop, other processes are held as [`Spawned`]. Waits poll a
//! condition with a generous limit ([`WAIT`]); no test sleeps a fixed time
//! and calls it done.
//!
//! - [`binaries`]: XCC's binaries, built once per test process in the
//!   profile and target directory of the running test.
//! - [`testnet`] and [`xtx`]: a local testnet of the three chains driven
//!   through the `xcc` binary, as a user drives it, with cross-tx helpers
//!   and the audit.
//! - [`auction`]: lots driven through `xcc auction`.
//! - [`chain`]: one currency chain of `xcc-node` processes written by
//!   `xcc-testnet`, for the node's own interfaces.
//! - [`rpc`]: CometBFT RPC clients, heights and raw requests.

pub mod auction;
pub mod binaries;
pub mod chain;
pub mod rpc;
pub mod testnet;
pub mod wait;
pub mod xtx;

pub use binaries::{binary, Spawned};
pub use rpc::{block_hash, client, height, runtime, wait_for_height};
pub use testnet::{json, ok, xcc, Testnet};
pub use wait::{eventually, free_port, installed_tool, wait_until, WAIT};
pub use xtx::{Stop, TwoLegs};

//! `xcc-node`: hosts one XCC chain app in-process and runs Tendermint
//! consensus on Malachite, looking like CometBFT v0.38 to everything above
//! it (ABCI 2.0 call sequence, blocks, commits and JSON-RPC).

pub mod app_conn;
pub mod block;
pub mod codec;
pub mod context;
pub mod health;
pub mod host;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod rpc;
pub mod signing;
pub mod store;

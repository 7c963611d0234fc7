//! `xcc-node`: hosts one XCC chain app in-process and runs Tendermint
//! consensus on Malachite, looking like CometBFT v0.38 to everything above
//! it (ABCI 2.0 call sequence, blocks, commits and JSON-RPC).

pub mod block;
pub mod codec;
pub mod context;
pub mod signing;
pub mod store;

//! A local XCC testnet. `plan` is a pure function from a plan, the chains,
//! fresh keys, ports and a genesis time to every file's content as a
//! value; `write` puts them on disk: each validator's node home (and, in a
//! containers testnet, its CometBFT layout), the chains' genesis files,
//! `client.toml` and the manifest that `xcc testnet start|status|stop`
//! read. `generate` does both with fresh keys, free ports and the clock.

pub mod cometbft;
mod manifest;
pub mod plan;
mod write;

pub use manifest::{TestnetManifest, TestnetNode, MANIFEST_FILE};
pub use plan::{
    plan, ChainSpec, ContainerNetwork, Network, PlanInputs, Testnet, TestnetPlan,
    CONTAINER_ABCI_PORT, CONTAINER_P2P_PORT, CONTAINER_RPC_PORT, MAX_CONTAINER_VALIDATORS,
    RELAYER_HOME,
};
pub use write::{generate, generate_with, write};

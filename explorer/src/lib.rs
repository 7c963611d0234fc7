//! `xcc-explorer`: the web explorer and market pages of an XCC testnet. It
//! reads the chains like any client, through their CometBFT RPC: blocks and
//! results followed into an [`index`], module state asked of the chains at
//! each page. Pages are rendered on the server and complete without
//! JavaScript; a small script refreshes them at each new block (server-sent
//! events).

pub mod chains;
pub mod chart;
pub mod decode;
pub mod follow;
pub mod html;
pub mod index;
pub mod live;
pub mod pages;
pub mod probe;

use std::sync::{Arc, RwLock, RwLockReadGuard};

use tokio::sync::broadcast;

use crate::chains::Chains;
use crate::index::Index;

/// What every page handler shares.
#[derive(Clone)]
pub struct Explorer {
    pub chains: Arc<Chains>,
    pub index: Arc<RwLock<Index>>,
    pub live: broadcast::Sender<follow::NewBlock>,
}

impl Explorer {
    /// An explorer of `chains`, following each from its earliest retained
    /// block.
    pub fn start(chains: Chains) -> Explorer {
        let mut index = Index::default();
        for chain in &chains.all {
            index.add_chain(&chain.id, chain.app);
        }
        let explorer = Explorer {
            chains: Arc::new(chains),
            index: Arc::new(RwLock::new(index)),
            live: broadcast::channel(1024).0,
        };
        for chain in &explorer.chains.all {
            follow::spawn(chain.clone(), explorer.index.clone(), explorer.live.clone());
        }
        explorer
    }

    pub fn index(&self) -> RwLockReadGuard<'_, Index> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn router(self) -> axum::Router {
        pages::router().with_state(self)
    }
}

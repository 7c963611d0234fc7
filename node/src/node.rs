//! Starting a node from its home: the app, the block store, the handshake,
//! the Malachite engine, the RPC server and the host loop.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context as _};
use malachitebft_app_channel::app::config::{
    ConsensusConfig, NodeConfig as EngineNodeConfig, P2pConfig, ValueSyncConfig,
};
use malachitebft_app_channel::app::types::codec::Codec;
use malachitebft_app_channel::app::types::Keypair;
use malachitebft_app_channel::{
    start_engine, ConsensusContext, NetworkContext, NetworkIdentity, RequestContext, Signer,
    SyncContext, WalContext,
};
use tokio::sync::{broadcast, Mutex};
use xcc_chain::abci::AbciApp;
use xcc_chain::genesis::GenesisDoc;
use xcc_chain::{App, AppConfig};
use xcc_node_config::NodeHome;

use crate::app_conn::AppConn;
use crate::block::{self, ChainParams};
use crate::codec::XccCodec;
use crate::context::{Address, PublicKey, Validator, ValidatorSet, XccContext};
use crate::host::{self, Host, HostConfig, Shared};
use crate::mempool::Mempool;
use crate::signing::{SignBytes, SignatureVerifier, ValidatorSigner};
use crate::store::BlockStore;

#[derive(Clone, Debug)]
struct EngineConfig {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl EngineNodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }
    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }
    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }
    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }
    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

fn validator_set(genesis: &tendermint::Genesis) -> anyhow::Result<ValidatorSet> {
    let mut validators = Vec::new();
    for info in &genesis.validators {
        let key = info
            .pub_key
            .ed25519()
            .ok_or_else(|| anyhow!("validator {} does not use an ed25519 key", info.address))?;
        let key = ed25519_consensus::VerificationKey::try_from(key.as_bytes())
            .map_err(|e| anyhow!("validator {}: {e}", info.address))?;
        validators.push(Validator::new(PublicKey(key), info.power.value()));
    }
    if validators.is_empty() {
        return Err(anyhow!("the genesis names no validators"));
    }
    Ok(ValidatorSet::new(validators))
}

/// Runs the node at `home`; with `metrics`, serves Prometheus metrics there.
pub async fn run(home: NodeHome, metrics: Option<std::net::SocketAddr>) -> anyhow::Result<()> {
    let config = home.read_config().context("reading the node config")?;
    let genesis = home.read_genesis().context("reading the genesis")?;
    let key = home.read_key().context("reading the validator key")?;
    let data = home.data_dir();
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;

    let validators = validator_set(&genesis)?;
    let address = Address(key.address());
    let params = Arc::new(ChainParams {
        chain_id: genesis.chain_id.clone(),
        genesis_validators: validators.clone(),
        consensus_hash: block::consensus_hash(&genesis.consensus_params),
        app_version: 1,
    });

    let state =
        xcc_store::Store::open(&data.join("state.redb")).context("opening the app state")?;
    let app = App::new(
        state,
        AppConfig {
            keep_recent: config.state.keep_recent(),
            ..AppConfig::default()
        },
        xcc_app::modules(config.app),
    )
    .context("opening the app")?;
    let abci = AbciApp::new(app).with_genesis(GenesisDoc {
        chain_id: genesis.chain_id.to_string(),
        initial_height: genesis.initial_height.max(1) as u64,
        app_state: genesis.app_state.clone(),
    });
    let (committed, _) = broadcast::channel(256);
    let shared = Shared {
        params: params.clone(),
        store: Arc::new(
            BlockStore::open(&data.join("blocks.redb")).context("opening the block store")?,
        ),
        app: AppConn::new(abci),
        mempool: Arc::new(Mutex::new(Mempool::new(config.mempool.clone()))),
        committed,
    };
    let (genesis_app_hash, last) = host::handshake(&shared, &genesis).await?;
    tracing::info!(
        chain = %params.chain_id,
        height = last.as_ref().map_or(0, |l| l.height()),
        "handshake done"
    );

    let engine_slot = crate::rpc::net_info::EngineSlot::default();
    crate::rpc::spawn(
        config.rpc.laddr,
        shared.clone(),
        config.mempool.broadcast_peers.clone(),
        genesis.clone(),
        crate::rpc::NodeIdentity {
            id: hex::encode(key.address()).to_lowercase(),
            moniker: config.moniker.clone(),
            listen_addr: config.consensus.listen_addr.clone(),
        },
        engine_slot.clone(),
    )
    .await
    .context("starting the RPC server")?;
    if let Some(laddr) = metrics.or(config.instrumentation.prometheus_listen_addr) {
        crate::metrics::spawn(laddr, shared.clone())
            .await
            .with_context(|| format!("starting the metrics server on {laddr}"))?;
    }

    let sign_bytes = SignBytes::new(params.chain_id.clone());
    let signer = Arc::new(ValidatorSigner::new(
        key.signing_key().clone(),
        sign_bytes.clone(),
    ));
    let keypair = Keypair::ed25519_from_bytes(key.signing_key().to_bytes())
        .map_err(|e| anyhow!("deriving the network key: {e}"))?;
    let peer_id = keypair.public().to_peer_id().to_bytes();
    let proof = signer
        .sign_validator_proof(key.public_key().to_vec(), peer_id)
        .await
        .map_err(|e| anyhow!("signing the validator proof: {e:?}"))?;
    let proof_bytes = XccCodec
        .encode(&proof)
        .context("encoding the validator proof")?;
    let identity = NetworkIdentity::new_validator(
        config.moniker.clone(),
        keypair,
        address.to_string(),
        proof_bytes,
    );

    let mut p2p = P2pConfig {
        listen_addr: config
            .consensus
            .listen_addr
            .parse()
            .with_context(|| format!("listen address {}", config.consensus.listen_addr))?,
        ..P2pConfig::default()
    };
    for peer in &config.consensus.persistent_peers {
        p2p.persistent_peers.push(
            peer.parse()
                .with_context(|| format!("peer address {peer}"))?,
        );
    }
    let engine_config = EngineConfig {
        moniker: config.moniker.clone(),
        consensus: ConsensusConfig {
            p2p,
            ..ConsensusConfig::default()
        },
        value_sync: ValueSyncConfig {
            status_update_interval: Duration::from_millis(500),
            request_timeout: Duration::from_secs(5),
            ..ValueSyncConfig::default()
        },
    };
    let (mut channels, _engine) = start_engine(
        XccContext,
        engine_config,
        WalContext::new(data.join("wal").join("consensus.wal"), XccCodec),
        NetworkContext::new(identity, XccCodec),
        ConsensusContext::new_validator(
            address,
            Box::new(SignatureVerifier::new(sign_bytes)),
            Box::new(ValidatorSigner::new(
                key.signing_key().clone(),
                SignBytes::new(params.chain_id.clone()),
            )),
        ),
        SyncContext::new(XccCodec),
        RequestContext::new(100),
    )
    .await
    .map_err(|e| anyhow!("starting consensus: {e:#}"))?;
    // Set once, here: nothing else fills the slot.
    let _ = engine_slot.set(crate::rpc::net_info::Engine {
        network: channels.net_requests.clone(),
        consensus: channels.requests.clone(),
    });

    let host = Host::new(
        shared,
        HostConfig {
            address,
            signer,
            genesis_app_hash,
            last,
            block_time: Duration::from_millis(config.consensus.block_time_ms),
            timeout_propose: Duration::from_millis(config.consensus.timeout_propose_ms),
            max_block_tx_bytes: config.mempool.max_block_tx_bytes,
        },
    );
    host.run(&mut channels).await.map_err(|e| anyhow!("{e}"))
}

//! Writing a local testnet: every validator's home for each chain, with
//! ports that do not clash, a shared genesis per chain, the CLI config and
//! the manifest that `xcc testnet start|status|stop` read.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use ed25519_consensus::SigningKey;

use crate::{
    write_toml, AppKind, ChainEndpoints, ClientConfig, ConfigError, ConsensusSection,
    MempoolSection, NodeConfig, NodeHome, PrivValidatorKey, RpcSection, StateSection,
    TestnetManifest, TestnetNode,
};

pub const CLIENT_CONFIG_FILE: &str = "client.toml";
pub const MANIFEST_FILE: &str = "testnet.toml";

/// One chain of the testnet.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    pub chain_id: String,
    pub app: AppKind,
    /// The genesis `app_state`.
    pub app_state: serde_json::Value,
}

#[derive(Clone, Debug)]
pub struct TestnetPlan {
    pub validators: usize,
    pub block_time_ms: u64,
    /// First port to use (two per node, consecutive); free ports are picked
    /// by the OS when absent.
    pub base_port: Option<u16>,
}

/// Writes the testnet into `dir`, which must not hold one already.
pub fn generate(
    dir: &Path,
    plan: &TestnetPlan,
    chains: &[ChainSpec],
) -> Result<(TestnetManifest, ClientConfig), ConfigError> {
    if plan.validators == 0 {
        return Err(ConfigError::Invalid(
            "a testnet needs at least one validator".into(),
        ));
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    if manifest_path.exists() {
        return Err(ConfigError::Invalid(format!(
            "{} already holds a testnet; stop it and remove the directory first",
            dir.display()
        )));
    }
    let mut ports = PortAllocator::new(plan.base_port, 2 * plan.validators * chains.len())
        .map_err(|source| ConfigError::io(dir, source))?;
    let genesis_time = tendermint::Time::now();
    let mut manifest = TestnetManifest::default();
    let mut client = ClientConfig::default();

    let planned: Vec<(&ChainSpec, Vec<PlannedNode>)> = chains
        .iter()
        .map(|chain| {
            let nodes = (0..plan.validators)
                .map(|index| PlannedNode {
                    home: PathBuf::from(&chain.chain_id).join(format!("node{index}")),
                    moniker: format!("{}-node{index}", chain.chain_id),
                    key: PrivValidatorKey::new(SigningKey::new(rand_core::OsRng)),
                    p2p_port: ports.next(),
                    rpc_port: ports.next(),
                })
                .collect();
            (chain, nodes)
        })
        .collect();
    for (chain, nodes) in &planned {
        let app_state = with_counterparties(chain, &planned, genesis_time)?;
        let genesis = genesis(chain, nodes, app_state, genesis_time)?;
        for (index, node) in nodes.iter().enumerate() {
            let home = NodeHome::new(dir.join(&node.home));
            create_dir(&home.config_dir())?;
            create_dir(&home.data_dir())?;
            node.key.write(&home.key_file())?;
            write_json(&home.genesis_file(), &genesis)?;
            let others = nodes
                .iter()
                .enumerate()
                .filter(|(other, _)| *other != index)
                .map(|(_, other)| other);
            let config = NodeConfig {
                moniker: node.moniker.clone(),
                app: chain.app,
                consensus: ConsensusSection {
                    listen_addr: p2p_addr(node.p2p_port),
                    persistent_peers: others.clone().map(|o| p2p_addr(o.p2p_port)).collect(),
                    block_time_ms: plan.block_time_ms,
                    timeout_propose_ms: (plan.block_time_ms * 3).max(300),
                },
                rpc: RpcSection {
                    laddr: SocketAddr::from((Ipv4Addr::LOCALHOST, node.rpc_port)),
                },
                mempool: MempoolSection {
                    broadcast_peers: others.map(|o| rpc_url(o.rpc_port)).collect(),
                    ..MempoolSection::default()
                },
                state: StateSection::default(),
            };
            write_toml(&home.config_file(), &config)?;
            manifest.nodes.push(TestnetNode {
                chain_id: chain.chain_id.clone(),
                moniker: node.moniker.clone(),
                home: node.home.clone(),
                rpc: rpc_url(node.rpc_port),
            });
        }
        client.chains.insert(
            chain.chain_id.clone(),
            ChainEndpoints {
                app: chain.app,
                rpc: nodes.iter().map(|n| rpc_url(n.rpc_port)).collect(),
                genesis: nodes
                    .first()
                    .map(|n| n.home.join("config").join("genesis.json")),
            },
        );
    }
    write_toml(&dir.join(CLIENT_CONFIG_FILE), &client)?;
    write_toml(&manifest_path, &manifest)?;
    Ok((manifest, client))
}

struct PlannedNode {
    home: PathBuf,
    moniker: String,
    key: PrivValidatorKey,
    p2p_port: u16,
    rpc_port: u16,
}

fn validators(nodes: &[PlannedNode]) -> Vec<tendermint::validator::Info> {
    nodes
        .iter()
        .map(|node| tendermint::validator::Info {
            address: tendermint::account::Id::new(node.key.address()),
            pub_key: node.key.tendermint_public_key(),
            power: tendermint::vote::Power::from(10u32),
            name: Some(node.moniker.clone()),
            proposer_priority: Default::default(),
        })
        .collect()
}

/// The chain's `app_state` with every other chain of the testnet as a
/// counterparty of its packet layer, trusted from that chain's genesis
/// validators (the `ibc` module's genesis section).
fn with_counterparties(
    chain: &ChainSpec,
    planned: &[(&ChainSpec, Vec<PlannedNode>)],
    genesis_time: tendermint::Time,
) -> Result<serde_json::Value, ConfigError> {
    let counterparties: Vec<serde_json::Value> = planned
        .iter()
        .filter(|(other, _)| other.chain_id != chain.chain_id)
        .map(|(other, nodes)| {
            serde_json::json!({
                "chain_id": other.chain_id,
                "genesis_time": genesis_time,
                "validators": validators(nodes),
            })
        })
        .collect();
    let mut app_state = match &chain.app_state {
        serde_json::Value::Null => serde_json::json!({}),
        other => other.clone(),
    };
    let sections = app_state.as_object_mut().ok_or_else(|| {
        ConfigError::Invalid(format!(
            "the app_state of {} is not a JSON object",
            chain.chain_id
        ))
    })?;
    sections.insert(
        "ibc".to_owned(),
        serde_json::json!({ "counterparties": counterparties }),
    );
    Ok(app_state)
}

fn genesis(
    chain: &ChainSpec,
    nodes: &[PlannedNode],
    app_state: serde_json::Value,
    genesis_time: tendermint::Time,
) -> Result<tendermint::Genesis, ConfigError> {
    use tendermint::{block, consensus, evidence, public_key::Algorithm};
    let invalid = |e: tendermint::Error| ConfigError::Invalid(e.to_string());
    Ok(tendermint::Genesis {
        genesis_time,
        chain_id: chain.chain_id.parse().map_err(invalid)?,
        initial_height: 1,
        consensus_params: consensus::Params {
            block: block::Size {
                max_bytes: 22_020_096,
                max_gas: -1,
                time_iota_ms: block::Size::default_time_iota_ms(),
            },
            evidence: evidence::Params {
                max_age_num_blocks: 100_000,
                max_age_duration: evidence::Duration(std::time::Duration::from_secs(48 * 3600)),
                max_bytes: 1_048_576,
            },
            validator: consensus::params::ValidatorParams {
                pub_key_types: vec![Algorithm::Ed25519],
            },
            version: Some(consensus::params::VersionParams { app: 1 }),
            abci: Default::default(),
        },
        validators: validators(nodes),
        app_hash: Default::default(),
        app_state,
    })
}

/// Ports for every node: consecutive from a base, or picked by the OS. The
/// OS-picked ports are held until all are chosen so none is handed out twice.
struct PortAllocator {
    ports: std::vec::IntoIter<u16>,
}

impl PortAllocator {
    fn new(base: Option<u16>, count: usize) -> std::io::Result<Self> {
        let ports = match base {
            Some(base) => (0..count)
                .map(|i| {
                    u16::try_from(usize::from(base) + i).map_err(|_| {
                        std::io::Error::new(
                            std::io::ErrorKind::InvalidInput,
                            format!("base port {base} leaves no room for {count} ports"),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => {
                let listeners = (0..count)
                    .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
                    .collect::<Result<Vec<_>, _>>()?;
                listeners
                    .iter()
                    .map(|l| l.local_addr().map(|a| a.port()))
                    .collect::<Result<Vec<_>, _>>()?
            }
        };
        Ok(PortAllocator {
            ports: ports.into_iter(),
        })
    }

    fn next(&mut self) -> u16 {
        // `new` allocated exactly as many ports as `generate` asks for.
        self.ports.next().unwrap_or_default()
    }
}

fn p2p_addr(port: u16) -> String {
    format!("/ip4/127.0.0.1/tcp/{port}")
}

fn rpc_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

fn create_dir(path: &Path) -> Result<(), ConfigError> {
    std::fs::create_dir_all(path).map_err(|source| ConfigError::io(path, source))
}

fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), ConfigError> {
    let text = serde_json::to_string_pretty(value).map_err(|e| ConfigError::parse(path, e))?;
    std::fs::write(path, text).map_err(|source| ConfigError::io(path, source))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(chain_id: &str, app: AppKind) -> ChainSpec {
        ChainSpec {
            chain_id: chain_id.into(),
            app,
            app_state: serde_json::json!({}),
        }
    }

    #[test]
    fn every_node_gets_its_own_ports_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let plan = TestnetPlan {
            validators: 3,
            block_time_ms: 200,
            base_port: None,
        };
        let chains = [
            spec("security-1", AppKind::Security),
            spec("currency-1", AppKind::Currency),
        ];
        let (manifest, client) = generate(dir.path(), &plan, &chains).unwrap();
        assert_eq!(manifest.nodes.len(), 6);
        assert_eq!(client.chains["currency-1"].rpc.len(), 3);

        let mut ports = std::collections::BTreeSet::new();
        for node in &manifest.nodes {
            let home = NodeHome::new(dir.path().join(&node.home));
            let config = home.read_config().unwrap();
            assert!(ports.insert(config.rpc.laddr.port()));
            let p2p_port: u16 = config
                .consensus
                .listen_addr
                .rsplit('/')
                .next()
                .unwrap()
                .parse()
                .unwrap();
            assert!(ports.insert(p2p_port));
            assert_eq!(config.consensus.persistent_peers.len(), 2);
            assert_eq!(config.mempool.broadcast_peers.len(), 2);
            let genesis = home.read_genesis().unwrap();
            assert_eq!(genesis.chain_id.as_str(), node.chain_id);
            assert_eq!(genesis.validators.len(), 3);
            let key = home.read_key().unwrap();
            assert!(genesis
                .validators
                .iter()
                .any(|v| v.pub_key == key.tendermint_public_key()));
        }
    }

    #[test]
    fn an_existing_testnet_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let plan = TestnetPlan {
            validators: 1,
            block_time_ms: 1000,
            base_port: Some(40_000),
        };
        let chains = [spec("currency-1", AppKind::Currency)];
        generate(dir.path(), &plan, &chains).unwrap();
        let before = std::fs::read(dir.path().join(MANIFEST_FILE)).unwrap();
        assert!(generate(dir.path(), &plan, &chains).is_err());
        assert_eq!(
            std::fs::read(dir.path().join(MANIFEST_FILE)).unwrap(),
            before
        );
    }
}

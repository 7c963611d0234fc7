//! Writing a testnet: every validator's home for each chain, a shared
//! genesis per chain and the CLI config. Nodes either share this machine's
//! loopback, on ports that do not clash (with the manifest that `xcc testnet
//! start|status|stop` read), or each live in a container of their own.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use ed25519_consensus::SigningKey;

use crate::{
    cometbft, write_toml, AppKind, ChainEndpoints, ClientConfig, ConfigError, ConsensusSection,
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
    /// The trusting period of every light client between the chains; the
    /// packet layer's default (two weeks) when `None`. Tests of client
    /// expiry use seconds.
    pub trusting_period_secs: Option<u64>,
    pub network: Network,
}

/// Where the nodes live and how they reach each other.
#[derive(Clone, Debug)]
pub enum Network {
    /// Every node on this machine's 127.0.0.1, two ports each: consecutive
    /// from `base_port`, or picked by the OS when absent.
    Loopback { base_port: Option<u16> },
    /// Every node in a container of its own on one IPv4 subnet, all on the
    /// standard ports (see `container_ip`).
    Containers(ContainerNetwork),
}

#[derive(Clone, Copy, Debug)]
pub struct ContainerNetwork {
    /// The first three octets of the subnet's /24.
    pub subnet: [u8; 3],
    /// The first node of the `c`th chain publishes its RPC on this host's
    /// 127.0.0.1 at `host_rpc_port_base + c`; the host's CLI uses it.
    pub host_rpc_port_base: u16,
}

/// The ports every node listens on inside its container, as CometBFT's.
pub const CONTAINER_P2P_PORT: u16 = 26656;
pub const CONTAINER_RPC_PORT: u16 = 26657;
/// Where a chain app's ABCI server listens, for the CometBFT variant.
pub const CONTAINER_ABCI_PORT: u16 = 26658;
/// Where, under a containers testnet, the relayer's home is (its client
/// config names every node by its container address).
pub const RELAYER_HOME: &str = "relayer";
/// At most this many validators per chain fit the container addressing.
pub const MAX_CONTAINER_VALIDATORS: usize = 10;

impl ContainerNetwork {
    /// The address of node `node` of the `chain`th chain: `.10`.. for the
    /// first chain, `.20`.. for the second, and so on.
    pub fn container_ip(&self, chain: usize, node: usize) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, (10 * (chain + 1) + node) as u8)
    }
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
    if let Network::Containers(network) = &plan.network {
        if plan.validators > MAX_CONTAINER_VALIDATORS || chains.len() > 9 {
            return Err(ConfigError::Invalid(format!(
                "a containers testnet holds at most {MAX_CONTAINER_VALIDATORS} validators per chain and 9 chains"
            )));
        }
        host_rpc_url(network, chains.len())?;
    }
    let manifest_path = dir.join(MANIFEST_FILE);
    if manifest_path.exists() {
        return Err(ConfigError::Invalid(format!(
            "{} already holds a testnet; stop it and remove the directory first",
            dir.display()
        )));
    }
    let mut addresses = AddressPlan::new(&plan.network, plan.validators * chains.len())
        .map_err(|source| ConfigError::io(dir, source))?;
    let genesis_time = tendermint::Time::now();
    let mut manifest = TestnetManifest::default();
    let mut client = ClientConfig::default();
    let mut in_network = ClientConfig::default();

    let planned: Vec<(&ChainSpec, Vec<PlannedNode>)> = chains
        .iter()
        .enumerate()
        .map(|(chain_index, chain)| {
            let nodes = (0..plan.validators)
                .map(|index| PlannedNode {
                    home: PathBuf::from(&chain.chain_id).join(format!("node{index}")),
                    moniker: format!("{}-node{index}", chain.chain_id),
                    key: PrivValidatorKey::new(SigningKey::new(rand_core::OsRng)),
                    p2p_key: PrivValidatorKey::new(SigningKey::new(rand_core::OsRng)),
                    addresses: addresses.next(chain_index, index),
                })
                .collect();
            (chain, nodes)
        })
        .collect();
    for (chain_index, (chain, nodes)) in planned.iter().enumerate() {
        let app_state =
            with_counterparties(chain, &planned, genesis_time, plan.trusting_period_secs)?;
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
                    listen_addr: node.addresses.p2p_listen.clone(),
                    persistent_peers: others
                        .clone()
                        .map(|o| o.addresses.p2p_peer.clone())
                        .collect(),
                    block_time_ms: plan.block_time_ms,
                    timeout_propose_ms: (plan.block_time_ms * 3).max(300),
                },
                rpc: RpcSection {
                    laddr: node.addresses.rpc_listen,
                },
                mempool: MempoolSection {
                    broadcast_peers: others.map(|o| o.addresses.rpc_url.clone()).collect(),
                    ..MempoolSection::default()
                },
                state: StateSection::default(),
            };
            write_toml(&home.config_file(), &config)?;
            if let Network::Containers(network) = &plan.network {
                let peers = nodes
                    .iter()
                    .enumerate()
                    .filter(|(other, _)| *other != index)
                    .map(|(other, o)| {
                        let ip = network.container_ip(chain_index, other);
                        format!(
                            "{}@{ip}:{CONTAINER_P2P_PORT}",
                            cometbft::node_id(&o.p2p_key)
                        )
                    })
                    .collect();
                let comet = cometbft::CometNode {
                    moniker: &node.moniker,
                    validator_key: &node.key,
                    node_key: &node.p2p_key,
                    persistent_peers: peers,
                    proxy_app: format!("tcp://{}-app:{CONTAINER_ABCI_PORT}", node.moniker),
                    block_time_ms: config.consensus.block_time_ms,
                    timeout_propose_ms: config.consensus.timeout_propose_ms,
                    genesis: &genesis,
                };
                cometbft::write_home(&home.config_dir().join(cometbft::COMETBFT_HOME), &comet)?;
            }
            manifest.nodes.push(TestnetNode {
                chain_id: chain.chain_id.clone(),
                moniker: node.moniker.clone(),
                home: node.home.clone(),
                rpc: node.addresses.rpc_url.clone(),
            });
        }
        let genesis_file = nodes
            .first()
            .map(|n| n.home.join("config").join("genesis.json"));
        let all_nodes = ChainEndpoints {
            app: chain.app,
            rpc: nodes.iter().map(|n| n.addresses.rpc_url.clone()).collect(),
            genesis: genesis_file.clone(),
        };
        match &plan.network {
            Network::Loopback { .. } => {
                client.chains.insert(chain.chain_id.clone(), all_nodes);
            }
            Network::Containers(network) => {
                let published = ChainEndpoints {
                    app: chain.app,
                    rpc: vec![host_rpc_url(network, chain_index)?],
                    genesis: genesis_file,
                };
                client.chains.insert(chain.chain_id.clone(), published);
                in_network.chains.insert(chain.chain_id.clone(), all_nodes);
            }
        }
    }
    write_toml(&dir.join(CLIENT_CONFIG_FILE), &client)?;
    match plan.network {
        // `xcc testnet start|stop` runs loopback nodes; containers are run
        // by their engine instead.
        Network::Loopback { .. } => write_toml(&manifest_path, &manifest)?,
        Network::Containers(_) => {
            let relayer = dir.join(RELAYER_HOME);
            create_dir(&relayer)?;
            write_toml(&relayer.join(CLIENT_CONFIG_FILE), &in_network)?;
        }
    }
    Ok((manifest, client))
}

struct PlannedNode {
    home: PathBuf,
    moniker: String,
    key: PrivValidatorKey,
    /// The node's p2p identity under CometBFT.
    p2p_key: PrivValidatorKey,
    addresses: NodeAddresses,
}

/// Where a node listens and where the others reach it.
struct NodeAddresses {
    p2p_listen: String,
    p2p_peer: String,
    rpc_listen: SocketAddr,
    rpc_url: String,
}

/// Hands out every node's addresses.
enum AddressPlan {
    Loopback(PortAllocator),
    Containers(ContainerNetwork),
}

impl AddressPlan {
    fn new(network: &Network, nodes: usize) -> std::io::Result<Self> {
        Ok(match network {
            Network::Loopback { base_port } => {
                AddressPlan::Loopback(PortAllocator::new(*base_port, 2 * nodes)?)
            }
            Network::Containers(network) => AddressPlan::Containers(*network),
        })
    }

    fn next(&mut self, chain: usize, node: usize) -> NodeAddresses {
        match self {
            AddressPlan::Loopback(ports) => {
                let (p2p, rpc) = (ports.next(), ports.next());
                NodeAddresses {
                    p2p_listen: p2p_addr(Ipv4Addr::LOCALHOST, p2p),
                    p2p_peer: p2p_addr(Ipv4Addr::LOCALHOST, p2p),
                    rpc_listen: SocketAddr::from((Ipv4Addr::LOCALHOST, rpc)),
                    rpc_url: rpc_url(Ipv4Addr::LOCALHOST, rpc),
                }
            }
            AddressPlan::Containers(network) => {
                let ip = network.container_ip(chain, node);
                NodeAddresses {
                    p2p_listen: p2p_addr(Ipv4Addr::UNSPECIFIED, CONTAINER_P2P_PORT),
                    p2p_peer: p2p_addr(ip, CONTAINER_P2P_PORT),
                    rpc_listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, CONTAINER_RPC_PORT)),
                    rpc_url: rpc_url(ip, CONTAINER_RPC_PORT),
                }
            }
        }
    }
}

fn host_rpc_url(network: &ContainerNetwork, chain: usize) -> Result<String, ConfigError> {
    u16::try_from(chain)
        .ok()
        .and_then(|chain| network.host_rpc_port_base.checked_add(chain))
        .map(|port| rpc_url(Ipv4Addr::LOCALHOST, port))
        .ok_or_else(|| {
            ConfigError::Invalid(format!(
                "host port base {} leaves no room for every chain",
                network.host_rpc_port_base
            ))
        })
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
    trusting_period_secs: Option<u64>,
) -> Result<serde_json::Value, ConfigError> {
    let counterparties: Vec<serde_json::Value> = planned
        .iter()
        .filter(|(other, _)| other.chain_id != chain.chain_id)
        .map(|(other, nodes)| {
            let mut root = serde_json::json!({
                "chain_id": other.chain_id,
                "genesis_time": genesis_time,
                "validators": validators(nodes),
            });
            if let Some(secs) = trusting_period_secs {
                root["trusting_period_secs"] = secs.into();
            }
            root
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

/// The consensus parameters of every XCC chain: CometBFT's default block
/// limits, ed25519 validators, app version 1.
pub fn consensus_params() -> tendermint::consensus::Params {
    use tendermint::{block, consensus, evidence, public_key::Algorithm};
    consensus::Params {
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
    }
}

fn genesis(
    chain: &ChainSpec,
    nodes: &[PlannedNode],
    app_state: serde_json::Value,
    genesis_time: tendermint::Time,
) -> Result<tendermint::Genesis, ConfigError> {
    let invalid = |e: tendermint::Error| ConfigError::Invalid(e.to_string());
    Ok(tendermint::Genesis {
        genesis_time,
        chain_id: chain.chain_id.parse().map_err(invalid)?,
        initial_height: 1,
        consensus_params: consensus_params(),
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

fn p2p_addr(ip: Ipv4Addr, port: u16) -> String {
    format!("/ip4/{ip}/tcp/{port}")
}

fn rpc_url(ip: Ipv4Addr, port: u16) -> String {
    format!("http://{ip}:{port}")
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
    use base64::Engine as _;

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
            trusting_period_secs: None,
            network: Network::Loopback { base_port: None },
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
            trusting_period_secs: None,
            network: Network::Loopback {
                base_port: Some(40_000),
            },
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

    #[test]
    fn a_containers_testnet_gives_every_node_its_own_address() {
        let dir = tempfile::tempdir().unwrap();
        let network = ContainerNetwork {
            subnet: [10, 77, 0],
            host_rpc_port_base: 26657,
        };
        let plan = TestnetPlan {
            validators: 4,
            block_time_ms: 1000,
            trusting_period_secs: None,
            network: Network::Containers(network),
        };
        let chains = [
            spec("coordinator-1", AppKind::Coordinator),
            spec("security-1", AppKind::Security),
        ];
        let (manifest, client) = generate(dir.path(), &plan, &chains).unwrap();
        // Containers are not `xcc testnet start`'s to run.
        assert!(!dir.path().join(MANIFEST_FILE).exists());
        assert_eq!(
            client.chains["coordinator-1"].rpc,
            ["http://127.0.0.1:26657"]
        );
        assert_eq!(client.chains["security-1"].rpc, ["http://127.0.0.1:26658"]);
        let inside: ClientConfig =
            crate::read_toml(&dir.path().join(RELAYER_HOME).join(CLIENT_CONFIG_FILE)).unwrap();
        assert_eq!(
            inside.chains["security-1"].rpc,
            [20, 21, 22, 23].map(|host| format!("http://10.77.0.{host}:26657"))
        );

        let node = &manifest.nodes[5];
        assert_eq!(node.moniker, "security-1-node1");
        let home = NodeHome::new(dir.path().join(&node.home));
        let config = home.read_config().unwrap();
        assert_eq!(config.consensus.listen_addr, "/ip4/0.0.0.0/tcp/26656");
        assert_eq!(config.rpc.laddr.to_string(), "0.0.0.0:26657");
        assert_eq!(
            config.consensus.persistent_peers,
            [20, 22, 23].map(|host| format!("/ip4/10.77.0.{host}/tcp/26656"))
        );
        assert_eq!(
            config.mempool.broadcast_peers,
            [20, 22, 23].map(|host| format!("http://10.77.0.{host}:26657"))
        );

        // The CometBFT layout of the same validator: same key and genesis,
        // peers by node id.
        let comet = home.config_dir().join(crate::COMETBFT_HOME).join("config");
        let key = PrivValidatorKey::read(&comet.join("priv_validator_key.json")).unwrap();
        assert_eq!(key.public_key(), home.read_key().unwrap().public_key());
        let genesis = std::fs::read_to_string(comet.join("genesis.json")).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&genesis).unwrap(),
            serde_json::from_str::<serde_json::Value>(
                &std::fs::read_to_string(home.genesis_file()).unwrap()
            )
            .unwrap()
        );
        let comet_config: toml::Table =
            toml::from_str(&std::fs::read_to_string(comet.join("config.toml")).unwrap()).unwrap();
        assert_eq!(
            comet_config["proxy_app"].as_str(),
            Some("tcp://security-1-node1-app:26658")
        );
        let peers = comet_config["p2p"]["persistent_peers"].as_str().unwrap();
        let node_key: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(
                dir.path()
                    .join("security-1/node0/config/cometbft/config/node_key.json"),
            )
            .unwrap(),
        )
        .unwrap();
        let secret = base64::engine::general_purpose::STANDARD
            .decode(node_key["priv_key"]["value"].as_str().unwrap())
            .unwrap();
        let seed: [u8; 32] = secret[..32].try_into().unwrap();
        let node0_id = cometbft::node_id(&PrivValidatorKey::new(SigningKey::from(seed)));
        let peers: Vec<&str> = peers.split(',').collect();
        assert_eq!(peers.len(), 3);
        assert_eq!(peers[0], format!("{node0_id}@10.77.0.20:26656"));
        assert!(comet
            .parent()
            .unwrap()
            .join("data/priv_validator_state.json")
            .exists());
    }

    #[test]
    fn a_containers_testnet_refuses_more_validators_than_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let plan = TestnetPlan {
            validators: MAX_CONTAINER_VALIDATORS + 1,
            block_time_ms: 1000,
            trusting_period_secs: None,
            network: Network::Containers(ContainerNetwork {
                subnet: [10, 77, 0],
                host_rpc_port_base: 26657,
            }),
        };
        assert!(generate(dir.path(), &plan, &[spec("currency-1", AppKind::Currency)]).is_err());
        assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
    }
}

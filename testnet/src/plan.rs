//! Planning a testnet, as a pure function of what it is given: the plan,
//! the chains, one fresh key per identity, the ports of a loopback testnet
//! and the genesis time. Every validator's home for each chain, a shared
//! genesis per chain and the client configs come out as values;
//! `crate::write` puts them on disk. Nodes either share this machine's
//! loopback, on ports that do not clash (with the manifest that `xcc testnet
//! start|status|stop` read), or each live in a container of their own.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use ed25519_consensus::SigningKey;
use xcc_chain::ibc::client::{DEFAULT_MAX_CLOCK_DRIFT_SECS, DEFAULT_TRUSTING_PERIOD_SECS};
use xcc_chain::ibc::{IbcGenesis, TrustRoot};
use xcc_home::{ChainEndpoints, ClientConfig};
use xcc_node_config::{
    consensus_params, AppKind, ConfigError, ConsensusSection, InstrumentationSection,
    MempoolSection, NodeConfig, PrivValidatorKey, RpcSection, StateSection,
};

use crate::cometbft;
use crate::manifest::{TestnetManifest, TestnetNode};

/// One chain of the testnet.
#[derive(Clone, Debug)]
pub struct ChainSpec {
    pub chain_id: String,
    pub app: AppKind,
    /// The genesis `app_state`; the planner adds the `ibc` section.
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
/// Where a node serves Prometheus metrics inside its container (CometBFT's
/// default), for a scraper on the testnet's network.
pub const CONTAINER_METRICS_PORT: u16 = 26660;
/// Where, under a containers testnet, the relayer's home is (its client
/// config names every node by its container address).
pub const RELAYER_HOME: &str = "relayer";
/// At most this many validators per chain fit the container addressing.
pub const MAX_CONTAINER_VALIDATORS: usize = 10;
/// At most this many chains fit the container addressing.
pub const MAX_CONTAINER_CHAINS: usize = 9;

impl ContainerNetwork {
    /// The address of node `node` of the `chain`th chain: `.10`.. for the
    /// first chain, `.20`.. for the second, and so on.
    pub fn container_ip(&self, chain: usize, node: usize) -> Ipv4Addr {
        let [a, b, c] = self.subnet;
        Ipv4Addr::new(a, b, c, (10 * (chain + 1) + node) as u8)
    }
}

impl TestnetPlan {
    /// How many ports a loopback testnet of `chains` chains listens on.
    pub fn loopback_ports(&self, chains: usize) -> usize {
        match self.network {
            // Three a node, and the explorer's.
            Network::Loopback { .. } => 3 * self.validators * chains + 1,
            Network::Containers(_) => 0,
        }
    }
}

/// What planning needs from outside: fresh keys, ports and a clock.
pub struct PlanInputs<K: FnMut() -> SigningKey> {
    /// A fresh key for each validator and each p2p identity.
    pub new_key: K,
    /// `TestnetPlan::loopback_ports` free ports, for a loopback testnet.
    pub ports: Vec<u16>,
    pub genesis_time: tendermint::Time,
}

/// A planned testnet, every file's content as a value.
#[derive(Clone, Debug)]
pub struct Testnet {
    pub chains: Vec<PlannedChain>,
    /// The nodes `xcc testnet start` runs; written for loopback testnets.
    pub manifest: TestnetManifest,
    /// `<dir>/client.toml`: the chains as this machine reaches them.
    pub client: ClientConfig,
    /// `<dir>/relayer/client.toml` of a containers testnet: the chains as
    /// the relayer reaches them, inside the network.
    pub relayer_client: Option<ClientConfig>,
}

#[derive(Clone, Debug)]
pub struct PlannedChain {
    pub chain_id: String,
    pub genesis: tendermint::Genesis,
    pub nodes: Vec<PlannedNode>,
}

#[derive(Clone, Debug)]
pub struct PlannedNode {
    /// Relative to the testnet directory.
    pub home: PathBuf,
    pub moniker: String,
    pub key: PrivValidatorKey,
    /// The node's p2p identity under CometBFT.
    pub p2p_key: PrivValidatorKey,
    pub config: NodeConfig,
    /// The same validator laid out for CometBFT, in a containers testnet.
    pub cometbft: Option<CometPlan>,
}

#[derive(Clone, Debug)]
pub struct CometPlan {
    /// `id@ip:port` of every other validator.
    pub persistent_peers: Vec<String>,
    pub proxy_app: String,
}

/// Plans the testnet; refuses plans that cannot be laid out.
pub fn plan<K: FnMut() -> SigningKey>(
    plan: &TestnetPlan,
    chains: &[ChainSpec],
    inputs: PlanInputs<K>,
) -> Result<Testnet, ConfigError> {
    let PlanInputs {
        mut new_key,
        ports,
        genesis_time,
    } = inputs;
    if plan.validators == 0 {
        return Err(ConfigError::Invalid(
            "a testnet needs at least one validator".into(),
        ));
    }
    if let Network::Containers(network) = &plan.network {
        if plan.validators > MAX_CONTAINER_VALIDATORS || chains.len() > MAX_CONTAINER_CHAINS {
            return Err(ConfigError::Invalid(format!(
                "a containers testnet holds at most {MAX_CONTAINER_VALIDATORS} validators per \
                 chain and {MAX_CONTAINER_CHAINS} chains"
            )));
        }
        host_rpc_url(network, chains.len())?;
    }
    let needed = plan.loopback_ports(chains.len());
    if ports.len() != needed {
        return Err(ConfigError::Invalid(format!(
            "a loopback testnet of {} chains needs {needed} ports, {} were given",
            chains.len(),
            ports.len()
        )));
    }
    let mut ports = ports.into_iter();
    let identities: Vec<Vec<Identity>> = chains
        .iter()
        .enumerate()
        .map(|(chain_index, chain)| {
            (0..plan.validators)
                .map(|index| Identity {
                    moniker: format!("{}-node{index}", chain.chain_id),
                    key: PrivValidatorKey::new(new_key()),
                    p2p_key: PrivValidatorKey::new(new_key()),
                    addresses: addresses(&plan.network, &mut ports, chain_index, index),
                })
                .collect()
        })
        .collect();
    let explorer = match plan.network {
        Network::Loopback { .. } => ports.next().map(|port| format!("127.0.0.1:{port}")),
        Network::Containers(_) => None,
    };
    let mut testnet = Testnet {
        chains: Vec::new(),
        manifest: TestnetManifest {
            explorer,
            nodes: Vec::new(),
        },
        client: ClientConfig::default(),
        relayer_client: match plan.network {
            Network::Loopback { .. } => None,
            Network::Containers(_) => Some(ClientConfig::default()),
        },
    };
    for (chain_index, (chain, nodes)) in chains.iter().zip(&identities).enumerate() {
        let app_state = with_counterparties(
            chain,
            chains.iter().zip(&identities),
            genesis_time,
            plan.trusting_period_secs,
        )?;
        let invalid = |e: tendermint::Error| ConfigError::Invalid(e.to_string());
        let genesis = tendermint::Genesis {
            genesis_time,
            chain_id: chain.chain_id.parse().map_err(invalid)?,
            initial_height: 1,
            consensus_params: consensus_params(),
            validators: validators(nodes),
            app_hash: Default::default(),
            app_state,
        };
        let mut planned = PlannedChain {
            chain_id: chain.chain_id.clone(),
            genesis,
            nodes: Vec::new(),
        };
        for (index, node) in nodes.iter().enumerate() {
            let others = || {
                nodes
                    .iter()
                    .enumerate()
                    .filter(move |(other, _)| *other != index)
            };
            let config = NodeConfig {
                moniker: node.moniker.clone(),
                app: chain.app,
                consensus: ConsensusSection {
                    listen_addr: node.addresses.p2p_listen.clone(),
                    persistent_peers: others()
                        .map(|(_, o)| o.addresses.p2p_peer.clone())
                        .collect(),
                    block_time_ms: plan.block_time_ms,
                    timeout_propose_ms: (plan.block_time_ms * 3).max(300),
                },
                rpc: RpcSection {
                    laddr: node.addresses.rpc_listen,
                },
                mempool: MempoolSection {
                    broadcast_peers: others().map(|(_, o)| o.addresses.rpc_url.clone()).collect(),
                    ..MempoolSection::default()
                },
                state: StateSection::default(),
                instrumentation: InstrumentationSection {
                    prometheus_listen_addr: Some(node.addresses.metrics_listen),
                },
            };
            let cometbft = match &plan.network {
                Network::Loopback { .. } => None,
                Network::Containers(network) => Some(CometPlan {
                    persistent_peers: others()
                        .map(|(other, o)| {
                            let ip = network.container_ip(chain_index, other);
                            format!(
                                "{}@{ip}:{CONTAINER_P2P_PORT}",
                                cometbft::node_id(&o.p2p_key)
                            )
                        })
                        .collect(),
                    proxy_app: format!("tcp://{}-app:{CONTAINER_ABCI_PORT}", node.moniker),
                }),
            };
            let home = PathBuf::from(&chain.chain_id).join(format!("node{index}"));
            testnet.manifest.nodes.push(TestnetNode {
                chain_id: chain.chain_id.clone(),
                moniker: node.moniker.clone(),
                home: home.clone(),
                rpc: node.addresses.rpc_url.clone(),
            });
            planned.nodes.push(PlannedNode {
                home,
                moniker: node.moniker.clone(),
                key: node.key.clone(),
                p2p_key: node.p2p_key.clone(),
                config,
                cometbft,
            });
        }
        let genesis_file = planned
            .nodes
            .first()
            .map(|n| n.home.join("config").join("genesis.json"));
        let all_nodes = ChainEndpoints {
            app: chain.app,
            rpc: nodes.iter().map(|n| n.addresses.rpc_url.clone()).collect(),
            genesis: genesis_file.clone(),
        };
        match &plan.network {
            Network::Loopback { .. } => {
                testnet
                    .client
                    .chains
                    .insert(chain.chain_id.clone(), all_nodes);
            }
            Network::Containers(network) => {
                let published = ChainEndpoints {
                    app: chain.app,
                    rpc: vec![host_rpc_url(network, chain_index)?],
                    genesis: genesis_file,
                };
                testnet
                    .client
                    .chains
                    .insert(chain.chain_id.clone(), published);
                if let Some(relayer) = &mut testnet.relayer_client {
                    relayer.chains.insert(chain.chain_id.clone(), all_nodes);
                }
            }
        }
        testnet.chains.push(planned);
    }
    Ok(testnet)
}

/// A validator before its home is laid out.
struct Identity {
    moniker: String,
    key: PrivValidatorKey,
    p2p_key: PrivValidatorKey,
    addresses: NodeAddresses,
}

/// Where a node listens and where the others reach it.
struct NodeAddresses {
    p2p_listen: String,
    p2p_peer: String,
    rpc_listen: SocketAddr,
    rpc_url: String,
    metrics_listen: SocketAddr,
}

/// Node `node` of the `chain`th chain's addresses: two of the given ports
/// on loopback, the standard ports at its own address in containers.
fn addresses(
    network: &Network,
    ports: &mut impl Iterator<Item = u16>,
    chain: usize,
    node: usize,
) -> NodeAddresses {
    match network {
        Network::Loopback { .. } => {
            // `plan` checked that there are three ports per node.
            let (p2p, rpc, metrics) = (
                ports.next().unwrap_or_default(),
                ports.next().unwrap_or_default(),
                ports.next().unwrap_or_default(),
            );
            NodeAddresses {
                p2p_listen: p2p_addr(Ipv4Addr::LOCALHOST, p2p),
                p2p_peer: p2p_addr(Ipv4Addr::LOCALHOST, p2p),
                rpc_listen: SocketAddr::from((Ipv4Addr::LOCALHOST, rpc)),
                rpc_url: rpc_url(Ipv4Addr::LOCALHOST, rpc),
                metrics_listen: SocketAddr::from((Ipv4Addr::LOCALHOST, metrics)),
            }
        }
        Network::Containers(network) => {
            let ip = network.container_ip(chain, node);
            NodeAddresses {
                p2p_listen: p2p_addr(Ipv4Addr::UNSPECIFIED, CONTAINER_P2P_PORT),
                p2p_peer: p2p_addr(ip, CONTAINER_P2P_PORT),
                rpc_listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, CONTAINER_RPC_PORT)),
                rpc_url: rpc_url(ip, CONTAINER_RPC_PORT),
                metrics_listen: SocketAddr::from((Ipv4Addr::UNSPECIFIED, CONTAINER_METRICS_PORT)),
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

fn validators(nodes: &[Identity]) -> Vec<tendermint::validator::Info> {
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
fn with_counterparties<'a>(
    chain: &ChainSpec,
    all: impl Iterator<Item = (&'a ChainSpec, &'a Vec<Identity>)>,
    genesis_time: tendermint::Time,
    trusting_period_secs: Option<u64>,
) -> Result<serde_json::Value, ConfigError> {
    let ibc = IbcGenesis {
        counterparties: all
            .filter(|(other, _)| other.chain_id != chain.chain_id)
            .map(|(other, nodes)| TrustRoot {
                chain_id: other.chain_id.clone(),
                genesis_time,
                validators: validators(nodes),
                trusting_period_secs: trusting_period_secs.unwrap_or(DEFAULT_TRUSTING_PERIOD_SECS),
                max_clock_drift_secs: DEFAULT_MAX_CLOCK_DRIFT_SECS,
            })
            .collect(),
    };
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
    let ibc = serde_json::to_value(ibc).map_err(|e| ConfigError::Invalid(e.to_string()))?;
    sections.insert("ibc".to_owned(), ibc);
    Ok(app_state)
}

fn p2p_addr(ip: Ipv4Addr, port: u16) -> String {
    format!("/ip4/{ip}/tcp/{port}")
}

fn rpc_url(ip: Ipv4Addr, port: u16) -> String {
    format!("http://{ip}:{port}")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A chain with an empty `app_state`.
    pub(crate) fn spec(chain_id: &str, app: AppKind) -> ChainSpec {
        ChainSpec {
            chain_id: chain_id.into(),
            app,
            app_state: serde_json::json!({}),
        }
    }

    fn inputs(ports: Vec<u16>) -> PlanInputs<impl FnMut() -> SigningKey> {
        let mut seed = 0u8;
        PlanInputs {
            new_key: move || {
                seed += 1;
                SigningKey::from([seed; 32])
            },
            ports,
            genesis_time: tendermint::Time::from_unix_timestamp(1_700_000_000, 0).unwrap(),
        }
    }

    fn loopback(validators: usize) -> TestnetPlan {
        TestnetPlan {
            validators,
            block_time_ms: 200,
            trusting_period_secs: Some(60),
            network: Network::Loopback { base_port: None },
        }
    }

    #[test]
    fn the_same_inputs_plan_the_same_testnet() {
        let chains = [
            spec("security-1", AppKind::Security),
            spec("currency-1", AppKind::Currency),
        ];
        let ports: Vec<u16> = (41_000..41_013).collect();
        let first = plan(&loopback(2), &chains, inputs(ports.clone())).unwrap();
        let again = plan(&loopback(2), &chains, inputs(ports)).unwrap();
        let genesis = |t: &Testnet| serde_json::to_string(&t.chains[1].genesis).unwrap();
        assert_eq!(genesis(&first), genesis(&again));
        let node = &first.chains[1].nodes[1];
        assert_eq!(node.moniker, "currency-1-node1");
        assert_eq!(node.home, PathBuf::from("currency-1/node1"));
        // Three ports a node, in node order: p2p, RPC, metrics.
        assert_eq!(node.config.rpc.laddr.port(), 41_010);
        assert_eq!(
            node.config
                .instrumentation
                .prometheus_listen_addr
                .map(|addr| addr.port()),
            Some(41_011)
        );
        assert_eq!(
            node.config.consensus.persistent_peers,
            ["/ip4/127.0.0.1/tcp/41006"]
        );
        assert_eq!(
            node.config.mempool.broadcast_peers,
            ["http://127.0.0.1:41007"]
        );
        assert_eq!(first.client.chains["currency-1"].rpc.len(), 2);
        assert!(first.relayer_client.is_none() && node.cometbft.is_none());
        // The port after the nodes' is the explorer's.
        assert_eq!(first.manifest.explorer.as_deref(), Some("127.0.0.1:41012"));
    }

    #[test]
    fn every_chain_trusts_the_others_from_their_genesis_validators() {
        let chains = [
            spec("coordinator-1", AppKind::Coordinator),
            spec("security-1", AppKind::Security),
            spec("currency-1", AppKind::Currency),
        ];
        let testnet = plan(&loopback(1), &chains, inputs((0..10).collect())).unwrap();
        let ibc: IbcGenesis =
            serde_json::from_value(testnet.chains[0].genesis.app_state["ibc"].clone()).unwrap();
        let trusted: Vec<_> = ibc
            .counterparties
            .iter()
            .map(|c| c.chain_id.as_str())
            .collect();
        assert_eq!(trusted, ["security-1", "currency-1"]);
        assert_eq!(
            ibc.counterparties[0].validators,
            testnet.chains[1].genesis.validators
        );
        assert_eq!(ibc.counterparties[0].trusting_period_secs, 60);
    }

    #[test]
    fn plans_that_cannot_be_laid_out_are_refused() {
        let chains = [spec("currency-1", AppKind::Currency)];
        let refused = |plan_of: TestnetPlan, ports: Vec<u16>| {
            plan(&plan_of, &chains, inputs(ports))
                .unwrap_err()
                .to_string()
        };
        assert!(refused(loopback(0), vec![]).contains("at least one validator"));
        assert!(refused(loopback(2), vec![1, 2, 3]).contains("needs 7 ports, 3 were given"));
        let containers = TestnetPlan {
            network: Network::Containers(ContainerNetwork {
                subnet: [10, 77, 0],
                host_rpc_port_base: 26657,
            }),
            ..loopback(MAX_CONTAINER_VALIDATORS + 1)
        };
        assert!(refused(containers, vec![]).contains("at most 10 validators"));
        let app_state = ChainSpec {
            app_state: serde_json::json!([1, 2]),
            ..spec("currency-1", AppKind::Currency)
        };
        let error = plan(&loopback(1), &[app_state], inputs(vec![1, 2, 3, 4])).unwrap_err();
        assert!(error.to_string().contains("not a JSON object"));
    }
}

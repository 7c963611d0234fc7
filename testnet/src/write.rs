//! Writing a planned testnet into a directory, and `generate`, which plans
//! one with fresh keys, free ports and the current time and writes it.

use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;

use ed25519_consensus::SigningKey;
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::{write_toml, ConfigError, NodeHome};

use crate::cometbft;
use crate::manifest::{TestnetManifest, MANIFEST_FILE};
use crate::plan::{self, Network, PlanInputs, Testnet, TestnetPlan, RELAYER_HOME};

/// Plans a testnet with fresh keys, free ports and the current time, and
/// writes it into `dir`, which must not hold one already.
pub fn generate(
    dir: &Path,
    testnet_plan: &TestnetPlan,
    chains: &[plan::ChainSpec],
) -> Result<(TestnetManifest, ClientConfig), ConfigError> {
    generate_with(dir, testnet_plan, chains, |_| Ok(()))
}

/// `generate`, with a last look at the planned testnet before it is
/// written: a genesis section that names the chain's own validators (a
/// proof-of-trust platform's consensus key) is completed there.
pub fn generate_with(
    dir: &Path,
    testnet_plan: &TestnetPlan,
    chains: &[plan::ChainSpec],
    complete: impl FnOnce(&mut Testnet) -> Result<(), ConfigError>,
) -> Result<(TestnetManifest, ClientConfig), ConfigError> {
    if dir.join(MANIFEST_FILE).exists() {
        return Err(ConfigError::Invalid(format!(
            "{} already holds a testnet; stop it and remove the directory first",
            dir.display()
        )));
    }
    let count = testnet_plan.loopback_ports(chains.len());
    let ports = match testnet_plan.network {
        Network::Loopback { base_port } => {
            free_ports(base_port, count).map_err(|source| ConfigError::io(dir, source))?
        }
        Network::Containers(_) => Vec::new(),
    };
    let inputs = PlanInputs {
        new_key: || SigningKey::new(rand_core::OsRng),
        ports,
        genesis_time: tendermint::Time::now(),
    };
    let mut testnet = plan::plan(testnet_plan, chains, inputs)?;
    complete(&mut testnet)?;
    write(dir, &testnet)?;
    Ok((testnet.manifest, testnet.client))
}

/// Writes every file of a planned testnet under `dir`.
pub fn write(dir: &Path, testnet: &Testnet) -> Result<(), ConfigError> {
    for chain in &testnet.chains {
        for node in &chain.nodes {
            let home = NodeHome::new(dir.join(&node.home));
            create_dir(&home.config_dir())?;
            create_dir(&home.data_dir())?;
            node.key.write(&home.key_file())?;
            write_json(&home.genesis_file(), &chain.genesis)?;
            write_toml(&home.config_file(), &node.config)?;
            if let Some(comet) = &node.cometbft {
                let layout = cometbft::CometNode {
                    moniker: &node.moniker,
                    validator_key: &node.key,
                    node_key: &node.p2p_key,
                    persistent_peers: comet.persistent_peers.clone(),
                    proxy_app: comet.proxy_app.clone(),
                    block_time_ms: node.config.consensus.block_time_ms,
                    timeout_propose_ms: node.config.consensus.timeout_propose_ms,
                    genesis: &chain.genesis,
                };
                cometbft::write_home(&home.config_dir().join(cometbft::COMETBFT_HOME), &layout)?;
            }
        }
    }
    write_toml(&dir.join(CLIENT_CONFIG_FILE), &testnet.client)?;
    match &testnet.relayer_client {
        // `xcc testnet start|stop` runs loopback nodes; containers are run
        // by their engine instead.
        None => write_toml(&dir.join(MANIFEST_FILE), &testnet.manifest)?,
        Some(relayer_client) => {
            let relayer = dir.join(RELAYER_HOME);
            create_dir(&relayer)?;
            write_toml(&relayer.join(CLIENT_CONFIG_FILE), relayer_client)?;
        }
    }
    Ok(())
}

/// Ports for every node: consecutive from a base, or picked by the OS. The
/// OS-picked ports are held until all are chosen so none is handed out twice.
fn free_ports(base: Option<u16>, count: usize) -> std::io::Result<Vec<u16>> {
    match base {
        Some(base) => (0..count)
            .map(|i| {
                u16::try_from(usize::from(base) + i).map_err(|_| {
                    std::io::Error::new(
                        std::io::ErrorKind::InvalidInput,
                        format!("base port {base} leaves no room for {count} ports"),
                    )
                })
            })
            .collect(),
        None => {
            let listeners = (0..count)
                .map(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))
                .collect::<Result<Vec<_>, _>>()?;
            listeners
                .iter()
                .map(|l| l.local_addr().map(|a| a.port()))
                .collect()
        }
    }
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
    use crate::plan::tests::spec;
    use crate::plan::{ContainerNetwork, MAX_CONTAINER_VALIDATORS, RELAYER_HOME};
    use ed25519_consensus::SigningKey;
    use xcc_home::CLIENT_CONFIG_FILE;
    use xcc_node_config::{AppKind, PrivValidatorKey};

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
            xcc_node_config::read_toml(&dir.path().join(RELAYER_HOME).join(CLIENT_CONFIG_FILE))
                .unwrap();
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
        let comet = home
            .config_dir()
            .join(crate::cometbft::COMETBFT_HOME)
            .join("config");
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

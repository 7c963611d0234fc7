//! `xcc testnet init`: the chains whose apps exist, their genesis state and
//! the keys a user needs to try them.

use std::path::Path;

use anyhow::Context;
use ed25519_consensus::SigningKey;
use xcc_chain::participant::ParticipantGenesis;
use xcc_chain::validators::ValidatorsGenesis;
use xcc_currency::{CurrencyGenesis, DenomGenesis, GenesisBalance};
use xcc_node_config::AppKind;
use xcc_security::{GenesisHolding, GenesisSecurity, SecurityGenesis};
use xcc_testnet::{
    generate_with, ChainSpec, ContainerNetwork, Network, TestnetManifest, TestnetPlan, RELAYER_HOME,
};

use crate::keyring::{Keyring, NamedKey};

pub const SECURITY_CHAIN: &str = "security-1";
pub const CURRENCY_CHAIN: &str = "currency-1";
pub const COORDINATOR_CHAIN: &str = "coordinator-1";
/// The security every testnet starts with.
pub const DEMO_SECURITY: &str = "HARB";
/// The security of many holders a payout benchmark starts with.
pub const MANY_HOLDERS_SECURITY: &str = "MANY";
/// The subnet of the compose testnet (`docker-compose.yml` names the same
/// addresses): the coordinator's validators at .10.., the security chain's at
/// .20.., the currency chain's at .30...
pub const COMPOSE_SUBNET: [u8; 3] = [10, 77, 0];
/// The cash every user account starts with.
pub const USER_CASH: u64 = 1_000_000;
pub const BANK_CASH: u64 = 1_000_000_000;

/// The key of the `index`th holder of `MANY_HOLDERS_SECURITY`, derived
/// from its index so that a benchmark can sign for it.
pub fn many_holder_key(index: usize) -> SigningKey {
    let mut seed = [9u8; 32];
    seed[..8].copy_from_slice(&(index as u64).to_be_bytes());
    SigningKey::from(seed)
}

/// The address of the `index`th holder of `MANY_HOLDERS_SECURITY`.
pub fn many_holder(index: usize) -> xcc_chain::Address {
    xcc_chain::Address::from_public_key(&many_holder_key(index).verification_key())
}

/// A security with `holders` whitelisted holders of one unit each (none
/// when 0), for benchmarks of payouts.
fn many_holders(
    issuer: xcc_chain::Address,
    holders: usize,
) -> anyhow::Result<Vec<GenesisSecurity>> {
    if holders == 0 {
        return Ok(Vec::new());
    }
    let accounts: Vec<_> = (0..holders).map(many_holder).collect();
    Ok(vec![GenesisSecurity {
        symbol: MANY_HOLDERS_SECURITY.parse().context("symbol")?,
        name: "A tower of many owners".into(),
        issuer,
        total_supply: 2 * holders as u64,
        holder_cap: u32::try_from(holders).context("too many holders")?,
        whitelist: accounts.clone(),
        whitelist_expires_at: 4_102_444_800,
        balances: accounts
            .into_iter()
            .map(|account| GenesisHolding { account, amount: 1 })
            .collect(),
    }])
}

/// What the security chain's genesis holds beside HARB: a security of
/// `count` holders (none when 0), and the holders a dividend page carries.
#[derive(Clone, Copy, Debug, Default)]
pub struct GenesisHolders {
    pub count: usize,
    pub dividend_page_holders: Option<u32>,
    pub trust: TrustPlan,
}

/// Proof of trust on the security chain: its last `platforms` validators
/// are trading platforms (the others the registrar's, whose power is the
/// floor), and every `epoch_blocks` their powers follow their fees.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustPlan {
    pub platforms: usize,
    pub epoch_blocks: u64,
}

/// The power shared among the platforms at each epoch.
const TRUST_POOL: u64 = 1_000;

/// The security chain's `trust` section: the testnet's bank signs receipts
/// on every testnet; platforms are named once the validators' keys exist.
fn trust_genesis(bank: &NamedKey, plan: TrustPlan) -> serde_json::Value {
    serde_json::json!({
        "fee_denom": "usd",
        "epoch_blocks": plan.epoch_blocks,
        "window_epochs": 10,
        "pool": TRUST_POOL,
        "banks": [{
            "key": hex::encode(bank.key.verification_key().to_bytes()),
            "name": "The testnet's bank",
            "valid_until_ns": u64::MAX,
        }],
    })
}

/// Names the security chain's platforms and registrar validators from its
/// genesis validators; each platform is operated by a key of the keyring.
fn complete_trust(
    testnet: &mut xcc_testnet::plan::Testnet,
    keyring: &Keyring,
    plan: TrustPlan,
) -> anyhow::Result<()> {
    let Some(chain) = testnet
        .chains
        .iter_mut()
        .find(|c| c.chain_id == SECURITY_CHAIN)
    else {
        return Ok(());
    };
    if plan.platforms == 0 {
        return Ok(());
    }
    let validators = &chain.genesis.validators;
    if plan.platforms >= validators.len() {
        anyhow::bail!(
            "{} platforms need at least {} validators: one at least is the registrar's",
            plan.platforms,
            plan.platforms + 1
        );
    }
    let (registrar, platforms) = validators.split_at(validators.len() - plan.platforms);
    let key = |v: &tendermint::validator::Info| hex::encode(v.pub_key.to_bytes());
    let mut named = Vec::new();
    for (index, validator) in platforms.iter().enumerate() {
        let name = format!("platform-{}", index + 1);
        let operator = match keyring.get(&name) {
            Ok(existing) => existing,
            Err(_) => keyring.add(&name, SigningKey::new(rand_core::OsRng))?,
        };
        named.push(serde_json::json!({
            "id": name,
            "validator_key": key(validator),
            "operator": operator.address().to_string(),
            "power": validator.power.value(),
        }));
    }
    let trust = &mut chain.genesis.app_state["trust"];
    trust["platforms"] = serde_json::Value::Array(named);
    trust["registrar_validators"] = registrar
        .iter()
        .map(|v| serde_json::json!({ "public_key": key(v), "power": v.power.value() }))
        .collect();
    Ok(())
}

/// `init`, with the holders of `holders` besides HARB.
pub fn init_with_holders(
    home: &Path,
    plan: TestnetPlan,
    only: &[String],
    holders: GenesisHolders,
) -> anyhow::Result<TestnetManifest> {
    std::fs::create_dir_all(home).with_context(|| format!("creating {}", home.display()))?;
    let keyring = Keyring::open(home)?;
    let key = |name: &str| -> anyhow::Result<xcc_chain::Address> {
        let named = match keyring.get(name) {
            Ok(existing) => existing,
            Err(_) => keyring.add(name, SigningKey::new(rand_core::OsRng))?,
        };
        Ok(named.address())
    };
    let registrar = key("registrar")?;
    let bank = key("bank")?;
    let users = [key("alice")?, key("bob")?];
    // Issues the testnet's first property, HARB.
    let issuer = key("issuer")?;
    // Sets validator powers on every chain (`xcc tx validators`).
    let operator = key("operator")?;
    // Signs what `xcc testnet start`'s relayer relays (no fees, so no funds).
    key("relayer")?;
    let validator_admin = ValidatorsGenesis {
        admin: Some(operator),
    };
    let participant = ParticipantGenesis {
        coordinator: Some(COORDINATOR_CHAIN.into()),
        leg_retention_secs: None,
    };
    let coordinator = xcc_coordinator::Params {
        participants: vec![SECURITY_CHAIN.into(), CURRENCY_CHAIN.into()],
        ..Default::default()
    };

    // A first property, so that swaps work from the start: alice holds 100
    // of its 1,000 units, alice and bob are whitelisted.
    let security = SecurityGenesis {
        registrar: Some(registrar),
        record_window_blocks: xcc_security::DEFAULT_RECORD_WINDOW_BLOCKS,
        dividend_page_holders: holders
            .dividend_page_holders
            .unwrap_or(xcc_security::handler::dividend::DEFAULT_PAGE_HOLDERS),
        securities: vec![GenesisSecurity {
            symbol: DEMO_SECURITY.parse().context("symbol")?,
            name: "12 Harbour Street, Lisbon".into(),
            issuer,
            total_supply: 1_000,
            holder_cap: 200,
            whitelist: users.to_vec(),
            whitelist_expires_at: 4_102_444_800,
            balances: vec![GenesisHolding {
                account: users[0],
                amount: 100,
            }],
        }]
        .into_iter()
        .chain(many_holders(issuer, holders.count)?)
        .collect(),
    };
    let mut balances = vec![GenesisBalance {
        account: bank,
        amount: BANK_CASH,
    }];
    balances.extend(users.iter().map(|&account| GenesisBalance {
        account,
        amount: USER_CASH,
    }));
    let currency = CurrencyGenesis {
        denoms: vec![DenomGenesis {
            denom: "usd".parse().context("denom")?,
            mint_authority: bank,
            balances,
        }],
    };
    let all = [
        ChainSpec {
            chain_id: COORDINATOR_CHAIN.into(),
            app: AppKind::Coordinator,
            app_state: serde_json::json!({ "coordinator": coordinator, "validators": validator_admin }),
        },
        ChainSpec {
            chain_id: SECURITY_CHAIN.into(),
            app: AppKind::Security,
            app_state: serde_json::json!({
                "security": security,
                "participant": participant,
                "validators": validator_admin,
                "trust": trust_genesis(&keyring.get("bank")?, holders.trust),
            }),
        },
        ChainSpec {
            chain_id: CURRENCY_CHAIN.into(),
            app: AppKind::Currency,
            app_state: serde_json::json!({
                "currency": currency,
                "participant": participant,
                "validators": validator_admin,
            }),
        },
    ];
    for chain_id in only {
        if !all.iter().any(|c| &c.chain_id == chain_id) {
            anyhow::bail!(
                "no chain {chain_id:?}; the chains are {COORDINATOR_CHAIN}, {SECURITY_CHAIN} and {CURRENCY_CHAIN}"
            );
        }
    }
    let chains: Vec<ChainSpec> = all
        .into_iter()
        .filter(|c| only.is_empty() || only.contains(&c.chain_id))
        .collect();
    let containers = matches!(plan.network, Network::Containers(_));
    let (manifest, _) = generate_with(home, &plan, &chains, |testnet| {
        complete_trust(testnet, &keyring, holders.trust)
            .map_err(|e| xcc_node_config::ConfigError::Invalid(format!("{e:#}")))
    })?;
    if containers {
        // The relayer's container gets its own home, holding only its key.
        let relayer_keys = Keyring::open(&home.join(RELAYER_HOME))?;
        relayer_keys.add("relayer", keyring.get("relayer")?.key)?;
    }
    Ok(manifest)
}

/// Where the nodes of `xcc testnet init` live.
pub fn network(compose: bool, base_port: Option<u16>) -> Network {
    if compose {
        Network::Containers(ContainerNetwork {
            subnet: COMPOSE_SUBNET,
            host_rpc_port_base: base_port.unwrap_or(26657),
        })
    } else {
        Network::Loopback { base_port }
    }
}

/// `init`, telling the user what it wrote.
pub fn init_and_report(
    home: &Path,
    plan: TestnetPlan,
    only: &[String],
    holders: GenesisHolders,
) -> anyhow::Result<()> {
    let containers = matches!(plan.network, Network::Containers(_));
    let manifest = init_with_holders(home, plan, only, holders)?;
    for node in &manifest.nodes {
        println!("{}\t{}\t{}", node.chain_id, node.moniker, node.rpc);
    }
    let written = if containers {
        format!("and the relayer's home {RELAYER_HOME}/")
    } else {
        format!("and {}", xcc_testnet::MANIFEST_FILE)
    };
    println!(
        "wrote {} node homes, {} {written} in {}",
        manifest.nodes.len(),
        xcc_home::CLIENT_CONFIG_FILE,
        home.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
    use xcc_node_config::read_toml;
    use xcc_testnet::MANIFEST_FILE;

    use super::*;

    #[test]
    fn a_compose_testnet_gives_the_relayer_a_home_of_its_own() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let plan = TestnetPlan {
            validators: 4,
            block_time_ms: 1000,
            trusting_period_secs: None,
            network: network(true, Some(36657)),
        };
        init_with_holders(home, plan, &[], GenesisHolders::default()).unwrap();

        assert!(!home.join(MANIFEST_FILE).exists());
        let host: ClientConfig = read_toml(&home.join(CLIENT_CONFIG_FILE)).unwrap();
        assert_eq!(
            host.chains[COORDINATOR_CHAIN].rpc,
            ["http://127.0.0.1:36657"]
        );
        assert_eq!(host.chains[SECURITY_CHAIN].rpc, ["http://127.0.0.1:36658"]);
        assert_eq!(host.chains[CURRENCY_CHAIN].rpc, ["http://127.0.0.1:36659"]);

        let relayer_home = home.join(RELAYER_HOME);
        let inside: ClientConfig = read_toml(&relayer_home.join(CLIENT_CONFIG_FILE)).unwrap();
        assert_eq!(inside.chains[CURRENCY_CHAIN].rpc.len(), 4);
        assert!(inside.chains[CURRENCY_CHAIN].rpc[0].starts_with("http://10.77.0.30:"));
        // The relayer's keyring holds the relayer key, and only it.
        let relayer_keys = Keyring::open(&relayer_home).unwrap().list().unwrap();
        assert_eq!(relayer_keys.len(), 1);
        assert_eq!(
            relayer_keys[0].address(),
            Keyring::open(home)
                .unwrap()
                .get("relayer")
                .unwrap()
                .address()
        );
    }
}

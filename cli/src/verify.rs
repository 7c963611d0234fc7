//! Proven reads: an ics23 proof of a store key, checked against the app hash
//! of a header that the light-client verifier accepts from the chain's
//! genesis validators, through any validator-set rotation since. Nothing
//! the RPC node says is taken on trust.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context};
use prost::Message;
use tendermint::block::signed_header::SignedHeader;
use tendermint::block::Height;
use tendermint::validator;
use tendermint_rpc::{Client, HttpClient, Paging};
use xcc_chain::app::{PROOF_OP_TYPE, STORE_KEY_PATH};
use xcc_chain::ibc::bisection::{self, HeaderSource, Trusted};
use xcc_chain::ibc::client::time_ns;
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::read_toml;
use xcc_proto::ibc::v1 as ibc;

/// A validator set is trusted this long after the header that vouched for it.
const TRUSTING_PERIOD: Duration = Duration::from_secs(21 * 24 * 3600);
const MAX_CLOCK_DRIFT: Duration = Duration::from_secs(10);

/// A value read with a verified proof.
#[derive(Debug)]
pub struct ProvenValue {
    /// The state version read: the state after block `height`.
    pub height: u64,
    /// `None`: the key is proven absent.
    pub value: Option<Vec<u8>>,
}

/// The genesis the chain's trust starts from: the file `client.toml` names,
/// else (with a warning) the one the RPC node serves.
async fn trusted_genesis(
    home: &Path,
    chain_id: &str,
    client: &HttpClient,
) -> anyhow::Result<tendermint::Genesis> {
    let configured = read_toml::<ClientConfig>(&home.join(CLIENT_CONFIG_FILE))
        .ok()
        .and_then(|config| config.chains.get(chain_id)?.genesis.clone());
    if let Some(path) = configured {
        let path = home.join(path);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading the trusted genesis {}", path.display()))?;
        return serde_json::from_str(&text)
            .with_context(|| format!("parsing the trusted genesis {}", path.display()));
    }
    eprintln!("warning: no trusted genesis for {chain_id} in client.toml; trusting the node's");
    client
        .genesis::<serde_json::Value>()
        .await
        .map_err(|e| anyhow!("fetching the genesis: {e}"))
}

/// A node's RPC as a source of headers for the bisecting verifier.
pub struct RpcHeaders<'a>(pub &'a HttpClient);

impl HeaderSource for RpcHeaders<'_> {
    type Error = anyhow::Error;

    async fn signed_header(&self, height: u64) -> anyhow::Result<SignedHeader> {
        let at = Height::try_from(height)?;
        let commit = self
            .0
            .commit(at)
            .await
            .map_err(|e| anyhow!("fetching the commit at {height}: {e}"))?;
        Ok(commit.signed_header)
    }

    async fn validators(&self, height: u64) -> anyhow::Result<validator::Set> {
        let at = Height::try_from(height)?;
        let answer = self
            .0
            .validators(at, Paging::All)
            .await
            .map_err(|e| anyhow!("fetching the validators at {height}: {e}"))?;
        Ok(validator::Set::without_proposer(answer.validators))
    }
}

/// Verifies the header at `height` from the genesis validator set, by
/// skipping verification with bisection (as an IBC light client follows a
/// chain), and returns its app hash.
pub async fn verified_app_hash(
    home: &Path,
    chain_id: &str,
    client: &HttpClient,
    height: u64,
) -> anyhow::Result<Vec<u8>> {
    let genesis = trusted_genesis(home, chain_id, client).await?;
    if genesis.chain_id.as_str() != chain_id {
        bail!(
            "the trusted genesis is of chain {}, not {chain_id}",
            genesis.chain_id
        );
    }
    let genesis_validators = validator::Set::without_proposer(genesis.validators.clone());
    let light_client = ibc::ClientState {
        chain_id: chain_id.to_owned(),
        trust_level_numerator: 1,
        trust_level_denominator: 3,
        trusting_period_ns: TRUSTING_PERIOD.as_nanos() as u64,
        max_clock_drift_ns: MAX_CLOCK_DRIFT.as_nanos() as u64,
        ..Default::default()
    };
    let trusted = Trusted {
        height: 0,
        consensus: ibc::ConsensusState {
            timestamp_ns: time_ns(genesis.genesis_time),
            app_hash: Vec::new(),
            next_validators_hash: genesis_validators.hash().as_bytes().to_vec(),
        },
    };
    let steps = bisection::verify_to(
        &RpcHeaders(client),
        &light_client,
        trusted,
        height,
        tendermint::Time::now(),
    )
    .await
    .map_err(|e| match e {
        bisection::BisectionError::Source(e) => e,
        other => anyhow!("header {height} does not verify from the trusted genesis: {other}"),
    })?;
    let last = steps
        .last()
        .ok_or_else(|| anyhow!("height {height} is not above the genesis"))?;
    Ok(last.signed_header.header.app_hash.as_bytes().to_vec())
}

/// Reads `key` at the latest (or given) height with a proof, and checks the
/// proof against the verified app hash of the next header.
pub async fn proven_get(
    home: &Path,
    chain_id: &str,
    client: &HttpClient,
    key: &[u8],
    height: Option<u64>,
) -> anyhow::Result<ProvenValue> {
    let answer = client
        .abci_query(
            Some(STORE_KEY_PATH.to_owned()),
            key.to_vec(),
            height.map(Height::try_from).transpose()?,
            true,
        )
        .await
        .map_err(|e| anyhow!("querying {STORE_KEY_PATH}: {e}"))?;
    if answer.code.is_err() {
        bail!(
            "the query failed (code {}): {}",
            answer.code.value(),
            answer.log
        );
    }
    let op = answer
        .proof
        .as_ref()
        .and_then(|ops| ops.ops.first())
        .ok_or_else(|| anyhow!("the node returned no proof"))?;
    if op.field_type != PROOF_OP_TYPE || op.key != key {
        bail!("the proof is of type {:?} for another key", op.field_type);
    }
    let proof =
        ics23::CommitmentProof::decode(op.data.as_slice()).context("the proof does not decode")?;
    let version = answer.height.value();
    // The header of block h+1 carries the app hash of the state after h;
    // wait for it if the queried block is the latest.
    let app_hash = wait_for_header(home, chain_id, client, version + 1).await?;
    let root: [u8; 32] = app_hash
        .as_slice()
        .try_into()
        .map_err(|_| anyhow!("app hash of {} bytes", app_hash.len()))?;
    let value = if answer.value.is_empty() {
        if !xcc_store::verify_non_membership(&proof, &root, key) {
            bail!("the proof of absence does not verify against the app hash");
        }
        None
    } else {
        if !xcc_store::verify_membership(&proof, &root, key, &answer.value) {
            bail!("the proof does not verify against the app hash");
        }
        Some(answer.value)
    };
    Ok(ProvenValue {
        height: version,
        value,
    })
}

async fn wait_for_header(
    home: &Path,
    chain_id: &str,
    client: &HttpClient,
    height: u64,
) -> anyhow::Result<Vec<u8>> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let latest = client
            .status()
            .await
            .map_err(|e| anyhow!("status: {e}"))?
            .sync_info
            .latest_block_height
            .value();
        if latest >= height {
            return verified_app_hash(home, chain_id, client, height).await;
        }
        if tokio::time::Instant::now() > deadline {
            bail!("block {height} was not committed within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

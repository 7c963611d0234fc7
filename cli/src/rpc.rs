//! Reaching a chain: its RPC endpoints come from `client.toml` in the CLI
//! home (written by `xcc testnet init`) or from `--node`.

use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Context};
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient};
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::read_toml;

/// Long enough for `broadcast_tx_commit`, which the node answers at commit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(90);

pub fn http_client(url: &str) -> anyhow::Result<HttpClient> {
    let url = url
        .parse()
        .map_err(|e| anyhow!("invalid RPC URL {url:?}: {e}"))?;
    HttpClient::builder(url)
        .compat_mode(CompatMode::V0_38)
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| anyhow!("RPC client: {e}"))
}

/// The chain's RPC URLs: `--node` if given, else those `client.toml` names.
pub fn endpoints(home: &Path, chain_id: &str, node: Option<&str>) -> anyhow::Result<Vec<String>> {
    if let Some(node) = node {
        return Ok(vec![node.to_owned()]);
    }
    let path = home.join(CLIENT_CONFIG_FILE);
    let config: ClientConfig = read_toml(&path).with_context(|| {
        format!("no RPC endpoint for {chain_id}: pass --node URL or run `xcc testnet init`")
    })?;
    let chain = config
        .chains
        .get(chain_id)
        .ok_or_else(|| anyhow!("{} names no chain {chain_id:?}", path.display()))?;
    Ok(chain.rpc.clone())
}

/// A client for the first endpoint that answers, so one node down does not
/// stop the CLI.
pub async fn connect(
    home: &Path,
    chain_id: &str,
    node: Option<&str>,
) -> anyhow::Result<HttpClient> {
    let mut last_error = anyhow!("{chain_id} has no RPC endpoint");
    for url in endpoints(home, chain_id, node)? {
        let client = http_client(&url)?;
        match tokio::time::timeout(Duration::from_secs(5), client.status()).await {
            Ok(Ok(status)) if status.node_info.network.as_str() == chain_id => return Ok(client),
            Ok(Ok(status)) => {
                last_error = anyhow!(
                    "{url} serves chain {}, not {chain_id}",
                    status.node_info.network
                )
            }
            Ok(Err(e)) => last_error = anyhow!("{url}: {e}"),
            Err(_) => last_error = anyhow!("{url}: no answer within 5 s"),
        }
    }
    Err(last_error.context(format!("no node of {chain_id} answers")))
}

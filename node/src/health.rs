//! `xcc-node health`: the probe a container engine runs. A node is healthy
//! when its RPC answers `/status` and it has committed at least one block.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use xcc_node_config::NodeHome;

#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error(transparent)]
    Config(#[from] xcc_node_config::ConfigError),
    #[error("the RPC at {addr} did not answer: {reason}")]
    Unreachable { addr: SocketAddr, reason: String },
    #[error("the RPC at {addr} answered {status}")]
    Status {
        addr: SocketAddr,
        status: hyper::StatusCode,
    },
    #[error("the RPC at {addr} answered something other than a status: {reason}")]
    Malformed { addr: SocketAddr, reason: String },
    #[error("no block committed yet")]
    NoBlock,
}

/// The latest committed height of the node at `home`, or why it is not
/// healthy.
pub async fn check(home: &NodeHome, timeout: Duration) -> Result<u64, HealthError> {
    let addr = probe_addr(home.read_config()?.rpc.laddr);
    let unreachable = |reason: String| HealthError::Unreachable { addr, reason };
    let client: Client<_, Empty<Bytes>> = Client::builder(TokioExecutor::new()).build_http();
    let uri: hyper::Uri = format!("http://{addr}/status")
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| unreachable(e.to_string()))?;
    let response = tokio::time::timeout(timeout, client.get(uri))
        .await
        .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
        .map_err(|e| unreachable(e.to_string()))?;
    if !response.status().is_success() {
        return Err(HealthError::Status {
            addr,
            status: response.status(),
        });
    }
    let body = tokio::time::timeout(timeout, response.into_body().collect())
        .await
        .map_err(|_| unreachable(format!("no body within {timeout:?}")))?
        .map_err(|e| unreachable(e.to_string()))?
        .to_bytes();
    let height = latest_height(&body).map_err(|reason| HealthError::Malformed { addr, reason })?;
    if height == 0 {
        return Err(HealthError::NoBlock);
    }
    Ok(height)
}

/// A node listening on every interface is probed on its loopback.
fn probe_addr(laddr: SocketAddr) -> SocketAddr {
    match laddr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, laddr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, laddr.port()).into(),
        _ => laddr,
    }
}

fn latest_height(body: &[u8]) -> Result<u64, String> {
    let status: serde_json::Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    status["result"]["sync_info"]["latest_block_height"]
        .as_str()
        .ok_or_else(|| "no result.sync_info.latest_block_height".to_owned())?
        .parse()
        .map_err(|e: std::num::ParseIntError| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_height_of_a_cometbft_status() {
        let body =
            br#"{"jsonrpc":"2.0","id":0,"result":{"sync_info":{"latest_block_height":"42"}}}"#;
        assert_eq!(latest_height(body), Ok(42));
        assert!(latest_height(br#"{"result":{}}"#).is_err());
        assert!(latest_height(b"<html>").is_err());
    }

    #[test]
    fn probes_a_wildcard_listener_on_loopback() {
        let laddr: SocketAddr = "0.0.0.0:26657".parse().unwrap();
        assert_eq!(probe_addr(laddr), "127.0.0.1:26657".parse().unwrap());
        let laddr: SocketAddr = "10.77.0.10:26657".parse().unwrap();
        assert_eq!(probe_addr(laddr), laddr);
    }
}

//! CometBFT's `net_info`: this node's listener and its connected peers, as
//! Malachite's network knows them (`NetworkRequest::DumpState`).
//!
//! A peer's CometBFT id is the address of its key (the first 20 bytes of
//! the SHA-256 of its ed25519 public key, as `status` gives this node's), read
//! out of its libp2p peer id, which embeds that key. libp2p keeps no
//! CometBFT-style flow-rate monitors per connection: those read zero.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, OnceLock};

use malachitebft_app_channel::{ConsensusRequest, NetworkRequest};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;

use super::methods::RpcError;
use super::RpcState;

/// The engine's request channels, known once the engine runs (the RPC
/// server starts before it, so that `health` answers during replay).
pub type EngineSlot = Arc<OnceLock<Engine>>;

#[derive(Clone)]
pub struct Engine {
    pub network: mpsc::Sender<NetworkRequest>,
    pub consensus: mpsc::Sender<ConsensusRequest<crate::context::XccContext>>,
}

/// The prefix of an ed25519 key's libp2p peer id: an identity multihash
/// (code 0, 36 bytes) of the protobuf `PublicKey { type: Ed25519, data }`.
const ED25519_PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

/// The CometBFT node id of an ed25519 peer id; `None` for other keys.
fn node_id(peer_id: &[u8]) -> Option<String> {
    let key = peer_id.strip_prefix(&ED25519_PEER_ID_PREFIX[..])?;
    if key.len() != 32 {
        return None;
    }
    Some(hex::encode(&Sha256::digest(key)[..20]))
}

/// The IP address of a multiaddr such as `/ip4/10.77.0.11/tcp/26656`.
fn remote_ip(multiaddr: &str) -> Option<IpAddr> {
    let mut parts = multiaddr.split('/').skip(1);
    match (parts.next()?, parts.next()?) {
        ("ip4" | "ip6", ip) => ip.parse().ok(),
        _ => None,
    }
}

/// A flow-rate monitor of CometBFT's form with nothing counted.
fn idle_monitor(start: &str) -> Value {
    json!({
        "Active": true, "Start": start, "Duration": "0", "Idle": "0", "Bytes": "0",
        "Samples": "0", "InstRate": "0", "CurRate": "0", "AvgRate": "0", "PeakRate": "0",
        "BytesRem": "0", "TimeRem": "0", "Progress": 0,
    })
}

/// The engine's channels, or why they are not there yet.
pub(super) fn engine(state: &RpcState) -> Result<&Engine, RpcError> {
    state
        .engine
        .get()
        .ok_or_else(|| RpcError::internal("the consensus engine has not started yet"))
}

pub(super) async fn net_info(state: &RpcState) -> Result<Value, RpcError> {
    let dump = NetworkRequest::dump_state(&engine(state)?.network)
        .await
        .map_err(RpcError::internal)?
        .ok_or_else(|| RpcError::internal("the network has no state yet"))?;
    let chain_id = state.shared.params.chain_id.to_string();
    let start = state.genesis.genesis_time.to_rfc3339();
    // In id order: the answer must not depend on a hash map's order.
    let mut peers: Vec<(String, Value)> = dump
        .peers
        .iter()
        .filter_map(|(peer_id, info)| {
            let id = node_id(&peer_id.to_bytes())?;
            let address = info.address.to_string();
            // The direction's type is not exported by the engine's crates.
            let outbound = info
                .connection_direction
                .as_ref()
                .is_some_and(|direction| format!("{direction:?}") == "Outbound");
            let peer = json!({
                "node_info": super::methods::node_info(&chain_id, &id, &address, &info.moniker),
                "is_outbound": outbound,
                "connection_status": {
                    "Duration": "0",
                    "SendMonitor": idle_monitor(&start),
                    "RecvMonitor": idle_monitor(&start),
                    "Channels": [],
                },
                "remote_ip": remote_ip(&address)
                    .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
                    .to_string(),
            });
            Some((id, peer))
        })
        .collect();
    peers.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(json!({
        "listening": true,
        "listeners": [format!("Listener(@{})", dump.local_node.listen_addr)],
        "n_peers": peers.len().to_string(),
        "peers": peers.into_iter().map(|(_, peer)| peer).collect::<Vec<_>>(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_peer_id_names_the_node_by_its_key() {
        let key = [7u8; 32];
        let mut peer_id = ED25519_PEER_ID_PREFIX.to_vec();
        peer_id.extend_from_slice(&key);
        assert_eq!(
            node_id(&peer_id),
            Some(hex::encode(&Sha256::digest(key)[..20]))
        );
        assert_eq!(node_id(&peer_id[..37]), None, "a short key");
        assert_eq!(node_id(&[0x00, 0x25, 0x08, 0x02]), None, "another key type");
    }

    #[test]
    fn the_ip_of_a_multiaddr() {
        assert_eq!(
            remote_ip("/ip4/10.77.0.11/tcp/26656"),
            Some([10, 77, 0, 11].into())
        );
        assert_eq!(
            remote_ip("/ip6/::1/tcp/1").map(|ip| ip.is_loopback()),
            Some(true)
        );
        assert_eq!(remote_ip("/dns4/node/tcp/1"), None);
    }
}

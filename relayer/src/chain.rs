//! Reads from one chain over RPC: its status, the packet layer's queries,
//! store proofs, and the headers and validator sets light clients need.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use tendermint::block::signed_header::SignedHeader;
use tendermint::block::Height;
use tendermint::validator;
use tendermint_rpc::endpoint::broadcast::tx_commit;
use tendermint_rpc::{Client, Paging};
use xcc_chain::app::{PROOF_OP_TYPE, STORE_KEY_PATH};
use xcc_chain::error::{code, CHAIN_CODESPACE};
use xcc_chain::ibc::bisection::HeaderSource;
use xcc_chain::Address;
use xcc_proto::auth::v1 as auth;
use xcc_proto::ibc::v1 as pb;

use crate::config::ChainConfig;
use crate::rpc::Endpoints;
use crate::{RelayerError, RelayerOptions};

const IBC_QUERY: &str = "/xcc.ibc.v1.Query";
const ACCOUNT_QUERY: &str = "/xcc.auth.v1.Query/Account";

/// A chain's latest block, as one of its nodes reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainStatus {
    pub height: u64,
    pub time_ns: u64,
}

/// A chain's light client of a counterparty, as the chain reports it.
#[derive(Clone, Debug)]
pub struct ClientView {
    pub state: pb::ClientState,
    pub latest: pb::ConsensusState,
    pub status: pb::ClientStatus,
    /// The chain's latest block time minus the latest consensus state's.
    pub age_ns: u64,
}

impl ClientView {
    /// `Err` unless the client takes headers and proofs.
    pub fn ensure_active(&self, chain: &str) -> Result<(), RelayerError> {
        let status = match self.status {
            pb::ClientStatus::Active => return Ok(()),
            pb::ClientStatus::Frozen => "frozen",
            pb::ClientStatus::Expired => "expired",
            pb::ClientStatus::Unspecified => "of unknown status",
        };
        Err(RelayerError::ClientUnusable {
            chain: chain.to_owned(),
            client_id: self.state.chain_id.clone(),
            status,
            height: self.state.latest_height,
        })
    }
}

pub struct Chain {
    id: String,
    endpoints: Endpoints,
    options: RelayerOptions,
}

impl Chain {
    pub fn new(config: &ChainConfig, options: &RelayerOptions) -> Result<Self, RelayerError> {
        // The clients' own timeout is the longest call's; reads get a
        // shorter one each.
        let endpoints = Endpoints::new(&config.chain_id, &config.rpc, options.commit_timeout)?;
        Ok(Chain {
            id: config.chain_id.clone(),
            endpoints,
            options: options.clone(),
        })
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    fn bad_answer(&self, message: impl Into<String>) -> RelayerError {
        RelayerError::bad_answer(&self.id, message)
    }

    /// The latest block, from a node that serves this chain.
    pub async fn status(&self) -> Result<ChainStatus, RelayerError> {
        let id = self.id.as_str();
        let status = self
            .endpoints
            .call(
                "status",
                self.options.request_timeout,
                |client| async move {
                    let status = client.status().await.map_err(|e| e.to_string())?;
                    if status.node_info.network.as_str() != id {
                        return Err(format!("serves chain {}", status.node_info.network));
                    }
                    Ok(status)
                },
            )
            .await?;
        let time_ns = u64::try_from(status.sync_info.latest_block_time.unix_timestamp_nanos())
            .map_err(|_| self.bad_answer("a block time before 1970"))?;
        Ok(ChainStatus {
            height: status.sync_info.latest_block_height.value(),
            time_ns,
        })
    }

    /// A protobuf query; `None` when the chain answers NOT_FOUND.
    async fn query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
        height: Option<u64>,
    ) -> Result<Option<Resp>, RelayerError> {
        let data = request.encode_to_vec();
        let height = height.map(|h| self.height(h)).transpose()?;
        let answer = self
            .endpoints
            .call(path, self.options.request_timeout, |client| {
                let data = data.clone();
                async move {
                    client
                        .abci_query(Some(path.to_owned()), data, height, false)
                        .await
                }
            })
            .await?;
        match answer.code.value() {
            0 => Resp::decode(answer.value.as_slice())
                .map(Some)
                .map_err(|e| self.bad_answer(format!("{path}: undecodable answer: {e}"))),
            code::NOT_FOUND if answer.codespace == CHAIN_CODESPACE => Ok(None),
            other => Err(RelayerError::Query {
                chain: self.id.clone(),
                path: path.to_owned(),
                code: other,
                log: answer.log,
            }),
        }
    }

    fn height(&self, height: u64) -> Result<Height, RelayerError> {
        Height::try_from(height).map_err(|e| self.bad_answer(format!("height {height}: {e}")))
    }

    /// This chain's light client of `counterparty` and how it stands at the
    /// latest block; `None` if it has none.
    pub async fn client(&self, counterparty: &str) -> Result<Option<ClientView>, RelayerError> {
        let request = pb::QueryClientStatusRequest {
            client_id: counterparty.to_owned(),
        };
        let answer: Option<pb::QueryClientStatusResponse> = self
            .query(&format!("{IBC_QUERY}/ClientStatus"), &request, None)
            .await?;
        let Some(answer) = answer else {
            return Ok(None);
        };
        let status = answer.status();
        match (answer.client_state, answer.latest_consensus_state) {
            (Some(state), Some(latest)) => Ok(Some(ClientView {
                state,
                latest,
                status,
                age_ns: answer.age_ns,
            })),
            _ => Err(self.bad_answer("a client status without its client or consensus state")),
        }
    }

    /// Packets this chain sent to `dest` that are still pending after block
    /// `height`, in sequence order.
    pub async fn pending_packets(
        &self,
        dest: &str,
        limit: u32,
        height: u64,
    ) -> Result<Vec<pb::Packet>, RelayerError> {
        let request = pb::QueryPendingPacketsRequest {
            dest_chain: dest.to_owned(),
            limit,
        };
        let path = format!("{IBC_QUERY}/PendingPackets");
        let answer: pb::QueryPendingPacketsResponse = self
            .query(&path, &request, Some(height))
            .await?
            .ok_or_else(|| self.bad_answer(format!("{path}: height {height} not available")))?;
        Ok(answer.packets)
    }

    /// Of `sequences` from `source`, those with no receipt after block `height`.
    pub async fn unreceived(
        &self,
        source: &str,
        sequences: Vec<u64>,
        height: u64,
    ) -> Result<BTreeSet<u64>, RelayerError> {
        if sequences.is_empty() {
            return Ok(BTreeSet::new());
        }
        let request = pb::QueryUnreceivedPacketsRequest {
            source_chain: source.to_owned(),
            sequences,
        };
        let path = format!("{IBC_QUERY}/UnreceivedPackets");
        let answer: pb::QueryUnreceivedPacketsResponse = self
            .query(&path, &request, Some(height))
            .await?
            .ok_or_else(|| self.bad_answer(format!("{path}: height {height} not available")))?;
        Ok(answer.sequences.into_iter().collect())
    }

    /// The acknowledgements written for `sequences` from `source`, as of
    /// block `height`.
    pub async fn acknowledgements(
        &self,
        source: &str,
        sequences: Vec<u64>,
        height: u64,
    ) -> Result<BTreeMap<u64, Vec<u8>>, RelayerError> {
        if sequences.is_empty() {
            return Ok(BTreeMap::new());
        }
        let request = pb::QueryAcknowledgementsRequest {
            source_chain: source.to_owned(),
            sequences,
        };
        let path = format!("{IBC_QUERY}/Acknowledgements");
        let answer: pb::QueryAcknowledgementsResponse = self
            .query(&path, &request, Some(height))
            .await?
            .ok_or_else(|| self.bad_answer(format!("{path}: height {height} not available")))?;
        Ok(answer
            .acknowledgements
            .into_iter()
            .map(|a| (a.sequence, a.acknowledgement))
            .collect())
    }

    /// The ics23 proof (an encoded `CommitmentProof`) of `key`'s value or
    /// absence in the state after block `height`, against the app hash in
    /// header `height + 1`.
    pub async fn prove(&self, key: &[u8], height: u64) -> Result<Vec<u8>, RelayerError> {
        let at = self.height(height)?;
        let answer = self
            .endpoints
            .call(
                STORE_KEY_PATH,
                self.options.request_timeout,
                |client| async move {
                    client
                        .abci_query(
                            Some(STORE_KEY_PATH.to_owned()),
                            key.to_vec(),
                            Some(at),
                            true,
                        )
                        .await
                },
            )
            .await?;
        if answer.code.is_err() {
            return Err(RelayerError::Query {
                chain: self.id.clone(),
                path: STORE_KEY_PATH.to_owned(),
                code: answer.code.value(),
                log: answer.log,
            });
        }
        if answer.height.value() != height {
            return Err(self.bad_answer(format!(
                "asked for a proof at height {height}, got one at {}",
                answer.height
            )));
        }
        let op = answer
            .proof
            .and_then(|ops| ops.ops.into_iter().next())
            .ok_or_else(|| self.bad_answer("the node returned no proof"))?;
        if op.field_type != PROOF_OP_TYPE || op.key != key {
            return Err(self.bad_answer(format!(
                "a proof of type {:?} for another key",
                op.field_type
            )));
        }
        Ok(op.data)
    }

    /// The signed header at `height` (`/commit`).
    pub async fn signed_header(&self, height: u64) -> Result<SignedHeader, RelayerError> {
        let at = self.height(height)?;
        let commit = self
            .endpoints
            .call(
                "commit",
                self.options.request_timeout,
                |client| async move { client.commit(at).await },
            )
            .await?;
        if commit.signed_header.header.height != at {
            return Err(self.bad_answer(format!(
                "asked for the commit at {height}, got {}",
                commit.signed_header.header.height
            )));
        }
        Ok(commit.signed_header)
    }

    /// The validators of block `height`.
    pub async fn validator_set(&self, height: u64) -> Result<validator::Set, RelayerError> {
        let at = self.height(height)?;
        let answer = self
            .endpoints
            .call(
                "validators",
                self.options.request_timeout,
                |client| async move { client.validators(at, Paging::All).await },
            )
            .await?;
        Ok(validator::Set::without_proposer(answer.validators))
    }

    /// The nonce `account`'s next tx must carry (0 for a new account).
    pub async fn account_nonce(&self, account: &Address) -> Result<u64, RelayerError> {
        let request = auth::QueryAccountRequest {
            address: account.to_string(),
        };
        let answer: Option<auth::Account> = self.query(ACCOUNT_QUERY, &request, None).await?;
        Ok(answer.map_or(0, |account| account.nonce))
    }

    /// Broadcasts a tx and waits for its block.
    pub async fn broadcast_commit(&self, tx: Vec<u8>) -> Result<tx_commit::Response, RelayerError> {
        self.endpoints
            .call(
                "broadcast_tx_commit",
                self.options.commit_timeout,
                |client| {
                    let tx = tx.clone();
                    async move { client.broadcast_tx_commit(tx).await }
                },
            )
            .await
    }
}

impl HeaderSource for Chain {
    type Error = RelayerError;

    fn signed_header(
        &self,
        height: u64,
    ) -> impl std::future::Future<Output = Result<SignedHeader, RelayerError>> + Send {
        Chain::signed_header(self, height)
    }

    fn validators(
        &self,
        height: u64,
    ) -> impl std::future::Future<Output = Result<validator::Set, RelayerError>> + Send {
        self.validator_set(height)
    }
}

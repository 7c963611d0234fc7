//! `xcc query`: module queries, and single keys read with `--prove`.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use prost::Message;
use serde_json::json;
use tendermint_rpc::endpoint::abci_query::AbciQuery;
use tendermint_rpc::{Client, HttpClient};
use xcc_chain::Address;
use xcc_node_config::{read_toml, AppKind, ClientConfig, CLIENT_CONFIG_FILE};
use xcc_proto::{
    auth::v1 as auth, currency::v1 as currency, ibc::v1 as ibc, ping::v1 as ping,
    security::v1 as security, xtx::v1 as xtx_pb,
};

use crate::keyring::Keyring;
use crate::verify;

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The chain to ask; by default the testnet's chain of the module asked.
    #[arg(long, global = true)]
    chain_id: Option<String>,
    /// An RPC URL to ask instead of the endpoints in client.toml.
    #[arg(long, global = true)]
    node: Option<String>,
    /// Read the state after this block (default: the latest).
    #[arg(long, global = true)]
    height: Option<u64>,
    /// Verify the answer: an ics23 proof against the app hash of a header
    /// checked by the light-client verifier from the genesis validators.
    #[arg(long, global = true)]
    prove: bool,
    #[command(subcommand)]
    what: QueryCommand,
}

#[derive(Debug, Subcommand)]
enum QueryCommand {
    /// An account's nonce and public key (needs --chain-id).
    Account { account: String },
    /// Currency chain queries.
    #[command(subcommand)]
    Currency(CurrencyQuery),
    /// Security chain queries.
    #[command(subcommand)]
    Security(SecurityQuery),
    /// A raw store key, given as text (needs --chain-id).
    Store { key: String },
    /// Packet layer queries (needs --chain-id).
    #[command(subcommand)]
    Ibc(IbcQuery),
    /// Ping port queries (needs --chain-id).
    #[command(subcommand)]
    Ping(PingQuery),
    /// A participant chain's records of cross-tx legs (needs --chain-id).
    #[command(subcommand)]
    Xtx(XtxQuery),
}

#[derive(Debug, Subcommand)]
enum XtxQuery {
    /// The leg of cross-tx `id` (hex) on this chain.
    Leg { id: String },
    /// Every leg this chain recorded, optionally only in one status.
    Legs {
        #[arg(long, value_parser = ["prepared", "refused", "committed", "aborted"])]
        status: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum IbcQuery {
    /// This chain's light client of a counterparty: its status (active,
    /// expired or frozen), age and trusting period.
    Client { counterparty: String },
    /// Packets sent to `dest` and not yet acknowledged or timed out.
    Pending { dest: String },
}

#[derive(Debug, Subcommand)]
enum PingQuery {
    /// How many pings arrived from `source`, and the last message.
    Received { source: String },
    /// What became of ping `sequence` sent to `dest`: a pong, an error or a timeout.
    Outcome {
        dest: String,
        sequence: u64,
        /// Wait (up to 2 minutes) for the pong or the timeout to come back.
        #[arg(long)]
        wait: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CurrencyQuery {
    /// One denom: mint authority and supply.
    Denom {
        denom: String,
    },
    Denoms,
    /// An account's balance of one denom (provable).
    Balance {
        account: String,
        #[arg(long, default_value = "usd")]
        denom: String,
    },
    /// Every balance of an account.
    Balances {
        account: String,
    },
}

#[derive(Debug, Subcommand)]
enum SecurityQuery {
    Security {
        symbol: String,
    },
    Securities,
    /// Units an account holds (provable).
    Balance {
        symbol: String,
        account: String,
    },
    Holders {
        symbol: String,
    },
    Whitelist {
        symbol: String,
        account: String,
    },
    KycAgents {
        symbol: String,
    },
}

pub async fn run(home: &Path, keyring: &Keyring, args: QueryArgs) -> anyhow::Result<()> {
    let account = |text: &str| resolve_account(keyring, text);
    let chain = |kind: Option<AppKind>| chain_id(home, args.chain_id.as_deref(), kind);
    let connect = |chain_id: String| async move {
        crate::rpc::connect(home, &chain_id, args.node.as_deref()).await
    };
    let ask = Ask {
        height: args.height,
    };
    let answer = match args.what {
        QueryCommand::Account { account: a } => {
            let client = connect(chain(None)?).await?;
            let request = auth::QueryAccountRequest {
                address: account(&a)?.to_string(),
            };
            let found: auth::Account = ask
                .module(&client, crate::send::ACCOUNT_QUERY, &request)
                .await?;
            json!({ "address": found.address, "public_key": hex::encode(found.public_key), "nonce": found.nonce })
        }
        QueryCommand::Store { key } => {
            let chain_id = chain(None)?;
            let client = connect(chain_id.clone()).await?;
            if !args.prove {
                bail!("raw store reads are always proven: add --prove");
            }
            let proven =
                verify::proven_get(home, &chain_id, &client, key.as_bytes(), args.height).await?;
            json!({ "key": key, "height": proven.height, "value": proven.value.map(hex::encode), "proven": true })
        }
        QueryCommand::Ibc(_) | QueryCommand::Ping(_) | QueryCommand::Xtx(_) if args.prove => {
            bail!("packet layer queries cannot be proven; prove a store key instead")
        }
        QueryCommand::Xtx(query) => {
            let client = connect(chain(None)?).await?;
            match query {
                XtxQuery::Leg { id } => {
                    let leg: xtx_pb::LegRecord = ask
                        .module(
                            &client,
                            "/xcc.xtx.v1.Query/Leg",
                            &xtx_pb::QueryLegRequest {
                                tx_id: crate::xtx::parse_id(&id)?.to_vec(),
                            },
                        )
                        .await?;
                    crate::xtx::leg_json(&leg)
                }
                XtxQuery::Legs { status } => {
                    let status = match status.as_deref() {
                        Some("prepared") => xtx_pb::LegStatus::Prepared,
                        Some("refused") => xtx_pb::LegStatus::Refused,
                        Some("committed") => xtx_pb::LegStatus::Committed,
                        Some("aborted") => xtx_pb::LegStatus::Aborted,
                        _ => xtx_pb::LegStatus::Unspecified,
                    };
                    let legs: xtx_pb::QueryLegsResponse = ask
                        .module(
                            &client,
                            "/xcc.xtx.v1.Query/Legs",
                            &xtx_pb::QueryLegsRequest {
                                status: status as i32,
                            },
                        )
                        .await?;
                    serde_json::Value::Array(legs.legs.iter().map(crate::xtx::leg_json).collect())
                }
            }
        }
        QueryCommand::Ibc(query) => {
            let client = connect(chain(None)?).await?;
            match query {
                IbcQuery::Client { counterparty } => client_status_json(
                    ask.module(
                        &client,
                        "/xcc.ibc.v1.Query/ClientStatus",
                        &ibc::QueryClientStatusRequest {
                            client_id: counterparty,
                        },
                    )
                    .await?,
                ),
                IbcQuery::Pending { dest } => to_json::<ibc::QueryPendingPacketsResponse>(
                    ask.module(
                        &client,
                        "/xcc.ibc.v1.Query/PendingPackets",
                        &ibc::QueryPendingPacketsRequest {
                            dest_chain: dest,
                            limit: 0,
                        },
                    )
                    .await?,
                )?,
            }
        }
        QueryCommand::Ping(query) => {
            let client = connect(chain(None)?).await?;
            match query {
                PingQuery::Received { source } => to_json::<ping::Received>(
                    ask.module(
                        &client,
                        "/xcc.ping.v1.Query/Received",
                        &ping::QueryReceivedRequest {
                            source_chain: source,
                        },
                    )
                    .await?,
                )?,
                PingQuery::Outcome {
                    dest,
                    sequence,
                    wait,
                } => {
                    let request = ping::QueryOutcomeRequest {
                        dest_chain: dest,
                        sequence,
                    };
                    let path = "/xcc.ping.v1.Query/Outcome";
                    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
                    let outcome = loop {
                        match ask.module::<ping::Outcome>(&client, path, &request).await {
                            Err(_) if wait && std::time::Instant::now() < deadline => {
                                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
                            }
                            answer => break answer?,
                        }
                    };
                    to_json(outcome)?
                }
            }
        }
        QueryCommand::Currency(query) => {
            let chain_id = chain(Some(AppKind::Currency))?;
            let client = connect(chain_id.clone()).await?;
            match query {
                CurrencyQuery::Balance { account: a, denom } if args.prove => {
                    let denom = denom.parse().map_err(|e| anyhow!("denom: {e}"))?;
                    let key = xcc_currency::state_key::balance(&account(&a)?, &denom);
                    proven_u64(home, &chain_id, &client, &key, args.height).await?
                }
                _ if args.prove => bail!("only balance queries can be proven"),
                CurrencyQuery::Denom { denom } => to_json::<currency::Denom>(
                    ask.module(
                        &client,
                        "/xcc.currency.v1.Query/Denom",
                        &currency::QueryDenomRequest { denom },
                    )
                    .await?,
                )?,
                CurrencyQuery::Denoms => to_json::<currency::QueryDenomsResponse>(
                    ask.module(
                        &client,
                        "/xcc.currency.v1.Query/Denoms",
                        &currency::QueryDenomsRequest {},
                    )
                    .await?,
                )?,
                CurrencyQuery::Balance { account: a, denom } => {
                    let request = currency::QueryBalanceRequest {
                        denom,
                        account: account(&a)?.to_string(),
                    };
                    to_json::<currency::QueryBalanceResponse>(
                        ask.module(&client, "/xcc.currency.v1.Query/Balance", &request)
                            .await?,
                    )?
                }
                CurrencyQuery::Balances { account: a } => {
                    let request = currency::QueryBalancesRequest {
                        account: account(&a)?.to_string(),
                    };
                    to_json::<currency::QueryBalancesResponse>(
                        ask.module(&client, "/xcc.currency.v1.Query/Balances", &request)
                            .await?,
                    )?
                }
            }
        }
        QueryCommand::Security(query) => {
            let chain_id = chain(Some(AppKind::Security))?;
            let client = connect(chain_id.clone()).await?;
            match query {
                SecurityQuery::Balance { symbol, account: a } if args.prove => {
                    let symbol = symbol.parse().map_err(|e| anyhow!("symbol: {e}"))?;
                    let key = xcc_security::state_key::balance(&symbol, &account(&a)?);
                    proven_u64(home, &chain_id, &client, &key, args.height).await?
                }
                _ if args.prove => bail!("only balance queries can be proven"),
                SecurityQuery::Security { symbol } => to_json::<security::Security>(
                    ask.module(
                        &client,
                        "/xcc.security.v1.Query/Security",
                        &security::QuerySecurityRequest { symbol },
                    )
                    .await?,
                )?,
                SecurityQuery::Securities => to_json::<security::QuerySecuritiesResponse>(
                    ask.module(
                        &client,
                        "/xcc.security.v1.Query/Securities",
                        &security::QuerySecuritiesRequest {},
                    )
                    .await?,
                )?,
                SecurityQuery::Balance { symbol, account: a } => {
                    let request = security::QueryBalanceRequest {
                        symbol,
                        account: account(&a)?.to_string(),
                    };
                    to_json::<security::QueryBalanceResponse>(
                        ask.module(&client, "/xcc.security.v1.Query/Balance", &request)
                            .await?,
                    )?
                }
                SecurityQuery::Holders { symbol } => to_json::<security::QueryHoldersResponse>(
                    ask.module(
                        &client,
                        "/xcc.security.v1.Query/Holders",
                        &security::QueryHoldersRequest { symbol },
                    )
                    .await?,
                )?,
                SecurityQuery::Whitelist { symbol, account: a } => {
                    let request = security::QueryWhitelistRequest {
                        symbol,
                        account: account(&a)?.to_string(),
                    };
                    to_json::<security::QueryWhitelistResponse>(
                        ask.module(&client, "/xcc.security.v1.Query/Whitelist", &request)
                            .await?,
                    )?
                }
                SecurityQuery::KycAgents { symbol } => to_json::<security::QueryKycAgentsResponse>(
                    ask.module(
                        &client,
                        "/xcc.security.v1.Query/KycAgents",
                        &security::QueryKycAgentsRequest { symbol },
                    )
                    .await?,
                )?,
            }
        }
    };
    println!("{}", serde_json::to_string_pretty(&answer)?);
    Ok(())
}

struct Ask {
    height: Option<u64>,
}

impl Ask {
    async fn module<R: Message + Default>(
        &self,
        client: &HttpClient,
        path: &str,
        request: &impl Message,
    ) -> anyhow::Result<R> {
        module_query(client, path, request, self.height).await
    }
}

/// A module query service call: protobuf request in, protobuf answer out,
/// read at `height` (the latest by default).
pub async fn module_query<R: Message + Default>(
    client: &HttpClient,
    path: &str,
    request: &impl Message,
    height: Option<u64>,
) -> anyhow::Result<R> {
    let answer = raw_module_query(client, path, request.encode_to_vec(), height).await?;
    if answer.code.is_err() {
        bail!(
            "query {path} failed (code {}): {}",
            answer.code.value(),
            answer.log
        );
    }
    R::decode(answer.value.as_slice()).with_context(|| format!("query {path}: undecodable answer"))
}

/// A module query's answer as the node gives it, refusals included.
pub async fn raw_module_query(
    client: &HttpClient,
    path: &str,
    request: Vec<u8>,
    height: Option<u64>,
) -> anyhow::Result<AbciQuery> {
    let height = height
        .map(tendermint::block::Height::try_from)
        .transpose()?;
    let path = format!("/{}", path.trim_start_matches('/'));
    client
        .abci_query(Some(path.clone()), request, height, false)
        .await
        .map_err(|e| anyhow!("query {path}: {e}"))
}

/// A light client's status as an operator reads it: seconds, not
/// nanoseconds, and what to do when it is not active.
fn client_status_json(answer: ibc::QueryClientStatusResponse) -> serde_json::Value {
    const NS: u64 = 1_000_000_000;
    let status = match answer.status() {
        ibc::ClientStatus::Active => "active",
        ibc::ClientStatus::Expired => "expired",
        ibc::ClientStatus::Frozen => "frozen",
        ibc::ClientStatus::Unspecified => "unknown",
    };
    let client = answer.client_state.unwrap_or_default();
    let latest = answer.latest_consensus_state.unwrap_or_default();
    let mut out = json!({
        "client_id": client.chain_id,
        "status": status,
        "latest_height": client.latest_height,
        "latest_header_time_unix": latest.timestamp_ns / NS,
        "age_secs": answer.age_ns / NS,
        "trusting_period_secs": client.trusting_period_ns / NS,
        "expires_in_secs": (latest.timestamp_ns + client.trusting_period_ns).saturating_sub(answer.now_ns) / NS,
        "frozen_height": client.frozen_height,
        "recovered_height": client.recovered_height,
    });
    if status != "active" {
        out["recovery"] =
            json!("the chain's admin can substitute a new trust root: xcc tx ibc recover-client");
    }
    out
}

fn to_json<T: serde::Serialize>(value: T) -> anyhow::Result<serde_json::Value> {
    Ok(serde_json::to_value(value)?)
}

/// A big-endian u64 state value (absent: zero), proven.
async fn proven_u64(
    home: &Path,
    chain_id: &str,
    client: &HttpClient,
    key: &[u8],
    height: Option<u64>,
) -> anyhow::Result<serde_json::Value> {
    let proven = verify::proven_get(home, chain_id, client, key, height).await?;
    let amount = match proven.value {
        None => 0,
        Some(bytes) => u64::from_be_bytes(
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| anyhow!("the proven value is not a u64"))?,
        ),
    };
    Ok(json!({ "amount": amount, "height": proven.height, "proven": true }))
}

/// An address, or the name of a key in the keyring.
pub fn resolve_account(keyring: &Keyring, text: &str) -> anyhow::Result<Address> {
    match text.parse::<Address>() {
        Ok(address) => Ok(address),
        Err(_) => Ok(keyring
            .get(text)
            .with_context(|| format!("{text:?} is neither an address nor a key name"))?
            .address()),
    }
}

/// `--chain-id`, else the one chain of the testnet that runs `kind`.
pub fn chain_id(home: &Path, given: Option<&str>, kind: Option<AppKind>) -> anyhow::Result<String> {
    if let Some(chain_id) = given {
        return Ok(chain_id.to_owned());
    }
    let Some(kind) = kind else {
        bail!("pass --chain-id");
    };
    let config: ClientConfig = read_toml(&home.join(CLIENT_CONFIG_FILE))
        .context("pass --chain-id (no client.toml to pick the chain from)")?;
    let mut matching = config.chains.iter().filter(|(_, c)| c.app == kind);
    match (matching.next(), matching.next()) {
        (Some((chain_id, _)), None) => Ok(chain_id.clone()),
        (None, _) => bail!(
            "client.toml names no {} chain; pass --chain-id",
            kind.as_str()
        ),
        _ => bail!(
            "client.toml names several {} chains; pass --chain-id",
            kind.as_str()
        ),
    }
}

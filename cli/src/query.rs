//! `xcc query`: module queries, and single keys read with `--prove`.

use std::path::Path;

use anyhow::{anyhow, bail, Context};
use clap::{Args, Subcommand};
use prost::Message;
use serde_json::json;
use tendermint_rpc::endpoint::abci_query::AbciQuery;
use tendermint_rpc::{Client, HttpClient};
use xcc_chain::page::{PageRequest, PageResponse, MAX_PAGE_LIMIT};
use xcc_chain::Address;
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::{read_toml, AppKind};
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
    /// Proof of trust: every platform with its power and fees, the latest
    /// epoch, and with --lot each platform's share of that lot's fees.
    Trust {
        #[arg(long)]
        lot: Option<u64>,
    },
}

#[derive(Debug, Subcommand)]
enum XtxQuery {
    /// A leg of cross-tx `id` (hex) on this chain: its first one here, or
    /// the one at --leg (its index in the cross-tx).
    Leg {
        id: String,
        #[arg(long)]
        leg: Option<u32>,
    },
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
                XtxQuery::Leg { id, leg } => {
                    let leg: xtx_pb::LegRecord = ask
                        .module(
                            &client,
                            "/xcc.xtx.v1.Query/Leg",
                            &xtx_pb::QueryLegRequest {
                                tx_id: crate::xtx::parse_id(&id)?.to_vec(),
                                leg_index: leg,
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
                    let legs = ask
                        .all_pages(
                            &client,
                            "/xcc.xtx.v1.Query/Legs",
                            |page| xtx_pb::QueryLegsRequest {
                                status: status as i32,
                                page: Some(page),
                            },
                            |r: xtx_pb::QueryLegsResponse| (r.legs, r.page),
                        )
                        .await?;
                    serde_json::Value::Array(legs.iter().map(crate::xtx::leg_json).collect())
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
                CurrencyQuery::Denoms => {
                    let denoms = ask
                        .all_pages(
                            &client,
                            "/xcc.currency.v1.Query/Denoms",
                            |page| currency::QueryDenomsRequest { page: Some(page) },
                            |r: currency::QueryDenomsResponse| (r.denoms, r.page),
                        )
                        .await?;
                    list_json(currency::QueryDenomsResponse { denoms, page: None })?
                }
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
                    let account = account(&a)?.to_string();
                    let balances = ask
                        .all_pages(
                            &client,
                            "/xcc.currency.v1.Query/Balances",
                            |page| currency::QueryBalancesRequest {
                                account: account.clone(),
                                page: Some(page),
                            },
                            |r: currency::QueryBalancesResponse| (r.balances, r.page),
                        )
                        .await?;
                    list_json(currency::QueryBalancesResponse {
                        balances,
                        page: None,
                    })?
                }
            }
        }
        QueryCommand::Trust { lot } => {
            if args.prove {
                bail!("only balance queries can be proven");
            }
            let client = connect(chain(Some(AppKind::Security))?).await?;
            crate::trust::overview(&client, lot).await?
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
                SecurityQuery::Securities => {
                    let securities = ask
                        .all_pages(
                            &client,
                            "/xcc.security.v1.Query/Securities",
                            |page| security::QuerySecuritiesRequest { page: Some(page) },
                            |r: security::QuerySecuritiesResponse| (r.securities, r.page),
                        )
                        .await?;
                    list_json(security::QuerySecuritiesResponse {
                        securities,
                        page: None,
                    })?
                }
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
                SecurityQuery::Holders { symbol } => {
                    // Every page tells the same count and cap.
                    let (mut count, mut holder_cap) = (0, 0);
                    let holders = ask
                        .all_pages(
                            &client,
                            "/xcc.security.v1.Query/Holders",
                            |page| security::QueryHoldersRequest {
                                symbol: symbol.clone(),
                                page: Some(page),
                            },
                            |r: security::QueryHoldersResponse| {
                                (count, holder_cap) = (r.count, r.holder_cap);
                                (r.holders, r.page)
                            },
                        )
                        .await?;
                    list_json(security::QueryHoldersResponse {
                        holders,
                        count,
                        holder_cap,
                        page: None,
                    })?
                }
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
                SecurityQuery::KycAgents { symbol } => {
                    let agents = ask
                        .all_pages(
                            &client,
                            "/xcc.security.v1.Query/KycAgents",
                            |page| security::QueryKycAgentsRequest {
                                symbol: symbol.clone(),
                                page: Some(page),
                            },
                            |r: security::QueryKycAgentsResponse| (r.agents, r.page),
                        )
                        .await?;
                    list_json(security::QueryKycAgentsResponse { agents, page: None })?
                }
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

    async fn all_pages<Q: Message, R: Message + Default, T>(
        &self,
        client: &HttpClient,
        path: &str,
        request: impl Fn(PageRequest) -> Q,
        items: impl FnMut(R) -> (Vec<T>, Option<PageResponse>),
    ) -> anyhow::Result<Vec<T>> {
        all_pages(client, path, self.height, request, items).await
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
    Ok(module_answer(client, path, request, height).await?.0)
}

/// A module query's answer and the height it was read at.
async fn module_answer<R: Message + Default>(
    client: &HttpClient,
    path: &str,
    request: &impl Message,
    height: Option<u64>,
) -> anyhow::Result<(R, u64)> {
    let answer = raw_module_query(client, path, request.encode_to_vec(), height).await?;
    if answer.code.is_err() {
        bail!(
            "query {path} failed (code {}): {}",
            answer.code.value(),
            answer.log
        );
    }
    let decoded = R::decode(answer.value.as_slice())
        .with_context(|| format!("query {path}: undecodable answer"))?;
    Ok((decoded, answer.height.value()))
}

/// Every item of a list query, following its pages to the last, so that
/// nothing is left out: `request` asks for one page, `items` takes the
/// page's items and its response out of the answer. Every page is read at
/// `height`, or where the first was read, so that blocks committed
/// meanwhile do not mix into the list.
pub async fn all_pages<Q: Message, R: Message + Default, T>(
    client: &HttpClient,
    path: &str,
    mut height: Option<u64>,
    request: impl Fn(PageRequest) -> Q,
    mut items: impl FnMut(R) -> (Vec<T>, Option<PageResponse>),
) -> anyhow::Result<Vec<T>> {
    let (mut all, mut key) = (Vec::new(), Vec::new());
    loop {
        let page = PageRequest {
            key: key.clone(),
            limit: MAX_PAGE_LIMIT,
        };
        let (answer, read_at) = module_answer(client, path, &request(page), height).await?;
        height = height.or(Some(read_at));
        let (found, page) = items(answer);
        all.extend(found);
        let next_key = page.unwrap_or_default().next_key;
        if next_key.is_empty() {
            return Ok(all);
        }
        // Keys only grow along a list; a node that says otherwise would
        // keep us asking forever.
        if next_key <= key {
            bail!("query {path}: the pages do not advance");
        }
        key = next_key;
    }
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

/// A list answer holding every page, as JSON: without a page field, which
/// would say nothing.
fn list_json<T: serde::Serialize>(value: T) -> anyhow::Result<serde_json::Value> {
    let mut json = to_json(value)?;
    if let Some(fields) = json.as_object_mut() {
        fields.remove("page");
    }
    Ok(json)
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

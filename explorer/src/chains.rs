//! The chains the explorer reads, from a home's `client.toml`: each one's
//! RPC endpoints, tried in turn so that one node going away does not blind
//! the explorer.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use prost::Message;
use tendermint_rpc::client::CompatMode;
use tendermint_rpc::{Client, HttpClient};
use xcc_home::{ClientConfig, CLIENT_CONFIG_FILE};
use xcc_node_config::AppKind;

/// A page that takes longer than this to read from a chain is not worth
/// waiting for: the next endpoint is tried.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{chain}: no node answers ({last})")]
    Unreachable { chain: String, last: String },
    #[error("{path} refused (code {code}): {log}")]
    Refused {
        path: String,
        code: u32,
        log: String,
    },
    #[error("{path}: the answer does not decode: {error}")]
    Undecodable {
        path: String,
        error: prost::DecodeError,
    },
    #[error("no chain {0:?} in this testnet")]
    UnknownChain(String),
}

/// One chain and its endpoints.
pub struct Chain {
    pub id: String,
    pub app: AppKind,
    pub urls: Vec<String>,
    clients: Vec<HttpClient>,
    /// The endpoint that answered last: asked first next time.
    current: AtomicUsize,
}

impl Chain {
    pub fn new(id: String, app: AppKind, urls: Vec<String>) -> anyhow::Result<Chain> {
        let clients = urls
            .iter()
            .map(|url| {
                let parsed = url
                    .parse()
                    .map_err(|e| anyhow::anyhow!("{id}: invalid RPC URL {url:?}: {e}"))?;
                HttpClient::builder(parsed)
                    .compat_mode(CompatMode::V0_38)
                    .timeout(REQUEST_TIMEOUT)
                    .build()
                    .map_err(|e| anyhow::anyhow!("{id}: RPC client for {url}: {e}"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!clients.is_empty(), "{id} has no RPC endpoint");
        Ok(Chain {
            id,
            app,
            urls,
            clients,
            current: AtomicUsize::new(0),
        })
    }

    /// The URL of the endpoint asked first.
    pub fn current_url(&self) -> &str {
        &self.urls[self.current.load(Ordering::Relaxed) % self.urls.len()]
    }

    /// Runs `request` against the endpoint that answered last, then each
    /// other one in turn.
    pub async fn read<T, F, Fut>(&self, request: F) -> Result<T, ReadError>
    where
        F: Fn(HttpClient) -> Fut,
        Fut: std::future::Future<Output = Result<T, tendermint_rpc::Error>>,
    {
        let first = self.current.load(Ordering::Relaxed);
        let mut last = String::new();
        for step in 0..self.clients.len() {
            let index = (first + step) % self.clients.len();
            match request(self.clients[index].clone()).await {
                Ok(answer) => {
                    self.current.store(index, Ordering::Relaxed);
                    return Ok(answer);
                }
                Err(e) => last = format!("{}: {e}", self.urls[index]),
            }
        }
        Err(ReadError::Unreachable {
            chain: self.id.clone(),
            last,
        })
    }

    /// A module query (`/xcc.<module>.v1.Query/<Method>`) at the latest
    /// committed height.
    pub async fn query<Req: Message, Resp: Message + Default>(
        &self,
        path: &str,
        request: &Req,
    ) -> Result<Resp, ReadError> {
        let data = request.encode_to_vec();
        let answer = self
            .read(|client| {
                let data = data.clone();
                async move {
                    client
                        .abci_query(Some(path.to_owned()), data, None, false)
                        .await
                }
            })
            .await?;
        if answer.code.is_err() {
            return Err(ReadError::Refused {
                path: path.to_owned(),
                code: answer.code.value(),
                log: answer.log,
            });
        }
        Resp::decode(answer.value.as_slice()).map_err(|error| ReadError::Undecodable {
            path: path.to_owned(),
            error,
        })
    }
}

/// Every chain of a testnet, in `client.toml`'s order (by chain id).
pub struct Chains {
    pub all: Vec<std::sync::Arc<Chain>>,
}

impl Chains {
    pub fn from_home(home: &Path) -> anyhow::Result<Chains> {
        let path = home.join(CLIENT_CONFIG_FILE);
        let config: ClientConfig = xcc_node_config::read_toml(&path)
            .map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?;
        Self::from_config(config)
    }

    pub fn from_config(config: ClientConfig) -> anyhow::Result<Chains> {
        let all = config
            .chains
            .into_iter()
            .map(|(id, endpoints)| {
                Chain::new(id, endpoints.app, endpoints.rpc).map(std::sync::Arc::new)
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        anyhow::ensure!(!all.is_empty(), "client.toml names no chain");
        Ok(Chains { all })
    }

    pub fn get(&self, id: &str) -> Result<&std::sync::Arc<Chain>, ReadError> {
        self.all
            .iter()
            .find(|chain| chain.id == id)
            .ok_or_else(|| ReadError::UnknownChain(id.to_owned()))
    }

    pub fn of_kind(&self, app: AppKind) -> impl Iterator<Item = &std::sync::Arc<Chain>> {
        self.all.iter().filter(move |chain| chain.app == app)
    }
}

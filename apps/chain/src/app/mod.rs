//! The app: a pure state machine over the store. It takes ABCI calls as plain
//! values (block height and time come in with each call) and returns plain
//! values; `crate::abci` adapts it to tower-abci.

mod query;
pub mod state_key;
mod verified;

use std::sync::Arc;

use xcc_store::{PreparedVersion, Store};

use crate::address::Address;
use crate::auth;
use crate::error::{code, ExecError, CHAIN_CODESPACE};
use crate::module::{BlockInfo, Event, Module, Msg, MsgContext, ValidatorUpdate};
use crate::router::{MsgRouter, RouteError};
use crate::state::{Changes, EmptyState, StateDelta, StateRead, StateWrite};
use crate::tx::{tx_hash, DEFAULT_MAX_TX_BYTES};

pub use query::{Querier, QueryOutcome, PROOF_OP_TYPE, STORE_KEY_PATH};

#[derive(Clone, Debug)]
pub struct AppConfig {
    pub max_tx_bytes: usize,
    /// Keep this many recent versions and prune older ones; `None` keeps all.
    pub keep_recent: Option<u64>,
}

impl Default for AppConfig {
    fn default() -> Self {
        AppConfig {
            max_tx_bytes: DEFAULT_MAX_TX_BYTES,
            keep_recent: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("storage: {0}")]
    Store(#[from] xcc_store::StoreError),
    #[error("state: {0}")]
    State(#[from] crate::state::StateError),
    #[error("genesis: {0}")]
    Genesis(String),
    #[error("block {got} does not follow the last committed height {last}")]
    OutOfOrder { last: u64, got: u64 },
    #[error("commit without a finalized block")]
    NothingToCommit,
    #[error("invalid validator update: {0}")]
    ValidatorUpdate(String),
}

/// The result of one tx, as FinalizeBlock and CheckTx report it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    pub hash: [u8; 32],
    pub codespace: &'static str,
    /// 0 on success.
    pub code: u32,
    pub log: String,
    pub events: Vec<Event>,
}

impl TxOutcome {
    pub fn is_ok(&self) -> bool {
        self.code == 0
    }

    fn from_result(hash: [u8; 32], result: Result<Vec<Event>, ExecError>) -> Self {
        match result {
            Ok(events) => TxOutcome {
                hash,
                codespace: "",
                code: 0,
                log: String::new(),
                events,
            },
            Err(e) => TxOutcome {
                hash,
                codespace: e.codespace,
                code: e.code,
                log: e.log,
                events: Vec::new(),
            },
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalizedBlock {
    /// Events of the modules' begin-block hooks.
    pub events: Vec<Event>,
    pub tx_results: Vec<TxOutcome>,
    /// One per key, the block's last word on it (CometBFT refuses two).
    pub validator_updates: Vec<ValidatorUpdate>,
    pub app_hash: [u8; 32],
}

/// What `Info` reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppInfo {
    pub last_block_height: u64,
    pub last_block_app_hash: [u8; 32],
}

pub struct App {
    store: Store,
    config: AppConfig,
    /// Shared with the queriers, which answer without the app's lock.
    modules: Arc<Vec<Box<dyn Module>>>,
    msg_router: MsgRouter,
    chain_id: String,
    /// Genesis writes, committed together with the first block.
    genesis: Option<Changes>,
    /// CheckTx state: accumulates over the last committed state until the next commit.
    check: Changes,
    pending: Option<PendingBlock>,
    verified: verified::VerifiedTxs,
}

/// Which CheckTx a tx meets: on arrival, or again after a block was committed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    New,
    Recheck,
}

#[derive(Clone, Copy)]
enum Messages {
    Run,
    Skip,
}

/// A tx whose envelope passed: its signers and decoded messages.
struct Admitted {
    signers: Vec<Address>,
    msgs: Vec<Box<dyn Msg>>,
}

struct PendingBlock {
    height: u64,
    prepared: PreparedVersion,
    /// The oldest height to keep once it is committed; `None` keeps all.
    retain_from: Option<u64>,
}

impl App {
    /// Opens the app over `store`. The auth module is always present; `modules`
    /// are the chain's own, in genesis order.
    pub fn new(
        store: Store,
        config: AppConfig,
        modules: Vec<Box<dyn Module>>,
    ) -> Result<Self, AppError> {
        let mut all: Vec<Box<dyn Module>> = vec![Box::new(auth::Auth)];
        all.extend(modules);
        let modules = Arc::new(all);
        let msg_router = MsgRouter::new(modules.clone());
        let chain_id = match store.latest_version()? {
            Some(version) => {
                let snapshot = store.snapshot(version)?;
                let id = snapshot.get_raw(state_key::CHAIN_ID)?.unwrap_or_default();
                String::from_utf8_lossy(&id).into_owned()
            }
            None => String::new(),
        };
        Ok(App {
            store,
            config,
            modules,
            msg_router,
            chain_id,
            genesis: None,
            check: Changes::new(),
            pending: None,
            verified: verified::VerifiedTxs::default(),
        })
    }

    /// A tx decoded and checked without state, its signatures verified
    /// once per node.
    fn decode_tx(&self, bytes: &[u8]) -> Result<crate::tx::VerifiedTx, crate::tx::TxError> {
        self.verified
            .decode(bytes, &self.chain_id, self.config.max_tx_bytes)
    }

    pub fn chain_id(&self) -> &str {
        &self.chain_id
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn info(&self) -> Result<AppInfo, AppError> {
        match self.store.latest_version()? {
            Some(version) => Ok(AppInfo {
                last_block_height: version,
                last_block_app_hash: self.store.root_hash(version)?,
            }),
            None => Ok(AppInfo {
                last_block_height: 0,
                last_block_app_hash: [0; 32],
            }),
        }
    }

    /// Runs every module's genesis and returns the genesis app hash. Nothing is
    /// written until the first block commits, so a crash before it loses nothing
    /// that InitChain will not redo.
    pub fn init_chain(
        &mut self,
        chain_id: &str,
        initial_height: u64,
        app_state: &serde_json::Value,
    ) -> Result<[u8; 32], AppError> {
        if let Some(version) = self.store.latest_version()? {
            return Err(AppError::Genesis(format!(
                "the chain already has committed height {version}"
            )));
        }
        // Genesis is stored as version 0, so the first block must be height 1.
        if initial_height > 1 {
            return Err(AppError::Genesis(format!(
                "initial height {initial_height} is not supported; use 1"
            )));
        }
        let mut delta = StateDelta::new(&EmptyState);
        delta.put_raw(state_key::CHAIN_ID.to_vec(), chain_id.as_bytes().to_vec());
        for module in self.modules.iter() {
            let section = app_state
                .get(module.name())
                .unwrap_or(&serde_json::Value::Null);
            module
                .init_genesis(&mut delta, section)
                .map_err(|e| AppError::Genesis(format!("{}: {}", module.name(), e.log)))?;
        }
        let changes = delta.into_changes();
        let root = self.store.prepare(0, vec![changes.clone()])?.root_hash();
        self.chain_id = chain_id.to_owned();
        self.genesis = Some(changes);
        self.check.clear();
        Ok(root)
    }

    /// The committed state, with the genesis writes on top before the first block.
    fn committed_base(&self) -> Result<Box<dyn StateRead>, AppError> {
        let snapshot: Box<dyn StateRead> = match self.store.latest_version()? {
            Some(version) => Box::new(self.store.snapshot(version)?),
            None => Box::new(EmptyState),
        };
        Ok(match &self.genesis {
            Some(genesis) => Box::new(StateDelta::with_changes(snapshot, genesis.clone())),
            None => snapshot,
        })
    }

    /// The block a CheckTx runs in: the next height at the last block's time.
    fn check_block(&self, base: &dyn StateRead) -> Result<BlockInfo, AppError> {
        let last = last_block(base)?;
        Ok(BlockInfo {
            height: last.height + 1,
            time_ns: last.time_ns,
        })
    }

    /// Checks a tx against the check state; on success its effects stay there,
    /// so a sender may queue several txs before the next block.
    ///
    /// A new tx runs whole, so its sender learns at once what its messages
    /// would say. A recheck runs its envelope only, as the Cosmos SDK's
    /// recheck runs only the ante handler: messages may depend on order (a
    /// bid outbid by one in the block just committed), and a tx dropped for
    /// them would never consume its nonce, stranding every later tx of its
    /// sender in the mempool. In the block its messages fail with their
    /// reason and its nonce is consumed.
    pub fn check_tx(&mut self, bytes: &[u8], kind: CheckKind) -> Result<TxOutcome, AppError> {
        let pending = std::mem::take(&mut self.check);
        let (outcome, pending) = self.run_check(pending, bytes, kind)?;
        self.check = pending;
        Ok(outcome)
    }

    /// What CheckTx would answer for a new tx, kept nowhere: the check state
    /// stays as it was (the RPC's `check_tx`, whose tx never enters the
    /// mempool, must not take its nonce from the sender's next tx). It runs
    /// on a copy of the check state, which the mempool's size bounds.
    pub fn simulate_tx(&self, bytes: &[u8]) -> Result<TxOutcome, AppError> {
        self.run_check(self.check.clone(), bytes, CheckKind::New)
            .map(|(outcome, _)| outcome)
    }

    /// Runs a tx over the committed state with `pending` on top; returns its
    /// outcome and `pending` with the tx's effects if it passed.
    fn run_check(
        &self,
        pending: Changes,
        bytes: &[u8],
        kind: CheckKind,
    ) -> Result<(TxOutcome, Changes), AppError> {
        let base = self.committed_base()?;
        let check_state = StateDelta::with_changes(base.as_ref(), pending);
        let block = self.check_block(&check_state)?;
        let mut tx_state = StateDelta::new(&check_state);
        let result = match kind {
            CheckKind::New => self
                .execute_tx(&mut tx_state, block, bytes)
                .map(|(events, _)| events),
            CheckKind::Recheck => self.admit(&mut tx_state, block, bytes).map(|_| Vec::new()),
        };
        let tx_changes = tx_state.into_changes();
        let mut check_changes = check_state.into_changes();
        if result.is_ok() {
            check_changes.extend(tx_changes);
        }
        drop(base);
        Ok((
            TxOutcome::from_result(tx_hash(bytes), result),
            check_changes,
        ))
    }

    /// Keeps txs in order within `max_bytes`, dropping those that can never
    /// execute (undecodable, bad signatures, wrong chain).
    pub fn prepare_proposal(&self, txs: Vec<Vec<u8>>, max_bytes: usize) -> Vec<Vec<u8>> {
        let mut total = 0usize;
        txs.into_iter()
            .filter(|tx| self.decode_tx(tx).is_ok())
            .take_while(|tx| {
                total += tx.len();
                total <= max_bytes
            })
            .collect()
    }

    /// Accepts a proposal only if every tx passes the stateless checks.
    pub fn process_proposal(&self, txs: &[Vec<u8>]) -> bool {
        txs.iter().all(|tx| self.decode_tx(tx).is_ok())
    }

    /// Executes a decided block. Each tx consumes its nonce once its envelope
    /// passes; its messages run in their own overlay, merged only if they all
    /// succeed. Nothing is written until `commit`.
    pub fn finalize_block(
        &mut self,
        block: BlockInfo,
        txs: &[Vec<u8>],
    ) -> Result<FinalizedBlock, AppError> {
        self.finalize(block, txs, Messages::Run)
    }

    /// Finalizes `block` as if every tx's messages failed: only envelopes
    /// are checked and nonces consumed. What a block of refused txs must
    /// leave behind, for tests that prove a refusal changed nothing else.
    pub fn finalize_envelopes_only(
        &mut self,
        block: BlockInfo,
        txs: &[Vec<u8>],
    ) -> Result<FinalizedBlock, AppError> {
        self.finalize(block, txs, Messages::Skip)
    }

    fn finalize(
        &mut self,
        block: BlockInfo,
        txs: &[Vec<u8>],
        messages: Messages,
    ) -> Result<FinalizedBlock, AppError> {
        let last = self.store.latest_version()?;
        let expected = last.map_or(block.height, |v| v + 1);
        if block.height != expected || block.height == 0 {
            return Err(AppError::OutOfOrder {
                last: last.unwrap_or(0),
                got: block.height,
            });
        }
        let base = self.committed_base()?;
        let mut block_state = StateDelta::new(base.as_ref());
        let mut meta = block.height.to_be_bytes().to_vec();
        meta.extend_from_slice(&block.time_ns.to_be_bytes());
        block_state.put_raw(state_key::LAST_BLOCK.to_vec(), meta);

        let (block_events, hook_updates) = self.begin_block(&mut block_state, block);
        let mut tx_results = Vec::with_capacity(txs.len());
        // By key: a later update of one validator in the block replaces an earlier.
        let mut validator_updates: std::collections::BTreeMap<_, _> = hook_updates
            .into_iter()
            .map(|update| (update.public_key, update))
            .collect();
        for bytes in txs {
            let result = match messages {
                Messages::Run => self.deliver_tx(&mut block_state, block, bytes),
                Messages::Skip => self
                    .admit(&mut block_state, block, bytes)
                    .map(|_| (Vec::new(), Vec::new())),
            };
            let result = result.map(|(events, updates)| {
                for update in updates {
                    validator_updates.insert(update.public_key, update);
                }
                events
            });
            tx_results.push(TxOutcome::from_result(tx_hash(bytes), result));
        }
        // Their nonces are spent: these bytes never pass again.
        self.verified
            .forget(tx_results.iter().map(|outcome| outcome.hash));
        let retain_from = self.retain_from(&block_state, block.height)?;
        let changes = block_state.into_changes();
        drop(base);
        // The first block also writes genesis, as version 0 beneath it.
        let prepared = match &self.genesis {
            Some(genesis) => self
                .store
                .prepare(block.height - 1, vec![genesis.clone(), changes])?,
            None => self.store.prepare(block.height, vec![changes])?,
        };
        let app_hash = prepared.root_hash();
        self.pending = Some(PendingBlock {
            height: block.height,
            prepared,
            retain_from,
        });
        Ok(FinalizedBlock {
            events: block_events,
            tx_results,
            validator_updates: validator_updates.into_values().collect(),
            app_hash,
        })
    }

    /// Writes the finalized block, and prunes what is no longer kept, in
    /// one store transaction, and resets the check state. Returns the
    /// lowest height CometBFT must keep blocks for.
    pub fn commit(&mut self) -> Result<u64, AppError> {
        let pending = self.pending.take().ok_or(AppError::NothingToCommit)?;
        self.store
            .commit_pruned(pending.prepared, pending.retain_from)?;
        self.genesis = None;
        self.check.clear();
        tracing::debug!(height = pending.height, "committed");
        Ok(pending.retain_from.unwrap_or(0))
    }

    /// The oldest height to keep once the block at `height` is committed,
    /// read from the state after it: `keep_recent` back, or lower where a
    /// module will still read history. `None` keeps every height.
    fn retain_from(
        &self,
        after_block: &dyn StateRead,
        height: u64,
    ) -> Result<Option<u64>, AppError> {
        let Some(keep) = self.config.keep_recent else {
            return Ok(None);
        };
        if height <= keep {
            return Ok(None);
        }
        let mut retain = height - keep;
        for module in self.modules.iter() {
            if let Some(needed) = module.oldest_needed_height(after_block)? {
                retain = retain.min(needed);
            }
        }
        Ok(Some(retain))
    }

    /// Every module's begin-block hook, each in its own overlay.
    /// The begin-block hooks of every module, in order: their events and
    /// the validator updates they return (a proof-of-trust epoch's).
    fn begin_block(
        &self,
        block_state: &mut dyn StateWrite,
        block: BlockInfo,
    ) -> (Vec<Event>, Vec<ValidatorUpdate>) {
        let mut events = Vec::new();
        let mut updates = Vec::new();
        for module in self.modules.iter() {
            let mut ctx = MsgContext {
                chain_id: &self.chain_id,
                block,
                history: &self.store,
                signers: &[],
                events: Vec::new(),
                validator_updates: Vec::new(),
            };
            match crate::state::transactional(block_state, |state| {
                module.begin_block(&mut ctx, state)
            }) {
                Ok(()) => {
                    events.append(&mut ctx.events);
                    updates.append(&mut ctx.validator_updates);
                }
                Err(e) => tracing::error!(
                    module = module.name(),
                    height = block.height,
                    error = %e.log,
                    "begin-block hook failed; its writes are undone"
                ),
            }
        }
        (events, updates)
    }

    /// Runs a tx all or nothing (CheckTx: a tx whose messages fail stays
    /// out of the mempool and consumes nothing).
    fn execute_tx(
        &self,
        state: &mut dyn StateWrite,
        block: BlockInfo,
        bytes: &[u8],
    ) -> Result<(Vec<Event>, Vec<ValidatorUpdate>), ExecError> {
        let admitted = self.admit(state, block, bytes)?;
        self.run_msgs(state, block, &admitted)
    }

    /// Runs a tx of a block as the Cosmos SDK's ante handler does: once its
    /// envelope passes (chain id, signatures, signers, timeout, nonce) its
    /// nonce is consumed on `block_state` whatever its messages do, so its
    /// bytes can never run again; the messages run in their own overlay,
    /// merged only if all succeed.
    fn deliver_tx(
        &self,
        block_state: &mut StateDelta<&dyn StateRead>,
        block: BlockInfo,
        bytes: &[u8],
    ) -> Result<(Vec<Event>, Vec<ValidatorUpdate>), ExecError> {
        let admitted = self.admit(block_state, block, bytes)?;
        let mut tx_state = StateDelta::new(&*block_state);
        let result = self.run_msgs(&mut tx_state, block, &admitted);
        let tx_changes = tx_state.into_changes();
        if result.is_ok() {
            block_state.apply(tx_changes);
        }
        result
    }

    /// Checks a tx's envelope and consumes its nonce; writes nothing unless
    /// every check passes.
    fn admit(
        &self,
        state: &mut dyn StateWrite,
        block: BlockInfo,
        bytes: &[u8],
    ) -> Result<Admitted, ExecError> {
        let tx = self.decode_tx(bytes)?;
        if tx.body.timeout_height != 0 && block.height > tx.body.timeout_height {
            return Err(ExecError::new(
                CHAIN_CODESPACE,
                code::TX_TIMED_OUT,
                format!(
                    "tx timed out at height {}, this is {}",
                    tx.body.timeout_height, block.height
                ),
            ));
        }
        let signers: Vec<Address> = tx.signers.iter().map(|s| s.address).collect();
        let msgs = tx
            .body
            .msgs
            .iter()
            .map(|any| self.decode_msg(any))
            .collect::<Result<Vec<Box<dyn Msg>>, ExecError>>()?;
        for msg in &msgs {
            if let Some(missing) = msg.signers().into_iter().find(|s| !signers.contains(s)) {
                return Err(ExecError::unauthorized(format!(
                    "a message needs the signature of {missing}"
                )));
            }
        }
        auth::consume_nonce(state, tx.sender(), tx.body.nonce)?;
        Ok(Admitted { signers, msgs })
    }

    fn run_msgs(
        &self,
        state: &mut dyn StateWrite,
        block: BlockInfo,
        admitted: &Admitted,
    ) -> Result<(Vec<Event>, Vec<ValidatorUpdate>), ExecError> {
        let mut ctx = MsgContext {
            chain_id: &self.chain_id,
            block,
            history: &self.store,
            signers: &admitted.signers,
            events: Vec::new(),
            validator_updates: Vec::new(),
        };
        for msg in &admitted.msgs {
            msg.execute(&mut ctx, state)?;
        }
        Ok((ctx.events, ctx.validator_updates))
    }

    fn decode_msg(&self, any: &xcc_proto::Any) -> Result<Box<dyn Msg>, ExecError> {
        self.msg_router.decode(any).map_err(|e| match e {
            RouteError::Unknown(_) => {
                ExecError::new(CHAIN_CODESPACE, code::UNKNOWN_MESSAGE, e.to_string())
            }
            RouteError::Invalid(invalid) => invalid,
        })
    }
}

/// The last finalized block recorded in `state` (height 0 at genesis).
pub fn last_block(state: &dyn StateRead) -> Result<BlockInfo, crate::state::StateError> {
    Ok(match state.get_raw(state_key::LAST_BLOCK)? {
        Some(bytes) if bytes.len() == 16 => {
            let (height, time) = bytes.split_at(8);
            BlockInfo {
                height: u64::from_be_bytes(height.try_into().unwrap_or_default()),
                time_ns: u64::from_be_bytes(time.try_into().unwrap_or_default()),
            }
        }
        _ => BlockInfo {
            height: 0,
            time_ns: 0,
        },
    })
}

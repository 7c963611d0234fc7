//! The module pattern: each module owns its messages, state keys, handlers and
//! queries; the app routes txs and queries to them.

use xcc_proto::Any;

use crate::address::Address;
use crate::error::{ExecError, QueryError};
use crate::state::{StateError, StateRead, StateWrite};

/// The block a tx or query runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockInfo {
    pub height: u64,
    /// Block time, unix nanoseconds (the unit of packet timeouts).
    pub time_ns: u64,
}

impl BlockInfo {
    pub fn time_seconds(&self) -> i64 {
        (self.time_ns / 1_000_000_000) as i64
    }
}

/// An ABCI event: a kind and its attributes, all indexed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub attributes: Vec<(String, String)>,
}

impl Event {
    pub fn new(kind: impl Into<String>) -> Self {
        Event {
            kind: kind.into(),
            attributes: Vec::new(),
        }
    }

    pub fn attr(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.attributes.push((key.into(), value.to_string()));
        self
    }
}

/// A change of a consensus validator's power (0 removes it), returned to
/// the node in FinalizeBlock; CometBFT applies it two heights later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidatorUpdate {
    /// ed25519 consensus public key.
    pub public_key: [u8; 32],
    pub power: u64,
}

/// The committed state of earlier heights, for handlers that read the past
/// (a dividend's entitlements are the balances at its record height).
pub trait History: Sync {
    /// The state after block `height`; `None` once pruned or not yet
    /// committed.
    fn at(&self, height: u64) -> Result<Option<Box<dyn StateRead + '_>>, StateError>;
}

impl History for xcc_store::Store {
    fn at(&self, height: u64) -> Result<Option<Box<dyn StateRead + '_>>, StateError> {
        if !self.has_version(height) {
            return Ok(None);
        }
        Ok(Some(Box::new(self.snapshot(height)?)))
    }
}

/// What a message handler sees besides state.
pub struct MsgContext<'a> {
    pub chain_id: &'a str,
    pub block: BlockInfo,
    /// Earlier heights' committed state.
    pub history: &'a dyn History,
    /// Addresses that signed the tx, the sender first.
    pub signers: &'a [Address],
    pub events: Vec<Event>,
    pub validator_updates: Vec<ValidatorUpdate>,
}

impl MsgContext<'_> {
    pub fn emit(&mut self, event: Event) {
        self.events.push(event);
    }

    pub fn update_validator(&mut self, update: ValidatorUpdate) {
        self.validator_updates.push(update);
    }
}

/// A decoded message of some module.
pub trait Msg: Send {
    /// Accounts whose signatures the tx must carry.
    fn signers(&self) -> Vec<Address>;
    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError>;
}

pub trait Module: Send + Sync {
    /// The module's name, also its section in the genesis `app_state`.
    fn name(&self) -> &'static str;

    /// Type URLs of the messages this module handles; none by default.
    fn msg_type_urls(&self) -> Vec<String> {
        Vec::new()
    }

    /// Converts a wire message into the module's domain message, checking
    /// everything that needs no state. The router only hands a module the
    /// type URLs it declared; a module without messages refuses any.
    fn decode_msg(&self, msg: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Err(ExecError::new(
            crate::error::CHAIN_CODESPACE,
            crate::error::code::UNKNOWN_MESSAGE,
            format!("{} has no message {}", self.name(), msg.type_url),
        ))
    }

    /// Writes the module's genesis state; `genesis` is its `app_state` section
    /// (`null` when absent). A module without genesis state keeps the default.
    fn init_genesis(
        &self,
        _state: &mut dyn StateWrite,
        _genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        Ok(())
    }

    /// Runs at the start of every block, before its txs (deadlines, pruning).
    /// A failure undoes the hook's writes and is logged; the block goes on.
    fn begin_block(
        &self,
        _ctx: &mut MsgContext<'_>,
        _state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        Ok(())
    }

    /// The oldest committed height whose state this module will still read
    /// through `MsgContext::history` (e.g. the record height of a dividend
    /// not yet paid); pruning keeps it. `None` when it needs none.
    fn oldest_needed_height(&self, _state: &dyn StateRead) -> Result<Option<u64>, StateError> {
        Ok(None)
    }

    /// The protobuf query service this module answers, e.g. `xcc.currency.v1.Query`.
    fn query_service(&self) -> Option<&'static str> {
        None
    }

    /// Answers `/<service>/<method>` with a protobuf-encoded response.
    fn query(
        &self,
        _state: &dyn StateRead,
        _block: BlockInfo,
        method: &str,
        _request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        Err(QueryError::UnknownPath(method.to_owned()))
    }
}

/// Decodes a protobuf message of type `M` out of an `Any` whose type URL was
/// already matched.
pub fn decode_any<M: prost::Message + Default>(msg: &Any) -> Result<M, ExecError> {
    M::decode(msg.value.as_slice())
        .map_err(|e| ExecError::invalid_msg(format!("{}: {e}", msg.type_url)))
}

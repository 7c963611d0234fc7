//! The security chain's module: registration of securities countersigned by
//! the registrar, a KYC whitelist per security managed by its issuer and the
//! agents it appoints, transfers within the holder cap, and frozen positions.

pub mod auction;
pub mod domain;
pub mod error;
pub mod handler;
pub mod hold;
pub mod msg;
pub mod payout;
pub mod query;
pub mod state;
pub mod state_key;
pub mod symbol;
pub mod terms;
pub mod trust;

use serde::{Deserialize, Serialize};
use xcc_chain::genesis::parse_section;
use xcc_chain::state::{StateRead, StateWrite, StateWriteExt};
use xcc_chain::{Address, BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::Any;

pub use msg::SecurityMsg;
pub use symbol::Symbol;

/// The `security` section of `app_state`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecurityGenesis {
    /// The authority that countersigns every registration.
    pub registrar: Option<Address>,
    /// Securities registered before the chain starts (a chain restarted from
    /// exported state, or a testnet's first property).
    #[serde(default)]
    pub securities: Vec<GenesisSecurity>,
    /// How many blocks back a dividend's record height may be. Every node
    /// keeps at least that many heights, whatever its own retention, so
    /// whether a declaration is valid never depends on a node's config.
    #[serde(default = "default_record_window")]
    pub record_window_blocks: u64,
    /// How many holders one page of a dividend payout carries, at most
    /// `handler::dividend::MAX_PAGE_HOLDERS`.
    #[serde(default = "default_page_holders")]
    pub dividend_page_holders: u32,
}

impl Default for SecurityGenesis {
    fn default() -> Self {
        SecurityGenesis {
            registrar: None,
            securities: Vec::new(),
            record_window_blocks: DEFAULT_RECORD_WINDOW_BLOCKS,
            dividend_page_holders: handler::dividend::DEFAULT_PAGE_HOLDERS,
        }
    }
}

/// About a day of one-second blocks.
pub const DEFAULT_RECORD_WINDOW_BLOCKS: u64 = 86_400;

fn default_record_window() -> u64 {
    DEFAULT_RECORD_WINDOW_BLOCKS
}

fn default_page_holders() -> u32 {
    handler::dividend::DEFAULT_PAGE_HOLDERS
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisSecurity {
    pub symbol: Symbol,
    pub name: String,
    pub issuer: Address,
    pub total_supply: u64,
    pub holder_cap: u32,
    /// Whitelisted until `whitelist_expires_at` (unix seconds).
    #[serde(default)]
    pub whitelist: Vec<Address>,
    #[serde(default = "far_future")]
    pub whitelist_expires_at: i64,
    /// Units moved from the issuer to holders, who must be whitelisted.
    #[serde(default)]
    pub balances: Vec<GenesisHolding>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisHolding {
    pub account: Address,
    pub amount: u64,
}

/// 2100-01-01T00:00:00Z.
fn far_future() -> i64 {
    4_102_444_800
}

pub struct SecurityModule;

/// The security chain's modules: those every chain runs, the participant
/// side of two-phase commit over unit reservations, and securities.
pub fn modules() -> Vec<Box<dyn Module>> {
    xcc_chain::participant_chain_modules(
        vec![
            Box::new(SecurityModule),
            Box::new(auction::AuctionModule),
            Box::new(trust::TrustModule),
        ],
        std::sync::Arc::new(SecurityModule),
        vec![std::sync::Arc::new(auction::AuctionModule)],
    )
}

impl Msg for SecurityMsg {
    fn signers(&self) -> Vec<Address> {
        SecurityMsg::signers(self)
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        handler::execute(self, ctx, state)
    }
}

impl Module for SecurityModule {
    fn name(&self) -> &'static str {
        "security"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        msg::type_urls()
    }

    fn decode_msg(&self, msg: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Ok(Box::new(SecurityMsg::decode(msg)?))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: SecurityGenesis = parse_section(self.name(), genesis)?;
        let registrar = genesis
            .registrar
            .ok_or_else(|| ExecError::invalid_msg("security genesis must name a registrar"))?;
        state.put_raw(
            state_key::REGISTRAR.to_vec(),
            registrar.to_string().into_bytes(),
        );
        if genesis.record_window_blocks == 0 {
            return Err(ExecError::invalid_msg(
                "security genesis: record_window_blocks must be positive",
            ));
        }
        state.put_u64(
            state_key::RECORD_WINDOW.to_vec(),
            genesis.record_window_blocks,
        );
        let page_holders = genesis.dividend_page_holders;
        if !(1..=handler::dividend::MAX_PAGE_HOLDERS).contains(&page_holders) {
            return Err(ExecError::invalid_msg(format!(
                "security genesis: dividend_page_holders is 1 to {}, not {page_holders}",
                handler::dividend::MAX_PAGE_HOLDERS
            )));
        }
        state.put_u64(
            state_key::DIVIDEND_PAGE_HOLDERS.to_vec(),
            u64::from(page_holders),
        );
        for security in &genesis.securities {
            handler::registry::import(state, registrar, security)
                .map_err(|e| ExecError::invalid_msg(format!("genesis {}: {e}", security.symbol)))?;
        }
        Ok(())
    }

    /// The next block may declare a dividend at any height of the record
    /// window, and dividends not yet paid will read their record height.
    fn oldest_needed_height(
        &self,
        state: &dyn StateRead,
    ) -> Result<Option<u64>, xcc_chain::state::StateError> {
        let next = xcc_chain::app::last_block(state)?.height + 1;
        let window_start = next.saturating_sub(state::SecurityRead::record_window(state)?);
        // The index is in record-height order: its first key is the lowest.
        let prefix = state_key::all_unpaid_dividends();
        let unpaid = state
            .prefix_page_raw(prefix, prefix, 1)?
            .first()
            .and_then(|(key, _)| state_key::unpaid_record_height(key));
        Ok(Some(unpaid.map_or(window_start, |h| h.min(window_start))))
    }

    fn query_service(&self) -> Option<&'static str> {
        Some(query::SERVICE)
    }

    fn query(
        &self,
        state: &dyn StateRead,
        block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        query::answer(state, block, method, request)
    }
}

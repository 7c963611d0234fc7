//! Bank receipts and proof of trust on the security chain (DESIGN.md §12).
//!
//! Banks, registered by the chain's admin, sign receipts of payments made
//! off chain (`receipt`). A platform registers on a platform-registration
//! receipt naming its validator key; a bidder registers for a lot on a
//! bidder-registration receipt, whose fee credits the platform it was paid
//! through. At every epoch each platform's voting power becomes its share
//! of the fees of the trailing window, capped below a third (`power`,
//! `epoch`), and the changes leave the block as validator updates.

pub mod epoch;
pub mod error;
pub mod genesis;
pub mod handler;
pub mod msg;
pub mod power;
mod query;
pub mod receipt;
pub mod state;
pub mod state_key;

use xcc_chain::genesis::parse_section;
use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::Any;

use error::TrustError;
use msg::TrustMsg;
use state::{Params, TrustRead};

/// The most platforms a chain has: bounds each epoch's work.
pub const MAX_PLATFORMS: usize = 100;

pub struct TrustModule;

/// The chain's parameters; a chain without a trust section in its genesis
/// takes no receipts.
pub fn params(state: &dyn StateRead) -> Result<Params, TrustError> {
    state.trust_params()?.ok_or_else(|| {
        TrustError::Invalid(
            "this chain takes no bank receipts: its genesis has no trust section".into(),
        )
    })
}

/// Most used-receipt marks forgotten in one block; a backlog drains over
/// the next blocks.
pub const PRUNED_MARKS_PER_BLOCK: usize = 256;

/// Forgets the marks of receipts expired before `now_ns`: a replay of one
/// is refused as expired before its mark is looked at, so the mark guards
/// nothing any more.
fn prune_expired_marks(state: &mut dyn StateWrite, now_ns: u64) -> Result<(), ExecError> {
    let prefix = state_key::all_used_by_expiry();
    let due = state.prefix_page_raw(prefix, prefix, PRUNED_MARKS_PER_BLOCK)?;
    for (key, _) in due {
        if state_key::expiry_of_index_key(&key).is_none_or(|expiry| expiry >= now_ns) {
            break;
        }
        if let Some(used) = state_key::used_from_expiry_key(&key) {
            state.delete(used);
        }
        state.delete(key);
    }
    Ok(())
}

impl Msg for TrustMsg {
    fn signers(&self) -> Vec<Address> {
        TrustMsg::signers(self)
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        let result = match self {
            TrustMsg::RegisterBank { admin, bank } => {
                handler::bank::register(ctx, state, admin, bank)
            }
            TrustMsg::RevokeBank { admin, key } => handler::bank::revoke(ctx, state, admin, key),
            TrustMsg::RegisterPlatform { submitter, receipt } => {
                handler::platform::register(ctx, state, submitter, receipt)
            }
            TrustMsg::RegisterBidder { submitter, receipt } => {
                handler::bidder::register(ctx, state, submitter, receipt)
            }
        };
        Ok(result?)
    }
}

impl Module for TrustModule {
    fn name(&self) -> &'static str {
        "trust"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        msg::type_urls()
    }

    fn decode_msg(&self, any: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Ok(Box::new(TrustMsg::decode(any)?))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: genesis::TrustGenesis = parse_section(self.name(), genesis)?;
        genesis::init(state, &genesis)
    }

    fn begin_block(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        let Some(params) = state.trust_params()? else {
            return Ok(());
        };
        if let Some(ended) = epoch::ended_before(&params, ctx.block.height) {
            epoch::end_epoch(ctx, state, &params, ended)?;
        }
        prune_expired_marks(state, ctx.block.time_ns)?;
        Ok(())
    }

    fn query_service(&self) -> Option<&'static str> {
        Some(query::SERVICE)
    }

    fn query(
        &self,
        state: &dyn StateRead,
        _block: BlockInfo,
        method: &str,
        request: &[u8],
    ) -> Result<Vec<u8>, QueryError> {
        query::answer(state, method, request)
    }
}

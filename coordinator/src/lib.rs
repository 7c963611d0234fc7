//! The coordinator chain of XCC: it runs two-phase commit over cross-chain
//! txs so that every leg commits or none does. `machine` is the protocol as
//! a pure state machine (inputs in, outputs out, no state access, no
//! clocks); `driver` applies it to stored records; `intake`, `port` and the
//! begin-block hook feed it submissions, votes, acks, timeouts and time.

pub mod driver;
pub mod error;
pub mod intake;
pub mod machine;
pub mod params;
mod port;
mod query;
pub mod record;
pub mod state_key;
pub mod timeline;

use std::sync::Arc;

use prost::Name;
use xcc_chain::genesis::parse_section;
use xcc_chain::module::decode_any;
use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::coordinator::v1 as pb;
use xcc_proto::Any;

use intake::{SignerRules, SubmitCrossTx};
pub use params::Params;

#[derive(Clone)]
pub struct CoordinatorModule {
    rules: Arc<SignerRules>,
}

impl CoordinatorModule {
    /// A coordinator that learns which accounts a leg's messages need from
    /// the participant chains' `modules`.
    pub fn new(participant_modules: Vec<Box<dyn Module>>) -> Self {
        CoordinatorModule {
            rules: Arc::new(SignerRules::new(participant_modules)),
        }
    }
}

/// The coordinator chain's modules: those every chain runs, with the
/// coordinator as a module and as the `xtx` port.
pub fn modules() -> Vec<Box<dyn Module>> {
    let coordinator = CoordinatorModule::new(vec![
        Box::new(xcc_security::SecurityModule),
        Box::new(xcc_security::auction::AuctionModule),
        Box::new(xcc_currency::CurrencyModule),
    ]);
    xcc_chain::chain_modules(
        vec![Box::new(coordinator.clone())],
        vec![Arc::new(coordinator)],
    )
}

impl Module for CoordinatorModule {
    fn name(&self) -> &'static str {
        "coordinator"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        vec![pb::MsgSubmitCrossTx::type_url()]
    }

    fn decode_msg(&self, any: &Any) -> Result<Box<dyn Msg>, ExecError> {
        let msg: pb::MsgSubmitCrossTx = decode_any(any)?;
        let submitter = msg
            .submitter
            .parse()
            .map_err(|e| ExecError::invalid_msg(format!("submitter: {e}")))?;
        let signed = msg
            .signed_cross_tx
            .ok_or_else(|| ExecError::invalid_msg("no cross-tx"))?;
        Ok(Box::new(SubmitCrossTx {
            submitter,
            signed,
            rules: self.rules.clone(),
        }))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let params: Params = parse_section(self.name(), genesis)?;
        params.validate()?;
        params.save(state);
        Ok(())
    }

    fn begin_block(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        driver::begin_block(ctx, state)
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

//! The currency chain's module: denominations with a mint authority set at
//! genesis, minting, transfers, balances and supply.

pub mod denom;
pub mod error;
pub mod handler;
pub mod hold;
pub mod msg;
pub mod query;
pub mod state_key;

use serde::{Deserialize, Serialize};
use xcc_chain::genesis::parse_section;
use xcc_chain::state::{StateRead, StateWrite, StateWriteExt};
use xcc_chain::{Address, BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::currency::v1 as pb;
use xcc_proto::Any;

pub use denom::DenomName;
pub use msg::CurrencyMsg;

/// The `currency` section of `app_state`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct CurrencyGenesis {
    #[serde(default)]
    pub denoms: Vec<DenomGenesis>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DenomGenesis {
    pub denom: DenomName,
    pub mint_authority: Address,
    /// Initial balances, counted in the supply.
    #[serde(default)]
    pub balances: Vec<GenesisBalance>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GenesisBalance {
    pub account: Address,
    pub amount: u64,
}

pub struct CurrencyModule;

/// The currency chain's modules: those every chain runs, the participant
/// side of two-phase commit over cash reservations, and currency.
pub fn modules() -> Vec<Box<dyn Module>> {
    xcc_chain::participant_chain_modules(
        vec![Box::new(CurrencyModule)],
        std::sync::Arc::new(CurrencyModule),
    )
}

impl Msg for CurrencyMsg {
    fn signers(&self) -> Vec<Address> {
        CurrencyMsg::signers(self)
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        handler::execute(self, ctx, state)
    }
}

impl Module for CurrencyModule {
    fn name(&self) -> &'static str {
        "currency"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        msg::type_urls()
    }

    fn decode_msg(&self, msg: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Ok(Box::new(CurrencyMsg::decode(msg)?))
    }

    fn init_genesis(
        &self,
        state: &mut dyn StateWrite,
        genesis: &serde_json::Value,
    ) -> Result<(), ExecError> {
        let genesis: CurrencyGenesis = parse_section(self.name(), genesis)?;
        for denom in &genesis.denoms {
            let key = state_key::denom(&denom.denom);
            if state.get_raw(&key)?.is_some() {
                return Err(ExecError::invalid_msg(format!(
                    "denom {} appears twice",
                    denom.denom
                )));
            }
            let record = pb::Denom {
                denom: denom.denom.to_string(),
                mint_authority: denom.mint_authority.to_string(),
                supply: 0,
            };
            state.put_proto(key, &record);
            for entry in &denom.balances {
                handler::credit_new(state, &denom.denom, &entry.account, entry.amount)?;
            }
        }
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

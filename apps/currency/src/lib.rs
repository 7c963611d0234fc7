//! The currency chain's module: denominations with a mint authority set at
//! genesis, minting, transfers, balances and supply.

pub mod denom;
pub mod domain;
pub mod error;
pub mod escrow;
pub mod handler;
pub mod hold;
pub mod msg;
pub mod query;
pub mod state;
pub mod state_key;

use serde::{Deserialize, Serialize};
use xcc_chain::genesis::parse_section;
use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::Any;

pub use denom::DenomName;
pub use msg::CurrencyMsg;
use state::CurrencyWrite;

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
        vec![std::sync::Arc::new(escrow::EscrowPort)],
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
            if state.get_raw(&state_key::denom(&denom.denom))?.is_some() {
                return Err(ExecError::invalid_msg(format!(
                    "denom {} appears twice",
                    denom.denom
                )));
            }
            state.put_denom(&domain::Denom {
                name: denom.denom.clone(),
                mint_authority: denom.mint_authority,
                supply: 0,
            });
            for entry in &denom.balances {
                handler::mint::credit_new(state, &denom.denom, &entry.account, entry.amount)?;
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

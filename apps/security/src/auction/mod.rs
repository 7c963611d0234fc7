//! Auctions of a security's units on the security chain (DESIGN.md §11):
//! English, Dutch and sealed-bid lots, driven by block time only. The rules
//! are a pure machine (`machine`); the handlers carry out what it says.
//!
//! A lot reserves the seller's units like a listing. Bidders qualify by a
//! cross-tx (`handler::qualify` here, the guarantee held in the lot's escrow
//! on the currency chain); every other step is a plain message.

pub mod error;
pub mod handler;
pub mod legs;
pub mod machine;
pub mod msg;
pub mod port;
mod query;
pub mod record;
pub mod state;
pub mod state_key;
pub mod terms;

use xcc_chain::state::{StateRead, StateWrite};
use xcc_chain::{Address, BlockInfo, ExecError, Module, Msg, MsgContext, QueryError};
use xcc_proto::Any;

use error::AuctionError;
use msg::AuctionMsg;

pub struct AuctionModule;

impl Msg for AuctionMsg {
    fn signers(&self) -> Vec<Address> {
        AuctionMsg::signers(self)
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        let result = match self {
            AuctionMsg::Create(new) => handler::create::create(ctx, state, new),
            AuctionMsg::Step { lot_id, input, .. } => {
                handler::step::step(ctx, state, *lot_id, input.clone())
            }
            AuctionMsg::Qualify { .. } => Err(AuctionError::CrossTxOnly("MsgQualifyBidder")),
            AuctionMsg::Settle { .. } => Err(AuctionError::CrossTxOnly("MsgSettleLot")),
        };
        Ok(result?)
    }
}

impl Module for AuctionModule {
    fn name(&self) -> &'static str {
        "auction"
    }

    fn msg_type_urls(&self) -> Vec<String> {
        msg::type_urls()
    }

    fn decode_msg(&self, any: &Any) -> Result<Box<dyn Msg>, ExecError> {
        Ok(Box::new(AuctionMsg::decode(any)?))
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

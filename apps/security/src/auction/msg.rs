//! The auction module's messages as domain types, converted from protobuf
//! in this one place: after `decode`, every address, symbol and amount is
//! valid and the terms are the machine's.

use prost::Name;
use xcc_chain::module::decode_any;
use xcc_chain::{Address, ExecError};
use xcc_proto::auction::v1 as pb;
use xcc_proto::Any;

use super::error::AuctionError;
use super::machine::Input;
use super::record::terms_from_proto;
use super::terms::Terms;
use crate::msg::{address, positive, symbol};
use crate::symbol::Symbol;

#[derive(Clone, Debug, PartialEq)]
pub struct NewLot {
    pub seller: Address,
    pub symbol: Symbol,
    pub units: u64,
    pub denom: String,
    pub currency_chain: String,
    pub terms: Terms,
}

#[derive(Clone, Debug, PartialEq)]
pub enum AuctionMsg {
    Create(NewLot),
    /// An input to a lot's machine, signed by `signer`.
    Step {
        signer: Address,
        lot_id: u64,
        input: Input,
    },
    /// Only as a cross-tx leg (`handler::qualify`).
    Qualify {
        bidder: Address,
        lot_id: u64,
    },
    /// Only as a cross-tx leg (`handler::settle`).
    Settle {
        winner: Address,
        lot_id: u64,
    },
}

pub fn type_urls() -> Vec<String> {
    vec![
        pb::MsgCreateAuction::type_url(),
        pb::MsgCancelAuction::type_url(),
        pb::MsgBid::type_url(),
        pb::MsgTake::type_url(),
        pb::MsgCommitBid::type_url(),
        pb::MsgRevealBid::type_url(),
        pb::MsgCloseAuction::type_url(),
        pb::MsgQualifyBidder::type_url(),
        pb::MsgSettleLot::type_url(),
    ]
}

fn sealed(bytes: &[u8]) -> Result<[u8; 32], AuctionError> {
    bytes.try_into().map_err(|_| {
        AuctionError::Invalid(format!("a sealed bid is 32 bytes, not {}", bytes.len()))
    })
}

/// Whether `type_url` names one of the auction's messages: a cheap test,
/// for the leg dispatch every cross-tx leg goes through.
pub fn is_auction_msg(type_url: &str) -> bool {
    type_url.starts_with("/xcc.auction.v1.Msg")
}

/// The most bytes of salt a reveal carries.
pub const MAX_SALT_BYTES: usize = 64;

impl AuctionMsg {
    pub fn decode(any: &Any) -> Result<Self, ExecError> {
        let url = any.type_url.as_str();
        let step =
            |signer: &str, field: &str, lot_id: u64, input: Input| -> Result<Self, ExecError> {
                Ok(AuctionMsg::Step {
                    signer: address(field, signer)?,
                    lot_id,
                    input,
                })
            };
        if url == pb::MsgCreateAuction::type_url() {
            let m: pb::MsgCreateAuction = decode_any(any)?;
            if m.denom.is_empty() || m.currency_chain.is_empty() {
                return Err(AuctionError::Invalid(
                    "a lot names its denom and currency chain".into(),
                )
                .into());
            }
            let terms = m
                .terms
                .as_ref()
                .ok_or_else(|| AuctionError::Invalid("a lot needs terms".into()))?;
            Ok(AuctionMsg::Create(NewLot {
                seller: address("seller", &m.seller)?,
                symbol: symbol(&m.symbol)?,
                units: positive("units", m.units)?,
                denom: m.denom,
                currency_chain: m.currency_chain,
                terms: terms_from_proto(terms).map_err(AuctionError::Invalid)?,
            }))
        } else if url == pb::MsgCancelAuction::type_url() {
            let m: pb::MsgCancelAuction = decode_any(any)?;
            let by = address("seller", &m.seller)?;
            step(&m.seller, "seller", m.lot_id, Input::Cancel { by })
        } else if url == pb::MsgBid::type_url() {
            let m: pb::MsgBid = decode_any(any)?;
            let bidder = address("bidder", &m.bidder)?;
            let input = Input::Bid {
                bidder,
                amount: positive("amount", m.amount)?,
            };
            step(&m.bidder, "bidder", m.lot_id, input)
        } else if url == pb::MsgTake::type_url() {
            let m: pb::MsgTake = decode_any(any)?;
            let bidder = address("bidder", &m.bidder)?;
            step(&m.bidder, "bidder", m.lot_id, Input::Take { bidder })
        } else if url == pb::MsgCommitBid::type_url() {
            let m: pb::MsgCommitBid = decode_any(any)?;
            let input = Input::Commit {
                bidder: address("bidder", &m.bidder)?,
                sealed: sealed(&m.sealed)?,
            };
            step(&m.bidder, "bidder", m.lot_id, input)
        } else if url == pb::MsgRevealBid::type_url() {
            let m: pb::MsgRevealBid = decode_any(any)?;
            if m.salt.len() > MAX_SALT_BYTES {
                return Err(AuctionError::Invalid(format!(
                    "a salt has at most {MAX_SALT_BYTES} bytes, not {}",
                    m.salt.len()
                ))
                .into());
            }
            let input = Input::Reveal {
                bidder: address("bidder", &m.bidder)?,
                amount: m.amount,
                salt: m.salt,
            };
            step(&m.bidder, "bidder", m.lot_id, input)
        } else if url == pb::MsgCloseAuction::type_url() {
            let m: pb::MsgCloseAuction = decode_any(any)?;
            step(&m.signer, "signer", m.lot_id, Input::Close)
        } else if url == pb::MsgQualifyBidder::type_url() {
            let m: pb::MsgQualifyBidder = decode_any(any)?;
            Ok(AuctionMsg::Qualify {
                bidder: address("bidder", &m.bidder)?,
                lot_id: m.lot_id,
            })
        } else if url == pb::MsgSettleLot::type_url() {
            let m: pb::MsgSettleLot = decode_any(any)?;
            Ok(AuctionMsg::Settle {
                winner: address("winner", &m.winner)?,
                lot_id: m.lot_id,
            })
        } else {
            Err(AuctionError::Invalid(format!("unknown message {url}")).into())
        }
    }

    pub fn signers(&self) -> Vec<Address> {
        match self {
            AuctionMsg::Create(new) => vec![new.seller],
            AuctionMsg::Step { signer, .. } => vec![*signer],
            AuctionMsg::Qualify { bidder, .. } => vec![*bidder],
            AuctionMsg::Settle { winner, .. } => vec![*winner],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cheap_test_knows_every_auction_message_and_no_other() {
        assert!(type_urls().iter().all(|url| is_auction_msg(url)));
        assert!(!crate::msg::type_urls()
            .iter()
            .any(|url| is_auction_msg(url)));
        assert!(!is_auction_msg("/xcc.auction.v1.Lot"));
    }

    #[test]
    fn a_salt_at_its_limit_decodes_and_one_byte_over_is_refused() {
        let bidder = Address::from_public_key(
            &ed25519_consensus::SigningKey::from([3; 32]).verification_key(),
        );
        let reveal = |salt_len: usize| {
            let msg = pb::MsgRevealBid {
                bidder: bidder.to_string(),
                lot_id: 1,
                amount: 1_000,
                salt: vec![7; salt_len],
            };
            AuctionMsg::decode(&xcc_proto::to_any(&msg))
        };
        assert!(reveal(MAX_SALT_BYTES).is_ok());
        let over = reveal(MAX_SALT_BYTES + 1)
            .err()
            .map(|e| e.log)
            .unwrap_or_default();
        assert!(over.contains("at most 64 bytes, not 65"), "{over}");
    }
}

//! `MsgRecoverClient`: the chain's admin substitutes a fresh trust root for a
//! frozen or expired client, with ibc-go's recovery semantics. The new root
//! is a header of the same chain above the client's latest height, signed by
//! more than 2/3 of the validators the admin names; consensus states below it
//! are no longer trusted. An active client cannot be recovered: that would
//! let the admin rewrite what a working client has verified.

use tendermint::block::signed_header::SignedHeader;
use tendermint::validator;
use tendermint_light_client_verifier::types::UntrustedBlockState;
use tendermint_light_client_verifier::{ProdVerifier, Verdict};
use xcc_proto::ibc::v1 as pb;

use super::client::{self, invalid_header, Status};
use super::error::{code, error};
use super::state_key;
use crate::address::Address;
use crate::error::ExecError;
use crate::module::{Event, Msg, MsgContext};
use crate::state::{StateWrite, StateWriteExt};
use crate::validators;

/// `MsgRecoverClient`, decoded.
pub struct Recovery {
    pub authority: Address,
    pub client_id: String,
    pub signed_header: SignedHeader,
    pub validators: validator::Set,
}

impl Recovery {
    pub fn decode(msg: &pb::MsgRecoverClient) -> Result<Self, ExecError> {
        Ok(Recovery {
            authority: msg
                .authority
                .parse()
                .map_err(|e| ExecError::invalid_msg(format!("authority: {e}")))?,
            client_id: msg.client_id.clone(),
            signed_header: client::decode_signed_header(&msg.signed_header)?,
            validators: client::decode_validator_set(&msg.validator_set, "validator set")?,
        })
    }
}

impl Msg for Recovery {
    fn signers(&self) -> Vec<Address> {
        vec![self.authority]
    }

    fn execute(
        &self,
        ctx: &mut MsgContext<'_>,
        state: &mut dyn StateWrite,
    ) -> Result<(), ExecError> {
        validators::ensure_admin(state, &self.authority)?;
        let mut client = client::client_state(state, &self.client_id)?;
        let now = ctx.block.time_ns;
        if client::health(state, &client, now)?.status == Status::Active {
            return Err(error(
                code::CLIENT_ACTIVE,
                format!(
                    "the client of {} is active: only a frozen or expired client can be recovered",
                    client.chain_id
                ),
            ));
        }
        let header = &self.signed_header.header;
        if header.chain_id.as_str() != client.chain_id {
            return Err(invalid_header(format!(
                "a header of chain {}, not of {}",
                header.chain_id, client.chain_id
            )));
        }
        let height = header.height.value();
        if height <= client.latest_height {
            return Err(invalid_header(format!(
                "height {height} is not above the client's latest height {}",
                client.latest_height
            )));
        }
        self.verify(&client, now)?;

        let consensus = client::consensus_of(&self.signed_header);
        state.put_proto(
            state_key::consensus_state(&self.client_id, height),
            &consensus,
        );
        client.latest_height = height;
        client.frozen_height = 0;
        client.recovered_height = height;
        state.put_proto(state_key::client_state(&self.client_id), &client);
        tracing::warn!(client = %self.client_id, height, "client recovered by the admin");
        ctx.emit(
            Event::new("recover_client")
                .attr("client_id", &self.client_id)
                .attr("height", height),
        );
        Ok(())
    }
}

impl Recovery {
    /// The named validators match the header and more than 2/3 of their
    /// power signed it; the header is neither from the future nor already
    /// past the trusting period.
    fn verify(&self, client: &pb::ClientState, now_ns: u64) -> Result<(), ExecError> {
        let (_, options) = client::options(client).map_err(client::StepError::into_exec)?;
        let untrusted = UntrustedBlockState {
            signed_header: &self.signed_header,
            validators: &self.validators,
            next_validators: None,
        };
        let verifier = ProdVerifier::default();
        let now = client::time_of(now_ns)?;
        for verdict in [
            verifier.verify_validator_sets(&untrusted),
            verifier.check_header_is_from_past(&untrusted, &options, now),
            verifier.verify_commit(&untrusted),
        ] {
            match verdict {
                Verdict::Success => {}
                Verdict::NotEnoughTrust(tally) => {
                    return Err(invalid_header(format!(
                        "not signed by more than 2/3 of the named validators: {tally}"
                    )))
                }
                Verdict::Invalid(detail) => return Err(invalid_header(detail.to_string())),
            }
        }
        let header_ns = client::time_ns(self.signed_header.header.time);
        if header_ns.saturating_add(client.trusting_period_ns) <= now_ns {
            return Err(error(
                code::CLIENT_EXPIRED,
                "the new trust root is already older than the trusting period",
            ));
        }
        Ok(())
    }
}

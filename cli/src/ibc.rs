//! `xcc tx ibc`: the packet layer's admin actions.

use anyhow::{anyhow, bail};
use clap::Subcommand;
use prost::Message;
use tendermint::block::Height;
use tendermint::validator;
use tendermint_proto::v0_38::types as tm;
use tendermint_rpc::{Client, Paging};
use xcc_chain::Address;
use xcc_proto::{ibc::v1 as ibc, to_any, Any};

#[derive(Debug, Subcommand)]
pub enum IbcTx {
    /// Substitute a fresh trust root for a frozen or expired client (the
    /// chain's admin only): the counterparty's header at --height (its
    /// latest by default) and the validators that signed it, read from the
    /// counterparty's node. Check the printed validators hash against one
    /// you trust before you send it.
    RecoverClient {
        /// The client to recover: the counterparty's chain id.
        #[arg(long)]
        client: String,
        /// The counterparty's header height to trust from.
        #[arg(long)]
        height: Option<u64>,
        /// A node of the counterparty (client.toml's by default).
        #[arg(long)]
        counterparty_node: Option<String>,
    },
}

/// The message of an `IbcTx`, once what it needs is read from the chains.
pub struct Prepared {
    client_id: String,
    signed_header: Vec<u8>,
    validator_set: Vec<u8>,
}

impl Prepared {
    pub fn to_any(&self, authority: Address) -> Any {
        to_any(&ibc::MsgRecoverClient {
            authority: authority.to_string(),
            client_id: self.client_id.clone(),
            signed_header: self.signed_header.clone(),
            validator_set: self.validator_set.clone(),
        })
    }
}

impl IbcTx {
    pub async fn prepare(&self, home: &std::path::Path) -> anyhow::Result<Prepared> {
        let IbcTx::RecoverClient {
            client,
            height,
            counterparty_node,
        } = self;
        let node = crate::rpc::connect(home, client, counterparty_node.as_deref()).await?;
        let commit = match height {
            Some(h) => node.commit(Height::try_from(*h)?).await,
            None => node.latest_commit().await,
        }
        .map_err(|e| anyhow!("reading {client}'s commit: {e}"))?;
        let at = commit.signed_header.header.height;
        let validators = validator::Set::without_proposer(
            node.validators(at, Paging::All)
                .await
                .map_err(|e| anyhow!("reading {client}'s validators at {at}: {e}"))?
                .validators,
        );
        if validators.hash() != commit.signed_header.header.validators_hash {
            bail!("the node's validators of height {at} do not match its header");
        }
        eprintln!(
            "trust root: {client} at height {at}, time {}, validators hash {} ({} validators)",
            commit.signed_header.header.time,
            validators.hash(),
            validators.validators().len()
        );
        Ok(Prepared {
            client_id: client.clone(),
            signed_header: tm::SignedHeader::from(commit.signed_header).encode_to_vec(),
            validator_set: tm::ValidatorSet::from(validators).encode_to_vec(),
        })
    }
}

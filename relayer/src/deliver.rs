//! Delivering one direction of a path: proving each unit in the proving
//! chain's state, then sending the units in batches, each tx opening with
//! the client update the proofs need. A batch the chain rejects is sent
//! again one unit per tx, so one bad unit never holds back the others.

use tendermint::block::signed_header::SignedHeader;
use xcc_proto::Any;

use crate::chain::{Chain, ClientView};
use crate::header;
use crate::plan::ProofPoint;
use crate::proof::prove_batch;
use crate::sender::{is_stale_nonce, Delivered, Sender};
use crate::work::{update_clients, Counts, Work};
use crate::{RelayerError, RelayerOptions};

/// What a direction got through, and what the chains refused.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    pub relayed: Counts,
    pub failures: Vec<String>,
}

impl Delivery {
    fn add(&mut self, delivered: &Delivered) {
        let counts = Counts::from_events(delivered.events.iter().map(String::as_str));
        tracing::debug!(
            height = delivered.height,
            recv = counts.recv,
            ack = counts.ack,
            timeout = counts.timeout,
            "tx committed"
        );
        self.relayed += counts;
    }
}

/// `prover`'s state after block `point.query_height`, proven to the chain
/// `sender` sends to, against `header` (at `point.proof_height`).
pub(crate) struct Direction<'a> {
    pub prover: &'a Chain,
    pub sender: &'a Sender,
    pub point: ProofPoint,
    pub header: SignedHeader,
    /// The verifying chain's client of `prover`, and that chain's latest
    /// block time, for the updates the proofs need.
    pub client: &'a ClientView,
    pub now_ns: u64,
}

impl Direction<'_> {
    /// Proves and sends `batches` in order, recording in `delivery` what got
    /// through even if a later batch cannot be sent.
    pub async fn deliver(
        &self,
        batches: Vec<Vec<Work>>,
        options: &RelayerOptions,
        delivery: &mut Delivery,
    ) -> Result<(), RelayerError> {
        let root: [u8; 32] = self
            .header
            .header
            .app_hash
            .as_bytes()
            .try_into()
            .map_err(|_| {
                RelayerError::bad_answer(self.prover.id(), "an app hash of the wrong size")
            })?;
        let updates: Vec<Any> = match self.point.update_from {
            Some(_) => {
                let steps = header::updates(
                    self.prover,
                    self.client,
                    self.point.proof_height,
                    self.now_ns,
                )
                .await?;
                update_clients(self.sender.address(), self.prover.id(), steps)
            }
            None => Vec::new(),
        };
        for batch in batches {
            let proven = prove_batch(
                self.prover,
                self.point.query_height,
                &root,
                batch,
                options.proof_concurrency,
            )
            .await?;
            let mut units = Vec::with_capacity(proven.len());
            for (work, proof) in proven {
                let what = work.describe();
                match proof {
                    Ok(proof) => units.push((
                        what,
                        work.into_msg(self.sender.address(), proof, self.point.proof_height),
                    )),
                    Err(why) => delivery.failures.push(format!("{what}: {why}")),
                }
            }
            send_splitting(self.sender, &updates, units, delivery).await?;
        }
        Ok(())
    }
}

fn with_updates(updates: &[Any], msgs: impl IntoIterator<Item = Any>) -> Vec<Any> {
    updates.iter().cloned().chain(msgs).collect()
}

/// Whether sending the units one by one may get some through.
fn splittable(error: &RelayerError) -> bool {
    error.is_tx_rejection() && !is_stale_nonce(error)
}

/// Sends the units as one tx; if the chain rejects it, one tx per unit, so
/// one bad unit never holds back the others.
async fn send_splitting(
    sender: &Sender,
    updates: &[Any],
    units: Vec<(String, Any)>,
    delivery: &mut Delivery,
) -> Result<(), RelayerError> {
    if units.is_empty() {
        return Ok(());
    }
    let batch = with_updates(updates, units.iter().map(|(_, msg)| msg.clone()));
    let error = match sender.send(batch).await {
        Ok(delivered) => {
            delivery.add(&delivered);
            return Ok(());
        }
        Err(e) if splittable(&e) => e,
        Err(e) => return Err(e),
    };
    if units.len() == 1 {
        delivery.failures.push(format!("{}: {error}", units[0].0));
        return Ok(());
    }
    tracing::warn!(%error, units = units.len(), "a batch was rejected; sending its units one by one");
    for (what, msg) in units {
        match sender.send(with_updates(updates, [msg])).await {
            Ok(delivered) => delivery.add(&delivered),
            Err(e) if splittable(&e) => delivery.failures.push(format!("{what}: {e}")),
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

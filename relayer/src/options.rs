//! How the relayer behaves; every field has a default that suits a local
//! testnet.

use std::time::Duration;

/// The most sequences the chains answer about in one query.
pub const MAX_PACKETS_PER_QUERY: u32 = 10_000;

#[derive(Clone, Debug)]
pub struct RelayerOptions {
    /// The most packets (or acks, or timeouts) per tx.
    pub batch_size: usize,
    /// The most packet and acknowledgement bytes per tx.
    pub batch_bytes: usize,
    /// A full pass over every path at least once per this many blocks, even
    /// without events: timeouts fall due without any event.
    pub reconcile_every_blocks: u64,
    /// A packet whose timeout is this close to the destination's latest
    /// block time is not received (its receive could fail and revert the
    /// batch) but left to time out.
    pub timeout_margin: Duration,
    /// The most pending packets read per path and pass.
    pub max_packets_per_pass: u32,
    /// How often a chain is polled while its websocket is down.
    pub poll_interval: Duration,
    /// Back-off while a chain is out of reach: from `backoff_min`, doubling,
    /// up to `backoff_max`.
    pub backoff_min: Duration,
    pub backoff_max: Duration,
    /// Time allowed for one read from a node.
    pub request_timeout: Duration,
    /// Time allowed for a tx to be committed after it is broadcast.
    pub commit_timeout: Duration,
    /// How many proofs are fetched at once from one chain.
    pub proof_concurrency: usize,
    /// A client is refreshed (updated with no packet to carry) once this
    /// fraction of its trusting period has passed since its latest header,
    /// so a quiet path never lets it expire (Hermes refreshes at 1/3).
    pub refresh_rate: f64,
    /// Deliver only to these chains (receives to them, acks and timeouts
    /// back to them); every chain when `None`. Operators split duties
    /// between relayers with it, and tests hold a protocol at a phase.
    pub deliver_to: Option<std::collections::BTreeSet<String>>,
}

impl RelayerOptions {
    /// Whether this relayer delivers to `chain`.
    pub fn delivers_to(&self, chain: &str) -> bool {
        self.deliver_to
            .as_ref()
            .is_none_or(|chains| chains.contains(chain))
    }
}

impl Default for RelayerOptions {
    fn default() -> Self {
        RelayerOptions {
            batch_size: 100,
            batch_bytes: 512 * 1024,
            reconcile_every_blocks: 3,
            timeout_margin: Duration::from_secs(5),
            max_packets_per_pass: 5_000,
            poll_interval: Duration::from_secs(1),
            backoff_min: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            commit_timeout: Duration::from_secs(60),
            proof_concurrency: 16,
            refresh_rate: 1.0 / 3.0,
            deliver_to: None,
        }
    }
}

impl RelayerOptions {
    pub(crate) fn check(&self) -> Result<(), String> {
        if self.batch_size == 0 || self.batch_bytes == 0 {
            return Err("the batch size and batch bytes must be positive".into());
        }
        if self.reconcile_every_blocks == 0 {
            return Err("reconcile-every-blocks must be positive".into());
        }
        if self.max_packets_per_pass == 0 || self.max_packets_per_pass > MAX_PACKETS_PER_QUERY {
            return Err(format!(
                "max packets per pass must be within 1..={MAX_PACKETS_PER_QUERY}"
            ));
        }
        if !(self.refresh_rate > 0.0 && self.refresh_rate < 1.0) {
            return Err("the refresh rate must be a fraction within (0, 1)".into());
        }
        if self.proof_concurrency == 0 {
            return Err("proof concurrency must be positive".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::RelayerOptions;

    #[test]
    fn a_relayer_delivers_everywhere_unless_told_where() {
        let everywhere = RelayerOptions::default();
        assert!(everywhere.delivers_to("coordinator-1"));
        let participants = RelayerOptions {
            deliver_to: Some(["security-1".to_owned(), "currency-1".to_owned()].into()),
            ..RelayerOptions::default()
        };
        assert!(participants.delivers_to("security-1"));
        assert!(!participants.delivers_to("coordinator-1"));
    }
}

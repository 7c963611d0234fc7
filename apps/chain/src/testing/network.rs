//! Several in-process chains in lockstep (one block each per step) and a
//! relayer that carries every packet, acknowledgement and timeout between
//! them with real client updates and ics23 proofs: cross-chain protocols
//! tested end to end without sockets.

use std::collections::BTreeMap;
use std::path::Path;

use xcc_proto::ibc::v1 as pb;
use xcc_proto::{to_any, Any};

use super::{TestChain, TestKey, TestValidators, BLOCK_INTERVAL_NS, GENESIS_TIME_NS};
use crate::app::{AppConfig, TxOutcome, STORE_KEY_PATH};
use crate::ibc::state_key;
use crate::module::Module;

/// A chain to start: its id, modules and genesis `app_state` (the packet
/// layer's counterparties are added).
pub struct ChainSetup {
    pub chain_id: String,
    pub modules: Vec<Box<dyn Module>>,
    pub app_state: serde_json::Value,
}

pub struct TestNetwork {
    pub chains: BTreeMap<String, TestChain>,
    validators: BTreeMap<String, TestValidators>,
    /// The height each chain's client of each counterparty is updated to.
    trusted: BTreeMap<(String, String), u64>,
    pub relayer: TestKey,
    /// Directions (from, to) the relayer carries nothing in: neither
    /// packets from `from` to `to` nor acknowledgements and timeouts that
    /// `from` wrote for packets `to` sent.
    pub blocked: Vec<(String, String)>,
}

fn block_time(height: u64) -> u64 {
    GENESIS_TIME_NS + (height - 1) * BLOCK_INTERVAL_NS
}

impl TestNetwork {
    pub fn new(dir: &Path, setups: Vec<ChainSetup>) -> Self {
        Self::with_config(dir, setups, AppConfig::default())
    }

    /// Every chain's app configured with `config` (a node's own settings,
    /// such as how much history it keeps).
    pub fn with_config(dir: &Path, setups: Vec<ChainSetup>, config: AppConfig) -> Self {
        let validators: BTreeMap<String, TestValidators> = setups
            .iter()
            .enumerate()
            .map(|(index, setup)| {
                let base = 10 * (index as u8 + 1);
                let seeds = [base, base + 1, base + 2, base + 3];
                (
                    setup.chain_id.clone(),
                    TestValidators::new(&setup.chain_id, &seeds),
                )
            })
            .collect();
        let mut chains = BTreeMap::new();
        let mut trusted = BTreeMap::new();
        for setup in setups {
            let roots: Vec<serde_json::Value> = validators
                .iter()
                .filter(|(id, _)| **id != setup.chain_id)
                .map(|(id, v)| {
                    trusted.insert((setup.chain_id.clone(), id.clone()), 0);
                    v.trust_root(GENESIS_TIME_NS - BLOCK_INTERVAL_NS, 14 * 24 * 3600)
                })
                .collect();
            let mut app_state = setup.app_state;
            app_state["ibc"] = serde_json::json!({ "counterparties": roots });
            let chain_dir = dir.join(&setup.chain_id);
            std::fs::create_dir_all(&chain_dir).expect("chain dir");
            let chain = TestChain::with_config(
                &chain_dir,
                &setup.chain_id,
                setup.modules,
                app_state,
                config.clone(),
            );
            chains.insert(setup.chain_id, chain);
        }
        TestNetwork {
            chains,
            validators,
            trusted,
            relayer: TestKey::from_seed(250),
            blocked: Vec::new(),
        }
    }

    pub fn chain(&self, chain_id: &str) -> &TestChain {
        &self.chains[chain_id]
    }

    /// One block on every chain: the relayer's tx (everything it can carry
    /// from the committed state) first, then `txs` per chain. Returns the
    /// outcomes of `txs`.
    pub fn step(
        &mut self,
        mut txs: BTreeMap<String, Vec<Vec<u8>>>,
    ) -> BTreeMap<String, Vec<TxOutcome>> {
        let mut packets: BTreeMap<String, Vec<Any>> = BTreeMap::new();
        let mut updates = std::collections::BTreeSet::new();
        // Before the first block there is no state to prove.
        let started = self.chains.values().all(|chain| chain.height() > 0);
        let ids: Vec<String> = if started {
            self.chains.keys().cloned().collect()
        } else {
            Vec::new()
        };
        for source in &ids {
            for dest in &ids {
                if source != dest {
                    self.relay(source, dest, &mut packets, &mut updates);
                }
            }
        }
        // Client updates first, once per client, then what they prove.
        let mut relayed: BTreeMap<String, Vec<Any>> = BTreeMap::new();
        for (holder, of) in updates {
            if let Some(update) = self.update(&holder, &of) {
                relayed.entry(holder).or_default().push(update);
            }
        }
        for (chain_id, msgs) in packets {
            relayed.entry(chain_id).or_default().extend(msgs);
        }
        let mut outcomes = BTreeMap::new();
        for (chain_id, chain) in self.chains.iter_mut() {
            let mut block = Vec::new();
            let relay_msgs = relayed.remove(chain_id).unwrap_or_default();
            let has_relay = !relay_msgs.is_empty();
            if has_relay {
                block.push(chain.tx(&[&self.relayer], relay_msgs));
            }
            let user = txs.remove(chain_id).unwrap_or_default();
            block.extend(user);
            let mut results = chain.block(block);
            if has_relay {
                let relay = results.remove(0);
                assert_eq!(
                    relay.code, 0,
                    "relaying to {chain_id} failed: {}",
                    relay.log
                );
            }
            outcomes.insert(chain_id.clone(), results);
        }
        outcomes
    }

    /// Steps until `done` holds, at most `max_steps` times; panics otherwise.
    pub fn run_until(&mut self, max_steps: usize, mut done: impl FnMut(&TestNetwork) -> bool) {
        for _ in 0..max_steps {
            if done(self) {
                return;
            }
            self.step(BTreeMap::new());
        }
        assert!(done(self), "not done after {max_steps} steps");
    }

    /// Runs `msgs` signed by `signers` on `chain_id` in the next step.
    pub fn submit(&mut self, chain_id: &str, signers: &[&TestKey], msgs: Vec<Any>) -> TxOutcome {
        let tx = self.chains[chain_id].tx(signers, msgs);
        let mut outcomes = self.step(BTreeMap::from([(chain_id.to_owned(), vec![tx])]));
        outcomes
            .remove(chain_id)
            .and_then(|mut o| o.pop())
            .expect("an outcome")
    }

    /// A client update that `holder`'s client of `of` must take as
    /// misbehaviour: a second valid header, with another app hash, at the
    /// height it last trusted (verified from the trust root at height 0).
    pub fn misbehaviour(&self, holder: &str, of: &str) -> Any {
        let validators = &self.validators[of];
        let height = self.trusted[&(holder.to_owned(), of.to_owned())];
        assert!(height > 0, "{holder} has trusted no header of {of} yet");
        let header = validators.header(height, block_time(height), &[0xee; 32], 0, validators);
        to_any(&pb::MsgUpdateClient {
            signer: self.relayer.address.to_string(),
            client_id: of.to_owned(),
            header: Some(header),
        })
    }

    fn proof(chain: &TestChain, key: &[u8]) -> Vec<u8> {
        let outcome = chain.app.query(STORE_KEY_PATH, key, chain.height(), true);
        assert_eq!(outcome.code, 0, "{}", outcome.log);
        outcome.proof.expect("a proof")
    }

    /// The client update that lets `holder` verify proofs of `of`'s state
    /// after its latest height.
    fn update(&mut self, holder: &str, of: &str) -> Option<Any> {
        let chain = &self.chains[of];
        let validators = &self.validators[of];
        let height = chain.height() + 1;
        let app_hash = chain
            .app
            .store()
            .root_hash(chain.height())
            .expect("a version");
        let trusted = self
            .trusted
            .get_mut(&(holder.to_owned(), of.to_owned()))
            .expect("a client");
        if *trusted >= height {
            return None;
        }
        let header = validators.header(height, block_time(height), &app_hash, *trusted, validators);
        *trusted = height;
        Some(to_any(&pb::MsgUpdateClient {
            signer: self.relayer.address.to_string(),
            client_id: of.to_owned(),
            header: Some(header),
        }))
    }

    fn relay(
        &self,
        source: &str,
        dest: &str,
        out: &mut BTreeMap<String, Vec<Any>>,
        updates: &mut std::collections::BTreeSet<(String, String)>,
    ) {
        let src = &self.chains[source];
        let dst = &self.chains[dest];
        let pending: pb::QueryPendingPacketsResponse = src
            .query(
                "/xcc.ibc.v1.Query/PendingPackets",
                &pb::QueryPendingPacketsRequest {
                    dest_chain: dest.to_owned(),
                    limit: 0,
                },
            )
            .expect("pending packets");
        if pending.packets.is_empty() {
            return;
        }
        let sequences: Vec<u64> = pending.packets.iter().map(|p| p.sequence).collect();
        let unreceived: pb::QueryUnreceivedPacketsResponse = dst
            .query(
                "/xcc.ibc.v1.Query/UnreceivedPackets",
                &pb::QueryUnreceivedPacketsRequest {
                    source_chain: source.to_owned(),
                    sequences: sequences.clone(),
                },
            )
            .expect("unreceived packets");
        let acks: pb::QueryAcknowledgementsResponse = dst
            .query(
                "/xcc.ibc.v1.Query/Acknowledgements",
                &pb::QueryAcknowledgementsRequest {
                    source_chain: source.to_owned(),
                    sequences,
                },
            )
            .expect("acknowledgements");
        let dest_time = block_time(dst.height() + 1);
        let (src_height, dst_height) = (src.height(), dst.height());
        let signer = self.relayer.address.to_string();
        let (mut to_dest, mut to_source) = (Vec::new(), Vec::new());
        for packet in pending.packets {
            if unreceived.sequences.contains(&packet.sequence) {
                if dest_time >= packet.timeout_timestamp_ns {
                    let key = state_key::receipt(source, packet.sequence);
                    to_source.push(to_any(&pb::MsgTimeout {
                        signer: signer.clone(),
                        proof_unreceived: Self::proof(dst, &key),
                        packet: Some(packet),
                        proof_height: dst_height + 1,
                    }));
                } else {
                    let key = state_key::commitment(dest, &packet.port, packet.sequence);
                    to_dest.push(to_any(&pb::MsgRecvPacket {
                        signer: signer.clone(),
                        proof_commitment: Self::proof(src, &key),
                        packet: Some(packet),
                        proof_height: src_height + 1,
                    }));
                }
            } else if let Some(ack) = acks
                .acknowledgements
                .iter()
                .find(|a| a.sequence == packet.sequence)
            {
                let key = state_key::ack_commitment(source, packet.sequence);
                to_source.push(to_any(&pb::MsgAcknowledge {
                    signer: signer.clone(),
                    acknowledgement: ack.acknowledgement.clone(),
                    proof_acked: Self::proof(dst, &key),
                    packet: Some(packet),
                    proof_height: dst_height + 1,
                }));
            }
        }
        let is_blocked =
            |from: &str, to: &str| self.blocked.contains(&(from.to_owned(), to.to_owned()));
        if is_blocked(source, dest) {
            to_dest.clear();
        }
        if is_blocked(dest, source) {
            to_source.clear();
        }
        if !to_dest.is_empty() {
            updates.insert((dest.to_owned(), source.to_owned()));
            out.entry(dest.to_owned()).or_default().extend(to_dest);
        }
        if !to_source.is_empty() {
            updates.insert((source.to_owned(), dest.to_owned()));
            out.entry(source.to_owned()).or_default().extend(to_source);
        }
    }
}

//! When to run a pass and over which paths, from the hints so far: the
//! paths a block's events touched once its state is committed (at the
//! chain's next block), every path of a chain whose events are unknown, and
//! all paths on start and every few blocks.

use std::collections::{BTreeMap, BTreeSet};

use crate::hints::{Activity, Hint};
use crate::PathId;

/// The paths a pass should cover.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Due {
    /// Every path: a reconciliation.
    pub full: bool,
    pub paths: BTreeSet<PathId>,
    /// Every path from or to these chains.
    pub chains: BTreeSet<String>,
}

impl Due {
    pub fn full() -> Self {
        Due {
            full: true,
            ..Due::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        !self.full && self.paths.is_empty() && self.chains.is_empty()
    }

    pub fn selects(&self, path: &PathId) -> bool {
        self.full
            || self.paths.contains(path)
            || self.chains.iter().any(|chain| path.touches(chain))
    }
}

#[derive(Debug)]
pub struct Schedule {
    reconcile_every_blocks: u64,
    /// Blocks seen per chain since the last full pass.
    blocks: BTreeMap<String, u64>,
    /// Paths touched by a chain's latest block: provable from its next one.
    armed: BTreeMap<String, BTreeSet<PathId>>,
    due: Due,
}

impl Schedule {
    /// Starts with a full pass due: reconcile on start.
    pub fn new(reconcile_every_blocks: u64) -> Self {
        Schedule {
            reconcile_every_blocks: reconcile_every_blocks.max(1),
            blocks: BTreeMap::new(),
            armed: BTreeMap::new(),
            due: Due::full(),
        }
    }

    pub fn on_hint(&mut self, hint: Hint) {
        let seen = self.blocks.entry(hint.chain.clone()).or_default();
        *seen += 1;
        if *seen >= self.reconcile_every_blocks {
            self.due.full = true;
        }
        if let Some(paths) = self.armed.remove(&hint.chain) {
            self.due.paths.extend(paths);
        }
        match hint.activity {
            Activity::Unknown => {
                self.due.chains.insert(hint.chain);
            }
            Activity::Paths(paths) if !paths.is_empty() => {
                self.armed.insert(hint.chain, paths);
            }
            Activity::Paths(_) => {}
        }
    }

    /// The pass now due, if any.
    pub fn take(&mut self) -> Option<Due> {
        if self.due.is_empty() {
            return None;
        }
        let due = std::mem::take(&mut self.due);
        if due.full {
            self.blocks.clear();
        }
        Some(due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(chain: &str, height: u64, paths: &[(&str, &str)]) -> Hint {
        Hint {
            chain: chain.to_owned(),
            height,
            activity: Activity::Paths(paths.iter().map(|(s, d)| PathId::new(s, d)).collect()),
        }
    }

    #[test]
    fn reconciles_on_start_then_every_few_blocks() {
        let mut schedule = Schedule::new(3);
        assert_eq!(schedule.take(), Some(Due::full()));
        assert_eq!(schedule.take(), None);
        schedule.on_hint(block("a", 1, &[]));
        schedule.on_hint(block("b", 1, &[]));
        schedule.on_hint(block("a", 2, &[]));
        assert_eq!(schedule.take(), None, "quiet blocks need no pass");
        schedule.on_hint(block("a", 3, &[]));
        assert!(schedule.take().is_some_and(|due| due.full));
        schedule.on_hint(block("a", 4, &[]));
        assert_eq!(
            schedule.take(),
            None,
            "the count restarts after a full pass"
        );
    }

    #[test]
    fn touched_paths_are_due_at_the_chains_next_block() {
        let mut schedule = Schedule::new(100);
        schedule.take();
        schedule.on_hint(block("a", 5, &[("a", "b")]));
        // The packet is in the state after block 5, proven by header 6.
        assert_eq!(schedule.take(), None);
        schedule.on_hint(block("b", 9, &[]));
        assert_eq!(
            schedule.take(),
            None,
            "another chain's block proves nothing of a"
        );
        schedule.on_hint(block("a", 6, &[]));
        let due = schedule.take().expect("due");
        assert!(!due.full);
        assert!(due.selects(&PathId::new("a", "b")));
        assert!(!due.selects(&PathId::new("b", "a")));
    }

    #[test]
    fn unknown_activity_makes_every_path_of_the_chain_due() {
        let mut schedule = Schedule::new(100);
        schedule.take();
        schedule.on_hint(Hint {
            chain: "a".into(),
            height: 1,
            activity: Activity::Unknown,
        });
        let due = schedule.take().expect("due");
        assert!(due.selects(&PathId::new("a", "b")) && due.selects(&PathId::new("c", "a")));
        assert!(!due.selects(&PathId::new("b", "c")));
    }
}

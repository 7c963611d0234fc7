//! The coordinator chain of XCC: it runs two-phase commit over cross-chain
//! txs so that every leg commits or none does. `machine` is the protocol as
//! a pure state machine (inputs in, outputs out, no state access, no
//! clocks); the chain module that applies its outputs builds on it.

pub mod machine;

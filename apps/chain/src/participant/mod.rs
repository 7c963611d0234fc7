//! The participant side of two-phase commit, shared by the security and
//! currency chains. `machine` decides, per cross-tx, what a prepare or a
//! decision does; the modules' reservations carry it out.

pub mod machine;

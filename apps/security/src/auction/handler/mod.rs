//! The auction's messages carried out: `create` opens a lot, `step` feeds
//! a lot's machine one input and carries out what it says, `qualify` is
//! the leg by which a bidder joins a lot, `settle` the leg by which the
//! winner takes it.

pub mod create;
pub mod qualify;
pub mod settle;
pub mod step;

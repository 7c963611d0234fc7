//! Protobuf types of XCC, generated from `proto/xcc/**.proto`.
//!
//! These are wire types only; each crate converts them into its domain types in
//! one place.

pub use prost;
pub use prost_types::Any;

pub mod tx {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.tx.v1.rs"));
    }
}

pub mod auth {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.auth.v1.rs"));
    }
}

pub mod query {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.query.v1.rs"));
    }
}

pub mod security {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.security.v1.rs"));
    }
}

pub mod auction {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.auction.v1.rs"));
    }
}

pub mod trust {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.trust.v1.rs"));
    }
}

pub mod currency {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.currency.v1.rs"));
    }
}

pub mod validators {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.validators.v1.rs"));
    }
}

pub mod ibc {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.ibc.v1.rs"));
    }
}

pub mod ping {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.ping.v1.rs"));
    }
}

pub mod xtx {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.xtx.v1.rs"));
    }
}

pub mod coordinator {
    pub mod v1 {
        include!(concat!(env!("OUT_DIR"), "/xcc.coordinator.v1.rs"));
    }
}

/// Packs a message into an `Any` with its `/package.Message` type URL.
pub fn to_any<M: prost::Name>(msg: &M) -> Any {
    Any {
        type_url: M::type_url(),
        value: prost::Message::encode_to_vec(msg),
    }
}

//! Messages routed by type url to the module that decodes them: the one
//! routing table of an app, and of the coordinator's reading of the legs
//! it takes in for its participants.

use std::collections::HashMap;
use std::sync::Arc;

use xcc_proto::Any;

use crate::error::ExecError;
use crate::module::{Module, Msg};

#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    #[error("unknown message type {0:?}")]
    Unknown(String),
    /// The module that owns the type could not decode it.
    #[error("{}", .0.log)]
    Invalid(ExecError),
}

pub struct MsgRouter {
    modules: Arc<Vec<Box<dyn Module>>>,
    routes: HashMap<String, usize>,
}

impl MsgRouter {
    /// Routes every type url a module of `modules` declares to it; a later
    /// module declaring the same url takes it.
    pub fn new(modules: Arc<Vec<Box<dyn Module>>>) -> Self {
        let mut routes = HashMap::new();
        for (index, module) in modules.iter().enumerate() {
            for type_url in module.msg_type_urls() {
                routes.insert(type_url, index);
            }
        }
        MsgRouter { modules, routes }
    }

    pub fn modules(&self) -> &Arc<Vec<Box<dyn Module>>> {
        &self.modules
    }

    /// The message `any` carries, decoded by the module that owns its type.
    pub fn decode(&self, any: &Any) -> Result<Box<dyn Msg>, RouteError> {
        let index = self
            .routes
            .get(&any.type_url)
            .ok_or_else(|| RouteError::Unknown(any.type_url.clone()))?;
        self.modules[*index]
            .decode_msg(any)
            .map_err(RouteError::Invalid)
    }
}

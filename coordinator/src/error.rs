use xcc_chain::{Address, ExecError};

pub const CODESPACE: &str = "coordinator";

pub type Result<T> = std::result::Result<T, CoordinatorError>;

#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    #[error(transparent)]
    Envelope(xcc_chain::xtx::XtxError),
    #[error("{0} is not a registered participant chain")]
    UnknownParticipant(String),
    #[error("no participant chain handles message {0}")]
    UnknownMessage(String),
    #[error("invalid leg: {0}")]
    InvalidLeg(String),
    #[error("the cross-tx lacks the signature of {0}")]
    MissingSignature(Address),
    #[error("deadline {deadline_ns} ns must be after the block time {now_ns} ns and at most {max_secs} s later")]
    Deadline {
        deadline_ns: u64,
        now_ns: u64,
        max_secs: u64,
    },
    #[error("cross-tx {0} was already submitted")]
    AlreadySubmitted(String),
    #[error(transparent)]
    Chain(#[from] ExecError),
}

impl CoordinatorError {
    pub fn code(&self) -> u32 {
        match self {
            CoordinatorError::Envelope(_) => 1,
            CoordinatorError::UnknownParticipant(_) => 2,
            CoordinatorError::UnknownMessage(_) => 3,
            CoordinatorError::InvalidLeg(_) => 4,
            CoordinatorError::MissingSignature(_) => 5,
            CoordinatorError::Deadline { .. } => 6,
            CoordinatorError::AlreadySubmitted(_) => 7,
            CoordinatorError::Chain(_) => 0,
        }
    }
}

impl From<CoordinatorError> for ExecError {
    fn from(error: CoordinatorError) -> Self {
        match error {
            CoordinatorError::Chain(e) => e,
            other => ExecError::new(CODESPACE, other.code(), other.to_string()),
        }
    }
}

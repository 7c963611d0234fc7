use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Parse { path: String, message: String },
    #[error("{0}")]
    Invalid(String),
    #[error("invalid key: {0}")]
    Key(String),
}

impl ConfigError {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        ConfigError::Io {
            path: path.display().to_string(),
            source,
        }
    }

    pub fn parse(path: &Path, message: impl std::fmt::Display) -> Self {
        ConfigError::Parse {
            path: path.display().to_string(),
            message: message.to_string(),
        }
    }
}

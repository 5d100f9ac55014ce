//! The history crate's error: every variant names the store, file or
//! branch involved and, where there is one, the fix.

/// Result alias for the history crate.
pub type Result<T, E = HistoryError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// The database refused or failed a statement.
    #[error("history store {location}: {message}")]
    Database { location: String, message: String },
    /// A git operation on the data branch or a repository failed.
    #[error("{context}: {message}")]
    Git { context: String, message: String },
    /// A run or record file could not be used.
    #[error(transparent)]
    Core(#[from] benchgate_core::Error),
    /// A request that cannot be served as asked.
    #[error("{0}")]
    Refused(String),
}

impl HistoryError {
    pub(crate) fn git(context: impl Into<String>, error: &git2::Error) -> Self {
        Self::Git {
            context: context.into(),
            message: error.message().to_owned(),
        }
    }
}

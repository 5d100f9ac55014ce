//! The one error type of the crate: why storing, recovering, searching or embedding failed.

use std::path::{Path, PathBuf};

/// Why a memory-store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MemError {
    /// A file or directory operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A segment file (or a log record before the log's tail) does not
    /// decode: wrong magic, bad checksum, truncated body.
    #[error("corrupt {what} {}: {detail}", path.display())]
    Corrupt {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },
    /// An episode was refused before anything was written.
    #[error("invalid episode: {0}")]
    InvalidEpisode(String),
    /// A query was refused.
    #[error("invalid query: {0}")]
    InvalidQuery(String),
    /// The options cannot work together.
    #[error("invalid options: {0}")]
    InvalidOptions(String),
    /// Loading the tokenizer behind the embedder failed.
    #[error("embedder: {0}")]
    Embedder(#[from] tokenization::TokenizationError),
    /// The background flusher failed earlier; the store refuses writes
    /// from then on, since later writes could not be made durable in
    /// segments either. Every acknowledged write is still in the log.
    #[error("background flush failed: {0}")]
    Background(String),
    /// Another process (or another open store in this one) holds the
    /// directory's lock file: two writers would interleave their logs and
    /// delete each other's files.
    #[error(
        "store directory {} is already open in another process (it holds the lock on {}); close that process first, or open a different directory",
        dir.display(),
        lock_file.display()
    )]
    Locked { dir: PathBuf, lock_file: PathBuf },
    /// A thread panicked while holding one of the store's locks.
    #[error("a memory-store lock was poisoned by a panicking thread")]
    Poisoned,
}

impl MemError {
    /// Wraps an I/O error with the path it happened on.
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            source,
        }
    }

    pub(crate) fn corrupt(path: &Path, what: &'static str, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            path: path.to_owned(),
            what,
            detail: detail.into(),
        }
    }
}

impl<T> From<std::sync::PoisonError<T>> for MemError {
    fn from(_: std::sync::PoisonError<T>) -> Self {
        Self::Poisoned
    }
}

//! The one error type of the crate: why loading, training, encoding or shaping a batch failed.

use std::path::PathBuf;

/// The error type of the `tokenizers` crate: a boxed, thread-safe error.
///
/// Kept as the source of [`TokenizationError`] variants so the original
/// message and chain survive.
pub type TokenizersError = tokenizers::Error;

/// Why a tokenization operation failed.
#[derive(Debug, thiserror::Error)]
pub enum TokenizationError {
    /// A tokenizer file could not be read.
    #[error("cannot read tokenizer file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A tokenizer definition (file or JSON text) is not a valid tokenizer.
    #[error("invalid tokenizer definition {origin}: {source}")]
    Load {
        /// Where the definition came from: a path or "in-memory JSON".
        origin: String,
        #[source]
        source: TokenizersError,
    },
    /// The loaded tokenizer lacks a token the workload needs, such as the
    /// padding token.
    #[error("the tokenizer has no token {token:?}; re-train it (see the crate docs)")]
    MissingToken { token: String },
    /// Encoding text into token ids failed inside `tokenizers`.
    #[error("encoding failed: {source}")]
    Encode {
        #[source]
        source: TokenizersError,
    },
    /// Decoding token ids into text failed inside `tokenizers` (for example
    /// an id outside the vocabulary).
    #[error("decoding failed: {source}")]
    Decode {
        #[source]
        source: TokenizersError,
    },
    /// Training or serialising a tokenizer failed inside `tokenizers`.
    #[error("training failed: {source}")]
    Train {
        #[source]
        source: TokenizersError,
    },
    /// Writing a trained tokenizer failed.
    #[error("cannot write tokenizer file {}: {source}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A padding or truncation request that cannot produce a tensor, such
    /// as a maximum length of zero.
    #[error("invalid padding request: {reason}")]
    InvalidShape { reason: &'static str },
    /// Batch sizing refused a curve or constraints, or found no batch size
    /// that meets them (the message names the binding constraint).
    #[error("batch sizing: {0}")]
    BatchSizing(#[from] benchgate_metrics::batch::BatchError),
}

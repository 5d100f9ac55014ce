//! [`InferenceError`]: every way the engine can refuse a request or fail, as one typed error.

use tokenization::TokenizationError;

/// Why a model could not be built or a batch could not be run.
#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    /// A tensor operation failed inside candle.
    #[error("tensor operation failed: {0}")]
    Candle(#[from] candle_core::Error),
    /// Batch sizing refused a curve or constraints, or found no batch size
    /// that meets them (the message names the binding constraint).
    #[error("batch sizing: {0}")]
    BatchSizing(#[from] benchgate_metrics::batch::BatchError),
    /// Loading the tokenizer or encoding a prompt failed.
    #[error("tokenization failed: {0}")]
    Tokenization(#[from] TokenizationError),
    /// The model configuration is inconsistent (for example a head count
    /// that does not divide the hidden size).
    #[error("invalid model configuration: {0}")]
    InvalidConfig(String),
    /// A batch must hold at least one prompt.
    #[error("the batch holds no prompts")]
    EmptyBatch,
    /// Every prompt needs at least one token to condition on.
    #[error("prompt {index} of the batch is empty")]
    EmptyPrompt {
        /// Position of the prompt in the batch.
        index: usize,
    },
    /// A token id is not in the model's vocabulary.
    #[error("token id {token} is outside the vocabulary of {vocab_size} tokens")]
    TokenOutOfVocabulary {
        /// The offending id.
        token: u32,
        /// The model's vocabulary size.
        vocab_size: usize,
    },
    /// Prompt plus generated tokens would exceed the rotary table.
    #[error("a sequence of {requested} tokens exceeds the model's maximum of {max}")]
    SequenceTooLong {
        /// Longest prompt plus the tokens to generate.
        requested: usize,
        /// [`crate::ModelConfig::max_seq_len`].
        max: usize,
    },
    /// A decode step got a number of tokens different from the batch size.
    #[error("a decode step needs one token per sequence: got {got} for a batch of {batch}")]
    BatchMismatch {
        /// Tokens given.
        got: usize,
        /// Sequences in the decode state.
        batch: usize,
    },
    /// The decode state's KV cache is full.
    #[error("the KV cache holds {capacity} positions and is full")]
    CacheFull {
        /// Positions the cache was allocated for.
        capacity: usize,
    },
    /// A decode state may only be rewound to a length it already reached.
    #[error("cannot rewind a decode state of length {len} to {requested}")]
    InvalidRewind {
        /// Current length.
        len: usize,
        /// Length asked for.
        requested: usize,
    },
}

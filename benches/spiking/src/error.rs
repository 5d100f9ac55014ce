//! The one error type of the crate: why a configuration, an input or a hidden state was refused, or a tensor operation failed.

/// Why building or stepping a [`crate::LoopStack`] or [`crate::CandleStack`] failed.
#[derive(Debug, thiserror::Error)]
pub enum SpikingError {
    /// A configuration value is out of its valid range.
    #[error("invalid configuration: {field} = {value} ({reason})")]
    InvalidConfig {
        field: &'static str,
        value: String,
        reason: &'static str,
    },
    /// An input array or tensor does not have the shape the stack expects.
    #[error("{what} has shape {got:?}, expected {expected}")]
    Shape {
        what: &'static str,
        expected: String,
        got: Vec<usize>,
    },
    /// The hidden state was made for another batch size or another stack.
    #[error(
        "hidden state holds {state_blocks} blocks of batch {state_batch}, the call needs {blocks} blocks of batch {batch}"
    )]
    StateMismatch {
        state_blocks: usize,
        state_batch: usize,
        blocks: usize,
        batch: usize,
    },
    /// An array that must be one contiguous row-major block is not (an
    /// input view with gaps, or a sequence not in standard layout).
    #[error("an array is not contiguous in row-major order")]
    NonContiguous,
    /// A candle tensor operation failed.
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
}

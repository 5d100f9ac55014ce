//! The sample domain both summaries accept, and the error for input outside it.

use std::fmt;

/// Largest accepted latency in microseconds: 10¹² µs, about 11.6 days.
///
/// No request latency comes near this, so a larger value is a unit bug (for
/// example nanoseconds passed as microseconds twice over). The bound also
/// keeps every accepted sample, once converted to nanoseconds (at most 10¹⁵),
/// far inside the range an auto-resizing HDR histogram can track
/// (`i64::MAX / 2` ≈ 4.6·10¹⁸), so the streaming summary accepts exactly the
/// inputs the one-shot summary accepts.
pub const MAX_LATENCY_US: f64 = 1e12;

/// Why a summary could not be computed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SummaryError {
    /// There were no samples, so mean, extremes and quantiles are undefined.
    Empty,
    /// A sample outside `0.0..=MAX_LATENCY_US`: NaN, infinite, negative or
    /// absurdly large.
    InvalidSample {
        /// Position of the first offending sample in the input. For
        /// [`crate::StreamingSummary::record`] it is the number of samples
        /// recorded before it.
        index: u64,
        /// The offending value itself.
        value: f64,
    },
}

impl fmt::Display for SummaryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("cannot summarize zero samples"),
            Self::InvalidSample { index, value } => write!(
                f,
                "sample {index} is {value}, outside the accepted latency range \
                 0..={MAX_LATENCY_US} µs"
            ),
        }
    }
}

impl std::error::Error for SummaryError {}

/// Whether `x` is a latency both summaries accept.
///
/// `contains` is false for NaN, so one range check rejects every bad value.
#[inline]
pub fn is_valid_sample(x: f64) -> bool {
    (0.0..=MAX_LATENCY_US).contains(&x)
}

/// Fails with [`SummaryError::InvalidSample`] naming the first sample of
/// `samples` outside the accepted range; `index_offset` is the position of
/// `samples[0]` in the caller's input.
///
/// The hot loops only fold validity into a flag, because an early exit would
/// keep them from being pipelined; this search runs once, after a loop has
/// seen a bad value, to name it.
pub(crate) fn check_samples(samples: &[f64], index_offset: u64) -> Result<(), SummaryError> {
    match samples.iter().position(|&x| !is_valid_sample(x)) {
        None => Ok(()),
        Some(position) => Err(SummaryError::InvalidSample {
            index: index_offset + position as u64,
            value: samples[position],
        }),
    }
}

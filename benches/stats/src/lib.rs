//! Summary statistics over request-latency samples: the `stats` workload of benchgate.
//!
//! Given latencies in microseconds, both implementations produce the same
//! [`Summary`]: count, mean, sample standard deviation, min, max, the
//! p50/p90/p99/p99.9 quantiles and a [`LogHistogram`] with four buckets per
//! octave.
//!
//! # Two implementations
//!
//! * [`one_shot::summarize`] needs the whole batch in memory. It copies it
//!   once and finds the quantiles by selection, so its percentiles are *exact*
//!   (Hyndman–Fan type 8, identical to `statrs`). It fits offline analysis,
//!   per-request batches and any window small enough to keep, and it is the
//!   reference the streaming summary is checked against.
//! * [`StreamingSummary`] sees each sample once and keeps memory independent
//!   of the sample count (it grows only with the logarithm of the largest
//!   latency). Its quantiles come from an HDR histogram with three significant
//!   figures, so they are within about 0.05 % of an order statistic near the
//!   requested rank. Summaries of disjoint streams merge exactly for counts,
//!   extremes and histograms, which is what [`summarize_parallel`] and
//!   per-thread collectors rely on. It fits long-running services and inputs
//!   too large to hold. Its fixed cost (zeroing the HDR counts array, 172 KiB
//!   for latencies up to a second) makes it the slower choice for small batches.
//!
//! # Input domain
//!
//! Both implementations accept exactly the same samples: finite latencies in
//! `0.0..=`[`MAX_LATENCY_US`]. Anything else (NaN, infinities, negative or
//! absurdly large values) is rejected with [`SummaryError::InvalidSample`]
//! instead of being skipped, because such a value is a measurement or unit
//! bug and dropping it would silently bias the count and the tail. Empty
//! input yields [`SummaryError::Empty`]; nothing in this crate panics on
//! input data.
//!
//! [`data::latency_samples`] generates the deterministic, long-tailed inputs
//! the benchmarks and tests use.
//!
//! # Features
//!
//! `inject-regression` (off by default) makes [`one_shot::summarize`] do one
//! redundant, result-neutral pass over its input, slowing it by roughly a
//! third at every size. It exists only so that benchgate's CI smoke test can
//! prove the gate catches a real slowdown; never enable it otherwise.

pub mod data;
pub mod error;
pub mod one_shot;
pub mod streaming;
pub mod summary;

pub use error::{MAX_LATENCY_US, SummaryError};
pub use one_shot::summarize;
pub use streaming::{StreamingSummary, summarize_parallel};
pub use summary::{LogHistogram, QUANTILES, Summary};

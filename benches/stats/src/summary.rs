//! The result both implementations return: [`Summary`], its [`LogHistogram`] and the quantile definition.

use std::fmt;
use std::ops::Range;

/// The quantiles every summary reports, in the order of [`Summary::quantiles`]:
/// the median and the three tail percentiles latency SLOs are written against.
pub const QUANTILES: [f64; 4] = [0.5, 0.9, 0.99, 0.999];

/// Summary statistics of a batch or stream of latencies (microseconds).
///
/// Produced by [`crate::one_shot::summarize`] (exact quantiles) and
/// [`crate::StreamingSummary::summary`] (quantiles to HDR-histogram
/// precision); every other field means the same in both.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Number of samples; never 0, because empty input is an error.
    pub count: u64,
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (divisor `n - 1`). `None` for a single
    /// sample, where it is undefined (statrs returns NaN there; an `Option`
    /// makes the caller decide instead of propagating NaN).
    pub std_dev: Option<f64>,
    /// Smallest sample.
    pub min: f64,
    /// Largest sample.
    pub max: f64,
    /// Median, [`QUANTILES`]`[0]`.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Log-bucketed counts of all samples.
    pub histogram: LogHistogram,
}

impl Summary {
    /// `[p50, p90, p99, p999]`, matching [`QUANTILES`] element by element.
    pub fn quantiles(&self) -> [f64; 4] {
        [self.p50, self.p90, self.p99, self.p999]
    }
}

/// Where the type-8 quantile of a sorted sample lies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum QuantilePosition {
    /// The quantile is the smallest sample.
    Min,
    /// The quantile is the largest sample.
    Max,
    /// `x[lower] + fraction * (x[lower + 1] - x[lower])` on the sorted,
    /// zero-based sample; `lower + 1 < n` always holds.
    Between { lower: usize, fraction: f64 },
}

/// Position of quantile `tau` (in `0.0..=1.0`) among `n` sorted samples,
/// using Hyndman & Fan's definition 8.
///
/// Type 8 is used because it is approximately median-unbiased whatever the
/// underlying distribution: the estimate is as likely to fall above the true
/// quantile as below it, which matters for skewed latency data where other
/// definitions are biased toward the body. It is also what `statrs`
/// (`Data::quantile`) and R's recommended `quantile(type = 8)` compute, so the
/// exact one-shot results can be checked against an independent
/// implementation.
///
/// The arithmetic is written exactly as statrs 0.18 writes it
/// (`h = (n + 1/3)·tau + 1/3`, truncated to `hf`; `hf <= 0` → min,
/// `hf >= n` → max, otherwise interpolate between the `hf`-th and `hf+1`-th
/// order statistics with weight `h - hf`), so results agree bit for bit.
/// statrs also maps a `tau` within a few ulps of 1 to the max; for any `n`
/// below 10¹⁵ such a `tau` already gives `hf >= n`, so no separate test is
/// needed.
pub(crate) fn type8_position(n: usize, tau: f64) -> QuantilePosition {
    let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
    // `as` truncates toward zero, which is floor for the non-negative `h`.
    let hf = h as i64;
    if hf <= 0 || tau == 0.0 {
        QuantilePosition::Min
    } else if hf >= n as i64 {
        QuantilePosition::Max
    } else {
        QuantilePosition::Between {
            lower: (hf - 1) as usize,
            fraction: h - hf as f64,
        }
    }
}

/// Interpolates between the order statistics `a = x[lower]` and
/// `b = x[lower + 1]` exactly as statrs does, so results agree bit for bit.
#[inline]
pub(crate) fn interpolate(a: f64, b: f64, fraction: f64) -> f64 {
    a + fraction * (b - a)
}

/// Number of leading mantissa bits that pick the bucket within an octave.
///
/// Two bits give four buckets per octave, each at most 25 % wide relative to
/// its lower bound: fine enough to see the shape of a latency tail, coarse
/// enough that the whole histogram is 170 counters (1.3 KiB), which stays
/// cheap to zero and merge even for a 100-sample summary.
const SUB_OCTAVE_BITS: u32 = 2;

/// Buckets per octave (power-of-two range) of a [`LogHistogram`]: 4.
pub const BUCKETS_PER_OCTAVE: usize = 1 << SUB_OCTAVE_BITS;

/// Binary exponent of the lowest bucketed octave: values below
/// 2⁻¹⁰ µs ≈ 0.98 ns share the underflow bucket 0. Nothing is timed more
/// finely than a nanosecond, so no real latency is lost there.
const LOWEST_OCTAVE: i32 = -10;

/// Binary exponent where the overflow bucket starts: values of at least
/// 2³² µs ≈ 71.6 minutes share the last bucket. Requests time out long
/// before that.
const OVERFLOW_OCTAVE: i32 = 32;

/// Number of buckets of a [`LogHistogram`]: 42 octaves of 4 buckets, plus
/// the underflow and overflow buckets (170).
pub const BUCKET_COUNT: usize = (OVERFLOW_OCTAVE - LOWEST_OCTAVE) as usize * BUCKETS_PER_OCTAVE + 2;

/// Bits of an f64 below the ones that pick the bucket: 52 mantissa bits
/// minus the [`SUB_OCTAVE_BITS`] kept. Shifting them out leaves
/// `biased exponent · 4 + top two mantissa bits`, a key that grows
/// monotonically with a non-negative value.
const KEY_SHIFT: u32 = f64::MANTISSA_DIGITS - 1 - SUB_OCTAVE_BITS;

/// IEEE 754 exponent bias of f64: the stored exponent of 1.0.
const EXPONENT_BIAS: i32 = f64::MAX_EXP - 1;

/// Key (see [`KEY_SHIFT`]) of the lower bound of bucket 1, 2^[`LOWEST_OCTAVE`].
const LOWEST_KEY: u64 = ((EXPONENT_BIAS + LOWEST_OCTAVE) as u64) << SUB_OCTAVE_BITS;

/// Log-bucketed counts: four buckets per octave between 2⁻¹⁰ µs and 2³² µs,
/// plus an underflow and an overflow bucket.
///
/// The bucket of a value is read straight off its f64 bit pattern (the
/// exponent and the top two mantissa bits), so recording costs a shift, a
/// subtraction and a clamp instead of a logarithm per sample. Within an
/// octave `[2^e, 2^(e+1))` the four buckets are therefore linear quarters:
/// `[1, 1.25)`, `[1.25, 1.5)`, `[1.5, 1.75)`, `[1.75, 2)` times `2^e`.
///
/// Histograms of disjoint samples merge by adding counts, so merging is
/// exact and order-independent.
#[derive(Clone, PartialEq, Eq)]
pub struct LogHistogram {
    counts: [u64; BUCKET_COUNT],
}

impl LogHistogram {
    /// An empty histogram.
    pub const fn new() -> Self {
        Self {
            counts: [0; BUCKET_COUNT],
        }
    }

    /// Index of the bucket that `x` falls in.
    ///
    /// Meant for accepted samples (`0.0..=MAX_LATENCY_US`); `-0.0` counts as
    /// zero. Any other input still returns a valid index without panicking:
    /// negative values land in the bucket of their magnitude, NaN and
    /// infinities in the overflow bucket.
    #[inline]
    pub fn bucket_index(x: f64) -> usize {
        // `abs` clears the sign bit so that -0.0 keys like +0.0.
        let key = x.abs().to_bits() >> KEY_SHIFT;
        // Keys below LOWEST_KEY saturate to bucket 0, those at or above the
        // overflow octave clamp to the last bucket: branch-free.
        key.saturating_sub(LOWEST_KEY - 1)
            .min(BUCKET_COUNT as u64 - 1) as usize
    }

    /// The half-open range `[lower, upper)` of values counted in bucket
    /// `index`, or `None` if there is no such bucket.
    ///
    /// Bucket 0 is `[0, 2⁻¹⁰)` and the last is `[2³², ∞)`.
    pub fn bucket_bounds(index: usize) -> Option<Range<f64>> {
        let last = BUCKET_COUNT - 1;
        // The bounds of an inner bucket are the smallest values of its key
        // and of the next key: exact powers of two times 1, 1.25, 1.5, 1.75.
        let key_start = |key: u64| f64::from_bits(key << KEY_SHIFT);
        match index {
            0 => Some(0.0..key_start(LOWEST_KEY)),
            i if i < last => {
                let key = LOWEST_KEY + i as u64 - 1;
                Some(key_start(key)..key_start(key + 1))
            }
            i if i == last => Some(key_start(LOWEST_KEY + last as u64 - 1)..f64::INFINITY),
            _ => None,
        }
    }

    /// Counts one sample `x`.
    #[inline]
    pub fn record(&mut self, x: f64) {
        self.counts[Self::bucket_index(x)] += 1;
    }

    /// Adds the counts of `other`, as if its samples had been recorded here.
    pub fn merge(&mut self, other: &Self) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine += theirs;
        }
    }

    /// All bucket counts, indexed like [`LogHistogram::bucket_bounds`].
    pub fn counts(&self) -> &[u64; BUCKET_COUNT] {
        &self.counts
    }

    /// Total number of samples counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// `(bounds, count)` of every bucket holding at least one sample, from
    /// the lowest bucket up.
    pub fn nonempty_buckets(&self) -> impl Iterator<Item = (Range<f64>, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|&(_, &count)| count > 0)
            .filter_map(|(index, &count)| Some((Self::bucket_bounds(index)?, count)))
    }
}

impl Default for LogHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for LogHistogram {
    /// Lists only the non-empty buckets; the 170 raw counters are mostly zero.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(
                self.nonempty_buckets()
                    .map(|(bounds, count)| (format!("[{}, {})", bounds.start, bounds.end), count)),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_count_matches_range() {
        assert_eq!(BUCKET_COUNT, 170);
        assert_eq!(LogHistogram::bucket_bounds(0), Some(0.0..2f64.powi(-10)));
        assert_eq!(
            LogHistogram::bucket_bounds(BUCKET_COUNT - 1),
            Some(2f64.powi(32)..f64::INFINITY)
        );
        assert_eq!(LogHistogram::bucket_bounds(BUCKET_COUNT), None);
    }

    #[test]
    fn type8_small_samples() {
        assert_eq!(type8_position(1, 0.5), QuantilePosition::Max);
        assert_eq!(type8_position(5, 0.0), QuantilePosition::Min);
        assert_eq!(
            type8_position(2, 0.5),
            QuantilePosition::Between {
                lower: 0,
                fraction: 0.5
            }
        );
    }
}

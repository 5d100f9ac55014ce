//! Single-pass, bounded-memory, mergeable summary, and a rayon-parallel driver built on merging.

use std::fmt;

use hdrhistogram::Histogram;
use rayon::prelude::*;

use crate::error::{SummaryError, check_samples, is_valid_sample};
use crate::summary::{LogHistogram, QUANTILES, Summary};

/// Significant decimal figures the HDR histogram keeps: 3, i.e. every
/// recorded value is resolved to within 1/1024 (< 0.1 %) of itself. Each
/// extra figure multiplies the counts array by about ten for precision no
/// latency SLO needs.
pub const HDR_SIGNIFICANT_FIGURES: u8 = 3;

/// Nanoseconds per microsecond. The HDR histogram counts integers, and
/// recording in nanoseconds keeps sub-microsecond latencies distinguishable.
pub const NANOS_PER_MICRO: f64 = 1_000.0;

/// Nanoseconds the HDR histogram covers from the start: 2³⁰ ns ≈ 1.07 s.
///
/// Auto-resizing still handles anything larger, but growing the counts
/// array step by step from hdrhistogram's minimal size reallocates and
/// copies it several times: that made a 100-sample summary about 10 µs
/// slower. Sized once for every latency a healthy service produces (slower
/// than a second is an outage-grade outlier), creation costs one zeroed
/// allocation of 172 KiB.
pub const INITIAL_HIGHEST_NANOS: u64 = 1 << 30;

/// Number of power-of-two ranges a `u64` nanosecond value can fall in:
/// zero, then `[2^k, 2^(k+1))` for `k` in `0..64`.
const NANO_OCTAVES: usize = u64::BITS as usize + 1;

/// Smallest number of samples [`summarize_parallel`] gives one rayon task.
///
/// A chunk has fixed costs: waking a sleeping rayon worker (tens of µs),
/// creating its summary (≈ 2 µs, zeroing the HDR counts) and merging it
/// (≈ 10 µs, a pass over about 21 000 HDR counters). At roughly 10 ns per
/// recorded sample, 32 768 samples (≈ 330 µs of work) keep those costs
/// around a tenth of a chunk's time; with 4 096-sample chunks, splitting
/// 10 000 samples in two was measured slower than one sequential pass.
/// Inputs this short or shorter run as a single chunk on the calling
/// thread.
pub const MIN_CHUNK_LEN: usize = 32_768;

/// Summary built one sample at a time in memory independent of the sample
/// count.
///
/// Keeps the count, mean and sum of squared deviations (Welford's update,
/// so no catastrophic cancellation), exact extremes, a [`LogHistogram`] and
/// an auto-resizing HDR histogram of nanoseconds for the quantiles. Memory
/// is fixed up to latencies of about a second and beyond that grows only
/// with the logarithm of the largest value recorded (see
/// [`StreamingSummary::memory_footprint`]).
///
/// Summaries of disjoint streams [`merge`](StreamingSummary::merge) into
/// the summary of their concatenation: exactly for count, extremes and both
/// histograms, to rounding for mean and standard deviation.
#[derive(Clone)]
pub struct StreamingSummary {
    count: u64,
    mean: f64,
    /// Sum of squared deviations from the current mean (Welford's `M2`).
    m2: f64,
    min: f64,
    max: f64,
    histogram: LogHistogram,
    /// Recorded values in nanoseconds, rounded to the nearest integer.
    hdr: Histogram<u64>,
    /// How many of the `hdr` values fall in each power-of-two range (see
    /// [`nano_octave`]): an index that lets a quantile lookup search one
    /// octave of the HDR counts (1024 counters) instead of scanning all of
    /// them from zero, which dominated the summary of small inputs.
    octave_counts: [u64; NANO_OCTAVES],
}

impl StreamingSummary {
    /// An empty summary.
    pub fn new() -> Self {
        Self {
            count: 0,
            mean: 0.0,
            m2: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            histogram: LogHistogram::new(),
            hdr: auto_resizing_hdr(),
            octave_counts: [0; NANO_OCTAVES],
        }
    }

    /// Adds one latency `x` (microseconds).
    ///
    /// # Errors
    ///
    /// [`SummaryError::InvalidSample`] if `x` is outside
    /// `0.0..=MAX_LATENCY_US` (NaN included); its `index` is the number of
    /// samples recorded so far. The summary is left unchanged.
    pub fn record(&mut self, x: f64) -> Result<(), SummaryError> {
        if !is_valid_sample(x) {
            return Err(SummaryError::InvalidSample {
                index: self.count,
                value: x,
            });
        }
        self.record_valid(x, self.count)
    }

    /// Adds every latency of `samples`, or none of them.
    ///
    /// # Errors
    ///
    /// [`SummaryError::InvalidSample`] for the first sample outside
    /// `0.0..=MAX_LATENCY_US`, indexed by its position in the whole stream
    /// (samples recorded before plus its position in `samples`). The
    /// summary is left unchanged.
    pub fn record_all(&mut self, samples: &[f64]) -> Result<(), SummaryError> {
        self.record_all_at(samples, self.count)
    }

    /// [`record_all`](Self::record_all), with errors indexed from
    /// `first_index` instead of from this summary's count.
    fn record_all_at(&mut self, samples: &[f64], first_index: u64) -> Result<(), SummaryError> {
        // Checking first makes the call all-or-nothing and keeps the
        // validity test out of the per-sample path.
        check_samples(samples, first_index)?;
        for (position, &x) in samples.iter().enumerate() {
            self.record_valid(x, first_index + position as u64)?;
        }
        Ok(())
    }

    /// Records an already validated sample; `index` only labels an error.
    #[inline]
    fn record_valid(&mut self, x: f64, index: u64) -> Result<(), SummaryError> {
        // The HDR histogram goes first because it is the only step that can
        // fail, so a failure leaves every other field untouched. An accepted
        // sample is at most 10¹⁵ ns, which an auto-resizing histogram always
        // tracks, so the error is unreachable in practice.
        let nanos = to_nanos(x);
        self.hdr
            .record(nanos)
            .map_err(|_| SummaryError::InvalidSample { index, value: x })?;
        self.octave_counts[nano_octave(nanos)] += 1;
        self.count += 1;
        let delta = x - self.mean;
        // Multiplying by the reciprocal keeps the division off the
        // sample-to-sample dependency chain through `mean`: `1/count` does
        // not depend on earlier samples, so it overlaps with them.
        self.mean += delta * (1.0 / self.count as f64);
        // Welford: `delta` against the old mean times the deviation from the
        // new one adds exactly this sample's contribution to M2.
        self.m2 += delta * (x - self.mean);
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        self.histogram.record(x);
        Ok(())
    }

    /// Folds `other` in, as if its samples had been recorded here too.
    ///
    /// Mean and `M2` combine with the pairwise formula of Chan, Golub &
    /// LeVeque, which stays accurate however unequal the two counts are.
    pub fn merge(&mut self, other: &Self) {
        if other.count == 0 {
            return;
        }
        if self.count == 0 {
            self.clone_from(other);
            return;
        }
        let (n_self, n_other) = (self.count as f64, other.count as f64);
        let n = n_self + n_other;
        let delta = other.mean - self.mean;
        self.mean += delta * (n_other / n);
        self.m2 += other.m2 + delta * delta * (n_self * n_other / n);
        self.count += other.count;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.histogram.merge(&other.histogram);
        for (mine, theirs) in self.octave_counts.iter_mut().zip(&other.octave_counts) {
            *mine += theirs;
        }
        // Adding can only fail when auto-resize is off (it is always on
        // here) or when the resized counts array would not fit in a usize,
        // which values of at most 10¹⁵ ns (about 41 000 counters) rule out.
        self.hdr
            .add(&other.hdr)
            .expect("an auto-resizing histogram of bounded values always accepts another");
    }

    /// Number of samples recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether nothing has been recorded yet.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The summary of everything recorded so far.
    ///
    /// Quantiles come from the HDR histogram: for `tau` it takes the bucket
    /// holding the `⌈tau·n⌉`-th smallest sample, reports the bucket's
    /// midpoint and clamps it into `[min, max]`. The result is within 0.05 %
    /// (half a bucket) plus 0.5 ns (rounding to nanoseconds) of that order
    /// statistic. That rank can differ from the type-8 interpolation of
    /// [`crate::one_shot::summarize`] by up to one position, which matters
    /// only where neighbouring samples are far apart (the extreme tail of
    /// small samples).
    ///
    /// # Errors
    ///
    /// [`SummaryError::Empty`] if nothing has been recorded.
    pub fn summary(&self) -> Result<Summary, SummaryError> {
        if self.count == 0 {
            return Err(SummaryError::Empty);
        }
        let [p50, p90, p99, p999] = QUANTILES.map(|tau| self.quantile(tau));
        Ok(Summary {
            count: self.count,
            mean: self.mean,
            std_dev: (self.count > 1).then(|| (self.m2 / (self.count - 1) as f64).sqrt()),
            min: self.min,
            max: self.max,
            p50,
            p90,
            p99,
            p999,
            histogram: self.histogram.clone(),
        })
    }

    /// Quantile `tau` of a non-empty summary; see [`summary`](Self::summary).
    fn quantile(&self, tau: f64) -> f64 {
        let nanos = self.nanos_of_rank(hdr_rank(tau, self.count));
        // The bucket's midpoint halves the worst-case error of reporting its
        // top, which is what hdrhistogram's own `value_at_quantile` does.
        let midpoint = self.hdr.median_equivalent(nanos);
        // Exact extremes are known, and a quantile outside them is wrong.
        (midpoint as f64 / NANOS_PER_MICRO).clamp(self.min, self.max)
    }

    /// Lowest value of the HDR bucket holding the `rank`-th smallest
    /// recorded value (1-based): the bucket `value_at_quantile` picks, found
    /// without scanning the counts array from zero.
    fn nanos_of_rank(&self, rank: u64) -> u64 {
        let mut below = 0;
        for (octave, &count) in self.octave_counts.iter().enumerate() {
            if below + count >= rank {
                return self.nanos_of_rank_in_octave(octave, rank - below);
            }
            below += count;
        }
        // Unreachable while `rank <= count`; the largest value is the
        // sensible answer for a rank past the end.
        to_nanos(self.max)
    }

    /// Lowest value of the HDR bucket holding the `rank`-th smallest value
    /// (1-based) among those in `octave`, by bisecting the octave's buckets.
    fn nanos_of_rank_in_octave(&self, octave: usize, mut rank: u64) -> u64 {
        let (low, high) = octave_bounds(octave);
        // HDR buckets never straddle a power of two and are equally wide
        // within an octave (one value wide below 2048 ns, then 1/1024 of the
        // octave), so `low + i·width` enumerates the octave's buckets and
        // `count_between` over whole buckets counts exactly.
        let width = self.hdr.equivalent_range(low);
        let (mut first, mut end) = (0, (high - low) / width + 1);
        // Invariant: the wanted value lies in buckets `first..end` and is
        // the `rank`-th counted from bucket `first`.
        while end - first > 1 {
            let middle = first + (end - first) / 2;
            let left = self
                .hdr
                .count_between(low + first * width, low + middle * width - 1);
            if left >= rank {
                end = middle;
            } else {
                rank -= left;
                first = middle;
            }
        }
        low + first * width
    }

    /// Bytes this summary occupies: the struct itself plus the HDR counts
    /// array on the heap (one `u64` per distinct value it can resolve).
    ///
    /// Independent of the sample count: about 180 KiB while every latency
    /// is below [`INITIAL_HIGHEST_NANOS`], then 8 KiB more per doubling of
    /// the largest latency recorded.
    pub fn memory_footprint(&self) -> usize {
        size_of::<Self>() + self.hdr.distinct_values() * size_of::<u64>()
    }
}

impl Default for StreamingSummary {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for StreamingSummary {
    /// Describes the HDR histogram by its size; its raw counts array has
    /// tens of thousands of mostly zero entries.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingSummary")
            .field("count", &self.count)
            .field("mean", &self.mean)
            .field("m2", &self.m2)
            .field("min", &self.min)
            .field("max", &self.max)
            .field("histogram", &self.histogram)
            .field("hdr_distinct_values", &self.hdr.distinct_values())
            .finish()
    }
}

/// An empty HDR histogram of nanoseconds covering [`INITIAL_HIGHEST_NANOS`]
/// and growing on demand beyond it.
fn auto_resizing_hdr() -> Histogram<u64> {
    let mut hdr = Histogram::new_with_bounds(1, INITIAL_HIGHEST_NANOS, HDR_SIGNIFICANT_FIGURES)
        .expect("bounds 1..2^30 with 3 significant figures are valid for hdrhistogram");
    hdr.auto(true);
    hdr
}

/// The 1-based rank hdrhistogram's `value_at_quantile` reports for `tau`
/// among `count` values: `⌈tau·count⌉`, at least 1.
fn hdr_rank(tau: f64, count: u64) -> u64 {
    ((tau.min(1.0) * count as f64).ceil() as u64).max(1)
}

/// Index of the power-of-two range holding `nanos`: 0 for zero, `k + 1`
/// for `[2^k, 2^(k+1))`.
#[inline]
fn nano_octave(nanos: u64) -> usize {
    (u64::BITS - nanos.leading_zeros()) as usize
}

/// Inclusive value range `(low, high)` of octave index `octave` (see
/// [`nano_octave`]); written so that the top octave does not overflow.
fn octave_bounds(octave: usize) -> (u64, u64) {
    match octave {
        0 => (0, 0),
        _ => {
            let low = 1_u64 << (octave - 1);
            (low, low + (low - 1))
        }
    }
}

/// Microseconds to the nearest nanosecond.
///
/// Adding 0.5 and truncating rounds half up without a libm `round` call;
/// for accepted samples `x · 1000 ≤ 10¹⁵ < 2⁵³`, so the sum is exact.
#[inline]
fn to_nanos(x: f64) -> u64 {
    (x * NANOS_PER_MICRO + 0.5) as u64
}

/// Streaming summary of `samples` computed on the rayon thread pool.
///
/// The input is cut into `chunks` contiguous pieces (treated as 1 if 0),
/// but none shorter than [`MIN_CHUNK_LEN`], so inputs up to that length run
/// sequentially on the calling thread. Each piece is folded into its own [`StreamingSummary`] in
/// parallel, and the partial summaries are merged in input order. Because
/// the cut points depend only on `samples.len()` and `chunks`, the result is
/// the same for any number of threads. `rayon::current_num_threads()` is
/// a good `chunks`: one accumulator per worker, each merged once.
///
/// Counts, extremes, both histograms and hence the quantiles equal those of
/// a sequential [`StreamingSummary`]; mean and standard deviation agree to
/// rounding.
///
/// # Errors
///
/// As for [`crate::one_shot::summarize`]: [`SummaryError::Empty`] for no
/// samples, [`SummaryError::InvalidSample`] for the first invalid one.
pub fn summarize_parallel(samples: &[f64], chunks: usize) -> Result<Summary, SummaryError> {
    let chunk_len = samples.len().div_ceil(chunks.max(1)).max(MIN_CHUNK_LEN);
    if samples.len() <= chunk_len {
        // A single chunk runs here: handing it to rayon would only add the
        // cost of waking a worker and waiting for it.
        let mut summary = StreamingSummary::new();
        summary.record_all(samples)?;
        return summary.summary();
    }
    let partials: Vec<Result<StreamingSummary, SummaryError>> = samples
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(chunk_index, chunk)| {
            let mut partial = StreamingSummary::new();
            partial.record_all_at(chunk, (chunk_index * chunk_len) as u64)?;
            Ok(partial)
        })
        .collect();
    // Results are in input order, so the first error met is the earliest.
    let mut partials = partials.into_iter();
    let mut total = partials.next().ok_or(SummaryError::Empty)??;
    for partial in partials {
        total.merge(&partial?);
    }
    total.summary()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::latency_samples;

    /// The octave index must find the very bucket hdrhistogram's own linear
    /// scan finds, for every rank.
    #[test]
    fn indexed_rank_lookup_matches_hdrhistogram_scan() {
        for (n, seed) in [(1, 1), (7, 2), (1_000, 3), (20_000, 4)] {
            let mut summary = StreamingSummary::new();
            summary.record_all(&latency_samples(n, seed)).unwrap();
            for tau in [0.0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0]
                .into_iter()
                .chain(QUANTILES)
            {
                let expected = summary.hdr.value_at_quantile(tau);
                let found = summary.nanos_of_rank(hdr_rank(tau, summary.count));
                assert!(
                    summary.hdr.equivalent(expected, found),
                    "n={n} tau={tau}: hdr {expected} vs indexed {found}"
                );
                assert_eq!(found, summary.hdr.lowest_equivalent(found));
            }
        }
    }

    #[test]
    fn small_values_and_octave_edges() {
        let mut summary = StreamingSummary::new();
        // 0, 1, 2047, 2048 and 2049 ns straddle the end of hdr's unit-wide buckets.
        summary
            .record_all(&[0.0, 0.001, 2.047, 2.048, 2.049])
            .unwrap();
        for rank in 1..=5 {
            let tau = rank as f64 / 5.0;
            let expected = summary.hdr.value_at_quantile(tau);
            let found = summary.nanos_of_rank(hdr_rank(tau, 5));
            assert!(
                summary.hdr.equivalent(expected, found),
                "rank {rank}: {expected} vs {found}"
            );
        }
    }

    #[test]
    fn octave_bounds_cover_u64() {
        assert_eq!(octave_bounds(0), (0, 0));
        assert_eq!(octave_bounds(1), (1, 1));
        assert_eq!(octave_bounds(12), (2048, 4095));
        assert_eq!(octave_bounds(64), (1 << 63, u64::MAX));
        assert_eq!(nano_octave(0), 0);
        assert_eq!(nano_octave(4095), 12);
        assert_eq!(nano_octave(u64::MAX), 64);
    }
}

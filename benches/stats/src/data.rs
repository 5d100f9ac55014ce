//! Deterministic, long-tailed request latencies: the inputs of the benchmarks and tests.
//!
//! Real service latencies have a unimodal body (log-normal is the usual fit)
//! plus a thin heavy tail from rare slow paths such as garbage-collection
//! pauses, cache misses and retries. The tail is what p99 and p99.9 measure,
//! so a suite that only drew from the body would exercise none of the
//! interesting cases (extreme values, wide histograms, hdr resizing).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Pareto};

/// Median of the log-normal body, in microseconds: a 2 ms request, typical
/// of an RPC or a small model-inference call.
pub const BODY_MEDIAN_US: f64 = 2_000.0;

/// Standard deviation of the body's logarithm. 0.35 puts the body's own p99
/// at about 2.3× the median (≈ 4.5 ms): a healthy service whose tail comes
/// from the slow path, not from the body.
pub const BODY_LOG_SIGMA: f64 = 0.35;

/// Fraction of requests that take the slow path (1 in 100). It sits
/// between the p90 and p99 ranks, so p99 and p99.9 land in the tail while
/// p50 and p90 stay in the body.
pub const TAIL_FRACTION: f64 = 0.01;

/// Pareto scale (minimum) of the slow path in microseconds: 8 ms, four
/// times the body median, so a slow request is clearly separated from the
/// body.
pub const TAIL_SCALE_US: f64 = 8_000.0;

/// Pareto shape of the slow path. 1.5 gives a finite mean but infinite
/// variance, the heavy kind of tail measured latencies show; within the
/// tail the 90th percentile is `10^(1/1.5)` ≈ 4.6× its minimum.
pub const TAIL_SHAPE: f64 = 1.5;

/// Cap on any latency in microseconds: a 60 s client timeout. Real clients
/// give up, so measured latencies are bounded; the cap also keeps the
/// unbounded Pareto draw far inside the accepted range
/// ([`crate::MAX_LATENCY_US`]).
pub const TIMEOUT_US: f64 = 60_000_000.0;

/// `n` request latencies in microseconds, identical for identical `(n, seed)`.
///
/// Each sample comes from the log-normal body ([`BODY_MEDIAN_US`],
/// [`BODY_LOG_SIGMA`]) or, with probability [`TAIL_FRACTION`], from the
/// Pareto tail ([`TAIL_SCALE_US`], [`TAIL_SHAPE`]), capped at
/// [`TIMEOUT_US`]. The random stream is ChaCha8, whose output is specified
/// bit for bit, so the uniforms are the same on every machine; the
/// transforms go through the platform's `exp`/`ln`/`powf`, so values are
/// bit-identical on one platform and agree to about an ulp across
/// platforms. A prefix of a longer vector equals the shorter vector with
/// the same seed, because each sample consumes the stream in order.
pub fn latency_samples(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let body = LogNormal::new(BODY_MEDIAN_US.ln(), BODY_LOG_SIGMA)
        .expect("the body parameters are finite and the sigma is positive");
    let tail =
        Pareto::new(TAIL_SCALE_US, TAIL_SHAPE).expect("the tail scale and shape are positive");
    (0..n)
        .map(|_| {
            let latency = if rng.random_bool(TAIL_FRACTION) {
                tail.sample(&mut rng)
            } else {
                body.sample(&mut rng)
            };
            latency.min(TIMEOUT_US)
        })
        .collect()
}

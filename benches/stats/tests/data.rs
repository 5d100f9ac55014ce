//! The latency generator is deterministic, seed-sensitive, valid and long-tailed.

use stats::data::{BODY_MEDIAN_US, TAIL_SCALE_US, TIMEOUT_US, latency_samples};
use stats::summarize;

#[test]
fn same_seed_gives_identical_samples() {
    let first = latency_samples(10_000, 123);
    let second = latency_samples(10_000, 123);
    // Compare bit patterns so that the test would also catch -0.0/+0.0 or NaN payload drift.
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&first), bits(&second));
}

#[test]
fn shorter_vector_is_a_prefix_of_a_longer_one() {
    let long = latency_samples(5_000, 9);
    assert_eq!(latency_samples(100, 9)[..], long[..100]);
}

#[test]
fn different_seeds_give_different_samples() {
    let a = latency_samples(1_000, 1);
    let b = latency_samples(1_000, 2);
    let equal = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert_eq!(equal, 0, "continuous draws should never coincide");
}

#[test]
fn samples_are_valid_latencies() {
    let samples = latency_samples(100_000, 3);
    assert_eq!(samples.len(), 100_000);
    assert!(samples.iter().all(|&x| x > 0.0 && x <= TIMEOUT_US));
    assert!(latency_samples(0, 3).is_empty());
}

#[test]
fn body_is_centred_near_two_milliseconds_and_the_tail_is_long() {
    let summary = summarize(&latency_samples(100_000, 4)).unwrap();
    // The 1 % slow path barely moves the median off the body's.
    assert!(
        (summary.p50 / BODY_MEDIAN_US - 1.0).abs() < 0.05,
        "p50 = {}",
        summary.p50
    );
    // p99.9 lies in the Pareto tail, far beyond the body.
    assert!(summary.p999 > TAIL_SCALE_US, "p999 = {}", summary.p999);
    let tail_ratio = summary.p999 / summary.p50;
    assert!(tail_ratio > 10.0, "p99.9/p50 = {tail_ratio}");
    // The body alone would keep the mean within a few percent of the
    // median; the heavy tail drags it well above.
    assert!(summary.mean > 1.1 * summary.p50, "mean = {}", summary.mean);
}

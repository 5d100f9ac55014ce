//! Merging streaming summaries equals summarizing the concatenated stream, sequentially or on rayon.

use stats::data::latency_samples;
use stats::streaming::MIN_CHUNK_LEN;
use stats::{StreamingSummary, Summary, summarize_parallel};

/// Relative tolerance for mean and standard deviation after merging: the
/// pairwise formula rounds differently from the sequential update, by a few
/// ulps, nothing more.
const MERGE_TOLERANCE: f64 = 1e-12;

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= MERGE_TOLERANCE * expected.abs(),
        "{what}: {actual} vs {expected}"
    );
}

fn streamed(samples: &[f64]) -> StreamingSummary {
    let mut summary = StreamingSummary::new();
    summary.record_all(samples).unwrap();
    summary
}

/// Everything except mean and standard deviation must match exactly: counts,
/// extremes and both histograms add without rounding, so the quantiles read
/// from them are identical too.
fn assert_equivalent(merged: &Summary, sequential: &Summary, what: &str) {
    assert_eq!(merged.count, sequential.count, "{what}: count");
    assert_eq!(merged.min, sequential.min, "{what}: min");
    assert_eq!(merged.max, sequential.max, "{what}: max");
    assert_eq!(merged.histogram, sequential.histogram, "{what}: histogram");
    assert_eq!(
        merged.quantiles(),
        sequential.quantiles(),
        "{what}: quantiles"
    );
    assert_close(merged.mean, sequential.mean, &format!("{what}: mean"));
    match (merged.std_dev, sequential.std_dev) {
        (Some(merged), Some(sequential)) => {
            assert_close(merged, sequential, &format!("{what}: std_dev"))
        }
        (merged, sequential) => assert_eq!(merged, sequential, "{what}: std_dev"),
    }
}

#[test]
fn merging_two_halves_equals_one_pass() {
    for (n, seed) in [(2, 1), (101, 2), (10_000, 3), (100_000, 4)] {
        let samples = latency_samples(n, seed);
        let one_pass = streamed(&samples).summary().unwrap();
        // Unequal halves exercise the weighting of the merge formula.
        let (left, right) = samples.split_at(n / 3);
        let mut merged = streamed(left);
        merged.merge(&streamed(right));
        assert_eq!(merged.count(), n as u64);
        assert_equivalent(&merged.summary().unwrap(), &one_pass, &format!("n={n}"));
    }
}

#[test]
fn merging_with_an_empty_summary_changes_nothing() {
    let samples = latency_samples(1_000, 5);
    let expected = streamed(&samples).summary().unwrap();

    let mut into_empty = StreamingSummary::new();
    into_empty.merge(&streamed(&samples));
    assert_eq!(into_empty.summary().unwrap(), expected);

    let mut from_empty = streamed(&samples);
    from_empty.merge(&StreamingSummary::new());
    assert_eq!(from_empty.summary().unwrap(), expected);
}

#[test]
fn merging_many_chunks_in_any_grouping_is_consistent() {
    let samples = latency_samples(50_000, 6);
    let sequential = streamed(&samples).summary().unwrap();
    let parts: Vec<StreamingSummary> = samples.chunks(7_919).map(streamed).collect();

    let mut left_to_right = StreamingSummary::new();
    for part in &parts {
        left_to_right.merge(part);
    }
    let mut right_to_left = StreamingSummary::new();
    for part in parts.iter().rev() {
        right_to_left.merge(part);
    }
    assert_equivalent(
        &left_to_right.summary().unwrap(),
        &sequential,
        "left to right",
    );
    assert_equivalent(
        &right_to_left.summary().unwrap(),
        &sequential,
        "right to left",
    );
}

#[test]
fn parallel_equals_sequential_streaming() {
    for (n, chunks) in [
        (1, 4),
        (MIN_CHUNK_LEN - 1, 8),
        (10_000, 2),
        (100_000, 3),
        (100_000, 64),
    ] {
        let samples = latency_samples(n, 8);
        let sequential = streamed(&samples).summary().unwrap();
        let parallel = summarize_parallel(&samples, chunks).unwrap();
        assert_equivalent(&parallel, &sequential, &format!("n={n} chunks={chunks}"));
    }
}

#[test]
fn parallel_is_deterministic_and_accepts_zero_chunks() {
    let samples = latency_samples(30_000, 9);
    let first = summarize_parallel(&samples, 4).unwrap();
    assert_eq!(summarize_parallel(&samples, 4).unwrap(), first);
    let single = summarize_parallel(&samples, 0).unwrap();
    assert_eq!(single, streamed(&samples).summary().unwrap());
}

#[test]
fn parallel_reports_the_first_invalid_sample_by_its_global_index() {
    // Three chunks of MIN_CHUNK_LEN (the last one shorter); the first bad
    // value sits in the second chunk, so its index needs the chunk offset.
    let mut samples = latency_samples(MIN_CHUNK_LEN * 5 / 2, 10);
    let first_bad = MIN_CHUNK_LEN + 1_000;
    samples[first_bad] = f64::NAN;
    samples[MIN_CHUNK_LEN * 2 + 5] = -1.0;
    match summarize_parallel(&samples, 3) {
        Err(stats::SummaryError::InvalidSample { index, value }) => {
            assert_eq!(index, first_bad as u64);
            assert!(value.is_nan());
        }
        other => panic!("expected an invalid-sample error, got {other:?}"),
    }
}

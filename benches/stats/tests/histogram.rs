//! The log-bucketed histogram: hand-checked bucket indices, bounds that contain their samples, exact totals and merging.

use stats::data::latency_samples;
use stats::summary::{BUCKET_COUNT, BUCKETS_PER_OCTAVE};
use stats::{LogHistogram, summarize};

/// Index of the bucket starting at 1.0: bucket 0 is the underflow bucket
/// and the 10 octaves from 2⁻¹⁰ to 1 take 4 buckets each.
const BUCKET_OF_ONE: usize = 1 + 10 * BUCKETS_PER_OCTAVE;

#[test]
fn hand_checked_bucket_indices() {
    // Within an octave the four buckets are linear quarters: [1, 1.25),
    // [1.25, 1.5), [1.5, 1.75), [1.75, 2).
    assert_eq!(LogHistogram::bucket_index(1.0), BUCKET_OF_ONE);
    assert_eq!(LogHistogram::bucket_index(1.2), BUCKET_OF_ONE);
    assert_eq!(LogHistogram::bucket_index(1.25), BUCKET_OF_ONE + 1);
    assert_eq!(LogHistogram::bucket_index(1.75), BUCKET_OF_ONE + 3);
    assert_eq!(LogHistogram::bucket_index(2.0), BUCKET_OF_ONE + 4);
    // 3.0 is 1.5·2¹: third quarter of the next octave.
    assert_eq!(LogHistogram::bucket_index(3.0), BUCKET_OF_ONE + 6);
    assert_eq!(LogHistogram::bucket_index(0.5), BUCKET_OF_ONE - 4);
    // 2000 µs = 1.953125·2¹⁰: last quarter of the octave ten above 1.
    assert_eq!(LogHistogram::bucket_index(2_000.0), BUCKET_OF_ONE + 43);

    assert_eq!(LogHistogram::bucket_bounds(BUCKET_OF_ONE), Some(1.0..1.25));
    assert_eq!(
        LogHistogram::bucket_bounds(BUCKET_OF_ONE + 6),
        Some(3.0..3.5)
    );
}

#[test]
fn underflow_and_overflow_buckets() {
    let last = BUCKET_COUNT - 1;
    assert_eq!(LogHistogram::bucket_index(0.0), 0);
    assert_eq!(LogHistogram::bucket_index(-0.0), 0);
    assert_eq!(LogHistogram::bucket_index(f64::MIN_POSITIVE / 2.0), 0);
    assert_eq!(LogHistogram::bucket_index(2f64.powi(-10) * 0.999), 0);
    assert_eq!(LogHistogram::bucket_index(2f64.powi(-10)), 1);
    assert_eq!(LogHistogram::bucket_index(2f64.powi(32) * 0.999), last - 1);
    assert_eq!(LogHistogram::bucket_index(2f64.powi(32)), last);
    assert_eq!(LogHistogram::bucket_index(stats::MAX_LATENCY_US), last);
    // Values outside the accepted domain still map to a bucket, not a panic.
    assert_eq!(LogHistogram::bucket_index(f64::INFINITY), last);
    assert_eq!(LogHistogram::bucket_index(f64::NAN), last);
}

#[test]
fn bounds_tile_the_line_without_gaps() {
    let mut previous_end = 0.0;
    for index in 0..BUCKET_COUNT {
        let bounds = LogHistogram::bucket_bounds(index).unwrap();
        assert_eq!(bounds.start, previous_end, "bucket {index}");
        assert!(bounds.start < bounds.end, "bucket {index}");
        // The bounds of a bucket map back to it, and just below its lower
        // bound is the previous bucket.
        assert_eq!(LogHistogram::bucket_index(bounds.start), index);
        if index > 0 {
            // The largest f64 below a positive start (`next_down` needs a
            // newer Rust than this crate's MSRV).
            let just_below = f64::from_bits(bounds.start.to_bits() - 1);
            assert_eq!(LogHistogram::bucket_index(just_below), index - 1);
        }
        previous_end = bounds.end;
    }
    assert_eq!(previous_end, f64::INFINITY);
}

#[test]
fn every_sample_lies_in_its_bucket_and_counts_sum_to_n() {
    for (n, seed) in [(1, 1), (1_000, 2), (100_000, 3)] {
        let samples = latency_samples(n, seed);
        let histogram = summarize(&samples).unwrap().histogram;
        assert_eq!(histogram.total(), n as u64);
        assert_eq!(histogram.counts().iter().sum::<u64>(), n as u64);
        for &x in &samples {
            let bounds = LogHistogram::bucket_bounds(LogHistogram::bucket_index(x)).unwrap();
            assert!(bounds.contains(&x), "{x} outside {bounds:?}");
        }
        let nonempty_total: u64 = histogram.nonempty_buckets().map(|(_, count)| count).sum();
        assert_eq!(nonempty_total, n as u64);
    }
}

#[test]
fn merging_adds_counts() {
    let samples = latency_samples(10_000, 4);
    let (left, right) = samples.split_at(3_000);
    let mut merged = summarize(left).unwrap().histogram;
    merged.merge(&summarize(right).unwrap().histogram);
    assert_eq!(merged, summarize(&samples).unwrap().histogram);

    let mut recorded = LogHistogram::new();
    for &x in &samples {
        recorded.record(x);
    }
    assert_eq!(recorded, merged);
}

#[test]
fn debug_lists_only_nonempty_buckets() {
    let mut histogram = LogHistogram::default();
    histogram.record(1.0);
    histogram.record(1.1);
    histogram.record(3.0);
    assert_eq!(
        format!("{histogram:?}"),
        r#"{"[1, 1.25)": 2, "[3, 3.5)": 1}"#
    );
}

//! Both summaries checked against independent references: statrs, and a sort-based one-shot reimplementation.
//!
//! These tests run unchanged with and without the `inject-regression`
//! feature; passing in both configurations is what shows that the injected
//! slowdown leaves every result alone.

use statrs::statistics::{Data, OrderStatistics, Statistics};
use stats::data::latency_samples;
use stats::{QUANTILES, StreamingSummary, Summary, summarize};

/// Sample counts covering the degenerate cases of type 8 (1–3 samples,
/// where quantiles clamp to the extremes) up to a large batch.
const SIZES: [usize; 6] = [1, 2, 3, 100, 1_000, 100_000];

/// Seeds per size: enough to vary the data, few enough to keep the debug
/// build fast.
const SEEDS: [u64; 3] = [1, 42, 0xDEAD_BEEF];

/// Relative tolerance for moments and exact quantiles against statrs. Both
/// sides are exact up to a few roundings, so 1e-9 leaves a wide margin
/// while still catching any definitional difference.
const EXACT_TOLERANCE: f64 = 1e-9;

/// Relative widening of the streaming quantile's allowed interval. With 3
/// significant figures an HDR bucket is at most 1/1024 of its values wide,
/// so its reported midpoint is within 1/2048 (≈ 0.05 %) of any value in it;
/// 0.1 % allows that twice.
const HDR_RELATIVE_TOLERANCE: f64 = 1e-3;

/// Absolute widening in microseconds: values are rounded to whole
/// nanoseconds before the HDR histogram sees them.
const NANOSECOND_ROUNDING_US: f64 = 0.5e-3;

fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    let error = (actual - expected).abs();
    assert!(
        error <= tolerance * expected.abs(),
        "{what}: {actual} vs {expected} (relative error {})",
        error / expected.abs()
    );
}

fn cases() -> impl Iterator<Item = (usize, u64, Vec<f64>)> {
    SIZES.into_iter().flat_map(|n| {
        SEEDS
            .into_iter()
            .map(move |seed| (n, seed, latency_samples(n, seed)))
    })
}

/// The streaming result for `samples`, recorded one sample at a time.
fn streaming(samples: &[f64]) -> Summary {
    let mut summary = StreamingSummary::new();
    for &x in samples {
        summary.record(x).unwrap();
    }
    summary.summary().unwrap()
}

#[test]
fn one_shot_matches_statrs() {
    for (n, seed, samples) in cases() {
        let what = |field: &str| format!("n={n} seed={seed} {field}");
        let summary = summarize(&samples).unwrap();
        assert_eq!(summary.count, n as u64);
        assert_close(
            summary.mean,
            samples.iter().mean(),
            EXACT_TOLERANCE,
            &what("mean"),
        );
        match summary.std_dev {
            None => assert!(
                n == 1 && samples.iter().std_dev().is_nan(),
                "{}",
                what("std_dev")
            ),
            Some(std_dev) => {
                assert_close(
                    std_dev,
                    samples.iter().std_dev(),
                    EXACT_TOLERANCE,
                    &what("std_dev"),
                );
            }
        }
        assert_eq!(summary.min, Statistics::min(&samples), "{}", what("min"));
        assert_eq!(summary.max, Statistics::max(&samples), "{}", what("max"));
        let mut data = Data::new(samples.clone());
        for (tau, value) in QUANTILES.into_iter().zip(summary.quantiles()) {
            assert_close(
                value,
                data.quantile(tau),
                EXACT_TOLERANCE,
                &what(&format!("q{tau}")),
            );
        }
    }
}

#[test]
fn streaming_matches_statrs_and_exact_order_statistics() {
    for (n, seed, samples) in cases() {
        let what = |field: &str| format!("n={n} seed={seed} {field}");
        let summary = streaming(&samples);
        assert_eq!(summary.count, n as u64);
        assert_close(
            summary.mean,
            samples.iter().mean(),
            EXACT_TOLERANCE,
            &what("mean"),
        );
        match summary.std_dev {
            None => assert_eq!(n, 1, "{}", what("std_dev")),
            Some(std_dev) => {
                assert_close(
                    std_dev,
                    samples.iter().std_dev(),
                    EXACT_TOLERANCE,
                    &what("std_dev"),
                );
            }
        }
        assert_eq!(summary.min, Statistics::min(&samples), "{}", what("min"));
        assert_eq!(summary.max, Statistics::max(&samples), "{}", what("max"));
        assert_eq!(summary.histogram, summarize(&samples).unwrap().histogram);

        let mut sorted = samples.clone();
        sorted.sort_by(f64::total_cmp);
        for (tau, value) in QUANTILES.into_iter().zip(summary.quantiles()) {
            let (low, high) = streaming_quantile_bounds(&sorted, tau);
            assert!(
                (low..=high).contains(&value),
                "{}: {value} outside [{low}, {high}]",
                what(&format!("q{tau}"))
            );
        }
    }
}

/// The interval a streaming quantile must lie in.
///
/// The streaming summary reports the HDR bucket of the `⌈tau·n⌉`-th order
/// statistic, while the exact type-8 quantile interpolates between the
/// `⌊h⌋`-th and `⌊h⌋+1`-th (`h = (n + 1/3)·tau + 1/3`). Those ranks differ
/// by at most one, so the answer must lie between the smallest and largest
/// of these order statistics, widened by the HDR precision
/// ([`HDR_RELATIVE_TOLERANCE`]) and nanosecond rounding
/// ([`NANOSECOND_ROUNDING_US`]).
fn streaming_quantile_bounds(sorted: &[f64], tau: f64) -> (f64, f64) {
    let n = sorted.len();
    let order_statistic = |rank: usize| sorted[rank.clamp(1, n) - 1];
    let hdr_rank = (tau * n as f64).ceil() as usize;
    let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
    let type8_rank = h.floor() as usize;
    let ranks = [hdr_rank, type8_rank, type8_rank + 1];
    let low = ranks
        .iter()
        .map(|&r| order_statistic(r))
        .fold(f64::INFINITY, f64::min);
    let high = ranks
        .iter()
        .map(|&r| order_statistic(r))
        .fold(f64::NEG_INFINITY, f64::max);
    (
        low * (1.0 - HDR_RELATIVE_TOLERANCE) - NANOSECOND_ROUNDING_US,
        high * (1.0 + HDR_RELATIVE_TOLERANCE) + NANOSECOND_ROUNDING_US,
    )
}

#[test]
fn streaming_quantiles_are_close_to_exact_on_large_samples() {
    // With 100 000 samples neighbouring order statistics are close even at
    // p99.9, so the streaming answer is within HDR precision of the exact
    // one; this is what the benchmark's error metrics track.
    let samples = latency_samples(100_000, 7);
    let exact = summarize(&samples).unwrap();
    let approximate = streaming(&samples);
    for (tau, (a, e)) in QUANTILES
        .into_iter()
        .zip(approximate.quantiles().into_iter().zip(exact.quantiles()))
    {
        assert_close(a, e, 1e-2, &format!("q{tau}"));
    }
    assert_close(approximate.p50, exact.p50, HDR_RELATIVE_TOLERANCE, "p50");
}

/// Sort-based one-shot summary written independently of the crate but with
/// the same arithmetic, so the results must agree bit for bit.
fn sorted_reference(samples: &[f64]) -> [f64; 7] {
    let n = samples.len();
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mean = samples.iter().sum::<f64>() / n as f64;
    let (squares, deviations) = samples
        .iter()
        .fold((0.0, 0.0), |(squares, deviations), &x| {
            (squares + (x - mean) * (x - mean), deviations + (x - mean))
        });
    let std_dev = ((squares - deviations * deviations / n as f64).max(0.0) / (n - 1) as f64).sqrt();
    let quantile = |tau: f64| {
        let h = (n as f64 + 1.0 / 3.0) * tau + 1.0 / 3.0;
        let hf = h as usize;
        if hf == 0 {
            sorted[0]
        } else if hf >= n {
            sorted[n - 1]
        } else {
            let (a, b) = (sorted[hf - 1], sorted[hf]);
            a + (h - hf as f64) * (b - a)
        }
    };
    [
        mean,
        std_dev,
        quantile(0.5),
        quantile(0.9),
        quantile(0.99),
        quantile(0.999),
        sorted[n - 1],
    ]
}

#[test]
fn one_shot_equals_sort_based_reference_bit_for_bit() {
    for (n, seed, samples) in cases().filter(|&(n, ..)| n > 1) {
        let s = summarize(&samples).unwrap();
        let actual = [
            s.mean,
            s.std_dev.unwrap(),
            s.p50,
            s.p90,
            s.p99,
            s.p999,
            s.max,
        ];
        assert_eq!(actual, sorted_reference(&samples), "n={n} seed={seed}");
    }
}

#[test]
fn one_shot_on_a_shuffled_integer_range_is_exact() {
    // 1..=1000 in scrambled order: every statistic has a closed form.
    let samples: Vec<f64> = (0..1000_u64)
        .map(|i| ((i * 389) % 1000 + 1) as f64)
        .collect();
    let s = summarize(&samples).unwrap();
    assert_eq!((s.count, s.min, s.max, s.mean), (1000, 1.0, 1000.0, 500.5));
    // Sample variance of 1..=n is n(n+1)/12.
    assert_close(
        s.std_dev.unwrap(),
        (1000.0_f64 * 1001.0 / 12.0).sqrt(),
        1e-15,
        "std_dev",
    );
    // Type 8 on 1..=n is h = (n + 1/3)·tau + 1/3 itself.
    for (tau, value) in QUANTILES.into_iter().zip(s.quantiles()) {
        assert_close(
            value,
            (1000.0 + 1.0 / 3.0) * tau + 1.0 / 3.0,
            1e-12,
            &format!("q{tau}"),
        );
    }
}

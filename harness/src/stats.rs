//! Pure statistics for comparing two sets of samples: bootstrap confidence
//! intervals of the relative change and Welch's t-test. No I/O here.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Significance level of the two-sided test. 0.05 is criterion's default,
/// so a benchgate verdict and criterion's own console agree on what counts as
/// "statistically significant"; the effect-size threshold below, not a
/// smaller alpha, is what keeps a noisy runner quiet.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Smallest relative change of the typical time that can fail the gate.
/// Run-to-run offsets between two `cargo bench` processes on a shared 2-core
/// VM are a few percent even for identical code (different heap layout,
/// frequency, neighbours); 5 % sits above that noise floor and well below the
/// 10 %+ regressions teams care about. criterion's own 1 % noise threshold is
/// meant for interactive use and fires on every other CI run.
pub const DEFAULT_TIME_THRESHOLD: f64 = 0.05;

/// Smallest relative change of a custom metric that can fail the gate.
/// Custom metrics (recall, hit rate, bytes) are usually deterministic or far
/// less noisy than times, so the same 5 % is a conservative start; tighten
/// per metric in `benchgate.toml` (e.g. recall@10 at 1 %).
pub const DEFAULT_METRIC_THRESHOLD: f64 = 0.05;

/// Coverage of the bootstrap confidence interval of the change; 95 % matches
/// criterion's reports and pairs with `DEFAULT_ALPHA` = 0.05.
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Bootstrap resamples per comparison. The Monte-Carlo error of a 2.5 %
/// percentile from B resamples is about sqrt(p(1-p)/B) ≈ 0.16 % of the
/// distribution at B = 10 000 — far below any threshold — while keeping a
/// 100-benchmark comparison well under a second. (criterion's 100 000 buys
/// precision the decision does not use.)
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// Fixed seed so the same two runs always give the same interval and
/// verdict: a gate must be reproducible from its inputs.
pub const BOOTSTRAP_SEED: u64 = 0x6265_6e63_6867_6174; // "benchgat"

/// Fewest samples per side for the interval and test to mean anything;
/// below this a comparison falls back to the point change alone.
pub const MIN_SAMPLES: usize = 3;

/// Relative change `current / baseline − 1` with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Result of Welch's unequal-variance t-test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    pub t: f64,
    pub degrees_of_freedom: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample variance (n − 1 denominator).
pub fn variance(xs: &[f64]) -> f64 {
    let m = mean(xs);
    xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() as f64 - 1.0)
}

/// Relative change of the mean, `mean(current) / mean(baseline) − 1`, with
/// a percentile bootstrap interval: both sides are resampled independently
/// `resamples` times. Needs at least one sample per side and a non-zero
/// baseline mean; returns `None` otherwise.
pub fn relative_change(
    baseline: &[f64],
    current: &[f64],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Change> {
    let base_mean = mean(baseline);
    if baseline.is_empty() || current.is_empty() || base_mean == 0.0 || !base_mean.is_finite() {
        return None;
    }
    let point = mean(current) / base_mean - 1.0;
    if baseline.len() < MIN_SAMPLES || current.len() < MIN_SAMPLES || resamples == 0 {
        return Some(Change {
            point,
            lower: point,
            upper: point,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut resample_mean = |xs: &[f64]| {
        let sum: f64 = (0..xs.len())
            .map(|_| xs[rng.random_range(0..xs.len())])
            .sum();
        sum / xs.len() as f64
    };
    let mut ratios: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            let b = resample_mean(baseline);
            let c = resample_mean(current);
            (b != 0.0).then(|| c / b - 1.0)
        })
        .collect();
    if ratios.is_empty() {
        return None;
    }
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(Change {
        point,
        lower: percentile_of_sorted(&ratios, tail),
        upper: percentile_of_sorted(&ratios, 1.0 - tail),
    })
}

fn percentile_of_sorted(sorted: &[f64], p: f64) -> f64 {
    let rank = p * (sorted.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    sorted[low] + (rank - low as f64) * (sorted[high] - sorted[low])
}

/// Welch's t-test of equal means, two-sided. `None` with fewer than
/// [`MIN_SAMPLES`] per side.
pub fn welch_t_test(a: &[f64], b: &[f64]) -> Option<TTest> {
    if a.len() < MIN_SAMPLES || b.len() < MIN_SAMPLES {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let (va, vb) = (variance(a) / na, variance(b) / nb);
    let diff = mean(b) - mean(a);
    let se2 = va + vb;
    if se2 == 0.0 {
        // Both sides constant: the means are either identical or certainly different.
        let p_value = if diff == 0.0 { 1.0 } else { 0.0 };
        let t = if diff == 0.0 {
            0.0
        } else {
            diff.signum() * f64::INFINITY
        };
        return Some(TTest {
            t,
            degrees_of_freedom: na + nb - 2.0,
            p_value,
        });
    }
    let t = diff / se2.sqrt();
    let df = se2 * se2 / (va * va / (na - 1.0) + vb * vb / (nb - 1.0));
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(TTest {
        t,
        degrees_of_freedom: df,
        p_value: (2.0 * dist.sf(t.abs())).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn welch_matches_a_hand_computed_example() {
        // Reference values from scipy.stats.ttest_ind(b, a, equal_var=False):
        // t = 2.0740146, df = 10.2091854, p = 0.0642800.
        let a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
        let b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7];
        let test = welch_t_test(&a, &b).unwrap();
        assert!((test.t - 2.074_014_6).abs() < 1e-6, "t = {}", test.t);
        assert!(
            (test.degrees_of_freedom - 10.209_185_4).abs() < 1e-6,
            "df = {}",
            test.degrees_of_freedom
        );
        assert!(
            (test.p_value - 0.064_280_0).abs() < 1e-6,
            "p = {}",
            test.p_value
        );
    }

    #[test]
    fn constant_samples_do_not_divide_by_zero() {
        assert_eq!(welch_t_test(&[5.0; 4], &[5.0; 4]).unwrap().p_value, 1.0);
        assert_eq!(welch_t_test(&[5.0; 4], &[6.0; 4]).unwrap().p_value, 0.0);
        assert!(welch_t_test(&[5.0; 2], &[6.0; 4]).is_none());
    }

    #[test]
    fn interval_brackets_the_point_and_is_reproducible() {
        let base: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
        let cur: Vec<f64> = base.iter().map(|x| x * 1.2).collect();
        let change = relative_change(&base, &cur, 2_000, 0.95, 1).unwrap();
        assert!((change.point - 0.2).abs() < 1e-12);
        assert!(change.lower < change.point && change.point < change.upper);
        assert!(change.lower > 0.15 && change.upper < 0.25, "{change:?}");
        assert_eq!(
            relative_change(&base, &cur, 2_000, 0.95, 1).unwrap(),
            change
        );
    }

    #[test]
    fn degenerate_inputs() {
        assert!(relative_change(&[], &[1.0], 100, 0.95, 1).is_none());
        assert!(relative_change(&[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0], 100, 0.95, 1).is_none());
        let single = relative_change(&[2.0], &[3.0], 100, 0.95, 1).unwrap();
        assert_eq!((single.lower, single.point, single.upper), (0.5, 0.5, 0.5));
    }
}

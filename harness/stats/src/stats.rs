//! Pure statistics for comparing two sets of samples: the typical value of a
//! timing sample, bootstrap confidence intervals of its relative change, and
//! the Mann–Whitney U test. No I/O here.
//!
//! Why not the mean and a t-test, as criterion does: on a shared 2-core VM,
//! interference from neighbours only ever *adds* time, in bursts lasting
//! seconds. Measured on this project's development machine (README, "Why a
//! low quantile and three rounds"), identical code moved by up to +59 % in
//! the mean between two runs, while the 5th percentile of three pooled
//! rounds moved by at most 11 % and still showed a real +30 % slowdown.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};

/// Significance level of the two-sided test. 0.05 pairs with the 95 %
/// interval; the effect-size threshold below, not a smaller alpha, is what
/// keeps a noisy runner quiet.
pub const DEFAULT_ALPHA: f64 = 0.05;

/// Smallest relative change of the typical time that can fail the gate.
/// On this project's 2-core VMs, identical code moved the typical time (the
/// [`TYPICAL_QUANTILE`] of three pooled rounds) by up to 11 % between runs,
/// and the interval must lie *wholly* beyond the threshold, which adds the
/// margin. 10 % is also CodSpeed's default and asv's factor 1.1. Finer
/// changes need paired, interleaved runs, not a looser rule here.
pub const DEFAULT_TIME_THRESHOLD: f64 = 0.10;

/// Smallest relative change of a custom metric that can fail the gate.
/// Custom metrics (recall, hit rate, bytes) are usually deterministic or far
/// less noisy than times; 5 % is a conservative start, tightened per metric
/// in `benchgate.toml` (e.g. recall@10 at 1 %).
pub const DEFAULT_METRIC_THRESHOLD: f64 = 0.05;

/// Smallest relative change of an instruction count (callgrind `Ir`,
/// estimated cycles, DHAT allocations) that fails the gate. These are
/// exact and repeatable for the same binary and input, so any change is
/// real. A +1 % change must fail every time, even after rounding to whole
/// instructions, so the bar sits at half of it; below it, an unrelated
/// inlining decision elsewhere in the binary does not fail a pull request.
pub const DEFAULT_INSTRUCTION_THRESHOLD: f64 = 0.005;

/// The quantile of per-iteration times taken as a benchmark's typical time.
/// Noise on a shared machine is one-sided (it only slows), so the fast end
/// of the distribution is what the code costs; the 5th percentile rather
/// than the minimum, because the minimum of n samples drifts with n and
/// rests on a single sample.
pub const TYPICAL_QUANTILE: f64 = 0.05;

/// Coverage of the bootstrap confidence interval of the change; 95 %
/// matches criterion's reports and pairs with [`DEFAULT_ALPHA`].
pub const CONFIDENCE_LEVEL: f64 = 0.95;

/// Bootstrap resamples per comparison. The Monte-Carlo error of a 2.5 %
/// percentile from B resamples is about sqrt(p(1-p)/B) ≈ 0.16 % of the
/// distribution at B = 10 000 — far below any threshold — while keeping a
/// 100-benchmark comparison within seconds. (criterion's 100 000 buys
/// precision the decision does not use.)
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// Fixed seed so the same two runs always give the same interval and
/// verdict: a gate must be reproducible from its inputs.
pub const BOOTSTRAP_SEED: u64 = 0x6265_6e63_6867_6174; // "benchgat"

/// Fewest samples per side for an interval and a test to mean anything;
/// below this a comparison falls back to the point change alone.
pub const MIN_SAMPLES: usize = 3;

/// Fewest samples per side for the rank test to be used at all: with 5
/// against 5 its smallest two-sided p is 0.008, below any sensible alpha;
/// with 3 against 3 (a metric recorded once per round) it is 0.1, so the
/// test could never flag anything and a real change would pass silently.
/// Below this, the change of the medians is judged like an exact value.
pub const MIN_SAMPLES_FOR_TEST: usize = 5;

/// A fraction as people read it, e.g. `0.95` → `95 %`: so that text
/// about [`CONFIDENCE_LEVEL`] or [`TYPICAL_QUANTILE`] is written from the
/// constant and cannot drift from it.
pub fn percent(fraction: f64) -> String {
    let value = (fraction * 100.0 * 1e6).round() / 1e6;
    format!("{value} %")
}

/// Relative change `current / baseline − 1` with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
}

/// Which statistic of a sample is compared.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// The `q`-quantile (linear interpolation between order statistics).
    Quantile(f64),
}

impl Statistic {
    /// The statistic of `xs`; `None` for an empty sample.
    pub fn of(self, xs: &[f64]) -> Option<f64> {
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        self.of_sorted(&sorted)
    }

    fn of_sorted(self, sorted: &[f64]) -> Option<f64> {
        match self {
            Self::Quantile(q) => quantile_of_sorted(sorted, q),
        }
    }
}

/// The `q`-quantile of sorted data, interpolating linearly between the
/// order statistics around rank q·(n − 1) (Hyndman–Fan type 7).
pub fn quantile_of_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    Some(sorted[low] + (rank - low as f64) * (sorted[high] - sorted[low]))
}

/// Relative change of `statistic`, `stat(current) / stat(baseline) − 1`,
/// with a percentile bootstrap interval: both sides are resampled
/// independently `resamples` times. `None` without samples or when the
/// baseline statistic is zero.
pub fn relative_change(
    statistic: Statistic,
    baseline: &[f64],
    current: &[f64],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Change> {
    let base = statistic.of(baseline)?;
    let cur = statistic.of(current)?;
    if base == 0.0 || !base.is_finite() {
        return None;
    }
    let point = cur / base - 1.0;
    if baseline.len() < MIN_SAMPLES || current.len() < MIN_SAMPLES || resamples == 0 {
        return Some(Change {
            point,
            lower: point,
            upper: point,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (base_side, cur_side) = (Resampler::new(baseline), Resampler::new(current));
    let mut scratch = Vec::with_capacity(baseline.len().max(current.len()));
    let mut ratios: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            let b = base_side.resample(statistic, &mut rng, &mut scratch)?;
            let c = cur_side.resample(statistic, &mut rng, &mut scratch)?;
            (b != 0.0).then(|| c / b - 1.0)
        })
        .collect();
    ratios.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(Change {
        point,
        lower: quantile_of_sorted(&ratios, tail)?,
        upper: quantile_of_sorted(&ratios, 1.0 - tail)?,
    })
}

/// One side of a bootstrap, prepared once: the sample sorted, and each
/// original position's rank in that order.
///
/// A resample draws original positions exactly as the plain bootstrap does
/// (the same random stream, so the same intervals bit for bit), but keeps
/// only their ranks: the k-th smallest value of the resample is the sorted
/// sample at the k-th smallest rank drawn. Finding that rank is a selection
/// on integers, O(n), where sorting the resampled values was O(n log n) in
/// floating-point comparisons — about five times faster at n = 300.
struct Resampler<'a> {
    original: &'a [f64],
    sorted: Vec<f64>,
    rank: Vec<u32>,
}

impl<'a> Resampler<'a> {
    fn new(original: &'a [f64]) -> Self {
        let mut order: Vec<u32> = (0..original.len() as u32).collect();
        order.sort_by(|&a, &b| original[a as usize].total_cmp(&original[b as usize]));
        let mut rank = vec![0; original.len()];
        for (position, &index) in order.iter().enumerate() {
            rank[index as usize] = position as u32;
        }
        Self {
            original,
            sorted: order.iter().map(|&i| original[i as usize]).collect(),
            rank,
        }
    }

    /// `statistic` of one resample with replacement.
    fn resample(
        &self,
        statistic: Statistic,
        rng: &mut ChaCha8Rng,
        scratch: &mut Vec<u32>,
    ) -> Option<f64> {
        let n = self.original.len();
        scratch.clear();
        scratch.extend((0..n).map(|_| self.rank[rng.random_range(0..n)]));
        let Statistic::Quantile(q) = statistic;
        if n == 0 {
            return None;
        }
        // The order statistics `quantile_of_sorted` interpolates between.
        let position = q.clamp(0.0, 1.0) * (n - 1) as f64;
        let (low, high) = (position.floor() as usize, position.ceil() as usize);
        let (_, &mut low_rank, above) = scratch.select_nth_unstable(low);
        let high_rank = if high == low {
            low_rank
        } else {
            above.iter().copied().min()?
        };
        let (a, b) = (
            self.sorted[low_rank as usize],
            self.sorted[high_rank as usize],
        );
        Some(a + (position - low as f64) * (b - a))
    }
}

/// Result of the Mann–Whitney U (Wilcoxon rank-sum) test.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankTest {
    /// U statistic of the second sample.
    pub u: f64,
    /// Two-sided p-value from the normal approximation with tie and
    /// continuity corrections.
    pub p_value: f64,
}

/// Mann–Whitney U test of "neither sample tends to be larger", two-sided.
///
/// Rank-based, so a few samples hit by a burst of interference cannot
/// dominate it the way they dominate a t-test's mean and variance. `None`
/// with fewer than [`MIN_SAMPLES`] per side.
pub fn mann_whitney_u(a: &[f64], b: &[f64]) -> Option<RankTest> {
    if a.len() < MIN_SAMPLES || b.len() < MIN_SAMPLES {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let n = na + nb;
    let mut pooled: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, false))
        .chain(b.iter().map(|&x| (x, true)))
        .collect();
    pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
    // Average ranks over ties; accumulate the tie correction Σ(t³ − t).
    let mut rank_sum_b = 0.0;
    let mut tie_term = 0.0;
    let mut start = 0;
    while start < pooled.len() {
        let mut end = start + 1;
        while end < pooled.len() && pooled[end].0 == pooled[start].0 {
            end += 1;
        }
        let average_rank = (start + end + 1) as f64 / 2.0; // ranks are 1-based
        let tied = (end - start) as f64;
        tie_term += tied * tied * tied - tied;
        rank_sum_b +=
            average_rank * pooled[start..end].iter().filter(|(_, in_b)| *in_b).count() as f64;
        start = end;
    }
    let u = rank_sum_b - nb * (nb + 1.0) / 2.0;
    let mean = na * nb / 2.0;
    let variance = na * nb / 12.0 * ((n + 1.0) - tie_term / (n * (n - 1.0)));
    if variance <= 0.0 {
        // Every value identical: no evidence of any difference.
        return Some(RankTest { u, p_value: 1.0 });
    }
    let distance = ((u - mean).abs() - 0.5).max(0.0);
    let z = distance / variance.sqrt();
    let normal = Normal::new(0.0, 1.0).ok()?;
    Some(RankTest {
        u,
        p_value: (2.0 * normal.sf(z)).min(1.0),
    })
}

/// How p-values of one comparison's many tests are adjusted before they are
/// held against alpha. With 50 benchmarks tested at alpha = 0.05, some 2.5
/// would be "significant" by chance alone on every run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MultipleTesting {
    /// Benjamini–Hochberg: controls the expected share of false alarms among
    /// the flagged benchmarks; keeps power as the suite grows.
    #[default]
    BenjaminiHochberg,
    /// Holm–Bonferroni: controls the chance of any false alarm at all;
    /// stricter, for small, critical suites.
    Holm,
    /// Each test on its own (criterion's behaviour).
    None,
}

/// Adjust `p_values` for multiple testing; the result is in input order.
pub fn adjust_p_values(p_values: &[f64], method: MultipleTesting) -> Vec<f64> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut adjusted = vec![0.0; m];
    match method {
        MultipleTesting::None => adjusted.copy_from_slice(p_values),
        MultipleTesting::BenjaminiHochberg => {
            // q_(i) = min over j ≥ i of m / j · p_(j): walk from the largest p down.
            let mut running_min = 1.0_f64;
            for (rank, &index) in order.iter().enumerate().rev() {
                running_min = running_min.min(p_values[index] * m as f64 / (rank + 1) as f64);
                adjusted[index] = running_min;
            }
        }
        MultipleTesting::Holm => {
            // q_(i) = max over j ≤ i of (m − j + 1) · p_(j), capped at 1.
            let mut running_max = 0.0_f64;
            for (rank, &index) in order.iter().enumerate() {
                running_max = running_max.max(p_values[index] * (m - rank) as f64);
                adjusted[index] = running_max.min(1.0);
            }
        }
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain percentile bootstrap as first written: resample the values,
    /// sort them, take the statistic. The rank-selection resampler must give
    /// the same intervals bit for bit.
    fn plain_bootstrap(
        statistic: Statistic,
        baseline: &[f64],
        current: &[f64],
        resamples: usize,
        seed: u64,
    ) -> (f64, f64) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let resampled = |xs: &[f64], rng: &mut ChaCha8Rng| {
            let mut v: Vec<f64> = (0..xs.len())
                .map(|_| xs[rng.random_range(0..xs.len())])
                .collect();
            v.sort_unstable_by(f64::total_cmp);
            statistic.of_sorted(&v)
        };
        let mut ratios: Vec<f64> = (0..resamples)
            .filter_map(|_| {
                let b = resampled(baseline, &mut rng)?;
                let c = resampled(current, &mut rng)?;
                (b != 0.0).then(|| c / b - 1.0)
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        let tail = (1.0 - 0.95) / 2.0;
        (
            quantile_of_sorted(&ratios, tail).unwrap(),
            quantile_of_sorted(&ratios, 1.0 - tail).unwrap(),
        )
    }

    #[test]
    fn rank_selection_resampling_is_the_plain_bootstrap_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(42);
        for case in 0..12 {
            let n = [5, 7, 30, 90, 300, 31][case % 6];
            // Coarse values give many ties, as timer resolution does.
            let side = |rng: &mut ChaCha8Rng, scale: f64| -> Vec<f64> {
                (0..n)
                    .map(|_| (rng.random_range(0.0..20.0_f64) * scale).round())
                    .collect()
            };
            let (b, c) = (side(&mut rng, 1.0), side(&mut rng, 1.1));
            for q in [TYPICAL_QUANTILE, 0.5, 0.0, 1.0] {
                let statistic = Statistic::Quantile(q);
                let Some(fast) = relative_change(statistic, &b, &c, 500, 0.95, 7) else {
                    continue;
                };
                let (lower, upper) = plain_bootstrap(statistic, &b, &c, 500, 7);
                assert_eq!(
                    (fast.lower.to_bits(), fast.upper.to_bits()),
                    (lower.to_bits(), upper.to_bits()),
                    "n = {n}, q = {q}"
                );
            }
        }
    }

    #[test]
    fn mann_whitney_matches_scipy() {
        // Reference: scipy.stats.mannwhitneyu(b, a, alternative="two-sided",
        // method="asymptotic", use_continuity=True) → U = 77.0, p = 0.0450738.
        let a = [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0];
        let b = [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7];
        let test = mann_whitney_u(&a, &b).unwrap();
        assert_eq!(test.u, 77.0);
        assert!(
            (test.p_value - 0.045_073_786).abs() < 1e-6,
            "p = {}",
            test.p_value
        );
        // With ties: U = 42.5, p = 0.0973967.
        let c = [1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0];
        let d = [3.0, 4.0, 4.0, 5.0, 5.0, 6.0, 2.0, 2.0];
        let tied = mann_whitney_u(&c, &d).unwrap();
        assert_eq!(tied.u, 42.5);
        assert!(
            (tied.p_value - 0.097_396_658).abs() < 1e-6,
            "p = {}",
            tied.p_value
        );
    }

    #[test]
    fn p_value_adjustments_match_r() {
        // Reference: statsmodels multipletests(p, method="fdr_bh" / "holm").
        let p = [0.01, 0.04, 0.03, 0.005, 0.5];
        let bh = adjust_p_values(&p, MultipleTesting::BenjaminiHochberg);
        let expected_bh = [0.025, 0.05, 0.05, 0.025, 0.5];
        let holm = adjust_p_values(&p, MultipleTesting::Holm);
        let expected_holm = [0.04, 0.09, 0.09, 0.025, 0.5];
        for i in 0..p.len() {
            assert!((bh[i] - expected_bh[i]).abs() < 1e-12, "BH {i}: {bh:?}");
            assert!(
                (holm[i] - expected_holm[i]).abs() < 1e-12,
                "Holm {i}: {holm:?}"
            );
        }
        assert_eq!(adjust_p_values(&p, MultipleTesting::None), p.to_vec());
        assert!(adjust_p_values(&[], MultipleTesting::Holm).is_empty());
    }

    #[test]
    fn identical_constant_samples_show_no_difference() {
        assert_eq!(mann_whitney_u(&[5.0; 4], &[5.0; 4]).unwrap().p_value, 1.0);
        assert!(mann_whitney_u(&[5.0; 2], &[6.0; 4]).is_none());
    }

    #[test]
    fn quantiles_interpolate_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(quantile_of_sorted(&sorted, 0.0), Some(1.0));
        assert_eq!(quantile_of_sorted(&sorted, 0.5), Some(3.0));
        assert_eq!(quantile_of_sorted(&sorted, 0.1), Some(1.4));
        assert_eq!(quantile_of_sorted(&sorted, 1.0), Some(5.0));
        assert_eq!(quantile_of_sorted(&[], 0.5), None);
        assert_eq!(Statistic::Quantile(0.5).of(&[3.0, 1.0, 2.0]), Some(2.0));
    }

    #[test]
    fn interval_brackets_the_point_and_is_reproducible() {
        let base: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
        let cur: Vec<f64> = base.iter().map(|x| x * 1.2).collect();
        let median = Statistic::Quantile(0.5);
        let change = relative_change(median, &base, &cur, 2_000, 0.95, 1).unwrap();
        assert!((change.point - 0.2).abs() < 1e-12);
        assert!(change.lower <= change.point && change.point <= change.upper);
        assert!(change.lower > 0.15 && change.upper < 0.25, "{change:?}");
        assert_eq!(
            relative_change(median, &base, &cur, 2_000, 0.95, 1).unwrap(),
            change
        );
    }

    #[test]
    fn degenerate_inputs() {
        let q = Statistic::Quantile(TYPICAL_QUANTILE);
        assert!(relative_change(q, &[], &[1.0], 100, 0.95, 1).is_none());
        assert!(relative_change(q, &[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0], 100, 0.95, 1).is_none());
        let single = relative_change(q, &[2.0], &[3.0], 100, 0.95, 1).unwrap();
        assert_eq!((single.lower, single.point, single.upper), (0.5, 0.5, 0.5));
    }
}

//! Pure statistics of paired, interleaved rounds (`benchgate ab`): the
//! Hodges–Lehmann change of per-round ratios, its bootstrap interval, and
//! the Wilcoxon signed-rank test. No I/O here.
//!
//! Each round runs the base (A) and the head (B) back to back, so whatever
//! the machine is doing then — a slow neighbour, a lower clock — hits both
//! sides of that round alike and cancels in the ratio B/A. The rounds'
//! ratios are then tested against "no change".

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use statrs::distribution::{ContinuousCDF, Normal};

use crate::stats::{Change, RankTest, quantile_of_sorted};

/// Smallest paired change that can fail an A/B comparison. Drift cancels
/// within a round, so what is left is the scatter of per-round ratios:
/// about ±1 % on this project's 2-core VMs for sub-millisecond benchmarks.
/// 1 % keeps a 3 % slowdown's interval clear of the bar with ten rounds.
pub const DEFAULT_PAIRED_THRESHOLD: f64 = 0.01;

/// Largest number of non-zero differences for which the signed-rank test's
/// null distribution is computed exactly (a dynamic program over rank
/// sums); beyond it the normal approximation is accurate to < 0.001.
const EXACT_SIGNED_RANK_MAX_N: usize = 50;

/// Hodges–Lehmann estimate of location: the median of all pairwise means
/// (Walsh averages) — as robust as the median, nearly as efficient as the
/// mean. `None` for no data.
pub fn hodges_lehmann(xs: &[f64]) -> Option<f64> {
    let mut walsh = Vec::with_capacity(xs.len() * (xs.len() + 1) / 2);
    for i in 0..xs.len() {
        for j in i..xs.len() {
            walsh.push((xs[i] + xs[j]) / 2.0);
        }
    }
    walsh.sort_by(f64::total_cmp);
    quantile_of_sorted(&walsh, 0.5)
}

/// Change from per-round ratios B/A: `exp(HL(ln ratio)) − 1`, with a
/// percentile bootstrap interval over rounds. `None` without ratios or
/// with a non-positive one.
pub fn paired_change(
    ratios: &[f64],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Option<Change> {
    if ratios.is_empty() || ratios.iter().any(|r| !(r.is_finite() && *r > 0.0)) {
        return None;
    }
    let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
    let point = hodges_lehmann(&logs)?.exp() - 1.0;
    if logs.len() < 2 || resamples == 0 {
        return Some(Change {
            point,
            lower: point,
            upper: point,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut resampled = vec![0.0; logs.len()];
    let mut estimates: Vec<f64> = (0..resamples)
        .filter_map(|_| {
            for slot in resampled.iter_mut() {
                *slot = logs[rng.random_range(0..logs.len())];
            }
            hodges_lehmann(&resampled).map(|hl| hl.exp() - 1.0)
        })
        .collect();
    estimates.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    Some(Change {
        point,
        lower: quantile_of_sorted(&estimates, tail)?,
        upper: quantile_of_sorted(&estimates, 1.0 - tail)?,
    })
}

/// Wilcoxon signed-rank test of "the differences are centred on zero",
/// two-sided. Zero differences are dropped (Wilcoxon's convention). Exact
/// without ties for up to [`EXACT_SIGNED_RANK_MAX_N`] differences, else the
/// normal approximation with tie and continuity corrections. `u` in the
/// result is W⁺, the rank sum of the positive differences. `None` when no
/// non-zero difference is left.
pub fn wilcoxon_signed_rank(differences: &[f64]) -> Option<RankTest> {
    let mut nonzero: Vec<f64> = differences.iter().copied().filter(|d| *d != 0.0).collect();
    let n = nonzero.len();
    if n == 0 {
        return None;
    }
    nonzero.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let mut w_plus = 0.0;
    let mut tie_term = 0.0;
    let mut has_ties = false;
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        while end < n && nonzero[end].abs() == nonzero[start].abs() {
            end += 1;
        }
        let tied = (end - start) as f64;
        has_ties |= end - start > 1;
        tie_term += tied * tied * tied - tied;
        let average_rank = (start + end + 1) as f64 / 2.0;
        w_plus += average_rank * nonzero[start..end].iter().filter(|d| **d > 0.0).count() as f64;
        start = end;
    }
    let p_value = if !has_ties && n <= EXACT_SIGNED_RANK_MAX_N {
        exact_signed_rank_p(n, w_plus)
    } else {
        let nf = n as f64;
        let mean = nf * (nf + 1.0) / 4.0;
        let variance = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - tie_term / 48.0;
        if variance <= 0.0 {
            1.0
        } else {
            let z = ((w_plus - mean).abs() - 0.5).max(0.0) / variance.sqrt();
            (2.0 * Normal::new(0.0, 1.0).ok()?.sf(z)).min(1.0)
        }
    };
    Some(RankTest { u: w_plus, p_value })
}

/// Two-sided exact p-value of W⁺ = `w` with `n` untied ranks: under the
/// null every sign pattern is equally likely, so count rank subsets by sum.
fn exact_signed_rank_p(n: usize, w: f64) -> f64 {
    let max_sum = n * (n + 1) / 2;
    // probability[s] = P(W⁺ = s), built rank by rank.
    let mut probability = vec![0.0_f64; max_sum + 1];
    probability[0] = 1.0;
    for rank in 1..=n {
        for s in (rank..=max_sum).rev() {
            probability[s] = (probability[s] + probability[s - rank]) / 2.0;
        }
        for s in (0..rank.min(max_sum + 1)).rev() {
            probability[s] /= 2.0;
        }
    }
    let w = w.round() as usize;
    let lower: f64 = probability[..=w.min(max_sum)].iter().sum();
    let upper: f64 = probability[w.min(max_sum)..].iter().sum();
    (2.0 * lower.min(upper)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signed_rank_matches_scipy() {
        // scipy.stats.wilcoxon(d, method="exact") → statistic 3.0 (= W⁻), p = 0.009765625.
        let d = [
            0.031, 0.012, 0.045, -0.004, 0.027, 0.019, 0.038, 0.022, -0.011, 0.029,
        ];
        let test = wilcoxon_signed_rank(&d).unwrap();
        assert_eq!(test.u, 52.0, "W+ = 55 − W− = 55 − 3");
        assert!(
            (test.p_value - 0.009_765_625).abs() < 1e-12,
            "p = {}",
            test.p_value
        );
        // With ties: scipy.stats.wilcoxon(d, method="approx", correction=True) → p = 0.1221040.
        let tied = wilcoxon_signed_rank(&[1.0, 2.0, 2.0, -3.0, 4.0, 4.0, 5.0, -1.0]).unwrap();
        assert!(
            (tied.p_value - 0.122_103_985).abs() < 1e-6,
            "p = {}",
            tied.p_value
        );
    }

    #[test]
    fn signed_rank_edge_cases() {
        assert!(wilcoxon_signed_rank(&[0.0, 0.0]).is_none());
        // One positive difference: P(W+ ≥ 1) = 1/2 on each side, so p = 1.
        assert_eq!(wilcoxon_signed_rank(&[0.5]).unwrap().p_value, 1.0);
        // All ten positive: the most extreme of 1024 sign patterns, on either side.
        let all =
            wilcoxon_signed_rank(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]).unwrap();
        assert!((all.p_value - 2.0 / 1024.0).abs() < 1e-15);
    }

    #[test]
    fn hodges_lehmann_is_the_median_of_walsh_averages() {
        // numpy: median of (x_i + x_j) / 2 over i <= j for [0.1, 0.3, -0.2, 0.5] = 0.175.
        assert!((hodges_lehmann(&[0.1, 0.3, -0.2, 0.5]).unwrap() - 0.175).abs() < 1e-12);
        assert_eq!(hodges_lehmann(&[]), None);
    }

    #[test]
    fn paired_change_of_constant_ratios_is_exact() {
        let change = paired_change(&[1.03; 10], 1_000, 0.95, 1).unwrap();
        assert!((change.point - 0.03).abs() < 1e-12);
        assert!((change.lower - 0.03).abs() < 1e-12 && (change.upper - 0.03).abs() < 1e-12);
        assert!(paired_change(&[1.0, -1.0], 100, 0.95, 1).is_none());
    }
}

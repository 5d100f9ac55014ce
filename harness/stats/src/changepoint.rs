//! Change points of a series: E-Divisive means (Matteson & James, "A
//! Nonparametric Approach for Multiple Change Point Analysis of
//! Multivariate Data", JASA 2014), the method Apache Otava and MongoDB's
//! signal processing use on performance histories, with its permutation
//! test of significance. Pure: a series and a seed in, change points out.
//!
//! The divergence of two sets is the energy distance with exponent 1,
//! `ê = 2·mean|X−Y| − mean|X−X'| − mean|Y−Y'|`, scaled to
//! `q̂ = n·m/(n+m) · ê`. A segment is split where `q̂` is largest, and the
//! split is kept when fewer permutations of the same values reach that
//! `q̂` than [`CHANGE_POINT_ALPHA`] allows; both halves are then searched
//! again (binary segmentation, as Matteson & James).
//!
//! Speed: with one dimension and exponent 1, the within-set sums of every
//! prefix and suffix follow from a Fenwick tree over ranks, so one scan of
//! all splits is O(n log n) instead of the O(n²) pairwise table. The
//! permutation test runs on the [`CHANGE_POINT_WINDOW`] points either side
//! of the candidate, as Otava windows its series, so a 10 000-commit history
//! costs its scans plus a fixed test per change.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Significance level of each split's permutation test. A history is
/// tested once per segment, so 1 000 quiet benchmarks with no change give
/// about ten false change points at 0.01; the exact shifts a gate cares
/// about (three times the noise and more) reach p = 0.005, the smallest
/// value [`CHANGE_POINT_PERMUTATIONS`] can show, in the synthetic
/// accuracy test.
pub const CHANGE_POINT_ALPHA: f64 = 0.01;

/// Permutations per test. 199 makes the smallest p-value 1/200 = 0.005,
/// below [`CHANGE_POINT_ALPHA`] with room for one permutation that ties
/// the observed value; a test that cannot be significant any more stops
/// early (after two exceedances), so a quiet segment costs a few scans.
pub const CHANGE_POINT_PERMUTATIONS: usize = 199;

/// Fewest points on either side of a change. With five, a permutation
/// that puts the five largest values last happens once in 252 (for a
/// 10-point series) and far less often in longer windows, so a real
/// change can reach p = 0.005; fewer points could not.
pub const MIN_SEGMENT: usize = 5;

/// Points either side of a candidate that its permutation test uses. One
/// hundred give power to a shift of one noise width (100 against 100
/// values) while bounding the test's cost, so the test does not grow with
/// a history's length; the location search still scans the whole segment.
pub const CHANGE_POINT_WINDOW: usize = 100;

/// Seed of the permutation stream; each segment derives its own from it
/// and its bounds, so results do not depend on the order of the search.
pub const CHANGE_POINT_SEED: u64 = 0x6368_616e_6765_7074; // "changept"

/// How the search runs; [`Default`] gives the named constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePointOptions {
    pub alpha: f64,
    pub permutations: usize,
    pub min_segment: usize,
    pub window: usize,
    pub seed: u64,
}

impl Default for ChangePointOptions {
    fn default() -> Self {
        Self {
            alpha: CHANGE_POINT_ALPHA,
            permutations: CHANGE_POINT_PERMUTATIONS,
            min_segment: MIN_SEGMENT,
            window: CHANGE_POINT_WINDOW,
            seed: CHANGE_POINT_SEED,
        }
    }
}

/// A change found in a series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChangePoint {
    /// Index of the first point of the new level.
    pub index: usize,
    /// Permutation p-value, `(exceedances + 1) / (permutations + 1)`.
    pub p_value: f64,
    /// The divergence `q̂` at the split, in units of the series' median.
    pub statistic: f64,
}

/// The significant change points of `series`, in index order. Series with
/// fewer than `2 · min_segment` points, and non-finite values, give none.
pub fn e_divisive(series: &[f64], options: &ChangePointOptions) -> Vec<ChangePoint> {
    let min_segment = options.min_segment.max(2);
    if series.len() < 2 * min_segment || series.iter().any(|x| !x.is_finite()) {
        return Vec::new();
    }
    // Relative units keep the sums of |x − y| well inside f64's precision.
    let mut sorted = series.to_vec();
    sorted.sort_by(f64::total_cmp);
    let scale = match sorted[sorted.len() / 2].abs() {
        s if s > 0.0 => s,
        _ => 1.0,
    };
    let values: Vec<f64> = series.iter().map(|x| x / scale).collect();
    let mut scanner = Scanner::default();
    let mut found = Vec::new();
    let mut segments = vec![(0, values.len())];
    while let Some((start, end)) = segments.pop() {
        if end - start < 2 * min_segment {
            continue;
        }
        let Some((split, _)) = scanner.best_split(&values[start..end], min_segment) else {
            continue;
        };
        let candidate = start + split;
        // The test runs on the window around the candidate; its own best
        // split there is the location kept.
        let low = candidate.saturating_sub(options.window).max(start);
        let high = (candidate + options.window).min(end);
        let window = &values[low..high];
        let Some((local, statistic)) = scanner.best_split(window, min_segment) else {
            continue;
        };
        let seed = options.seed ^ (low as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ (high as u64);
        let Some(p_value) = scanner.permutation_p(window, statistic, min_segment, options, seed)
        else {
            continue;
        };
        let index = low + local;
        found.push(ChangePoint {
            index,
            p_value,
            statistic,
        });
        segments.push((start, index));
        segments.push((index, end));
    }
    found.sort_by_key(|c| c.index);
    found
}

/// Reused buffers for scans: ranks, Fenwick trees and prefix sums.
#[derive(Debug, Default)]
struct Scanner {
    ranks: Vec<u32>,
    order: Vec<u32>,
    count: Vec<u32>,
    sum: Vec<f64>,
    left: Vec<f64>,
    shuffled: Vec<(f64, u32)>,
    values: Vec<f64>,
}

impl Scanner {
    /// Rank of each value in `xs` (ties broken by position).
    fn rank(&mut self, xs: &[f64]) {
        self.order.clear();
        self.order.extend(0..xs.len() as u32);
        self.order
            .sort_by(|&a, &b| xs[a as usize].total_cmp(&xs[b as usize]));
        self.ranks.clear();
        self.ranks.resize(xs.len(), 0);
        for (rank, &index) in self.order.iter().enumerate() {
            self.ranks[index as usize] = rank as u32;
        }
    }

    /// The split of `xs` (with ranks in `self.ranks`) of largest `q̂`, as
    /// (index of the first point after it, `q̂`).
    fn scan(&mut self, xs: &[f64], min_segment: usize) -> Option<(usize, f64)> {
        let n = xs.len();
        if n < 2 * min_segment {
            return None;
        }
        // left[t] = Σ_{i<j<t} |x_i − x_j|.
        self.left.clear();
        self.left.push(0.0);
        self.reset_trees(n);
        let mut within = 0.0;
        for (i, &x) in xs.iter().enumerate() {
            within += self.distance_to_inserted(x, self.ranks[i], i);
            self.insert(self.ranks[i], x);
            self.left.push(within);
        }
        let total = within;
        // Walk back from the end: right = Σ_{t≤i<j<n} |x_i − x_j|.
        self.reset_trees(n);
        let mut right = 0.0;
        let mut best: Option<(usize, f64)> = None;
        for t in (min_segment..n).rev() {
            let x = xs[t];
            right += self.distance_to_inserted(x, self.ranks[t], n - 1 - t);
            self.insert(self.ranks[t], x);
            let (a, b) = (t as f64, (n - t) as f64);
            if t <= n - min_segment {
                let left = self.left[t];
                let cross = total - left - right;
                let divergence = 2.0 * cross / (a * b)
                    - left / (a * (a - 1.0) / 2.0)
                    - right / (b * (b - 1.0) / 2.0);
                let q = a * b / (a + b) * divergence;
                if best.is_none_or(|(_, q_best)| q > q_best) {
                    best = Some((t, q));
                }
            }
        }
        best
    }

    fn best_split(&mut self, xs: &[f64], min_segment: usize) -> Option<(usize, f64)> {
        self.rank(xs);
        self.scan(xs, min_segment)
    }

    /// p-value of `observed` against the largest `q̂` of permutations of
    /// `xs`; `None` once it can no longer fall to `alpha` (stopping early).
    fn permutation_p(
        &mut self,
        xs: &[f64],
        observed: f64,
        min_segment: usize,
        options: &ChangePointOptions,
        seed: u64,
    ) -> Option<f64> {
        let total = options.permutations as f64 + 1.0;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        self.rank(xs);
        self.shuffled.clear();
        self.shuffled
            .extend(xs.iter().copied().zip(self.ranks.iter().copied()));
        let mut exceedances = 0usize;
        for _ in 0..options.permutations {
            self.shuffled.shuffle(&mut rng);
            let mut values = std::mem::take(&mut self.values);
            values.clear();
            values.extend(self.shuffled.iter().map(|(x, _)| *x));
            self.ranks.clear();
            self.ranks.extend(self.shuffled.iter().map(|(_, r)| *r));
            let permuted = self.scan(&values, min_segment);
            self.values = values;
            // A tie counts against the observed split (ties are what
            // constant series give, and those hold no change).
            if permuted.is_some_and(|(_, q)| q >= observed * (1.0 - 1e-12)) {
                exceedances += 1;
                if (exceedances as f64 + 1.0) / total > options.alpha {
                    return None;
                }
            }
        }
        Some((exceedances as f64 + 1.0) / total)
    }

    fn reset_trees(&mut self, n: usize) {
        self.count.clear();
        self.count.resize(n + 1, 0);
        self.sum.clear();
        self.sum.resize(n + 1, 0.0);
    }

    fn insert(&mut self, rank: u32, x: f64) {
        let mut i = rank as usize + 1;
        while i < self.count.len() {
            self.count[i] += 1;
            self.sum[i] += x;
            i += i & i.wrapping_neg();
        }
    }

    /// Σ |x − y| over the `inserted` values y already in the trees.
    fn distance_to_inserted(&self, x: f64, rank: u32, inserted: usize) -> f64 {
        let (mut below, mut below_sum) = (0u32, 0.0);
        let mut i = rank as usize;
        while i > 0 {
            below += self.count[i];
            below_sum += self.sum[i];
            i -= i & i.wrapping_neg();
        }
        let total_sum = self.total_sum();
        let above = inserted as f64 - f64::from(below);
        let above_sum = total_sum - below_sum;
        (x * f64::from(below) - below_sum) + (above_sum - x * above)
    }

    fn total_sum(&self) -> f64 {
        let mut i = self.sum.len() - 1;
        let mut total = 0.0;
        while i > 0 {
            total += self.sum[i];
            i -= i & i.wrapping_neg();
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    /// `q̂` of every split by the definition, O(n²) per split.
    fn naive(xs: &[f64], min_segment: usize) -> Option<(usize, f64)> {
        let n = xs.len();
        let mut best: Option<(usize, f64)> = None;
        for t in min_segment..=n - min_segment {
            let (l, r) = xs.split_at(t);
            let mean = |a: &[f64], b: &[f64], same: bool| {
                let mut s = 0.0;
                let mut c = 0.0;
                for (i, x) in a.iter().enumerate() {
                    for (j, y) in b.iter().enumerate() {
                        if !same || i < j {
                            s += (x - y).abs();
                            c += 1.0;
                        }
                    }
                }
                s / c
            };
            let e = 2.0 * mean(l, r, false) - mean(l, l, true) - mean(r, r, true);
            let (a, b) = (l.len() as f64, r.len() as f64);
            let q = a * b / (a + b) * e;
            if best.is_none_or(|(_, qb)| q > qb) {
                best = Some((t, q));
            }
        }
        best
    }

    #[test]
    fn fenwick_scan_equals_the_definition() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for n in [10, 11, 37, 80] {
            let mut xs: Vec<f64> = (0..n).map(|_| rng.random_range(0.0..1.0)).collect();
            // Ties too.
            xs[3] = xs[4];
            let (t, q) = Scanner::default().best_split(&xs, 3).unwrap();
            let (t_naive, q_naive) = naive(&xs, 3).unwrap();
            assert_eq!(t, t_naive, "n = {n}");
            assert!(
                (q - q_naive).abs() < 1e-9 * q_naive.abs().max(1.0),
                "{q} vs {q_naive}"
            );
        }
    }

    #[test]
    fn one_clear_step_is_found_where_it_is() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let xs: Vec<f64> = (0..60)
            .map(|i| if i < 40 { 100.0 } else { 110.0 } + rng.random_range(-1.0..1.0))
            .collect();
        let found = e_divisive(&xs, &ChangePointOptions::default());
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].index, 40);
        assert!(found[0].p_value <= CHANGE_POINT_ALPHA);
    }

    #[test]
    fn flat_and_constant_series_have_no_change() {
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let noise: Vec<f64> = (0..200)
            .map(|_| 100.0 + rng.random_range(-1.0..1.0))
            .collect();
        assert!(e_divisive(&noise, &ChangePointOptions::default()).is_empty());
        assert!(e_divisive(&[5.0; 50], &ChangePointOptions::default()).is_empty());
        assert!(e_divisive(&[1.0, 2.0, 3.0], &ChangePointOptions::default()).is_empty());
        assert!(
            e_divisive(
                &[1.0, f64::NAN, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0],
                &ChangePointOptions::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn the_same_seed_gives_the_same_answer() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let xs: Vec<f64> = (0..300)
            .map(|i| 1.0 + 0.02 * f64::from(u8::from(i >= 150)) + rng.random_range(-0.01..0.01))
            .collect();
        let options = ChangePointOptions::default();
        assert_eq!(e_divisive(&xs, &options), e_divisive(&xs, &options));
    }
}

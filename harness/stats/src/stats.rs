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

/// Bootstrap resamples of a paired A/B comparison (`paired::paired_change`,
/// a handful of rounds per benchmark). The Monte-Carlo error of a 2.5 %
/// percentile from B resamples is about sqrt(p(1-p)/B) ≈ 0.16 % of the
/// distribution at B = 10 000 — far below any threshold. (criterion's
/// 100 000 buys precision the decision does not use.) The two-sample
/// interval of [`relative_change`] needs no resamples: it computes the
/// bootstrap distribution exactly.
pub const BOOTSTRAP_RESAMPLES: usize = 10_000;

/// Fixed seed so the same two runs always give the same paired interval
/// and verdict: a gate must be reproducible from its inputs.
pub const BOOTSTRAP_SEED: u64 = 0x6265_6e63_6867_6174; // "benchgat"

/// Probability the exact bootstrap distribution of one side may leave out,
/// in each of its three truncations (resample ranks below and above the
/// window, and wide gaps between the two order statistics a quantile
/// interpolates). Leaving out mass m moves an interval end by at most m in
/// probability: 10⁻⁶ is 1 600 times below the Monte-Carlo error (0.16 %)
/// of the 10 000-resample bootstrap this computation replaces, while the
/// window stays a few standard deviations of the rank wide (a few hundred
/// atoms at n = 300).
pub const NEGLECTED_BOOTSTRAP_MASS: f64 = 1e-6;

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
    /// The statistic of `xs`; `None` for an empty sample. Selects the two
    /// order statistics it needs, O(n), instead of sorting.
    pub fn of(self, xs: &[f64]) -> Option<f64> {
        let Self::Quantile(q) = self;
        if xs.is_empty() {
            return None;
        }
        let (low, high, fraction) = interpolation(q, xs.len());
        let mut scratch = xs.to_vec();
        let (_, &mut a, above) = scratch.select_nth_unstable_by(low, f64::total_cmp);
        let b = if high == low {
            a
        } else {
            above.iter().copied().min_by(f64::total_cmp)?
        };
        Some(a + fraction * (b - a))
    }

    /// The statistic of samples already in ascending order.
    pub fn of_sorted(self, sorted: &[f64]) -> Option<f64> {
        match self {
            Self::Quantile(q) => quantile_of_sorted(sorted, q),
        }
    }
}

/// The order statistics (0-based ranks `low` ≤ `high`) the `q`-quantile of
/// `n` values interpolates between, and the weight of the upper one.
fn interpolation(q: f64, n: usize) -> (usize, usize, f64) {
    let rank = q.clamp(0.0, 1.0) * (n - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    (low, high, rank - low as f64)
}

/// The `q`-quantile of sorted data, interpolating linearly between the
/// order statistics around rank q·(n − 1) (Hyndman–Fan type 7).
pub fn quantile_of_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let (low, high, fraction) = interpolation(q, sorted.len());
    Some(sorted[low] + fraction * (sorted[high] - sorted[low]))
}

/// One side's samples, sorted once (by `f64::total_cmp`): the statistic,
/// its bootstrap distribution and the rank test all read this order.
#[derive(Debug, Clone, PartialEq)]
pub struct SortedSample(Vec<f64>);

impl SortedSample {
    pub fn new(xs: &[f64]) -> Self {
        let mut sorted = xs.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        Self(sorted)
    }

    /// The values in ascending order.
    pub fn values(&self) -> &[f64] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Every value the same (or none).
    pub fn is_constant(&self) -> bool {
        self.0.first() == self.0.last()
    }

    pub fn statistic(&self, statistic: Statistic) -> Option<f64> {
        statistic.of_sorted(&self.0)
    }
}

/// Relative change of `statistic`, `stat(current) / stat(baseline) − 1`,
/// with the percentile bootstrap interval at `confidence`, both sides
/// resampled independently. `None` without samples or when the baseline
/// statistic is zero. Sorts both sides; see [`relative_change_sorted`].
pub fn relative_change(
    statistic: Statistic,
    baseline: &[f64],
    current: &[f64],
    confidence: f64,
) -> Option<Change> {
    relative_change_sorted(
        statistic,
        &SortedSample::new(baseline),
        &SortedSample::new(current),
        confidence,
    )
}

/// [`relative_change`] of two sorted samples.
///
/// **The interval is the percentile bootstrap's, computed exactly rather
/// than by drawing resamples.** A quantile of a resample is an
/// interpolation between two of its order statistics, and the
/// distribution of a resample's order statistics is known in closed form
/// (Maritz & Jarrett 1978, "A note on estimating the variance of the
/// sample median", JASA 73:194–196; Hutson & Ernst 2000, "The exact
/// bootstrap mean and variance of an L-estimator", JRSS B 62:89–94): the
/// r-th smallest of n draws with replacement is the sample's j-th value
/// with probability P(Bin(n, j/n) ≥ r) − P(Bin(n, (j−1)/n) ≥ r). So each
/// side's bootstrap distribution is a list of (value, probability) atoms
/// computed in O(n) after the sort ([`bootstrap_atoms`]), and the
/// interval's ends are the `(1 − confidence)/2` and `(1 + confidence)/2`
/// quantiles of the ratio of two independent such distributions
/// ([`ratio_quantile`]): a bisection over the ratio, each step one merge
/// of the two atom lists.
///
/// This is the limit the 10 000-resample bootstrap it replaces (issue 18)
/// was estimating, without its Monte-Carlo error (±0.16 % in probability
/// at each end) and without its cost (2 × 10 000 × n random draws per
/// entry): the verdicts are those of the resampling bootstrap wherever its
/// interval was not within its own random error of the threshold, and
/// they no longer depend on a seed. Only [`NEGLECTED_BOOTSTRAP_MASS`] per
/// truncation is left out. Like the resampling bootstrap, resamples whose
/// baseline statistic is zero have no ratio and are left out.
pub fn relative_change_sorted(
    statistic: Statistic,
    baseline: &SortedSample,
    current: &SortedSample,
    confidence: f64,
) -> Option<Change> {
    let base = baseline.statistic(statistic)?;
    let cur = current.statistic(statistic)?;
    if base == 0.0 || !base.is_finite() {
        return None;
    }
    let point = cur / base - 1.0;
    if baseline.len() < MIN_SAMPLES || current.len() < MIN_SAMPLES {
        return Some(Change {
            point,
            lower: point,
            upper: point,
        });
    }
    let Statistic::Quantile(q) = statistic;
    let mut base_side = Atoms::from_pairs(bootstrap_atoms(baseline.values(), q));
    base_side.remove_zeros();
    let current_side = Atoms::from_pairs(bootstrap_atoms(current.values(), q));
    let tail = (1.0 - confidence) / 2.0;
    Some(Change {
        point,
        lower: ratio_quantile(&base_side, &current_side, tail)? - 1.0,
        upper: ratio_quantile(&base_side, &current_side, 1.0 - tail)? - 1.0,
    })
}

/// The exact bootstrap distribution of the `q`-quantile of `sorted`
/// (n ≥ 1 values, ascending), as (value, probability) atoms in no
/// particular order, without the [`NEGLECTED_BOOTSTRAP_MASS`] tails.
///
/// With 1-based ranks, the quantile of a resample is
/// Y*₍ₗ₎ + f·(Y*₍ₗ₊₁₎ − Y*₍ₗ₎) ([`quantile_of_sorted`]'s interpolation).
/// Writing N(≤ i) for the number of draws at sample positions ≤ i:
/// - Y*₍ₗ₎ = yᵢ with probability mᵢ = S(i) − S(i−1), S(i) = P(Bin(n, i/n) ≥ l);
/// - for i < j, Y*₍ₗ₎ = yᵢ and Y*₍ₗ₊₁₎ = yⱼ exactly when l draws fall at
///   positions ≤ i with one at i, and the other n − l at positions ≥ j
///   with one at j: probability aᵢ·bⱼ with
///   aᵢ = C(n, l)·((i/n)ˡ − ((i−1)/n)ˡ) and
///   bⱼ = ((n−j+1)/n)ⁿ⁻ˡ − ((n−j)/n)ⁿ⁻ˡ;
/// - both are yᵢ with the rest of mᵢ: mᵢ − aᵢ·((n−i)/n)ⁿ⁻ˡ (the sum of aᵢ·bⱼ
///   over j > i telescopes).
///
/// Logarithms keep aᵢ (up to C(n, n/2)) and ((n−i)/n)ⁿ⁻ˡ (down to e⁻ⁿ)
/// finite; only their product, a probability, is exponentiated.
fn bootstrap_atoms(sorted: &[f64], q: f64) -> Vec<(f64, f64)> {
    let n = sorted.len();
    let (low, high, fraction) = interpolation(q, n);
    let l = low + 1; // 1-based rank of the lower order statistic
    let nf = n as f64;
    // S(i) for i in the window, from the rank outwards until what lies
    // beyond is negligible.
    let mut below = Vec::new(); // S(l−1), S(l−2), … while ≥ the bound
    let mut i = l - 1;
    loop {
        let s = at_least(n, l, i);
        below.push(s);
        if s < NEGLECTED_BOOTSTRAP_MASS || i == 0 {
            break;
        }
        i -= 1;
    }
    let first = i; // S(first) < bound (or first = 0)
    let mut cumulative: Vec<f64> = below.into_iter().rev().collect();
    let mut i = l;
    loop {
        let s = at_least(n, l, i);
        cumulative.push(s);
        if 1.0 - s < NEGLECTED_BOOTSTRAP_MASS || i == n {
            break;
        }
        i += 1;
    }
    // cumulative[k] = S(first + k); atoms at positions first+1 ..= last.
    let last = first + cumulative.len() - 1;
    let value = |position: usize| sorted[position - 1];
    let marginal =
        |position: usize| cumulative[position - first] - cumulative[position - 1 - first];
    let mut atoms = Vec::new();
    if high == low {
        for position in first + 1..=last {
            atoms.push((value(position), marginal(position)));
        }
        return atoms;
    }
    let upper_draws = (n - l) as f64;
    let ln_choose = ln_binomial(n as u64, l as u64);
    // ln of ((n − k)/n)^(n−l), all n − l upper draws at positions > k, for
    // k = first, first + 1, …: computed once, read by every row.
    let mut ln_above: Vec<f64> = Vec::new();
    let mut ln_all_above = |k: usize| {
        while ln_above.len() <= k - first {
            let k = first + ln_above.len();
            ln_above.push(upper_draws * ((nf - k as f64) / nf).ln());
        }
        ln_above[k - first]
    };
    // ln bⱼ = ln ((n−j+1)/n)^(n−l) + ln(1 − ((n−j)/(n−j+1))^(n−l)), for
    // j = first + 2, …, computed once: every row reads the same ones.
    let mut ln_b: Vec<f64> = Vec::new();
    for i in first + 1..=last {
        // ln aᵢ = ln C(n,l) + l·ln(i/n) + ln(1 − ((i−1)/i)^l)
        let ln_a = ln_choose
            + l as f64 * (i as f64 / nf).ln()
            + (-(l as f64 * (-1.0 / i as f64).ln_1p()).exp_m1()).ln();
        let row = if i < n {
            (ln_a + ln_all_above(i)).exp()
        } else {
            0.0
        };
        let (y_i, m_i) = (value(i), marginal(i));
        atoms.push((y_i, (m_i - row).max(0.0)));
        // The row's pairs, nearest j first; b_j/((n−i)/n)^(n−l) falls
        // geometrically, so stop once the rest of the row is negligible.
        let ln_row_bound = ln_all_above(i) + NEGLECTED_BOOTSTRAP_MASS.ln();
        let mut j = i + 1;
        while j <= n {
            if ln_all_above(j - 1) < ln_row_bound {
                break;
            }
            let slot = j - (first + 2);
            while ln_b.len() <= slot {
                let j = first + 2 + ln_b.len();
                ln_b.push(
                    ln_all_above(j - 1)
                        + (-(upper_draws * (-1.0 / (nf - j as f64 + 1.0)).ln_1p()).exp_m1()).ln(),
                );
            }
            let y_j = value(j);
            atoms.push((y_i + fraction * (y_j - y_i), (ln_a + ln_b[slot]).exp()));
            j += 1;
        }
    }
    atoms
}

/// ln C(n, k) through the log-gamma function.
fn ln_binomial(n: u64, k: u64) -> f64 {
    statrs::function::factorial::ln_binomial(n, k)
}

/// P(Bin(n, i/n) ≥ l), l ≥ 1: the probability that the l-th smallest of n
/// draws lies at a sorted position ≤ i. Sums the smaller tail's binomial
/// terms outwards from l by their ratio recurrence, until they no longer
/// change the sum; O(√l) terms.
fn at_least(n: usize, l: usize, i: usize) -> f64 {
    if i == 0 {
        return 0.0;
    }
    if i >= n {
        return 1.0;
    }
    let (nf, x) = (n as f64, i as f64 / n as f64);
    let odds = x / (1.0 - x);
    let ln_term = |k: usize| {
        ln_binomial(n as u64, k as u64) + k as f64 * x.ln() + (nf - k as f64) * (-x).ln_1p()
    };
    if i < l {
        // Upper tail, small: Σ_{k ≥ l} P(Bin = k).
        let mut term = ln_term(l).exp();
        let mut sum = 0.0;
        let mut k = l;
        while term > 0.0 && term > sum * f64::EPSILON {
            sum += term;
            if k == n {
                break;
            }
            term *= (nf - k as f64) / (k as f64 + 1.0) * odds;
            k += 1;
        }
        sum
    } else {
        // Lower tail, small: 1 − Σ_{k < l} P(Bin = k).
        let mut k = l - 1;
        let mut term = ln_term(k).exp();
        let mut sum = 0.0;
        while term > 0.0 && term > sum * f64::EPSILON {
            sum += term;
            if k == 0 {
                break;
            }
            term *= k as f64 / (nf - k as f64 + 1.0) / odds;
            k -= 1;
        }
        1.0 - sum
    }
}

/// A discrete distribution: values ascending, each with its probability,
/// and the running sums of those probabilities.
#[derive(Debug)]
struct Atoms {
    values: Vec<f64>,
    /// `cumulative[k]` = total probability of `values[..k]`; one longer
    /// than `values`.
    cumulative: Vec<f64>,
}

impl Atoms {
    /// Atoms of equal value are merged (timer resolution makes many).
    fn from_pairs(mut pairs: Vec<(f64, f64)>) -> Self {
        pairs.retain(|&(_, p)| p > 0.0);
        pairs.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut values = Vec::with_capacity(pairs.len());
        let mut cumulative = Vec::with_capacity(pairs.len() + 1);
        let mut sum = 0.0;
        cumulative.push(sum);
        for (v, p) in pairs {
            sum += p;
            if values.last() == Some(&v) {
                *cumulative
                    .last_mut()
                    .expect("one per value, after the zero") = sum;
            } else {
                values.push(v);
                cumulative.push(sum);
            }
        }
        Self { values, cumulative }
    }

    /// Without atoms at zero (a ratio needs a non-zero denominator).
    fn remove_zeros(&mut self) {
        if self.values.contains(&0.0) {
            let pairs = (0..self.values.len())
                .filter(|&k| self.values[k] != 0.0)
                .map(|k| (self.values[k], self.probability(k)))
                .collect();
            *self = Self::from_pairs(pairs);
        }
    }

    fn probability(&self, k: usize) -> f64 {
        self.cumulative[k + 1] - self.cumulative[k]
    }

    fn total(&self) -> f64 {
        self.cumulative[self.values.len()]
    }

    fn all_positive(&self) -> bool {
        self.values.first().is_some_and(|&v| v > 0.0)
    }

    /// The atoms `v` with `v / divisor ≤ t` (divisor ≠ 0), and their
    /// probability: a prefix of the values for a positive divisor, a
    /// suffix for a negative one (division is monotone in `v` either way).
    fn with_ratio_at_most(&self, divisor: f64, t: f64) -> (std::ops::Range<usize>, f64) {
        if divisor > 0.0 {
            let end = self.values.partition_point(|&v| v / divisor <= t);
            (0..end, self.cumulative[end])
        } else {
            let start = self.values.partition_point(|&v| v / divisor > t);
            (
                start..self.values.len(),
                self.total() - self.cumulative[start],
            )
        }
    }
}

/// [`ratio_quantile`] narrows its bracket until it holds at most this many
/// atom ratios, then selects among them. It only trades narrowing steps
/// (one merge of the two atom lists each, about a thousand atoms) against
/// the selection (linear in the ratios left): the result is the exact
/// quantile either way.
const RATIO_CANDIDATES: usize = 1024;

/// Probability that `current / baseline ≤ t` (unnormalised: the product of
/// the two totals when `t` is above every ratio), and how many atom pairs
/// have a ratio ≤ `t`.
fn ratio_mass_at_most(baseline: &Atoms, current: &Atoms, t: f64) -> (f64, usize) {
    let (mut mass, mut count) = (0.0, 0);
    if baseline.all_positive() && current.all_positive() {
        // Positive ratios: c / b ≤ t holds for a prefix of c that grows
        // with b, so one merge pass suffices.
        let mut prefix = 0;
        for (k, &b) in baseline.values.iter().enumerate() {
            while prefix < current.values.len() && current.values[prefix] / b <= t {
                prefix += 1;
            }
            mass += baseline.probability(k) * current.cumulative[prefix];
            count += prefix;
        }
    } else {
        for (k, &b) in baseline.values.iter().enumerate() {
            let (range, at_most) = current.with_ratio_at_most(b, t);
            mass += baseline.probability(k) * at_most;
            count += range.len();
        }
    }
    (mass, count)
}

/// The `level`-quantile of `current / baseline` for independent draws
/// from the two distributions: the smallest atom ratio r with
/// P(ratio ≤ r) ≥ level. `None` when either side has no atom.
///
/// A bracket [lo, hi] with P(ratio ≤ lo) < level ≤ P(ratio ≤ hi) is
/// narrowed by the Illinois variant of regula falsi on the distribution
/// function (thousands of atom pairs make it nearly smooth, so a handful
/// of steps suffice), falling back to bisection whenever a step fails to
/// halve the atom pairs inside; the few left are then sorted.
fn ratio_quantile(baseline: &Atoms, current: &Atoms, level: f64) -> Option<f64> {
    let target = level * baseline.total() * current.total();
    let (first, last) = (*current.values.first()?, *current.values.last()?);
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for &b in &baseline.values {
        lo = lo.min(first / b).min(last / b);
        hi = hi.max(first / b).max(last / b);
    }
    if !lo.partial_cmp(&hi).is_some_and(std::cmp::Ordering::is_le) {
        return None;
    }
    let (lo_mass, mut lo_count) = ratio_mass_at_most(baseline, current, lo);
    if lo_mass >= target {
        return Some(lo);
    }
    let (hi_mass, mut hi_count) = ratio_mass_at_most(baseline, current, hi);
    // Excess over the target at each end: below zero at lo, not at hi.
    let (mut lo_excess, mut hi_excess) = (lo_mass - target, hi_mass - target);
    // Start near the answer: the log ratio is close to normal, so its
    // quantile lies near μ + zσ. Step outwards from there by a quarter σ,
    // doubling, until the target is bracketed (one or two steps).
    if let Some((mean, sd)) = log_ratio_moments(baseline, current).filter(|m| m.1 > 0.0) {
        let z = Normal::new(0.0, 1.0).ok()?.inverse_cdf(level);
        let guess = (mean + z * sd).exp();
        let mut step = sd / 4.0;
        let mut t = guess;
        while t > lo && t < hi {
            let (mass, count) = ratio_mass_at_most(baseline, current, t);
            if mass >= target {
                (hi, hi_excess, hi_count) = (t, mass - target, count);
                t = guess * (-step).exp();
            } else {
                (lo, lo_excess, lo_count) = (t, mass - target, count);
                t = guess * step.exp();
            }
            if t <= lo || t >= hi {
                break; // bracketed: t would leave it
            }
            step *= 2.0;
        }
    }
    let (mut bisect, mut last_moved_hi) = (false, None);
    while hi_count - lo_count > RATIO_CANDIDATES {
        let secant = hi - hi_excess * (hi - lo) / (hi_excess - lo_excess);
        let t = if !bisect && secant > lo && secant < hi {
            secant
        } else {
            lo + (hi - lo) / 2.0
        };
        if t <= lo || t >= hi {
            break; // no number left between the ends
        }
        let inside_before = hi_count - lo_count;
        let (mass, count) = ratio_mass_at_most(baseline, current, t);
        let excess = mass - target;
        if excess >= 0.0 {
            (hi, hi_excess, hi_count) = (t, excess, count);
            if last_moved_hi == Some(true) {
                lo_excess /= 2.0; // Illinois: the stale end's weight halves
            }
            last_moved_hi = Some(true);
        } else {
            (lo, lo_excess, lo_count) = (t, excess, count);
            if last_moved_hi == Some(false) {
                hi_excess /= 2.0;
            }
            last_moved_hi = Some(false);
        }
        // Regula falsi moves one end at a time; when the pairs inside did
        // not halve, bisect once so that both ends close in.
        bisect = !bisect && 2 * (hi_count - lo_count) > inside_before;
    }
    // The atom ratios in (lo, hi], in order; the first to reach the target
    // is the quantile.
    let mut inside: Vec<(f64, f64)> = Vec::with_capacity(hi_count - lo_count);
    let positive = baseline.all_positive() && current.all_positive();
    let (mut lo_prefix, mut hi_prefix) = (0, 0);
    for (k, &b) in baseline.values.iter().enumerate() {
        let range = if positive {
            // Both prefixes grow with b, as in `ratio_mass_at_most`.
            let c = &current.values;
            while lo_prefix < c.len() && c[lo_prefix] / b <= lo {
                lo_prefix += 1;
            }
            while hi_prefix < c.len() && c[hi_prefix] / b <= hi {
                hi_prefix += 1;
            }
            lo_prefix..hi_prefix
        } else {
            let (at_most_lo, _) = current.with_ratio_at_most(b, lo);
            let (at_most_hi, _) = current.with_ratio_at_most(b, hi);
            // For b > 0 both are prefixes, for b < 0 suffixes: the atoms
            // in the second and not the first lie in (lo, hi].
            if b > 0.0 {
                at_most_lo.end..at_most_hi.end
            } else {
                at_most_hi.start..at_most_lo.start
            }
        };
        for m in range {
            inside.push((
                current.values[m] / b,
                baseline.probability(k) * current.probability(m),
            ));
        }
    }
    let below = ratio_mass_at_most(baseline, current, lo).0;
    Some(weighted_select(&mut inside, target - below).unwrap_or(hi))
}

/// Approximate mean and standard deviation of ln(current) − ln(baseline)
/// for independent draws, by the delta method from each side's mean and
/// variance (no logarithm per atom: this only seeds the search); `None`
/// unless every atom is positive.
fn log_ratio_moments(baseline: &Atoms, current: &Atoms) -> Option<(f64, f64)> {
    let moments = |atoms: &Atoms| {
        if !atoms.all_positive() {
            return None;
        }
        let total = atoms.total();
        let (mut sum, mut squares) = (0.0, 0.0);
        for (k, &v) in atoms.values.iter().enumerate() {
            let p = atoms.probability(k) / total;
            sum += p * v;
            squares += p * v * v;
        }
        let variance = (squares - sum * sum).max(0.0);
        Some((sum.ln(), variance / (sum * sum)))
    };
    let (b_log_mean, b_log_variance) = moments(baseline)?;
    let (c_log_mean, c_log_variance) = moments(current)?;
    Some((
        c_log_mean - b_log_mean,
        (b_log_variance + c_log_variance).sqrt(),
    ))
}

/// Below this many (value, probability) items [`weighted_select`] sorts
/// instead of partitioning: sorting a few dozen is cheaper than another
/// partition pass.
const SELECT_BY_SORTING: usize = 32;

/// The smallest value v among `items` with Σ{p : value ≤ v} ≥ `needed`
/// (the last value when rounding leaves the sum just short); `None` for
/// no items. Quickselect on the values, keeping the probability below the
/// pivot: O(len) expected instead of a sort.
fn weighted_select(mut items: &mut [(f64, f64)], mut needed: f64) -> Option<f64> {
    let order = |a: &(f64, f64), b: &(f64, f64)| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1));
    while items.len() > SELECT_BY_SORTING {
        let middle = items.len() / 2;
        items.select_nth_unstable_by(middle, order);
        // items[..middle] ≤ pivot ≤ items[middle..]
        let left: f64 = items[..middle].iter().map(|item| item.1).sum();
        if left >= needed {
            items = &mut items[..middle];
        } else {
            needed -= left;
            items = &mut items[middle..];
        }
    }
    items.sort_unstable_by(order);
    let mut mass = 0.0;
    for &(value, p) in items.iter() {
        mass += p;
        if mass >= needed {
            return Some(value);
        }
    }
    items.last().map(|item| item.0)
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
    mann_whitney_u_sorted(&SortedSample::new(a), &SortedSample::new(b))
}

/// [`mann_whitney_u`] of two sorted samples: their ranks in the pooled
/// sample come from one merge, O(n), instead of a sort of the pool.
pub fn mann_whitney_u_sorted(a: &SortedSample, b: &SortedSample) -> Option<RankTest> {
    let (a, b) = (a.values(), b.values());
    if a.len() < MIN_SAMPLES || b.len() < MIN_SAMPLES {
        return None;
    }
    let (na, nb) = (a.len() as f64, b.len() as f64);
    let n = na + nb;
    // Average ranks over ties; accumulate the tie correction Σ(t³ − t).
    let mut rank_sum_b = 0.0;
    let mut tie_term = 0.0;
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        // The smallest value left opens a group of the values equal to it
        // (a NaN, equal to nothing, is a group of one).
        let start = i + j;
        let from_b = j;
        let value = match (a.get(i), b.get(j)) {
            (Some(&x), Some(&y)) if x.total_cmp(&y).is_le() => {
                i += 1;
                x
            }
            (Some(&x), None) => {
                i += 1;
                x
            }
            (_, Some(&y)) => {
                j += 1;
                y
            }
            (None, None) => break,
        };
        while a.get(i) == Some(&value) {
            i += 1;
        }
        while b.get(j) == Some(&value) {
            j += 1;
        }
        let end = i + j;
        let average_rank = (start + end + 1) as f64 / 2.0; // ranks are 1-based
        let tied = (end - start) as f64;
        tie_term += tied * tied * tied - tied;
        rank_sum_b += average_rank * (j - from_b) as f64;
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

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use std::collections::BTreeMap;

    /// Every resample of `xs` (all n^n draws, each equally likely) and the
    /// `q`-quantile of each: the bootstrap distribution by brute force, as
    /// value → probability.
    fn enumerated_distribution(xs: &[f64], q: f64) -> BTreeMap<u64, (f64, f64)> {
        let n = xs.len();
        let count = n.pow(n as u32);
        let mut distribution = BTreeMap::new();
        let mut resample = vec![0.0; n];
        for code in 0..count {
            let mut rest = code;
            for slot in resample.iter_mut() {
                *slot = xs[rest % n];
                rest /= n;
            }
            resample.sort_by(f64::total_cmp);
            let value = quantile_of_sorted(&resample, q).unwrap();
            // Keyed by order (positive values: bits order like values).
            distribution
                .entry(value.to_bits())
                .or_insert((value, 0.0))
                .1 += 1.0 / count as f64;
        }
        distribution
    }

    fn atoms_of(xs: &[f64], q: f64) -> Atoms {
        Atoms::from_pairs(bootstrap_atoms(SortedSample::new(xs).values(), q))
    }

    fn tied_sample(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
        // Coarse positive values give ties, as timer resolution does.
        (0..n)
            .map(|_| (rng.random_range(1.0..9.0_f64)).round())
            .collect()
    }

    #[test]
    fn exact_bootstrap_distribution_is_that_of_every_resample() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for n in 1..=6 {
            for case in 0..3 {
                let xs: Vec<f64> = if case == 0 {
                    (0..n).map(|i| 10.0 + (i * i) as f64).collect()
                } else {
                    tied_sample(&mut rng, n)
                };
                for q in [TYPICAL_QUANTILE, 0.5, 0.0, 1.0, 0.3, 0.99] {
                    let atoms = atoms_of(&xs, q);
                    let expected = enumerated_distribution(&xs, q);
                    assert_eq!(
                        atoms.values.len(),
                        expected.len(),
                        "n = {n}, {xs:?}, q = {q}"
                    );
                    for (k, (value, p)) in expected.values().enumerate() {
                        assert_eq!(
                            atoms.values[k].to_bits(),
                            value.to_bits(),
                            "{xs:?}, q = {q}"
                        );
                        assert!(
                            (atoms.probability(k) - p).abs() < 1e-12,
                            "{xs:?}, q = {q}: P({value}) = {} != {p}",
                            atoms.probability(k)
                        );
                    }
                }
            }
        }
    }

    /// The `level`-quantile of `c / b` over all pairs of resamples, by
    /// brute force; resamples with b = 0 left out.
    fn enumerated_ratio_quantile(baseline: &[f64], current: &[f64], q: f64, level: f64) -> f64 {
        let (b, c) = (
            enumerated_distribution(baseline, q),
            enumerated_distribution(current, q),
        );
        let mut ratios: Vec<(f64, f64)> = Vec::new();
        for &(bv, bp) in b.values() {
            for &(cv, cp) in c.values() {
                if bv != 0.0 {
                    ratios.push((cv / bv, bp * cp));
                }
            }
        }
        ratios.sort_by(|x, y| x.0.total_cmp(&y.0));
        let total: f64 = ratios.iter().map(|r| r.1).sum();
        let mut mass = 0.0;
        for &(ratio, p) in &ratios {
            mass += p;
            if mass >= level * total {
                return ratio;
            }
        }
        unreachable!("the masses sum to the total")
    }

    #[test]
    fn exact_interval_is_the_percentile_interval_over_every_pair_of_resamples() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let signed = [-2.0, 0.0, 1.0, 3.0, 5.0];
        let cases: Vec<(Vec<f64>, Vec<f64>)> = vec![
            (tied_sample(&mut rng, 4), tied_sample(&mut rng, 5)),
            (tied_sample(&mut rng, 5), tied_sample(&mut rng, 3)),
            (
                vec![10.0, 11.0, 12.5, 30.0],
                vec![12.0, 13.0, 13.5, 14.0, 40.0],
            ),
            // Metrics can be zero or negative: zero baselines have no ratio.
            (signed.to_vec(), vec![-1.0, 2.0, 2.0, 4.0]),
            (vec![3.0, -1.0, 2.0, 4.0], signed.to_vec()),
        ];
        for (b, c) in &cases {
            for q in [TYPICAL_QUANTILE, 0.5, 0.3] {
                let Some(change) = relative_change(Statistic::Quantile(q), b, c, 0.9) else {
                    continue;
                };
                for (end, level) in [(change.lower, 0.05), (change.upper, 0.95)] {
                    let expected = enumerated_ratio_quantile(b, c, q, level) - 1.0;
                    assert_eq!(
                        end.to_bits(),
                        expected.to_bits(),
                        "{b:?} vs {c:?}, q = {q}, level {level}: {end} != {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn narrowed_ratio_quantile_is_the_quantile_over_every_atom_pair() {
        let mut rng = ChaCha8Rng::seed_from_u64(23);
        let skewed = |rng: &mut ChaCha8Rng, n: usize, shift: f64| -> Vec<f64> {
            (0..n)
                .map(|_| shift + 100.0 - 10.0 * rng.random_range(0.0..1.0_f64).ln())
                .collect()
        };
        let cases = [
            (
                skewed(&mut rng, 300, 0.0),
                skewed(&mut rng, 300, 5.0),
                TYPICAL_QUANTILE,
            ),
            (skewed(&mut rng, 60, 0.0), skewed(&mut rng, 80, 0.0), 0.5),
            // Signed values take the general path.
            (
                skewed(&mut rng, 40, -110.0),
                skewed(&mut rng, 50, -105.0),
                0.5,
            ),
        ];
        for (b, c, q) in &cases {
            let mut base = atoms_of(b, *q);
            base.remove_zeros();
            let cur = atoms_of(c, *q);
            let mut pairs = Vec::new();
            for k in 0..base.values.len() {
                for m in 0..cur.values.len() {
                    pairs.push((
                        cur.values[m] / base.values[k],
                        base.probability(k) * cur.probability(m),
                    ));
                }
            }
            assert!(pairs.len() > 100 * RATIO_CANDIDATES, "{}", pairs.len());
            pairs.sort_by(|x, y| x.0.total_cmp(&y.0));
            for level in [0.025, 0.975, 0.5] {
                let target = level * base.total() * cur.total();
                let mut mass = 0.0;
                let expected = pairs
                    .iter()
                    .find(|(_, p)| {
                        mass += p;
                        mass >= target
                    })
                    .unwrap()
                    .0;
                let found = ratio_quantile(&base, &cur, level).unwrap();
                assert_eq!(
                    found.to_bits(),
                    expected.to_bits(),
                    "q = {q}, level {level}"
                );
            }
        }
    }

    /// Ratios `c* / b* − 1` of `resamples` resample pairs, drawn as the
    /// resampling bootstrap drew them (selection of order statistics).
    fn resampled_ratios(baseline: &[f64], current: &[f64], q: f64, resamples: usize) -> Vec<f64> {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        let mut draw = |xs: &[f64]| {
            let resample: Vec<f64> = (0..xs.len())
                .map(|_| xs[rng.random_range(0..xs.len())])
                .collect();
            Statistic::Quantile(q).of(&resample).unwrap()
        };
        let mut ratios: Vec<f64> = (0..resamples)
            .map(|_| {
                let b = draw(baseline);
                draw(current) / b - 1.0
            })
            .collect();
        ratios.sort_by(f64::total_cmp);
        ratios
    }

    #[test]
    fn exact_interval_is_the_limit_of_the_resampling_bootstrap() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let resamples = 20_000;
        for (n, q, slowdown) in [
            (300, TYPICAL_QUANTILE, 1.12),
            (30, 0.5, 1.0),
            (1_000, TYPICAL_QUANTILE, 0.95),
        ] {
            // Right-skewed, as timings are: a floor plus exponential noise.
            let side = |rng: &mut ChaCha8Rng, scale: f64| -> Vec<f64> {
                (0..n)
                    .map(|_| scale * (100.0 - 10.0 * rng.random_range(0.0..1.0_f64).ln()))
                    .collect()
            };
            let (b, c) = (side(&mut rng, 1.0), side(&mut rng, slowdown));
            let change = relative_change(Statistic::Quantile(q), &b, &c, CONFIDENCE_LEVEL).unwrap();
            let ratios = resampled_ratios(&b, &c, q, resamples);
            // The share of resampled ratios at or below each exact end is
            // the end's level, within the resampling error (5 standard errors).
            let tail = (1.0 - CONFIDENCE_LEVEL) / 2.0;
            let error = 5.0 * (tail * (1.0 - tail) / resamples as f64).sqrt();
            for (end, level) in [(change.lower, tail), (change.upper, 1.0 - tail)] {
                let share = ratios.partition_point(|&r| r <= end) as f64 / resamples as f64;
                assert!(
                    (share - level).abs() < error,
                    "n = {n}, q = {q}: {share} of resamples at or below {end}, expected {level}"
                );
            }
            assert!(
                change.lower <= change.point && change.point <= change.upper,
                "{change:?}"
            );
        }
    }

    #[test]
    fn large_samples_keep_all_but_the_neglected_mass() {
        let mut rng = ChaCha8Rng::seed_from_u64(13);
        for (n, q) in [(100_000, TYPICAL_QUANTILE), (20_001, 0.5), (5_000, 0.95)] {
            let xs: Vec<f64> = (0..n)
                .map(|_| 100.0 - 10.0 * rng.random_range(0.0..1.0_f64).ln())
                .collect();
            let atoms = atoms_of(&xs, q);
            let total = atoms.total();
            assert!(
                (1.0 - 3.0 * NEGLECTED_BOOTSTRAP_MASS..=1.0 + 1e-9).contains(&total),
                "n = {n}, q = {q}: total {total}"
            );
            let change =
                relative_change(Statistic::Quantile(q), &xs, &xs, CONFIDENCE_LEVEL).unwrap();
            assert_eq!(change.point, 0.0);
            assert!(change.lower < 0.0 && change.upper > 0.0, "{change:?}");
            assert!(
                change.lower > -0.05 && change.upper < 0.05,
                "n = {n}, q = {q}: {change:?}"
            );
        }
    }

    /// The Mann–Whitney U statistic as first written: a sort of the pooled
    /// sample. The merge of two sorted samples must match it bit for bit.
    fn pooled_rank_sum(a: &[f64], b: &[f64]) -> (f64, f64) {
        let mut pooled: Vec<(f64, bool)> = a
            .iter()
            .map(|&x| (x, false))
            .chain(b.iter().map(|&x| (x, true)))
            .collect();
        pooled.sort_by(|x, y| x.0.total_cmp(&y.0));
        let (mut rank_sum_b, mut tie_term, mut start) = (0.0, 0.0, 0);
        while start < pooled.len() {
            let mut end = start + 1;
            while end < pooled.len() && pooled[end].0 == pooled[start].0 {
                end += 1;
            }
            let average_rank = (start + end + 1) as f64 / 2.0;
            let tied = (end - start) as f64;
            tie_term += tied * tied * tied - tied;
            rank_sum_b +=
                average_rank * pooled[start..end].iter().filter(|(_, in_b)| *in_b).count() as f64;
            start = end;
        }
        (
            rank_sum_b - b.len() as f64 * (b.len() as f64 + 1.0) / 2.0,
            tie_term,
        )
    }

    #[test]
    fn merged_ranks_are_the_pooled_sorts() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for n in [3, 5, 8, 40, 300] {
            let (a, b) = (tied_sample(&mut rng, n), tied_sample(&mut rng, n + 3));
            let test = mann_whitney_u(&a, &b).unwrap();
            assert_eq!(
                test.u.to_bits(),
                pooled_rank_sum(&a, &b).0.to_bits(),
                "n = {n}"
            );
            let mut signed = a.clone();
            signed[0] = -0.0;
            signed[1] = 0.0;
            let test = mann_whitney_u(&signed, &b).unwrap();
            assert_eq!(test.u.to_bits(), pooled_rank_sum(&signed, &b).0.to_bits());
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
        // Selection gives what sorting gives.
        let mut rng = ChaCha8Rng::seed_from_u64(19);
        for n in [1, 2, 7, 300] {
            let xs = tied_sample(&mut rng, n);
            for q in [TYPICAL_QUANTILE, 0.5, 0.37, 1.0] {
                let sorted = SortedSample::new(&xs);
                assert_eq!(
                    Statistic::Quantile(q).of(&xs),
                    sorted.statistic(Statistic::Quantile(q))
                );
            }
        }
    }

    #[test]
    fn interval_brackets_the_point_and_is_reproducible() {
        let base: Vec<f64> = (0..50).map(|i| 100.0 + (i % 7) as f64).collect();
        let cur: Vec<f64> = base.iter().map(|x| x * 1.2).collect();
        let median = Statistic::Quantile(0.5);
        let change = relative_change(median, &base, &cur, 0.95).unwrap();
        assert!((change.point - 0.2).abs() < 1e-12);
        assert!(change.lower <= change.point && change.point <= change.upper);
        assert!(change.lower > 0.15 && change.upper < 0.25, "{change:?}");
        assert_eq!(relative_change(median, &base, &cur, 0.95).unwrap(), change);
    }

    #[test]
    fn degenerate_inputs() {
        let q = Statistic::Quantile(TYPICAL_QUANTILE);
        assert!(relative_change(q, &[], &[1.0], 0.95).is_none());
        assert!(relative_change(q, &[0.0, 0.0, 0.0], &[1.0, 1.0, 1.0], 0.95).is_none());
        let single = relative_change(q, &[2.0], &[3.0], 0.95).unwrap();
        assert_eq!((single.lower, single.point, single.upper), (0.5, 0.5, 0.5));
    }
}

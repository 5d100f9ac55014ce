//! Comparing: a run against a baseline, benchmark by benchmark and metric by
//! metric, down to a verdict.
//!
//! The decision rule is criterion's, made robust and made to fail CI: a
//! change counts only when it is statistically significant (Mann–Whitney U,
//! p < alpha) **and** the whole bootstrap confidence interval of the change
//! of the typical value lies beyond the configured threshold. Significance
//! alone would flag every 0.5 % offset between two processes; the threshold
//! alone would flag noise on short benchmarks.
//!
//! Typical values: a benchmark's time is the [`TYPICAL_QUANTILE`] of its
//! per-iteration samples (interference only slows, so the fast end is what
//! the code costs); a metric with samples is their median (metrics have no
//! one-sided noise); a metric without samples is its value.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::Policy;
use crate::error::{Error, Result};
use crate::paired::{paired_change, wilcoxon_signed_rank};
use crate::run::{Benchmark, Direction, MetricRecord, Run, metric_key};
use crate::stats::{
    BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE_LEVEL, Change, MIN_SAMPLES,
    MIN_SAMPLES_FOR_TEST, MultipleTesting, Statistic, TYPICAL_QUANTILE, adjust_p_values,
    mann_whitney_u, relative_change,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regressed,
    Improved,
    Unchanged,
    New,
    Missing,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Self::Regressed => "regressed",
            Self::Improved => "improved",
            Self::Unchanged => "unchanged",
            Self::New => "new",
            Self::Missing => "missing",
        }
    }
}

/// One compared quantity: a benchmark's typical time or one custom metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub suite: String,
    pub benchmark: String,
    /// `None` for the benchmark's time; the metric's name otherwise.
    pub metric: Option<String>,
    /// `ns` for times.
    pub unit: String,
    pub direction: Direction,
    /// Typical value: the [`TYPICAL_QUANTILE`] of per-iteration times, the
    /// median of a metric's samples, or a single-valued metric's value.
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    pub change: Option<Change>,
    /// Two-sided p-value of the Mann–Whitney U test; `None` when a side has
    /// too few samples (single-valued metrics are judged on the point change).
    pub p_value: Option<f64>,
    /// `p_value` adjusted for the number of tests in this comparison; the
    /// verdict holds this one against alpha.
    pub p_adjusted: Option<f64>,
    pub baseline_samples: usize,
    pub current_samples: usize,
    pub threshold: f64,
    pub verdict: Verdict,
}

impl Entry {
    /// `suite/benchmark` for times, `suite/benchmark/metric` for metrics.
    pub fn key(&self) -> String {
        match &self.metric {
            None => format!("{}/{}", self.suite, self.benchmark),
            Some(metric) => format!("{}/{}/{}", self.suite, self.benchmark, metric),
        }
    }
}

/// Where a side of the comparison came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: bool,
    pub machine_id: String,
    pub machine: String,
    pub created_at: String,
    pub profile: String,
}

impl RunInfo {
    fn of(run: &Run) -> Self {
        Self {
            commit: run.git.as_ref().map(|g| g.commit.clone()),
            branch: run.git.as_ref().and_then(|g| g.branch.clone()),
            dirty: run.git.as_ref().is_some_and(|g| g.dirty),
            machine_id: run.machine.id.clone(),
            machine: run.machine.describe(),
            created_at: run
                .created_at
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            profile: run.profile.clone(),
        }
    }

    /// Short commit for display, with a `+dirty` mark.
    pub fn short_commit(&self) -> String {
        match &self.commit {
            Some(c) => format!(
                "{}{}",
                &c[..c.len().min(10)],
                if self.dirty { "+dirty" } else { "" }
            ),
            None => "(no git)".to_owned(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: RunInfo,
    pub current: RunInfo,
    pub alpha: f64,
    pub fail_on_missing: bool,
    /// What people must know to read the verdicts right (e.g. that wall
    /// times were left out).
    pub notes: Vec<String>,
    pub entries: Vec<Entry>,
}

impl Comparison {
    pub fn count(&self, verdict: Verdict) -> usize {
        self.entries.iter().filter(|e| e.verdict == verdict).count()
    }

    /// Entries that make the gate fail.
    pub fn failures(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| {
            e.verdict == Verdict::Regressed
                || (self.fail_on_missing && e.verdict == Verdict::Missing)
        })
    }

    pub fn passed(&self) -> bool {
        self.failures().next().is_none()
    }
}

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Compare wall times across different machine fingerprints anyway.
    pub allow_cross_machine: bool,
    pub resamples: usize,
}

impl Default for CompareOptions {
    fn default() -> Self {
        Self {
            allow_cross_machine: false,
            resamples: BOOTSTRAP_RESAMPLES,
        }
    }
}

/// Compare `current` against `baseline` under `policy`.
pub fn compare(
    baseline: &Run,
    current: &Run,
    policy: &Policy,
    options: &CompareOptions,
) -> Result<Comparison> {
    let mut notes = Vec::new();
    let portable_only;
    let (baseline, current) = if baseline.machine.id != current.machine.id
        && !options.allow_cross_machine
    {
        let (b, c) = (portable_part(baseline), portable_part(current));
        if b.metrics.is_empty() || c.metrics.is_empty() {
            return Err(Error::Refused(cross_machine_refusal(baseline, current)));
        }
        notes.push(format!(
            "Wall times not compared: the baseline was measured on `{}`, this run on `{}`. Only machine-independent metrics (instruction counts and metrics marked portable) are judged. Use `benchgate ab` to compare wall times on one machine.",
            baseline.machine.id, current.machine.id
        ));
        portable_only = (b, c);
        (&portable_only.0, &portable_only.1)
    } else {
        (baseline, current)
    };
    let alpha = policy.defaults.alpha;
    let mut entries = compare_times(baseline, current, policy, options.resamples);
    entries.extend(compare_metrics(
        baseline,
        current,
        policy,
        options.resamples,
    ));
    decide_all(&mut entries, alpha, policy.defaults.multiple_testing);
    entries.sort_by(|a, b| {
        (&a.suite, &a.benchmark, &a.metric).cmp(&(&b.suite, &b.benchmark, &b.metric))
    });
    Ok(Comparison {
        baseline: RunInfo::of(baseline),
        current: RunInfo::of(current),
        alpha,
        fail_on_missing: policy.defaults.fail_on_missing,
        notes,
        entries,
    })
}

/// One interleaved round of `benchgate ab`: the base run, then the head run
/// (or the other way round), back to back on one machine.
#[derive(Debug, Clone)]
pub struct PairedRound {
    pub base: Run,
    pub head: Run,
}

/// Compare base and head from interleaved rounds. Per benchmark, each round
/// gives one ratio of typical times head/base; the change is the
/// Hodges–Lehmann estimate over rounds with a bootstrap interval, the test
/// Wilcoxon's signed-rank test on the log ratios, and the verdict rule the
/// same as for [`compare`] with `paired_threshold`.
pub fn compare_paired(
    rounds: &[PairedRound],
    policy: &Policy,
    options: &CompareOptions,
) -> Result<Comparison> {
    let (Some(first), Some(_)) = (rounds.first(), rounds.last()) else {
        return Err(Error::Refused(
            "an A/B comparison needs at least one round".into(),
        ));
    };
    let statistic = Statistic::Quantile(TYPICAL_QUANTILE);
    let typical_by_key = |run: &Run| -> BTreeMap<String, f64> {
        run.benchmarks
            .iter()
            .filter_map(|b| Some((b.key(), statistic.of(&b.samples_ns)?)))
            .collect()
    };
    let per_round: Vec<(BTreeMap<String, f64>, BTreeMap<String, f64>)> = rounds
        .iter()
        .map(|round| (typical_by_key(&round.base), typical_by_key(&round.head)))
        .collect();
    let mut entries = Vec::new();
    for (key, b, h) in join_by_key(
        &first.base.benchmarks,
        &first.head.benchmarks,
        Benchmark::key,
    ) {
        let Some(any) = b.or(h) else { continue };
        let paired: Vec<(f64, f64)> = per_round
            .iter()
            .filter_map(|(base, head)| Some((*base.get(&key)?, *head.get(&key)?)))
            .collect();
        let median = |values: Vec<f64>| Statistic::Quantile(0.5).of(&values);
        let (change, p_value) = if b.is_some() && h.is_some() && !paired.is_empty() {
            let ratios: Vec<f64> = paired.iter().map(|(base, head)| head / base).collect();
            let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
            (
                paired_change(&ratios, options.resamples, CONFIDENCE_LEVEL, BOOTSTRAP_SEED),
                wilcoxon_signed_rank(&logs).map(|t| t.p_value),
            )
        } else {
            (None, None)
        };
        entries.push(Entry {
            suite: any.suite.clone(),
            benchmark: any.id.clone(),
            metric: None,
            unit: "ns".to_owned(),
            direction: Direction::LowerIsBetter,
            baseline: b.and_then(|_| median(paired.iter().map(|p| p.0).collect())),
            current: h.and_then(|_| median(paired.iter().map(|p| p.1).collect())),
            change,
            p_value,
            p_adjusted: p_value,
            baseline_samples: paired.len(),
            current_samples: paired.len(),
            threshold: policy.paired_threshold(&any.suite),
            verdict: match (b, h) {
                (None, _) => Verdict::New,
                (_, None) => Verdict::Missing,
                _ => Verdict::Unchanged,
            },
        });
    }
    let alpha = policy.defaults.alpha;
    decide_all(&mut entries, alpha, policy.defaults.multiple_testing);
    Ok(Comparison {
        baseline: RunInfo::of(&first.base),
        current: RunInfo::of(&first.head),
        alpha,
        fail_on_missing: policy.defaults.fail_on_missing,
        notes: vec![format!(
            "Paired A/B: {} interleaved rounds of base and head on this machine; each benchmark's change is the Hodges–Lehmann estimate of its per-round time ratios, tested with Wilcoxon's signed-rank test.",
            rounds.len()
        )],
        entries,
    })
}

/// Keep a time regression of `first` only if `confirmation` — a second,
/// independent measurement of the same code against the same baseline —
/// flags it too; the others become `Unchanged`. Returns the keys dropped.
///
/// A neighbour that hogs the machine for minutes slows every round of one
/// run; it rarely does so again for the confirmation a minute later, while
/// a real regression always does. Exact metrics need no confirmation.
pub fn confirm_time_regressions(first: &mut Comparison, confirmation: &Comparison) -> Vec<String> {
    let confirmed: std::collections::BTreeSet<String> = confirmation
        .entries
        .iter()
        .filter(|e| e.metric.is_none() && e.verdict == Verdict::Regressed)
        .map(Entry::key)
        .collect();
    let mut dropped = Vec::new();
    for entry in first.entries.iter_mut() {
        if entry.metric.is_none()
            && entry.verdict == Verdict::Regressed
            && !confirmed.contains(&entry.key())
        {
            entry.verdict = Verdict::Unchanged;
            dropped.push(entry.key());
        }
    }
    dropped
}

/// Keep a time regression of `first` only if `paired` — a paired,
/// interleaved A/B run of the baseline's commit (base) against the same
/// code (head) — shows it too: significant (p < `first.alpha`) with its
/// whole interval beyond the regression's own threshold. The others become
/// `Unchanged`. A regression the paired run did not measure is kept: only
/// evidence can clear it. Returns the dropped keys with their paired change.
pub fn confirm_time_regressions_paired(first: &mut Comparison, paired: &Comparison) -> Vec<String> {
    let paired_by_key: BTreeMap<String, &Entry> = paired
        .entries
        .iter()
        .filter(|e| e.metric.is_none())
        .map(|e| (e.key(), e))
        .collect();
    let alpha = first.alpha;
    let mut dropped = Vec::new();
    for entry in first.entries.iter_mut() {
        if entry.metric.is_some() || entry.verdict != Verdict::Regressed {
            continue;
        }
        let Some(rerun) = paired_by_key.get(&entry.key()) else {
            continue;
        };
        let (Some(change), Some(p)) = (rerun.change, rerun.p_value) else {
            continue;
        };
        if p < alpha && change.lower > entry.threshold {
            continue;
        }
        entry.verdict = Verdict::Unchanged;
        dropped.push(format!(
            "{} (paired change {:+.2} % [{:+.2} %, {:+.2} %], p = {:.3})",
            entry.key(),
            change.point * 100.0,
            change.lower * 100.0,
            change.upper * 100.0,
            p
        ));
    }
    dropped
}

/// The part of a run that may be compared across machines.
fn portable_part(run: &Run) -> Run {
    let mut portable = run.clone();
    portable.benchmarks.clear();
    portable.metrics.retain(|m| m.portable);
    portable
}

fn cross_machine_refusal(baseline: &Run, current: &Run) -> String {
    format!(
        "the baseline was measured on `{}` ({}) but this run on `{}` ({}): wall times from different machines are not comparable, \
         and neither run holds machine-independent metrics. Compare on one machine with `benchgate ab --base REV` \
         (builds the base revision and interleaves both), gate on instruction counts (add an `iai_*` iai-callgrind bench target to the suite), \
         record a baseline on this machine (`benchgate gate` records one when none exists), \
         or pass --allow-cross-machine if the two really are the same hardware",
        baseline.machine.id,
        baseline.machine.describe(),
        current.machine.id,
        current.machine.describe()
    )
}

/// Outer join of two runs' items by key, in key order: each key with the
/// baseline's item and the current run's item, either possibly absent.
fn join_by_key<'a, T>(
    baseline: &'a [T],
    current: &'a [T],
    key: impl Fn(&T) -> String,
) -> Vec<(String, Option<&'a T>, Option<&'a T>)> {
    let mut joined: BTreeMap<String, (Option<&'a T>, Option<&'a T>)> = BTreeMap::new();
    for item in baseline {
        joined.entry(key(item)).or_default().0 = Some(item);
    }
    for item in current {
        joined.entry(key(item)).or_default().1 = Some(item);
    }
    joined.into_iter().map(|(k, (b, c))| (k, b, c)).collect()
}

fn compare_times(baseline: &Run, current: &Run, policy: &Policy, resamples: usize) -> Vec<Entry> {
    join_by_key(&baseline.benchmarks, &current.benchmarks, Benchmark::key)
        .into_iter()
        .filter_map(|(key, b, c)| {
            let any = b.or(c)?;
            Some(judge(
                Quantity {
                    suite: &any.suite,
                    benchmark: &any.id,
                    metric: None,
                    unit: "ns",
                    direction: Direction::LowerIsBetter,
                },
                b.map(|b| Observed::times(&b.samples_ns)),
                c.map(|c| Observed::times(&c.samples_ns)),
                policy.time_threshold(&any.suite, &key),
                resamples,
            ))
        })
        .collect()
}

/// The metric iai-callgrind folds its simulated cache misses into.
const ESTIMATED_CYCLES: &str = "callgrind.EstimatedCycles";

/// Simulated miss counts and what one more miss of each kind adds to
/// [`ESTIMATED_CYCLES`] at most: iai-callgrind estimates cycles as
/// L1 hits + 5 × LL hits + 35 × RAM hits, so an access that misses L1 costs
/// up to 5 and one that misses LL up to 35.
const CYCLES_PER_MISS: [(&str, f64); 2] =
    [("callgrind.L1misses", 5.0), ("callgrind.LLmisses", 35.0)];

/// The threshold of a simulated cache-miss count: its configured relative
/// threshold, but never below the change that would move the benchmark's
/// estimated cycles by the cycles' own threshold.
///
/// Miss counts of short benchmarks are tiny and move with how valgrind
/// serialises threads: in an A/A run the LL misses of a rayon-parallel
/// tokenizer batch went from 13 to 1 091 (+8 292 %), which is 0.16 % of
/// that benchmark's 23 million estimated cycles — a relative change that
/// size means nothing. A zero baseline has no relative change; there the
/// count fails only if its misses alone exceed the cycles' threshold.
fn miss_count_threshold(
    configured: f64,
    cycles_per_miss: f64,
    misses: (f64, f64),
    cycles: f64,
    cycles_threshold: f64,
) -> f64 {
    let (baseline, current) = misses;
    let significant_cycles = cycles_threshold * cycles;
    if !(cycles > 0.0 && cycles_per_miss > 0.0) {
        configured
    } else if baseline > 0.0 {
        configured.max(significant_cycles / (cycles_per_miss * baseline))
    } else if current * cycles_per_miss <= significant_cycles {
        f64::INFINITY
    } else {
        configured
    }
}

fn compare_metrics(baseline: &Run, current: &Run, policy: &Policy, resamples: usize) -> Vec<Entry> {
    let baseline_cycles = |m: &MetricRecord| {
        baseline
            .metrics
            .iter()
            .find(|c| {
                c.suite == m.suite && c.benchmark == m.benchmark && c.name == ESTIMATED_CYCLES
            })
            .map(|c| (c.value, metric_key(c)))
    };
    join_by_key(&baseline.metrics, &current.metrics, metric_key)
        .into_iter()
        .filter_map(|(key, b, c)| {
            // The current run's declaration of unit and direction wins: it is
            // the code under review that says what the metric means now.
            let any = c.or(b)?;
            let mut threshold = policy.metric_threshold(&any.suite, &key, &any.name);
            let weight = CYCLES_PER_MISS
                .iter()
                .find(|(name, _)| *name == any.name)
                .map(|(_, w)| *w);
            if let (Some(weight), Some(b), Some(c)) = (weight, b, c) {
                if let Some((cycles, cycles_key)) = baseline_cycles(b) {
                    threshold = miss_count_threshold(
                        threshold,
                        weight,
                        (b.value, c.value),
                        cycles,
                        policy.metric_threshold(&any.suite, &cycles_key, ESTIMATED_CYCLES),
                    );
                }
            }
            Some(judge(
                Quantity {
                    suite: &any.suite,
                    benchmark: &any.benchmark,
                    metric: Some(&any.name),
                    unit: &any.unit,
                    direction: any.direction,
                },
                b.map(Observed::metric),
                c.map(Observed::metric),
                threshold,
                resamples,
            ))
        })
        .collect()
}

struct Quantity<'a> {
    suite: &'a str,
    benchmark: &'a str,
    metric: Option<&'a str>,
    unit: &'a str,
    direction: Direction,
}

/// One side's observations: the samples, the statistic that summarises
/// them, and the headline value (that statistic, or a metric's own value).
struct Observed<'a> {
    value: f64,
    samples: &'a [f64],
    statistic: Statistic,
}

impl<'a> Observed<'a> {
    fn times(samples: &'a [f64]) -> Self {
        let statistic = Statistic::Quantile(TYPICAL_QUANTILE);
        Self {
            value: statistic.of(samples).unwrap_or(f64::NAN),
            samples,
            statistic,
        }
    }

    fn metric(metric: &'a MetricRecord) -> Self {
        let statistic = Statistic::Quantile(0.5);
        let value = if metric.samples.len() >= MIN_SAMPLES {
            statistic.of(&metric.samples).unwrap_or(metric.value)
        } else {
            metric.value
        };
        Self {
            value,
            samples: &metric.samples,
            statistic,
        }
    }
}

/// Measure one quantity's change. The verdict of a pair present on both
/// sides is provisional (`Unchanged`) until [`decide_all`] has adjusted the
/// p-values of the whole comparison.
fn judge(
    quantity: Quantity<'_>,
    baseline: Option<Observed<'_>>,
    current: Option<Observed<'_>>,
    threshold: f64,
    resamples: usize,
) -> Entry {
    let (change, p_value, verdict) = match (&baseline, &current) {
        (None, _) => (None, None, Verdict::New),
        (_, None) => (None, None, Verdict::Missing),
        (Some(b), Some(c)) => {
            // Two constant sides are exact: the point change is the truth,
            // and a rank test on a handful of ties could never reach alpha.
            let constant = |xs: &[f64]| xs.iter().all(|x| *x == xs[0]);
            let tested = b.samples.len() >= MIN_SAMPLES_FOR_TEST
                && c.samples.len() >= MIN_SAMPLES_FOR_TEST
                && !(constant(b.samples) && constant(c.samples));
            let (change, p_value) = if tested {
                (
                    relative_change(
                        c.statistic,
                        b.samples,
                        c.samples,
                        resamples,
                        CONFIDENCE_LEVEL,
                        BOOTSTRAP_SEED,
                    )
                    .or_else(|| point_change(b.value, c.value)),
                    mann_whitney_u(b.samples, c.samples).map(|t| t.p_value),
                )
            } else {
                (point_change(b.value, c.value), None)
            };
            (change, p_value, Verdict::Unchanged)
        }
    };
    Entry {
        suite: quantity.suite.to_owned(),
        benchmark: quantity.benchmark.to_owned(),
        metric: quantity.metric.map(str::to_owned),
        unit: quantity.unit.to_owned(),
        direction: quantity.direction,
        baseline: baseline.as_ref().map(|o| o.value),
        current: current.as_ref().map(|o| o.value),
        change,
        p_value,
        p_adjusted: p_value,
        baseline_samples: baseline.as_ref().map_or(0, |o| o.samples.len()),
        current_samples: current.as_ref().map_or(0, |o| o.samples.len()),
        threshold,
        verdict,
    }
}

/// Adjust the p-values of all tested entries together, then give every
/// entry present on both sides its verdict.
fn decide_all(entries: &mut [Entry], alpha: f64, method: MultipleTesting) {
    let tested: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].p_value.is_some())
        .collect();
    let p_values: Vec<f64> = tested.iter().filter_map(|&i| entries[i].p_value).collect();
    for (&i, adjusted) in tested.iter().zip(adjust_p_values(&p_values, method)) {
        entries[i].p_adjusted = Some(adjusted);
    }
    for entry in entries.iter_mut() {
        if entry.baseline.is_some() && entry.current.is_some() {
            entry.verdict = decide(
                entry.change,
                entry.p_adjusted,
                entry.threshold,
                alpha,
                entry.direction,
            );
        }
    }
}

/// Relative change of two single values. A zero baseline has no relative
/// change; any move away from zero is reported as an infinite change so a
/// metric like "errors: 0 → 3" is still caught.
fn point_change(baseline: f64, current: f64) -> Option<Change> {
    let point = if baseline == 0.0 {
        if current == 0.0 {
            0.0
        } else {
            current.signum() * f64::INFINITY
        }
    } else {
        current / baseline - 1.0
    };
    (!point.is_nan()).then_some(Change {
        point,
        lower: point,
        upper: point,
    })
}

/// The verdict for a change, given which direction is worse.
///
/// With a test (`p_value` present): regressed when p < `alpha` and the whole
/// interval is worse than +`threshold`; improved when p < `alpha` and the
/// whole interval is better than −`threshold`. Without one (single values):
/// the point change decides.
pub fn decide(
    change: Option<Change>,
    p_value: Option<f64>,
    threshold: f64,
    alpha: f64,
    direction: Direction,
) -> Verdict {
    let Some(change) = change else {
        return Verdict::Unchanged;
    };
    // Express the change as "how much worse": positive is a regression.
    let worse = |x: f64| match direction {
        Direction::LowerIsBetter => x,
        Direction::HigherIsBetter => -x,
    };
    let (a, b) = (worse(change.lower), worse(change.upper));
    let (least_worse, most_worse) = (a.min(b), a.max(b));
    let significant = p_value.is_none_or(|p| p < alpha);
    if significant && least_worse > threshold {
        Verdict::Regressed
    } else if significant && most_worse < -threshold {
        Verdict::Improved
    } else {
        Verdict::Unchanged
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(point: f64, lower: f64, upper: f64) -> Option<Change> {
        Some(Change {
            point,
            lower,
            upper,
        })
    }

    #[test]
    fn decision_needs_significance_and_the_whole_interval_beyond_threshold() {
        let lower = Direction::LowerIsBetter;
        assert_eq!(
            decide(change(0.10, 0.08, 0.12), Some(0.001), 0.05, 0.05, lower),
            Verdict::Regressed
        );
        assert_eq!(
            decide(change(0.10, 0.04, 0.16), Some(0.001), 0.05, 0.05, lower),
            Verdict::Unchanged
        );
        assert_eq!(
            decide(change(0.10, 0.08, 0.12), Some(0.20), 0.05, 0.05, lower),
            Verdict::Unchanged
        );
        assert_eq!(
            decide(change(-0.10, -0.12, -0.08), Some(0.001), 0.05, 0.05, lower),
            Verdict::Improved
        );
    }

    #[test]
    fn higher_is_better_flips_the_direction() {
        let higher = Direction::HigherIsBetter;
        assert_eq!(
            decide(change(-0.10, -0.10, -0.10), None, 0.05, 0.05, higher),
            Verdict::Regressed
        );
        assert_eq!(
            decide(change(0.10, 0.10, 0.10), None, 0.05, 0.05, higher),
            Verdict::Improved
        );
        assert_eq!(
            decide(change(0.01, 0.01, 0.01), None, 0.05, 0.05, higher),
            Verdict::Unchanged
        );
    }

    #[test]
    fn moving_off_a_zero_baseline_counts() {
        let c = point_change(0.0, 3.0);
        assert_eq!(
            decide(c, None, 0.05, 0.05, Direction::LowerIsBetter),
            Verdict::Regressed
        );
        assert_eq!(point_change(0.0, 0.0).unwrap().point, 0.0);
    }
}

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
//! Typical values are the run model's: [`Benchmark::typical_ns`] (a low
//! quantile: interference only slows) and [`metric_typical`] (a median).

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::config::Policy;
use crate::error::{Error, Result};
use crate::modes::speed_modes;
use crate::paired::{paired_change, wilcoxon_signed_rank};
use crate::run::{
    Benchmark, Direction, ESTIMATED_CYCLES, METRIC_TYPICAL, MetricKind, MetricRecord, Profile, Run,
    metric_key, metric_typical,
};
use crate::stats::{
    BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED, CONFIDENCE_LEVEL, Change, MIN_SAMPLES_FOR_TEST,
    MultipleTesting, SortedSample, Statistic, adjust_p_values, mann_whitney_u_sorted,
    relative_change_sorted,
};
pub use crate::verdict::{Confirmation, Verdict, decide, final_verdict};

/// One compared quantity: a benchmark's typical time or one custom metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    pub suite: String,
    pub benchmark: String,
    /// `None` for the benchmark's time; the metric's name otherwise.
    pub metric: Option<String>,
    pub kind: MetricKind,
    /// `ns` for times.
    pub unit: String,
    pub direction: Direction,
    /// Typical value: [`Benchmark::typical_ns`] of per-iteration times, or
    /// [`metric_typical`] of a metric.
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
    /// The comparison's own verdict, before any confirmation.
    pub first_verdict: Verdict,
    /// Evidence a later step added for a flagged regression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Confirmation>,
    /// The verdict that counts: [`final_verdict`] of the first verdict and
    /// the confirmation. Set only together with them.
    pub verdict: Verdict,
    /// What this entry could have detected at this run's noise (wall
    /// times on both sides only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noise: Option<Noise>,
}

/// How much change a wall-time entry could have seen, given its noise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Noise {
    /// The smallest relative change this comparison would have flagged:
    /// the threshold plus the half-width of the change's confidence
    /// interval (the whole interval must clear the threshold, and its
    /// width comes from the noise, not from the change).
    pub detectable_change: f64,
    /// Typical times of the speed modes the measured processes fell into
    /// (ns, fastest first), when they fell into more than one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<f64>>,
    /// For an entry that cannot be gated at its threshold (speed modes,
    /// or a detectable change beyond [`UNGATEABLE_NOISE_FACTOR`] times
    /// the threshold): the threshold its verdict is decided at instead,
    /// the larger of its detectable change and the gap between its
    /// fastest and slowest speed mode. A change within either cannot be
    /// told from this run's noise or from processes that flipped mode,
    /// yet its bootstrap interval, which takes the rounds as independent
    /// draws of one distribution, can still exclude zero: an idle A/B run
    /// with a 2 % slowdown in another benchmark called an untouched,
    /// ungateable one "improved", −3.9 % [−9.6 %, −1.6 %] with
    /// p_adj = 0.013, while it could detect only changes beyond 5 %.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged_at: Option<f64>,
}

/// An entry whose detectable change exceeds this multiple of its threshold
/// cannot be gated at that threshold: a change twice the threshold could
/// pass unnoticed.
pub const UNGATEABLE_NOISE_FACTOR: f64 = 2.0;

impl Noise {
    /// The noise of an entry judged at `threshold`, from its detectable
    /// change and its speed modes (fastest first); decides
    /// [`Noise::judged_at`].
    pub fn new(detectable_change: f64, modes: Option<Vec<f64>>, threshold: f64) -> Self {
        let gateable = modes.is_none() && detectable_change <= UNGATEABLE_NOISE_FACTOR * threshold;
        let mode_gap = modes
            .as_ref()
            .and_then(|m| Some(m.last()? / m.first()? - 1.0))
            .filter(|gap| gap.is_finite())
            .unwrap_or(0.0);
        Self {
            detectable_change,
            judged_at: (!gateable).then(|| threshold.max(detectable_change).max(mode_gap)),
            modes,
        }
    }

    /// The noise of an entry from its change and each side's per-process
    /// typical times. Modes are looked for within each side, never across:
    /// between the sides lies the change being measured.
    fn of(change: Option<&Change>, threshold: f64, base: &[f64], head: &[f64]) -> Self {
        Self::new(
            detectable_change(change, threshold),
            speed_modes(base).or_else(|| speed_modes(head)),
            threshold,
        )
    }

    /// The noise of a paired entry from its change and each round's
    /// (base, head) typical times. Modes both sides of a round share (the
    /// round's layout seed, heap pad or machine state put base and head in
    /// the same mode) cancel in the round's ratio, which is all the paired
    /// test reads; only when the ratios themselves fall into modes did the
    /// sides land in different modes, and then each side's modes are
    /// reported and the entry is judged at their gap.
    fn of_paired(change: Option<&Change>, threshold: f64, rounds: &[(f64, f64)]) -> Self {
        let ratios: Vec<f64> = rounds.iter().map(|(base, head)| head / base).collect();
        if speed_modes(&ratios).is_none() {
            return Self::new(detectable_change(change, threshold), None, threshold);
        }
        let (base, head): (Vec<f64>, Vec<f64>) = rounds.iter().copied().unzip();
        Self::of(change, threshold, &base, &head)
    }
}

/// The smallest change an entry could have flagged: its threshold plus
/// the half-width of its change's interval.
fn detectable_change(change: Option<&Change>, threshold: f64) -> f64 {
    threshold + change.map_or(0.0, |c| (c.upper - c.lower).abs() / 2.0)
}

/// A benchmark's typical time in each process its samples came from:
/// samples are pooled in round order, each round one process of criterion
/// with the same sample count. Empty when the samples do not split evenly.
fn per_process_typical(benchmark: &Benchmark) -> Vec<f64> {
    let rounds = benchmark.rounds as usize;
    let n = benchmark.samples_ns.len();
    if rounds < 2 || n % rounds != 0 {
        return Vec::new();
    }
    benchmark
        .samples_ns
        .chunks(n / rounds)
        .filter_map(|chunk| Benchmark::TYPICAL.of(chunk))
        .collect()
}

impl Entry {
    /// `suite/benchmark` for times, `suite/benchmark/metric` for metrics.
    pub fn key(&self) -> String {
        match &self.metric {
            None => format!("{}/{}", self.suite, self.benchmark),
            Some(metric) => format!("{}/{}/{}", self.suite, self.benchmark, metric),
        }
    }

    /// A benchmark's wall time (not a metric).
    pub fn is_time(&self) -> bool {
        self.kind == MetricKind::Time
    }

    /// Give the entry its first verdict (the final one follows from it).
    fn decided(&mut self, verdict: Verdict) {
        self.first_verdict = verdict;
        self.verdict = final_verdict(verdict, self.threshold, self.confirmation.as_ref());
    }

    /// This entry with `evidence` attached and its final verdict derived.
    fn confirmed_by(mut self, evidence: Confirmation) -> Self {
        self.verdict = final_verdict(self.first_verdict, self.threshold, Some(&evidence));
        self.confirmation = Some(evidence);
        self
    }

    /// Whether this entry can be gated at its threshold: its processes
    /// ran in one speed mode and its detectable change is within
    /// [`UNGATEABLE_NOISE_FACTOR`] of the threshold. Entries without a
    /// noise estimate (exact counts, one-sided entries) can.
    pub fn gateable(&self) -> bool {
        self.noise.as_ref().is_none_or(|n| n.judged_at.is_none())
    }

    /// The threshold the verdict is decided at: the entry's own, or for
    /// one that cannot be gated at it, [`Noise::judged_at`].
    pub fn decision_threshold(&self) -> f64 {
        self.noise
            .as_ref()
            .and_then(|n| n.judged_at)
            .unwrap_or(self.threshold)
    }

    /// A regression (or an improvement) that the comparison flagged and
    /// its evidence cleared.
    pub fn cleared_by_confirmation(&self) -> bool {
        matches!(self.first_verdict, Verdict::Regressed | Verdict::Improved)
            && self.verdict != self.first_verdict
    }
}

/// What people must know to read a comparison right, as data;
/// `benchgate-report` words it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Note {
    /// The two runs come from different machines: only portable metrics
    /// were judged.
    PortableOnly {
        baseline_machine: String,
        current_machine: String,
    },
    /// A paired A/B comparison of up to `rounds` interleaved rounds; a
    /// suite whose time budget ran out has `fewest` (the least of any
    /// wall-time entry).
    PairedRounds { rounds: usize, fewest: usize },
    /// Time thresholds learned from the baseline's committed history.
    LearnedThresholds { benchmarks: usize, versions: usize },
    /// Time thresholds of `benchmarks` learned from the history store's
    /// runs of this machine.
    StoredThresholds { benchmarks: usize },
}

/// What a comparison concluded, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Regression,
    /// A baseline was recorded and nothing could be compared (a machine
    /// with no baseline yet): not a pass, though not a failure either.
    RecordedOnly,
}

impl Outcome {
    /// The exit code of a command that reached this outcome (errors exit
    /// [`ERROR_EXIT_CODE`]).
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Pass | Self::RecordedOnly => 0,
            Self::Regression => 1,
        }
    }
}

/// Exit code of a command that could not reach a verdict.
pub const ERROR_EXIT_CODE: u8 = 2;

/// Where a side of the comparison came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dirty: bool,
    pub machine_id: String,
    pub machine: String,
    pub created_at: String,
    pub profile: Profile,
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
            profile: run.profile,
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
    pub notes: Vec<Note>,
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

    pub fn outcome(&self) -> Outcome {
        if self.passed() {
            Outcome::Pass
        } else {
            Outcome::Regression
        }
    }

    /// The wall-time regressions that would fail the gate unless confirmation
    /// clears them.
    pub fn time_regressions(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| e.is_time() && e.first_verdict == Verdict::Regressed)
    }

    /// Regressions and improvements the comparison flagged and their
    /// evidence cleared.
    pub fn cleared(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.cleared_by_confirmation())
    }

    /// This comparison with `evidence` (by entry key) attached to its
    /// entries; nothing else changes. Evidence for a key the comparison
    /// does not hold is ignored.
    pub fn with_confirmations(mut self, mut evidence: BTreeMap<String, Confirmation>) -> Self {
        self.entries = self
            .entries
            .into_iter()
            .map(|entry| match evidence.remove(&entry.key()) {
                Some(found) => entry.confirmed_by(found),
                None => entry,
            })
            .collect();
        self
    }
}

#[derive(Debug, Clone)]
pub struct CompareOptions {
    /// Compare wall times across different machine fingerprints anyway.
    pub allow_cross_machine: bool,
    /// Bootstrap resamples of a paired A/B comparison's intervals (a run
    /// against a baseline needs none: its intervals are exact).
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
    if baseline.codegen_units != current.codegen_units {
        return Err(Error::Refused(build_refusal(baseline, current)));
    }
    let mut notes = Vec::new();
    let portable_only;
    let (baseline, current) =
        if baseline.machine.id != current.machine.id && !options.allow_cross_machine {
            let (b, c) = (portable_part(baseline), portable_part(current));
            if b.metrics.is_empty() || c.metrics.is_empty() {
                return Err(Error::Refused(cross_machine_refusal(baseline, current)));
            }
            notes.push(Note::PortableOnly {
                baseline_machine: baseline.machine.id.clone(),
                current_machine: current.machine.id.clone(),
            });
            portable_only = (b, c);
            (&portable_only.0, &portable_only.1)
        } else {
            (baseline, current)
        };
    let alpha = policy.defaults.alpha;
    let mut entries = compare_times(baseline, current, policy);
    entries.extend(compare_metrics(baseline, current, policy));
    decide_all(&mut entries, alpha, policy.defaults.multiple_testing);
    entries.sort_by(|a, b| {
        (&a.suite, &a.benchmark, &a.metric).cmp(&(&b.suite, &b.benchmark, &b.metric))
    });
    let flagged = entries
        .iter()
        .filter(|e| matches!(e.first_verdict, Verdict::Regressed | Verdict::Improved))
        .map(Entry::key)
        .collect();
    let comparison = Comparison {
        baseline: RunInfo::of(baseline),
        current: RunInfo::of(current),
        alpha,
        fail_on_missing: policy.defaults.fail_on_missing,
        notes,
        entries,
    };
    Ok(comparison.with_confirmations(placement_evidence(baseline, current, &flagged)))
}

/// Most instructions one call of a C string routine (`memcpy`, `memset`,
/// `strlen`, …) may run more or fewer when only its buffers' alignment
/// changed: their vector loops start at the first aligned address, so a
/// different alignment costs at most one more or one fewer trip of the
/// widest loop (memmove's four-vector loop: 12 instructions, measured on
/// stats' `one_shot/n100`) plus a different entry branch of a few
/// instructions. A larger difference per call means different lengths,
/// which is the program's doing.
pub const STRING_ALIGNMENT_IR_PER_CALL: u64 = 16;

/// Placement evidence for the flagged instruction-count entries among
/// `flagged` (entry keys): those whose two sides carry callgrind profiles
/// with the same execution outside the heap allocator and the string
/// routines, and whose string routines differ by no more than alignment
/// explains ([`STRING_ALIGNMENT_IR_PER_CALL`]; see
/// [`benchgate_metrics::Execution`]). Such a count moved with the heap's
/// state, the buffers' alignment or the simulated cache's addresses, not
/// with the code.
pub fn placement_evidence(
    baseline: &Run,
    current: &Run,
    flagged: &BTreeSet<String>,
) -> BTreeMap<String, Confirmation> {
    join_by_key(&baseline.metrics, &current.metrics, metric_key)
        .into_iter()
        .filter(|(key, _, _)| flagged.contains(key))
        .filter_map(|(key, b, c)| {
            let (b, c) = (b?.execution.as_ref()?, c?.execution.as_ref()?);
            let alignment_allowance =
                STRING_ALIGNMENT_IR_PER_CALL * b.string_calls.max(c.string_calls);
            if b.digest != c.digest || b.string_ir.abs_diff(c.string_ir) > alignment_allowance {
                return None;
            }
            let evidence = Confirmation::Placement {
                baseline_allocator_ir: b.allocator_ir,
                current_allocator_ir: c.allocator_ir,
                baseline_string_ir: b.string_ir,
                current_string_ir: c.string_ir,
            };
            Some((key, evidence))
        })
        .collect()
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
/// same as for [`compare`] with `paired_threshold`. Custom metrics are
/// paired the same way on their per-round typical values, in their own
/// direction and with their own threshold; a metric that is constant on
/// both sides is exact, judged on its change alone.
pub fn compare_paired(
    rounds: &[PairedRound],
    policy: &Policy,
    options: &CompareOptions,
) -> Result<Comparison> {
    let Some(first) = rounds.first() else {
        return Err(Error::Refused(
            "an A/B comparison needs at least one round".into(),
        ));
    };
    let times_by_key = |run: &Run| -> BTreeMap<String, f64> {
        run.benchmarks
            .iter()
            .filter_map(|b| Some((b.key(), b.typical_ns()?)))
            .collect()
    };
    let metrics_by_key = |run: &Run| -> BTreeMap<String, f64> {
        run.metrics
            .iter()
            .map(|m| (metric_key(m), metric_typical(m)))
            .collect()
    };
    let per_round_times: Vec<_> = rounds
        .iter()
        .map(|round| (times_by_key(&round.base), times_by_key(&round.head)))
        .collect();
    let per_round_metrics: Vec<_> = rounds
        .iter()
        .map(|round| (metrics_by_key(&round.base), metrics_by_key(&round.head)))
        .collect();
    let mut entries = Vec::new();
    for (key, b, h) in join_by_key(
        &first.base.benchmarks,
        &first.head.benchmarks,
        Benchmark::key,
    ) {
        let Some(any) = b.or(h) else { continue };
        entries.push(paired_entry(
            Quantity {
                suite: &any.suite,
                benchmark: &any.id,
                metric: None,
                kind: MetricKind::Time,
                unit: "ns",
                direction: Direction::LowerIsBetter,
            },
            (b.is_some(), h.is_some()),
            &pairs_of(&per_round_times, &key),
            policy.paired_threshold(&any.suite),
            options.resamples,
        ));
    }
    for (key, b, h) in join_by_key(&first.base.metrics, &first.head.metrics, metric_key) {
        let Some(any) = h.or(b) else { continue };
        entries.push(paired_entry(
            Quantity {
                suite: &any.suite,
                benchmark: &any.benchmark,
                metric: Some(&any.name),
                kind: MetricKind::of_metric(&any.name),
                unit: &any.unit,
                direction: any.direction,
            },
            (b.is_some(), h.is_some()),
            &pairs_of(&per_round_metrics, &key),
            policy.metric_threshold(&any.suite, &key, &any.name),
            options.resamples,
        ));
    }
    let alpha = policy.defaults.alpha;
    decide_all(&mut entries, alpha, policy.defaults.multiple_testing);
    entries.sort_by(|a, b| {
        (&a.suite, &a.benchmark, &a.metric).cmp(&(&b.suite, &b.benchmark, &b.metric))
    });
    Ok(Comparison {
        baseline: RunInfo::of(&first.base),
        current: RunInfo::of(&first.head),
        alpha,
        fail_on_missing: policy.defaults.fail_on_missing,
        notes: vec![Note::PairedRounds {
            rounds: rounds.len(),
            fewest: entries
                .iter()
                .filter(|e| e.kind == MetricKind::Time && e.baseline_samples > 0)
                .map(|e| e.baseline_samples)
                .min()
                .unwrap_or(rounds.len()),
        }],
        entries,
    })
}

/// One round's typical values by key: (base, head).
type RoundValues = (BTreeMap<String, f64>, BTreeMap<String, f64>);

/// The (base, head) typical values of `key` in every round that measured
/// it on both sides.
fn pairs_of(per_round: &[RoundValues], key: &str) -> Vec<(f64, f64)> {
    per_round
        .iter()
        .filter_map(|(base, head)| Some((*base.get(key)?, *head.get(key)?)))
        .collect()
}

/// One quantity of a paired comparison, its verdict provisional until
/// [`decide_all`].
fn paired_entry(
    quantity: Quantity<'_>,
    (in_base, in_head): (bool, bool),
    paired: &[(f64, f64)],
    threshold: f64,
    resamples: usize,
) -> Entry {
    let median = |values: Vec<f64>| METRIC_TYPICAL.of(&values);
    let base_median = median(paired.iter().map(|p| p.0).collect());
    let head_median = median(paired.iter().map(|p| p.1).collect());
    let constant = |side: fn(&(f64, f64)) -> f64| {
        paired
            .first()
            .is_none_or(|first| paired.iter().all(|p| side(p) == side(first)))
    };
    let exact = constant(|p| p.0) && constant(|p| p.1);
    let (change, p_value) = match (base_median, head_median) {
        _ if !(in_base && in_head) || paired.is_empty() => (None, None),
        (Some(base), Some(head)) if exact || paired.iter().any(|p| p.0 <= 0.0 || p.1 <= 0.0) => {
            // Exact values need no test; a ratio of zero or less has no
            // logarithm, so such a metric is judged on its medians.
            (point_change(base, head), None)
        }
        _ => {
            let ratios: Vec<f64> = paired.iter().map(|(base, head)| head / base).collect();
            let logs: Vec<f64> = ratios.iter().map(|r| r.ln()).collect();
            (
                paired_change(&ratios, resamples, CONFIDENCE_LEVEL, BOOTSTRAP_SEED),
                wilcoxon_signed_rank(&logs).map(|t| t.p_value),
            )
        }
    };
    let first_verdict = match (in_base, in_head) {
        (false, _) => Verdict::New,
        (_, false) => Verdict::Missing,
        _ => Verdict::Unchanged,
    };
    let noise = (quantity.kind == MetricKind::Time && in_base && in_head)
        .then(|| Noise::of_paired(change.as_ref(), threshold, paired));
    Entry {
        suite: quantity.suite.to_owned(),
        benchmark: quantity.benchmark.to_owned(),
        metric: quantity.metric.map(str::to_owned),
        kind: quantity.kind,
        unit: quantity.unit.to_owned(),
        direction: quantity.direction,
        baseline: base_median.filter(|_| in_base),
        current: head_median.filter(|_| in_head),
        change,
        p_value,
        p_adjusted: p_value,
        baseline_samples: paired.len(),
        current_samples: paired.len(),
        threshold,
        first_verdict,
        confirmation: None,
        verdict: first_verdict,
        noise,
    }
}

/// The wall-time entries of `comparison` by key.
fn time_entries_by_key(comparison: &Comparison) -> BTreeMap<String, &Entry> {
    comparison
        .entries
        .iter()
        .filter(|e| e.is_time())
        .map(|e| (e.key(), e))
        .collect()
}

/// Evidence from `confirmation` — a second, independent measurement of the
/// same code against the same baseline — for every wall-time regression of
/// `first`. A neighbour that hogs the machine for minutes slows every round
/// of one run; it rarely does so again for the confirmation a minute later,
/// while a real regression always does. Exact metrics need no confirmation.
pub fn remeasured_confirmations(
    first: &Comparison,
    confirmation: &Comparison,
) -> BTreeMap<String, Confirmation> {
    let again = time_entries_by_key(confirmation);
    first
        .time_regressions()
        .map(|entry| {
            let key = entry.key();
            let evidence = match again.get(&key) {
                Some(second) => Confirmation::Remeasured {
                    verdict: second.verdict,
                    change: second.change,
                    p_adjusted: second.p_adjusted,
                },
                None => Confirmation::Remeasured {
                    verdict: Verdict::Missing,
                    change: None,
                    p_adjusted: None,
                },
            };
            (key, evidence)
        })
        .collect()
}

/// Evidence from `paired` — a paired, interleaved A/B run of the
/// baseline's commit `base_commit` (base) against the same code (head) —
/// for every wall-time regression of `first` that it measured with a
/// change and a p-value. A regression the paired run did not measure gets
/// none: only evidence can clear it.
pub fn paired_confirmations(
    first: &Comparison,
    paired: &Comparison,
    base_commit: &str,
) -> BTreeMap<String, Confirmation> {
    let paired_by_key = time_entries_by_key(paired);
    first
        .time_regressions()
        .filter_map(|entry| {
            let rerun = paired_by_key.get(&entry.key())?;
            Some((
                entry.key(),
                Confirmation::Paired {
                    base_commit: base_commit.to_owned(),
                    rounds: rerun.baseline_samples,
                    change: rerun.change?,
                    p_value: rerun.p_value?,
                    alpha: first.alpha,
                },
            ))
        })
        .collect()
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

/// Why two runs whose workspace packages were compiled with different
/// codegen units are not compared: the same source becomes different
/// machine code ([`crate::codegen`]), so every wall time and instruction
/// count may move without a code change (2.7 % from re-dealt units alone).
fn build_refusal(baseline: &Run, current: &Run) -> String {
    let units = |run: &Run| match run.codegen_units {
        Some(units) => format!("{units} codegen unit(s), set by benchgate (`ab`, `pr-check`)"),
        None => "the bench profile's own codegen units (`gate`, `cargo bench`)".to_owned(),
    };
    let commit = |run: &Run| RunInfo::of(run).short_commit();
    format!(
        "the baseline ({}) was built with {} but this run ({}) with {}: the same source compiles to other machine code, \
         so their times and instruction counts are not comparable. Compare runs built alike: `benchgate gate` builds like \
         this machine's stored baseline, so record the baseline again with `benchgate gate` (delete the old file first), \
         or compare two sides of one `benchgate pr-check` / `benchgate ab` run",
        commit(baseline),
        units(baseline),
        commit(current),
        units(current)
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

/// Every benchmark's time entry. Entries are independent (each interval is
/// a pure function of the entry's two samples), so they are judged in
/// parallel and collected in order: the result is the same whatever the
/// thread count.
fn compare_times(baseline: &Run, current: &Run, policy: &Policy) -> Vec<Entry> {
    join_by_key(&baseline.benchmarks, &current.benchmarks, Benchmark::key)
        .into_par_iter()
        .filter_map(|(key, b, c)| {
            let any = b.or(c)?;
            Some(judge(
                Quantity {
                    suite: &any.suite,
                    benchmark: &any.id,
                    metric: None,
                    kind: MetricKind::Time,
                    unit: "ns",
                    direction: Direction::LowerIsBetter,
                },
                b.map(Observed::times),
                c.map(Observed::times),
                policy.time_threshold(&any.suite, &key),
            ))
        })
        .collect()
}

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

fn compare_metrics(baseline: &Run, current: &Run, policy: &Policy) -> Vec<Entry> {
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
        .into_par_iter()
        .filter_map(|(key, b, c)| {
            // The current run's declaration of unit and direction wins: it is
            // the code under review that says what the metric means now.
            let any = c.or(b)?;
            let mut threshold = policy.metric_threshold(&any.suite, &key, &any.name);
            let kind = MetricKind::of_metric(&any.name);
            let weight = match kind {
                MetricKind::SimulatedCacheMisses { cycles_per_miss } => Some(cycles_per_miss),
                _ => None,
            };
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
                    kind,
                    unit: &any.unit,
                    direction: any.direction,
                },
                b.map(Observed::metric),
                c.map(Observed::metric),
                threshold,
            ))
        })
        .collect()
}

struct Quantity<'a> {
    suite: &'a str,
    benchmark: &'a str,
    metric: Option<&'a str>,
    kind: MetricKind,
    unit: &'a str,
    direction: Direction,
}

/// One side's observations: the samples sorted once (the typical value,
/// the interval and the rank test all read that order), the statistic
/// that summarises them, and the headline value (that statistic, or a
/// metric's own value).
struct Observed {
    value: f64,
    samples: SortedSample,
    statistic: Statistic,
    /// Typical value of each process the samples came from (times only).
    per_process: Vec<f64>,
}

impl Observed {
    fn times(benchmark: &Benchmark) -> Self {
        let samples = SortedSample::new(&benchmark.samples_ns);
        Self {
            // `Benchmark::typical_ns`, read off the sorted samples.
            value: samples.statistic(Benchmark::TYPICAL).unwrap_or(f64::NAN),
            samples,
            statistic: Benchmark::TYPICAL,
            per_process: per_process_typical(benchmark),
        }
    }

    fn metric(metric: &MetricRecord) -> Self {
        let samples = SortedSample::new(&metric.samples);
        Self {
            // `metric_typical`, read off the sorted samples.
            value: samples.statistic(METRIC_TYPICAL).unwrap_or(metric.value),
            samples,
            statistic: METRIC_TYPICAL,
            per_process: Vec::new(),
        }
    }
}

/// Measure one quantity's change. The verdict of a pair present on both
/// sides is provisional (`Unchanged`) until [`decide_all`] has adjusted the
/// p-values of the whole comparison.
fn judge(
    quantity: Quantity<'_>,
    baseline: Option<Observed>,
    current: Option<Observed>,
    threshold: f64,
) -> Entry {
    let (change, p_value, verdict) = match (&baseline, &current) {
        (None, _) => (None, None, Verdict::New),
        (_, None) => (None, None, Verdict::Missing),
        (Some(b), Some(c)) => {
            // Two constant sides are exact: the point change is the truth,
            // and a rank test on a handful of ties could never reach alpha.
            let tested = b.samples.len() >= MIN_SAMPLES_FOR_TEST
                && c.samples.len() >= MIN_SAMPLES_FOR_TEST
                && !(b.samples.is_constant() && c.samples.is_constant());
            let (change, p_value) = if tested {
                (
                    relative_change_sorted(c.statistic, &b.samples, &c.samples, CONFIDENCE_LEVEL)
                        .or_else(|| point_change(b.value, c.value)),
                    mann_whitney_u_sorted(&b.samples, &c.samples).map(|t| t.p_value),
                )
            } else {
                (point_change(b.value, c.value), None)
            };
            (change, p_value, Verdict::Unchanged)
        }
    };
    let noise = match (&baseline, &current) {
        (Some(b), Some(c)) if quantity.kind == MetricKind::Time => Some(Noise::of(
            change.as_ref(),
            threshold,
            &b.per_process,
            &c.per_process,
        )),
        _ => None,
    };
    Entry {
        suite: quantity.suite.to_owned(),
        benchmark: quantity.benchmark.to_owned(),
        metric: quantity.metric.map(str::to_owned),
        kind: quantity.kind,
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
        first_verdict: verdict,
        confirmation: None,
        verdict,
        noise,
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
            let verdict = decide(
                entry.change,
                entry.p_adjusted,
                entry.decision_threshold(),
                alpha,
                entry.direction,
            );
            entry.decided(verdict);
        }
    }
}

/// Relative change of two single values. A zero baseline has no relative
/// change; any move away from zero is reported as an infinite change so a
/// metric like "errors: 0 → 3" is still caught. The change is taken
/// relative to the baseline's magnitude, so its sign always says which
/// way the value moved (`current / baseline - 1` reads −0.1 → +3.6 as
/// −3 700 %, a fall).
fn point_change(baseline: f64, current: f64) -> Option<Change> {
    let point = if baseline == 0.0 {
        if current == 0.0 {
            0.0
        } else {
            current.signum() * f64::INFINITY
        }
    } else {
        (current - baseline) / baseline.abs()
    };
    (!point.is_nan()).then_some(Change {
        point,
        lower: point,
        upper: point,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_negative_baseline_keeps_the_direction_of_the_move() {
        let up = point_change(-0.001, 0.036).expect("a change");
        assert!(up.point > 0.0, "a rise read as {}", up.point);
        assert_eq!(
            decide(Some(up), None, 0.05, 0.05, Direction::LowerIsBetter),
            Verdict::Regressed
        );
        let down = point_change(-2.0, -3.0).expect("a change");
        assert!((down.point + 0.5).abs() < 1e-12, "{}", down.point);
        assert_eq!(point_change(4.0, 5.0).map(|c| c.point), Some(0.25));
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

//! The run file: one collected benchmark run, benchgate's own format.
//!
//! A baseline is a run stored under `baselines/`. Field order here is the key
//! order on disk, and benchmarks and metrics are kept sorted, so a baseline's
//! git diff shows what changed and nothing else.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

pub use benchgate_metrics::Direction;

use crate::machine::Machine;
use crate::stats::{MIN_SAMPLES, Statistic, TYPICAL_QUANTILE};

/// Version of the run file layout. Bump on any incompatible change; readers
/// refuse files from a newer version instead of misreading them.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub schema_version: u32,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// `None` when the run was collected outside a git repository.
    pub git: Option<GitState>,
    /// Suites measured by a later run than the rest and merged in (a
    /// baseline that lacked them records them from the run that did): the
    /// git state of the code each of them measured. Every other suite
    /// measured `git`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub suite_git: BTreeMap<String, Option<GitState>>,
    pub machine: Machine,
    pub tools: ToolVersions,
    /// How the benchmarks were run.
    pub profile: Profile,
    /// Cargo features the benchmarks were built with (`gate --features`),
    /// so that a paired re-run of this run's commit builds the same code.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub features: Vec<String>,
    /// Codegen units benchgate compiled the workspace's own packages
    /// with (`ab`, `pr-check`: see `codegen`); `None`: the profile's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codegen_units: Option<u32>,
    pub benchmarks: Vec<Benchmark>,
    pub metrics: Vec<MetricRecord>,
}

/// How a run's benchmarks were measured. On disk as `full`, `quick`,
/// `external`, `ab-base` or `ab-head`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// `benchgate gate` with criterion's default warm-up, measurement and samples.
    Full,
    /// `benchgate gate --quick`: the short settings of `runner::QUICK_*`.
    Quick,
    /// Measured outside benchgate (`cargo bench`) and read by `benchgate collect`.
    External,
    /// The base side of a paired A/B run (`ab::AB_*` settings).
    AbBase,
    /// The head side of a paired A/B run.
    AbHead,
}

impl Profile {
    /// The name on disk and on screen.
    pub fn label(self) -> &'static str {
        match self {
            Self::Full => "full",
            Self::Quick => "quick",
            Self::External => "external",
            Self::AbBase => "ab-base",
            Self::AbHead => "ab-head",
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GitState {
    pub commit: String,
    /// `None` on a detached HEAD.
    pub branch: Option<String>,
    /// Tracked files differ from the commit: the run measured uncommitted code.
    pub dirty: bool,
}

/// Versions that change what the numbers mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolVersions {
    pub benchgate: String,
    /// criterion's version from `Cargo.lock`; its files are private details
    /// that have changed format before. A gate records the version its
    /// suites link ("0.5.1, 0.8.2" where they use several).
    pub criterion: Option<String>,
    /// iai-callgrind's version from `Cargo.lock`, when the run holds
    /// instruction counts.
    #[serde(default)]
    pub iai_callgrind: Option<String>,
    pub rustc: Option<String>,
}

/// One criterion benchmark of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benchmark {
    pub suite: String,
    /// criterion's `full_id`, e.g. `summary_one_shot/100`.
    pub id: String,
    pub group: String,
    pub function: Option<String>,
    pub parameter: Option<String>,
    pub throughput: Option<Throughput>,
    pub sampling_mode: Option<String>,
    /// How many separate runs of the suite the samples were pooled from.
    pub rounds: u32,
    /// criterion's bootstrap estimates of the first round, nanoseconds per
    /// iteration (kept for reference; verdicts use the samples).
    pub estimates: Estimates,
    /// Per-iteration time of each sample (sample time ÷ its iterations), ns,
    /// all rounds pooled in round order.
    pub samples_ns: Vec<f64>,
}

impl Benchmark {
    /// The name shown to people and matched by config globs: `suite/id`.
    pub fn key(&self) -> String {
        format!("{}/{}", self.suite, self.id)
    }

    /// The statistic that summarises a benchmark's per-iteration times:
    /// their [`TYPICAL_QUANTILE`] (interference only slows, so the fast end
    /// is what the code costs).
    pub const TYPICAL: Statistic = Statistic::Quantile(TYPICAL_QUANTILE);

    /// The typical per-iteration time, ns; `None` without samples. The one
    /// definition every comparison, chart and table uses.
    pub fn typical_ns(&self) -> Option<f64> {
        Self::TYPICAL.of(&self.samples_ns)
    }
}

/// Work done per iteration, as the benchmark declared it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Throughput {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    Bits(u64),
    ElementsAndBytes { elements: u64, bytes: u64 },
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimates {
    pub mean: Estimate,
    pub median: Estimate,
    pub std_dev: Estimate,
    pub median_abs_dev: Estimate,
    pub slope: Option<Estimate>,
}

impl Estimates {
    /// criterion's "typical" time: the slope when it was estimated, else the mean.
    pub fn typical(&self) -> Estimate {
        self.slope.unwrap_or(self.mean)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub point: f64,
    pub lower: f64,
    pub upper: f64,
    pub confidence_level: f64,
    pub standard_error: f64,
}

/// A custom metric as stored in a run (the suite-side record plus nothing
/// else: the metrics crate's type is the single definition).
pub type MetricRecord = benchgate_metrics::Metric;

/// The statistic that summarises a custom metric's samples: their median
/// (metrics have no one-sided noise).
pub const METRIC_TYPICAL: Statistic = Statistic::Quantile(0.5);

/// A metric's typical value: the median of its samples when it has at
/// least [`MIN_SAMPLES`], its recorded value otherwise.
pub fn metric_typical(metric: &MetricRecord) -> f64 {
    if metric.samples.len() >= MIN_SAMPLES {
        METRIC_TYPICAL.of(&metric.samples).unwrap_or(metric.value)
    } else {
        metric.value
    }
}

/// Name prefixes of the metrics iai-callgrind produces: `callgrind.<event>`
/// and `dhat.<event>` (benchgate names them so in `iai::read`).
pub const INSTRUCTION_METRIC_PREFIXES: &[&str] = &["callgrind.", "dhat."];

/// The simulated cache-miss counts among callgrind's events, with what one
/// more miss of each adds to [`ESTIMATED_CYCLES`] at most: iai-callgrind
/// estimates cycles as L1 hits + 5 × LL hits + 35 × RAM hits, so an access
/// that misses L1 costs up to 5 and one that misses LL up to 35.
pub const CACHE_MISS_EVENTS: [(&str, f64); 2] =
    [("callgrind.L1misses", 5.0), ("callgrind.LLmisses", 35.0)];

/// callgrind's count of instructions executed.
pub const INSTRUCTIONS_EXECUTED: &str = "callgrind.Ir";

/// The metric iai-callgrind folds its simulated cache misses into.
pub const ESTIMATED_CYCLES: &str = "callgrind.EstimatedCycles";

/// What a compared quantity is; decided once, from how it was recorded.
/// On disk (exports) as `"time"`, `"instruction_count"`, `"custom"` or
/// `{"simulated_cache_misses": {"cycles_per_miss": 5.0}}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricKind {
    /// A criterion benchmark's wall time per iteration (ns).
    Time,
    /// An exact count from iai-callgrind (instructions, estimated cycles,
    /// DHAT allocations): repeatable, judged without a test.
    InstructionCount,
    /// A simulated cache-miss count; `cycles_per_miss` is what one more miss
    /// adds to the benchmark's estimated cycles at most.
    SimulatedCacheMisses { cycles_per_miss: f64 },
    /// Anything a suite recorded through `benchgate-metrics`.
    Custom,
}

impl MetricKind {
    /// The kind of a recorded metric (never [`MetricKind::Time`]).
    pub fn of_metric(name: &str) -> Self {
        if let Some((_, weight)) = CACHE_MISS_EVENTS.iter().find(|(n, _)| *n == name) {
            Self::SimulatedCacheMisses {
                cycles_per_miss: *weight,
            }
        } else if INSTRUCTION_METRIC_PREFIXES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            Self::InstructionCount
        } else {
            Self::Custom
        }
    }

    /// Counted by iai-callgrind (instruction counts and simulated misses),
    /// which take the instruction threshold.
    pub fn is_counted(self) -> bool {
        matches!(
            self,
            Self::InstructionCount | Self::SimulatedCacheMisses { .. }
        )
    }
}

/// Identity of a metric across runs: `suite/benchmark/name`.
pub fn metric_key(metric: &MetricRecord) -> String {
    format!("{}/{}/{}", metric.suite, metric.benchmark, metric.name)
}

impl Run {
    /// The git state of the code that `suite`'s numbers measured.
    pub fn git_of(&self, suite: &str) -> Option<&GitState> {
        match self.suite_git.get(suite) {
            Some(git) => git.as_ref(),
            None => self.git.as_ref(),
        }
    }

    /// Sort benchmarks and metrics into their canonical order.
    pub fn canonicalize(&mut self) {
        self.benchmarks
            .sort_by(|a, b| (&a.suite, &a.id).cmp(&(&b.suite, &b.id)));
        self.metrics.sort_by_key(metric_key);
    }

    /// The first non-finite number in the run, described. JSON has no NaN or
    /// infinity (serde_json would silently write `null`), so such a run must
    /// never reach a baseline file.
    pub fn first_non_finite(&self) -> Option<String> {
        for b in &self.benchmarks {
            let e = &b.estimates;
            let estimates = [e.mean, e.median, e.std_dev, e.median_abs_dev]
                .into_iter()
                .chain(e.slope)
                .flat_map(|e| {
                    [
                        e.point,
                        e.lower,
                        e.upper,
                        e.confidence_level,
                        e.standard_error,
                    ]
                });
            if b.samples_ns
                .iter()
                .copied()
                .chain(estimates)
                .any(|x| !x.is_finite())
            {
                return Some(format!("benchmark {}", b.key()));
            }
        }
        self.metrics
            .iter()
            .find(|m| {
                std::iter::once(m.value)
                    .chain(m.samples.iter().copied())
                    .any(|x| !x.is_finite())
            })
            .map(|m| format!("metric {}", metric_key(m)))
    }

    /// This run with only the benchmarks and metrics of `suites`: a
    /// comparison over some suites must not report the others as missing.
    pub fn restricted_to(&self, suites: &[String]) -> Run {
        let mut restricted = self.clone();
        restricted.benchmarks.retain(|b| suites.contains(&b.suite));
        restricted.metrics.retain(|m| suites.contains(&m.suite));
        restricted
    }

    /// The first thing in the run that no measurement can produce,
    /// described: a NaN or infinity (see [`Run::first_non_finite`]), an
    /// empty suite or id, a benchmark or metric listed twice, a benchmark
    /// without samples or with a per-iteration time that is not positive,
    /// an instruction count (`callgrind.Ir`) of zero. Such a run must be
    /// neither compared (it would read as "NaN, unchanged", "improved" or
    /// "+∞") nor stored.
    pub fn first_invalid(&self) -> Option<String> {
        if !crate::machine::is_file_safe(&self.machine.id) {
            // Baselines are stored under the machine id: caught here, the
            // message names the run file instead of blaming a baseline name.
            return Some(format!(
                "machine id `{}` is not a file-safe name (letters, digits, `-`, `_` and `.`, not starting with `.`)",
                self.machine.id.escape_debug()
            ));
        }
        if let Some(culprit) = self.first_non_finite() {
            return Some(format!("{culprit} holds a NaN or infinite number"));
        }
        let mut keys = std::collections::BTreeSet::new();
        for b in &self.benchmarks {
            if b.suite.trim().is_empty() || b.id.trim().is_empty() {
                return Some(format!(
                    "a benchmark has an empty suite or id (`{}`)",
                    b.key()
                ));
            }
            if !keys.insert(b.key()) {
                return Some(format!("benchmark {} is listed twice", b.key()));
            }
            if b.samples_ns.is_empty() {
                return Some(format!("benchmark {} has no samples", b.key()));
            }
            if let Some(bad) = b.samples_ns.iter().find(|s| **s <= 0.0) {
                return Some(format!(
                    "benchmark {} has a per-iteration time of {bad} ns (times are positive)",
                    b.key()
                ));
            }
        }
        let mut keys = std::collections::BTreeSet::new();
        for m in &self.metrics {
            let key = metric_key(m);
            if m.suite.trim().is_empty()
                || m.benchmark.trim().is_empty()
                || m.name.trim().is_empty()
            {
                return Some(format!(
                    "a metric has an empty suite, benchmark or name (`{key}`)"
                ));
            }
            if !keys.insert(key.clone()) {
                return Some(format!("metric {key} is listed twice"));
            }
            if m.name == INSTRUCTIONS_EXECUTED && m.value <= 0.0 {
                return Some(format!(
                    "metric {key} counts {} instructions (a benchmark executes some)",
                    m.value
                ));
            }
        }
        None
    }

    /// Suites present in this run, sorted and deduplicated.
    pub fn suites(&self) -> Vec<String> {
        let mut suites: Vec<String> = self
            .benchmarks
            .iter()
            .map(|b| b.suite.clone())
            .chain(self.metrics.iter().map(|m| m.suite.clone()))
            .collect();
        suites.sort();
        suites.dedup();
        suites
    }
}

/// `baseline` plus the benchmarks and metrics of `suites` taken from `run`.
/// The baseline keeps its own provenance (time, machine, commit), and
/// records the commit each added suite measured where it differs, so that
/// a confirmation re-runs the code a suite's numbers came from.
pub fn merge_suites(baseline: &Run, run: &Run, suites: &[String]) -> Run {
    let mut merged = baseline.clone();
    let added = run.restricted_to(suites);
    merged.benchmarks.retain(|b| !suites.contains(&b.suite));
    merged.metrics.retain(|m| !suites.contains(&m.suite));
    merged.benchmarks.extend(added.benchmarks);
    merged.metrics.extend(added.metrics);
    for suite in suites {
        let measured = run.git_of(suite).cloned();
        if measured.as_ref() == merged.git.as_ref() {
            merged.suite_git.remove(suite);
        } else {
            merged.suite_git.insert(suite.clone(), measured);
        }
    }
    merged.canonicalize();
    merged
}

//! Thresholds configuration (`benchgate.toml`): a global default, per-suite
//! values and glob overrides per benchmark and per metric.
//!
//! ```toml
//! [defaults]
//! time_threshold = 0.05    # relative change of the typical time
//! metric_threshold = 0.05  # relative change of a custom metric
//! instruction_threshold = 0.005  # iai-callgrind counts (callgrind.*, dhat.*)
//! paired_threshold = 0.01  # paired, interleaved A/B runs (`benchgate ab`)
//! alpha = 0.05             # significance level of the test
//! pr_budget_minutes = 6    # measurement time per suite in `benchgate pr-check`
//! multiple_testing = "benjamini-hochberg"   # or "holm", "none"
//!
//! [suites.tokenization]
//! time_threshold = 0.08
//!
//! [[benchmark]]            # matched against `suite/benchmark-id`; last match wins
//! pattern = "stats/summary_streaming_parallel/*"
//! time_threshold = 0.10
//!
//! [[metric]]               # matched against `suite/benchmark-id/metric-name`
//! pattern = "memstore/*/recall@10"
//! threshold = 0.01
//!
//! [charts.tokenization]    # report charts (all optional)
//! batch_groups = ["encode_batch", "encode_batch_hf"]
//! speedup_chart = "batch_size_speedup_chart.png"
//!
//! [[rename]]               # a benchmark's history carries over to its new id
//! from = "stats/summary/1000"
//! to = "stats/summary_one_shot/1000"
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use globset::{Glob, GlobMatcher};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::paired::DEFAULT_PAIRED_THRESHOLD;
use crate::run::MetricKind;
use crate::stats::{
    DEFAULT_ALPHA, DEFAULT_INSTRUCTION_THRESHOLD, DEFAULT_METRIC_THRESHOLD, DEFAULT_TIME_THRESHOLD,
    MultipleTesting,
};

/// The file name looked up at the workspace root.
pub const CONFIG_FILE_NAME: &str = "benchgate.toml";

/// Fix suggested for every configuration error.
const CONFIG_FIX: &str = "see the example at the top of harness/core/src/config.rs or README.md";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub defaults: Defaults,
    #[serde(default)]
    pub suites: BTreeMap<String, SuiteThresholds>,
    #[serde(default, rename = "benchmark")]
    pub benchmarks: Vec<BenchmarkOverride>,
    #[serde(default, rename = "metric")]
    pub metrics: Vec<MetricOverride>,
    /// Report charts per suite: `[charts.<suite>]`.
    #[serde(default)]
    pub charts: BTreeMap<String, SuiteCharts>,
    /// Which packages and bench targets are suites: `[discovery]`.
    #[serde(default)]
    pub discovery: Discovery,
    /// Default constraints of `benchgate suggest-batch` and the report's
    /// suggested-batch marker, per suite: `[batch.<suite>]`.
    #[serde(default)]
    pub batch: BTreeMap<String, BatchDefaults>,
    /// Renamed benchmarks: `[[rename]]`, old id to new id (`suite/id`).
    #[serde(default, rename = "rename")]
    pub renames: Vec<Rename>,
}

/// A benchmark renamed: its history under `from` continues under `to`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rename {
    pub from: String,
    pub to: String,
}

/// A suite's batch-sizing defaults: `[batch.<suite>]`.
///
/// ```toml
/// [batch.inference]
/// group = "decode"            # the batch-size sweep to fit (default: the first charts batch group)
/// latency_budget = "40ms"     # per batch call, or per request with latency_scope = "request"
/// latency_scope = "request"   # "batch" (default) or "request"
/// memory = "2GiB"             # memory limit (default: the machine's available memory)
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchDefaults {
    pub group: Option<String>,
    pub latency_budget: Option<String>,
    pub latency_scope: Option<String>,
    pub memory: Option<String>,
}

/// Which workspace packages are suites, and which of their bench targets
/// run. By default every package with bench targets is a suite and every
/// target runs.
///
/// ```toml
/// [discovery]
/// include = ["mycrate", "other"]      # only these packages (default: all with benches)
/// exclude = ["slow-experiments"]      # never these
/// exclude_targets = ["mycrate/scratch"]   # `package/bench target`
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Discovery {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub exclude_targets: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Defaults {
    pub time_threshold: f64,
    pub metric_threshold: f64,
    /// Threshold of iai-callgrind metrics (`callgrind.*`, `dhat.*`).
    pub instruction_threshold: f64,
    /// Threshold of paired, interleaved A/B comparisons (`benchgate ab`).
    pub paired_threshold: f64,
    pub alpha: f64,
    /// Fail the gate when a baseline benchmark is absent from the run.
    /// Off by default: deleting or renaming a benchmark is a legitimate change.
    pub fail_on_missing: bool,
    /// How p-values are adjusted for the number of tests in one comparison.
    pub multiple_testing: MultipleTesting,
    /// Minutes of interleaved measurement per suite in `benchgate
    /// pr-check`, after which no further rounds of it start (it always
    /// gets the minimum number of rounds).
    pub pr_budget_minutes: f64,
}

/// Default measurement budget per suite of a pull-request check, minutes.
/// A suite whose six paired rounds ([`crate::prcheck::MIN_PR_ROUNDS`])
/// take longer runs six anyway; the budget only stops cheaper suites from
/// adding rounds. Six minutes lets the stats suite run all ten rounds
/// (about 25 s each) while the five workload suites, one per shard, stay
/// within the check's goals of 15 minutes a shard and 45 in all (measured
/// in the README).
pub const DEFAULT_PR_BUDGET_MINUTES: f64 = 6.0;

/// Longest budget accepted, minutes: a day is surely a typo.
const MAX_PR_BUDGET_MINUTES: f64 = 24.0 * 60.0;

impl Default for Defaults {
    fn default() -> Self {
        Self {
            time_threshold: DEFAULT_TIME_THRESHOLD,
            metric_threshold: DEFAULT_METRIC_THRESHOLD,
            instruction_threshold: DEFAULT_INSTRUCTION_THRESHOLD,
            paired_threshold: DEFAULT_PAIRED_THRESHOLD,
            alpha: DEFAULT_ALPHA,
            fail_on_missing: false,
            multiple_testing: MultipleTesting::default(),
            pr_budget_minutes: DEFAULT_PR_BUDGET_MINUTES,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteThresholds {
    pub time_threshold: Option<f64>,
    pub metric_threshold: Option<f64>,
    pub instruction_threshold: Option<f64>,
    pub paired_threshold: Option<f64>,
    /// This suite's `pr-check` measurement budget, minutes.
    pub pr_budget_minutes: Option<f64>,
}

/// How a suite's report charts are made: `[charts.<suite>]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuiteCharts {
    /// Benchmark groups (ids without their batch-size parameter) that are
    /// batch-size sweeps. Empty: groups with `batch` in their name.
    #[serde(default)]
    pub batch_groups: Vec<String>,
    /// File name of the suite's speedup chart under `reports/charts/`
    /// (default `<suite>_speedup_chart.png`).
    pub speedup_chart: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BenchmarkOverride {
    pub pattern: String,
    pub time_threshold: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricOverride {
    pub pattern: String,
    pub threshold: f64,
}

impl Default for Config {
    /// The embedded defaults used when the repository has no `benchgate.toml`.
    fn default() -> Self {
        Self {
            defaults: Defaults::default(),
            suites: BTreeMap::new(),
            benchmarks: Vec::new(),
            metrics: Vec::new(),
            charts: BTreeMap::new(),
            discovery: Discovery::default(),
            batch: BTreeMap::new(),
            renames: Vec::new(),
        }
    }
}

/// A validated configuration with compiled globs, ready to answer
/// "which threshold applies to this benchmark?".
#[derive(Debug, Clone)]
pub struct Policy {
    pub defaults: Defaults,
    suites: BTreeMap<String, SuiteThresholds>,
    /// Time thresholds learned from baseline history, by `suite/id`.
    learned: BTreeMap<String, f64>,
    /// How many of `learned` came from the history store.
    stored: usize,
    benchmarks: Vec<(GlobMatcher, f64)>,
    metrics: Vec<(GlobMatcher, f64)>,
    /// Report chart settings by suite.
    pub charts: BTreeMap<String, SuiteCharts>,
    /// Which packages and targets are suites.
    pub discovery: Discovery,
    /// Batch-sizing defaults by suite (values checked when loaded).
    pub batch: BTreeMap<String, BatchDefaults>,
    /// `[[rename]]` entries, checked: no empty id, no id renamed twice.
    pub renames: Vec<Rename>,
}

impl Policy {
    /// The embedded defaults, for a project without a `benchgate.toml`.
    pub fn embedded() -> Result<Self> {
        Self::from_config(Config::default(), Path::new(CONFIG_FILE_NAME))
    }

    /// Load `path`; a missing file means the embedded defaults.
    pub fn load(path: &Path) -> Result<Self> {
        match crate::input::read_text(path) {
            Ok(text) => Self::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Self::from_config(Config::default(), path)
            }
            Err(e) => Err(Error::read(path, e)),
        }
    }

    /// Parse configuration text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &Path) -> Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| {
            Error::malformed(origin, format!("invalid configuration: {e}"), CONFIG_FIX)
        })?;
        Self::from_config(config, origin)
    }

    fn from_config(config: Config, origin: &Path) -> Result<Self> {
        let check = |what: &str, value: f64, max: f64| -> Result<()> {
            if value.is_finite() && value > 0.0 && value < max {
                Ok(())
            } else {
                Err(Error::malformed(
                    origin,
                    format!("{what} = {value} is out of range (0, {max})"),
                    CONFIG_FIX,
                ))
            }
        };
        check(
            "defaults.time_threshold",
            config.defaults.time_threshold,
            10.0,
        )?;
        check(
            "defaults.metric_threshold",
            config.defaults.metric_threshold,
            10.0,
        )?;
        check(
            "defaults.instruction_threshold",
            config.defaults.instruction_threshold,
            10.0,
        )?;
        check(
            "defaults.paired_threshold",
            config.defaults.paired_threshold,
            10.0,
        )?;
        check("defaults.alpha", config.defaults.alpha, 0.5)?;
        check(
            "defaults.pr_budget_minutes",
            config.defaults.pr_budget_minutes,
            MAX_PR_BUDGET_MINUTES,
        )?;
        for (suite, t) in &config.suites {
            if let Some(v) = t.time_threshold {
                check(&format!("suites.{suite}.time_threshold"), v, 10.0)?;
            }
            if let Some(v) = t.metric_threshold {
                check(&format!("suites.{suite}.metric_threshold"), v, 10.0)?;
            }
            if let Some(v) = t.instruction_threshold {
                check(&format!("suites.{suite}.instruction_threshold"), v, 10.0)?;
            }
            if let Some(v) = t.paired_threshold {
                check(&format!("suites.{suite}.paired_threshold"), v, 10.0)?;
            }
            if let Some(v) = t.pr_budget_minutes {
                check(
                    &format!("suites.{suite}.pr_budget_minutes"),
                    v,
                    MAX_PR_BUDGET_MINUTES,
                )?;
            }
        }
        let compile = |kind: &str, pattern: &str, threshold: f64| -> Result<(GlobMatcher, f64)> {
            check(&format!("{kind} `{pattern}` threshold"), threshold, 10.0)?;
            let glob = Glob::new(pattern).map_err(|e| {
                Error::malformed(
                    origin,
                    format!("bad {kind} pattern `{pattern}`: {e}"),
                    CONFIG_FIX,
                )
            })?;
            Ok((glob.compile_matcher(), threshold))
        };
        let benchmarks = config
            .benchmarks
            .iter()
            .map(|o| compile("benchmark", &o.pattern, o.time_threshold))
            .collect::<Result<_>>()?;
        let metrics = config
            .metrics
            .iter()
            .map(|o| compile("metric", &o.pattern, o.threshold))
            .collect::<Result<_>>()?;
        for (suite, charts) in &config.charts {
            if let Some(name) = &charts.speedup_chart {
                let plain = name.ends_with(".png")
                    && name.len() > ".png".len()
                    && !name.starts_with('.')
                    && name
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
                    && !name.contains("..");
                if !plain {
                    return Err(Error::malformed(
                        origin,
                        format!("charts.{suite}.speedup_chart = {name:?} is not a plain file name"),
                        "use letters, digits, `_`, `-` and `.` only, ending in `.png` (no `/`, no `..`)",
                    ));
                }
            }
        }
        for (suite, batch) in &config.batch {
            let bad = |key: &str, value: &str, fix: &str| {
                Err(Error::malformed(
                    origin,
                    format!("batch.{suite}.{key} = {value:?} is not understood"),
                    fix,
                ))
            };
            if let Some(v) = batch.latency_budget.as_deref() {
                if benchgate_metrics::batch::parse_seconds(v).is_none() {
                    return bad(
                        "latency_budget",
                        v,
                        "write a positive duration such as \"40ms\" or \"1.5s\"",
                    );
                }
            }
            if let Some(v) = batch.memory.as_deref() {
                if benchgate_metrics::batch::parse_bytes(v).is_none() {
                    return bad(
                        "memory",
                        v,
                        "write a positive size such as \"2GiB\" or \"512MiB\"",
                    );
                }
            }
            if let Some(v) = batch.latency_scope.as_deref() {
                if !matches!(v, "batch" | "request") {
                    return bad("latency_scope", v, "use \"batch\" or \"request\"");
                }
            }
        }
        let mut renamed = std::collections::BTreeSet::new();
        for rename in &config.renames {
            if rename.from.trim().is_empty()
                || rename.to.trim().is_empty()
                || rename.from == rename.to
            {
                return Err(Error::malformed(
                    origin,
                    format!(
                        "[[rename]] from = {:?} to = {:?} does not name two different ids",
                        rename.from, rename.to
                    ),
                    "give the old and the new `suite/id`",
                ));
            }
            if !renamed.insert(rename.from.as_str()) {
                return Err(Error::malformed(
                    origin,
                    format!("[[rename]] renames {:?} twice", rename.from),
                    "keep one entry per old id",
                ));
            }
        }
        Ok(Self {
            defaults: config.defaults,
            suites: config.suites,
            learned: BTreeMap::new(),
            stored: 0,
            benchmarks,
            metrics,
            charts: config.charts,
            discovery: config.discovery,
            batch: config.batch,
            renames: config.renames,
        })
    }

    /// This policy with time thresholds learned from each benchmark's own
    /// history (see `history::learned_thresholds`), keyed by `suite/id`.
    /// Benchmarks that already have one from the history store keep it.
    pub fn with_learned_time_thresholds(mut self, learned: BTreeMap<String, f64>) -> Self {
        for (key, threshold) in learned {
            self.learned.entry(key).or_insert(threshold);
        }
        self
    }

    /// This policy with time thresholds learned from the history store's
    /// runs (`benchgate-history`), which take precedence over those of
    /// committed baseline versions.
    pub fn with_stored_time_thresholds(mut self, learned: BTreeMap<String, f64>) -> Self {
        self.stored = learned.len();
        self.learned.extend(learned);
        self
    }

    /// How many benchmarks have a threshold learned from the history store.
    pub fn stored_count(&self) -> usize {
        self.stored
    }

    /// How many benchmarks have a learned time threshold.
    pub fn learned_count(&self) -> usize {
        self.learned.len()
    }

    /// Relative time change that counts as a real change for `suite/id`:
    /// an explicit `[[benchmark]]` override, else the threshold learned from
    /// the benchmark's history, else the suite's, else the default.
    pub fn time_threshold(&self, suite: &str, key: &str) -> f64 {
        last_match(&self.benchmarks, key)
            .or_else(|| self.learned.get(key).copied())
            .or_else(|| self.suites.get(suite).and_then(|s| s.time_threshold))
            .unwrap_or(self.defaults.time_threshold)
    }

    /// Seconds of interleaved measurement `pr-check` gives `suite`.
    pub fn pr_budget_secs(&self, suite: &str) -> f64 {
        60.0 * self
            .suites
            .get(suite)
            .and_then(|s| s.pr_budget_minutes)
            .unwrap_or(self.defaults.pr_budget_minutes)
    }

    /// Relative change that counts in a paired A/B comparison of `suite`.
    pub fn paired_threshold(&self, suite: &str) -> f64 {
        self.suites
            .get(suite)
            .and_then(|s| s.paired_threshold)
            .unwrap_or(self.defaults.paired_threshold)
    }

    /// Relative change that counts for the metric `name` whose key is
    /// `suite/benchmark/name`. Instruction counts (`callgrind.*`, `dhat.*`)
    /// have their own default.
    pub fn metric_threshold(&self, suite: &str, key: &str, name: &str) -> f64 {
        let suite_thresholds = self.suites.get(suite);
        let fallback = if MetricKind::of_metric(name).is_counted() {
            suite_thresholds
                .and_then(|s| s.instruction_threshold)
                .unwrap_or(self.defaults.instruction_threshold)
        } else {
            suite_thresholds
                .and_then(|s| s.metric_threshold)
                .unwrap_or(self.defaults.metric_threshold)
        };
        last_match(&self.metrics, key).unwrap_or(fallback)
    }
}

fn last_match(overrides: &[(GlobMatcher, f64)], key: &str) -> Option<f64> {
    overrides
        .iter()
        .rev()
        .find(|(glob, _)| glob.is_match(key))
        .map(|(_, threshold)| *threshold)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(text: &str) -> Result<Policy> {
        Policy::parse(text, Path::new("benchgate.toml"))
    }

    #[test]
    fn resolution_order_is_benchmark_then_suite_then_default() {
        let p = policy(
            r#"
            [defaults]
            time_threshold = 0.05
            [suites.stats]
            time_threshold = 0.07
            metric_threshold = 0.2
            [[benchmark]]
            pattern = "stats/summary_streaming*/*"
            time_threshold = 0.10
            [[benchmark]]
            pattern = "stats/summary_streaming_parallel/*"
            time_threshold = 0.15
            [[metric]]
            pattern = "*/recall@10"
            threshold = 0.01
            "#,
        )
        .unwrap();
        assert_eq!(
            p.time_threshold("stats", "stats/summary_one_shot/100"),
            0.07
        );
        assert_eq!(
            p.time_threshold("stats", "stats/summary_streaming/100"),
            0.10
        );
        assert_eq!(
            p.time_threshold("stats", "stats/summary_streaming_parallel/100"),
            0.15
        );
        assert_eq!(
            p.time_threshold("tokenization", "tokenization/encode/1"),
            0.05
        );
        let metric = |suite: &str, key: &str| {
            let name = key.rsplit('/').next().unwrap();
            p.metric_threshold(suite, key, name)
        };
        assert_eq!(metric("memstore", "memstore/search/100000/recall@10"), 0.01);
        assert_eq!(metric("stats", "stats/x/p99_relative_error"), 0.2);
        assert_eq!(metric("other", "other/x/y"), DEFAULT_METRIC_THRESHOLD);
        assert_eq!(
            metric("stats", "stats/iai/one_shot/callgrind.Ir"),
            DEFAULT_INSTRUCTION_THRESHOLD
        );
    }

    #[test]
    fn errors_name_the_file_and_the_problem() {
        let unknown = policy("[defaults]\ntime_treshold = 0.05\n")
            .unwrap_err()
            .to_string();
        assert!(
            unknown.starts_with("benchgate.toml: invalid configuration"),
            "{unknown}"
        );
        assert!(unknown.contains("time_treshold"), "{unknown}");
        let range = policy("[defaults]\nalpha = 0.9\n").unwrap_err().to_string();
        assert!(
            range.contains("defaults.alpha = 0.9 is out of range"),
            "{range}"
        );
        let glob = policy("[[benchmark]]\npattern = \"a[\"\ntime_threshold = 0.1\n")
            .unwrap_err()
            .to_string();
        assert!(glob.contains("bad benchmark pattern"), "{glob}");
    }

    #[test]
    fn pr_check_budgets_resolve_per_suite_and_refuse_nonsense() {
        let p = policy(
            "[defaults]\npr_budget_minutes = 5\n[suites.memstore]\npr_budget_minutes = 12\n",
        )
        .unwrap();
        assert_eq!(p.pr_budget_secs("memstore"), 720.0);
        assert_eq!(p.pr_budget_secs("stats"), 300.0);
        let embedded = Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap();
        assert_eq!(
            embedded.pr_budget_secs("stats"),
            DEFAULT_PR_BUDGET_MINUTES * 60.0
        );
        for bad in ["-1", "0", "nan", "1e9"] {
            let error = policy(&format!("[suites.stats]\npr_budget_minutes = {bad}\n"))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("suites.stats.pr_budget_minutes"),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn batch_defaults_are_checked_when_loaded() {
        let p = policy("[batch.inference]\nlatency_budget = \"40ms\"\nmemory = \"2GiB\"\nlatency_scope = \"request\"\n").unwrap();
        assert_eq!(p.batch["inference"].latency_budget.as_deref(), Some("40ms"));
        let err = policy("[batch.inference]\nlatency_budget = \"fast\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("batch.inference.latency_budget = \"fast\""),
            "{err}"
        );
        let err = policy("[batch.inference]\nmemory = \"2 gigs\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("batch.inference.memory"), "{err}");
        let err = policy("[batch.inference]\nlatency_scope = \"token\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("use \"batch\" or \"request\""), "{err}");
    }

    #[test]
    fn missing_file_means_embedded_defaults() {
        let p = Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap();
        assert_eq!(p.defaults.time_threshold, DEFAULT_TIME_THRESHOLD);
        assert_eq!(p.defaults.alpha, DEFAULT_ALPHA);
    }
}

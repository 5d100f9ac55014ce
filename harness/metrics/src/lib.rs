//! Custom benchmark metrics: the tiny API a suite calls during its bench run.
//!
//! Criterion only measures time. Many hot paths also have a number that must
//! not get worse — recall@10, cache hit rate, tokens/s, peak bytes, p99
//! latency. A suite records those here; `benchgate collect` ingests them into
//! the same run file as the times and `benchgate compare` gates them with the
//! same thresholds machinery.
//!
//! ```no_run
//! use benchgate_metrics::{recorder, Direction, Metric};
//!
//! let metrics = recorder!(); // this crate's suite, from its package name
//! metrics
//!     .record(&Metric::new("summary_streaming/100000", "p99_relative_error", 0.0004, "ratio", Direction::LowerIsBetter))
//!     .expect("metric written");
//! ```
//!
//! Records are appended as JSON lines to `<dir>/<suite>.jsonl`, where `<dir>`
//! is `$BENCHGATE_METRICS_DIR` (set by `benchgate gate`) or, outside the gate,
//! `<target dir>/benchgate/metrics`. The crate depends only on serde so that
//! any workload can use it without pulling in the harness.
//!
//! It also holds what every suite's criterion bench target shares: the
//! `main` that runs criterion and then records the metrics
//! ([`bench_main!`], [`run_suite`]), the set of benchmarks the filter let
//! run ([`Selection`]), and the order statistics metrics are summarised
//! with ([`median`], [`nearest_rank`]), and how often a metric phase
//! repeats inside one process, alone or under paired rounds ([`InnerRounds`]).

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub mod batch;
pub mod fixture;
mod quantile;
mod rounds;
mod suite;

pub use quantile::{median, nearest_rank};
pub use rounds::{InnerRounds, PAIRED_ENV, in_paired_rounds};
pub use suite::{Selection, run_suite};

/// Environment variable naming the directory metrics are written to.
pub const METRICS_DIR_ENV: &str = "BENCHGATE_METRICS_DIR";
/// Environment variable naming the suite; defaults to the bench's package name.
pub const SUITE_ENV: &str = "BENCHGATE_SUITE";

/// Which way a metric should move. Times are always lower-is-better; custom
/// metrics say so explicitly because recall or throughput dropping is the
/// regression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    LowerIsBetter,
    HigherIsBetter,
}

/// One custom metric observation set.
///
/// `value` is the headline number. `samples` optionally carries repeated
/// observations (for example per-round p99 latencies); when both the baseline
/// and the current run have at least two samples, the comparison uses the
/// same bootstrap interval and significance test as for times.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// Suite the metric belongs to (the bench crate's name); filled in by
    /// the [`Recorder`].
    pub suite: String,
    /// Benchmark the metric describes, e.g. `summary_streaming/100000`.
    pub benchmark: String,
    /// Metric name, e.g. `recall@10`.
    pub name: String,
    pub value: f64,
    /// Unit as shown to people, e.g. `ratio`, `tokens/s`, `bytes`, `ns`.
    pub unit: String,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
    /// The value does not depend on the machine's speed (instruction
    /// counts, recall, bytes), so it may be compared with a baseline
    /// recorded on another machine; wall-time-like metrics never are.
    #[serde(default, skip_serializing_if = "is_false")]
    pub portable: bool,
    /// How an instruction count came about (callgrind counts only): what
    /// tells a code change from a change in where code and data landed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<Execution>,
}

/// What a benchmark executed under callgrind, reduced to what decides
/// whether two counts differ by code or by placement: a digest of
/// everything that ran except the C library's heap allocator and its
/// string routines, and those two's instructions. Two builds that run the
/// same code on the same data give the same digest; where the heap's top
/// and free chunks happened to lie shows only in the allocator's work,
/// where buffers start only in the string routines' loop trips, and both
/// in the simulated cache.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Execution {
    /// SHA-256 (hex) over every function that ran outside the allocator
    /// and the string routines: its object (the benchmark executable, or
    /// a shared library's file name), name, own instructions, data reads
    /// and data writes; and over how often each such function called each
    /// string routine.
    pub digest: String,
    /// Instructions executed inside the allocator (`malloc`, `free` and
    /// their internals: bins, trimming, `sbrk`).
    pub allocator_ir: u64,
    /// Instructions executed inside the C library's string and memory
    /// routines (`memcpy`, `memset`, `strlen`, … in their CPU variants).
    /// Runs recorded before it was kept read as 0 (their digests, made
    /// without the routines' calls, match no newer one).
    #[serde(default)]
    pub string_ir: u64,
    /// Calls made to those routines.
    #[serde(default)]
    pub string_calls: u64,
}

fn is_false(value: &bool) -> bool {
    !value
}

impl Metric {
    pub fn new(
        benchmark: impl Into<String>,
        name: impl Into<String>,
        value: f64,
        unit: impl Into<String>,
        direction: Direction,
    ) -> Self {
        Self {
            suite: String::new(),
            benchmark: benchmark.into(),
            name: name.into(),
            value,
            unit: unit.into(),
            direction,
            samples: Vec::new(),
            portable: false,
            execution: None,
        }
    }

    /// Mark the value as independent of the machine's speed (see
    /// [`Metric::portable`]).
    pub fn portable(mut self) -> Self {
        self.portable = true;
        self
    }

    /// Attach repeated observations; `value` stays the headline number.
    pub fn with_samples(mut self, samples: impl Into<Vec<f64>>) -> Self {
        self.samples = samples.into();
        self
    }
}

/// A recorder for the calling crate's suite: `$BENCHGATE_SUITE` when the
/// gate set it, else the calling package's name.
#[macro_export]
macro_rules! recorder {
    () => {
        $crate::Recorder::from_env(env!("CARGO_PKG_NAME"))
    };
}

/// Appends metrics of one suite to `<dir>/<suite>.jsonl`.
#[derive(Debug, Clone)]
pub struct Recorder {
    suite: String,
    dir: PathBuf,
}

impl Recorder {
    /// Record into an explicit directory under an explicit suite name.
    pub fn new(suite: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        Self {
            suite: suite.into(),
            dir: dir.into(),
        }
    }

    /// Suite from `$BENCHGATE_SUITE`, else `package_name` (bench binaries
    /// do not see cargo's package variables at run time, hence the
    /// [`recorder!`] macro that captures it at compile time); directory from
    /// [`metrics_dir`].
    pub fn from_env(package_name: &str) -> Self {
        let suite = std::env::var(SUITE_ENV)
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| package_name.to_owned());
        Self::new(suite, metrics_dir())
    }

    pub fn suite(&self) -> &str {
        &self.suite
    }

    /// Record every metric and report each on standard output, so the bench
    /// log shows what the gate will see. Stops at the first failure, naming
    /// the metric.
    pub fn record_all(&self, metrics: &[Metric]) -> io::Result<()> {
        for metric in metrics {
            let path = self.record(metric).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("{}/{}: {e}", metric.benchmark, metric.name),
                )
            })?;
            println!(
                "metric {}/{} = {} {} -> {}",
                metric.benchmark,
                metric.name,
                metric.value,
                metric.unit,
                path.display()
            );
        }
        Ok(())
    }

    /// Append `metric` (tagged with this recorder's suite) and return the file.
    pub fn record(&self, metric: &Metric) -> io::Result<PathBuf> {
        if !metric.value.is_finite() || metric.samples.iter().any(|s| !s.is_finite()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "metric {}/{} has a non-finite value; record a finite number",
                    metric.benchmark, metric.name
                ),
            ));
        }
        let metric = Metric {
            suite: self.suite.clone(),
            ..metric.clone()
        };
        fs::create_dir_all(&self.dir)?;
        let path = self.dir.join(format!("{}.jsonl", self.suite));
        let mut line = serde_json::to_string(&metric).map_err(io::Error::other)?;
        line.push('\n');
        // One write per record keeps concurrent appenders from interleaving lines.
        OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)?
            .write_all(line.as_bytes())?;
        Ok(path)
    }
}

/// Whether this bench binary was started by criterion to measure, rather
/// than to list (`--list`), smoke-test (`--test`, or no `--bench` as under
/// `cargo test --benches`) or profile (`--profile-time`). Metrics should be
/// recorded only when it was: a smoke test's numbers are not measurements.
///
/// criterion keeps its mode private; this mirrors the decision in
/// `Criterion::configure_from_args` (criterion 0.8).
pub fn criterion_is_measuring() -> bool {
    criterion_measures_with(std::env::args().skip(1))
}

fn criterion_measures_with(args: impl IntoIterator<Item = String>) -> bool {
    let args: Vec<String> = args.into_iter().collect();
    let given = |flag: &str| {
        args.iter().any(|arg| {
            arg == flag
                || arg
                    .strip_prefix(flag)
                    .is_some_and(|rest| rest.starts_with('='))
        })
    };
    given("--bench") && !given("--test") && !given("--list") && !given("--profile-time")
}

/// Directory metrics are written to in this process.
pub fn metrics_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(METRICS_DIR_ENV).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    target_dir().join("benchgate").join("metrics")
}

/// Cargo's target directory as seen from a bench binary: `$CARGO_TARGET_DIR`,
/// else the `target/` beside the outermost `Cargo.toml` above the working
/// directory (cargo runs benches from the package root, inside the workspace).
fn target_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let root = cwd
        .ancestors()
        .filter(|dir| dir.join("Cargo.toml").is_file())
        .last()
        .unwrap_or(&cwd);
    root.join("target")
}

/// Read every metric of a metrics file written by a [`Recorder`].
///
/// Errors carry the 1-based line number so a broken file can be found.
pub fn read_metrics_file(path: &Path) -> Result<Vec<Metric>, ReadError> {
    let text = fs::read_to_string(path).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|source| ReadError::Parse {
                path: path.to_owned(),
                line: index + 1,
                source,
            })
        })
        .collect()
}

/// Why a metrics file could not be read.
#[derive(Debug)]
pub enum ReadError {
    Io {
        path: PathBuf,
        source: io::Error,
    },
    Parse {
        path: PathBuf,
        line: usize,
        source: serde_json::Error,
    },
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path, line, source } => write!(
                f,
                "{}:{line}: not a benchgate metric record ({source}); delete the file and re-run the suite",
                path.display()
            ),
        }
    }
}

impl std::error::Error for ReadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            Self::Parse { source, .. } => Some(source),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric(name: &str, value: f64) -> Metric {
        Metric::new(
            "summary/streaming/100",
            name,
            value,
            "ratio",
            Direction::LowerIsBetter,
        )
    }

    #[test]
    fn records_append_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let recorder = Recorder::new("stats", dir.path());
        let first = metric("p99_relative_error", 0.001);
        let second = metric("p50_relative_error", 0.002).with_samples(vec![0.002, 0.0021]);
        let path = recorder.record(&first).unwrap();
        assert_eq!(recorder.record(&second).unwrap(), path);
        recorder.record_all(std::slice::from_ref(&first)).unwrap();
        assert_eq!(path.file_name().unwrap(), "stats.jsonl");
        let read = read_metrics_file(&path).unwrap();
        assert_eq!(read.len(), 3);
        assert!(read.iter().all(|m| m.suite == "stats"));
        assert_eq!(
            (read[0].name.as_str(), read[1].samples.len()),
            ("p99_relative_error", 2)
        );
    }

    #[test]
    fn the_macro_names_the_calling_package() {
        if std::env::var_os(SUITE_ENV).is_none() {
            assert_eq!(recorder!().suite(), "benchgate-metrics");
        }
    }

    #[test]
    fn measuring_only_under_cargo_bench_without_list_test_or_profiling() {
        let args = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(criterion_measures_with(args(&["--bench", "--noplot"])));
        assert!(!criterion_measures_with(args(&["--bench", "--list"])));
        assert!(!criterion_measures_with(args(&["--bench", "--test"])));
        assert!(!criterion_measures_with(args(&[
            "--bench",
            "--profile-time=5"
        ])));
        assert!(
            !criterion_measures_with(args(&[])),
            "cargo test --benches passes no --bench"
        );
    }

    #[test]
    fn non_finite_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = Recorder::new("stats", dir.path())
            .record(&metric("bad", f64::NAN))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(!dir.path().join("stats.jsonl").exists());
    }

    #[test]
    fn broken_line_is_reported_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.jsonl");
        let good = serde_json::to_string(&metric("ok", 1.0)).unwrap();
        fs::write(&path, format!("{good}\n{{not json\n")).unwrap();
        let message = read_metrics_file(&path).unwrap_err().to_string();
        assert!(message.contains("stats.jsonl:2"), "{message}");
    }
}

//! Custom benchmark metrics: the tiny API a suite calls during its bench run.
//!
//! Criterion only measures time. Many hot paths also have a number that must
//! not get worse — recall@10, cache hit rate, tokens/s, peak bytes, p99
//! latency. A suite records those here; `benchgate collect` ingests them into
//! the same run file as the times and `benchgate compare` gates them with the
//! same thresholds machinery.
//!
//! ```no_run
//! use benchgate_metrics::{Direction, Metric};
//!
//! Metric::new("stats/streaming", "p99_relative_error", 0.0004, "ratio", Direction::LowerIsBetter)
//!     .record()
//!     .expect("metric written");
//! ```
//!
//! Records are appended as JSON lines to `<dir>/<suite>.jsonl`, where `<dir>`
//! is `$BENCHGATE_METRICS_DIR` (set by `benchgate gate`) or, outside the gate,
//! `<target dir>/benchgate/metrics`. The crate depends only on serde so that
//! any workload can use it without pulling in the harness.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

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
    /// Suite the metric belongs to (the bench crate's name).
    pub suite: String,
    /// Benchmark the metric describes, e.g. `summary/streaming/100000`.
    pub benchmark: String,
    /// Metric name, e.g. `recall@10`.
    pub name: String,
    pub value: f64,
    /// Unit as shown to people, e.g. `ratio`, `tokens/s`, `bytes`, `ns`.
    pub unit: String,
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<f64>,
}

impl Metric {
    /// A metric of the current suite (`$BENCHGATE_SUITE`, else the package
    /// name cargo exports to bench binaries at compile time).
    pub fn new(
        benchmark: impl Into<String>,
        name: impl Into<String>,
        value: f64,
        unit: impl Into<String>,
        direction: Direction,
    ) -> Self {
        Self {
            suite: current_suite(),
            benchmark: benchmark.into(),
            name: name.into(),
            value,
            unit: unit.into(),
            direction,
            samples: Vec::new(),
        }
    }

    /// Attach repeated observations; `value` stays the headline number.
    pub fn with_samples(mut self, samples: impl Into<Vec<f64>>) -> Self {
        self.samples = samples.into();
        self
    }

    /// Append this metric to the metrics file of its suite.
    pub fn record(&self) -> io::Result<PathBuf> {
        self.record_in(&metrics_dir())
    }

    /// Append this metric to `<dir>/<suite>.jsonl`.
    pub fn record_in(&self, dir: &Path) -> io::Result<PathBuf> {
        if !self.value.is_finite() || self.samples.iter().any(|s| !s.is_finite()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "metric {}/{} has a non-finite value; record a finite number",
                    self.benchmark, self.name
                ),
            ));
        }
        fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.jsonl", self.suite));
        let mut line = serde_json::to_string(self).map_err(io::Error::other)?;
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

/// The suite name used for records made in this process.
pub fn current_suite() -> String {
    std::env::var(SUITE_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("CARGO_PKG_NAME").ok())
        .unwrap_or_else(|| "unknown".to_owned())
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

/// Read every metric of a metrics file written by [`Metric::record_in`].
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
        Metric {
            suite: "stats".into(),
            benchmark: "summary/streaming/100".into(),
            name: name.into(),
            value,
            unit: "ratio".into(),
            direction: Direction::LowerIsBetter,
            samples: vec![],
        }
    }

    #[test]
    fn records_append_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let first = metric("p99_relative_error", 0.001);
        let second = metric("p50_relative_error", 0.002).with_samples(vec![0.002, 0.0021]);
        let path = first.record_in(dir.path()).unwrap();
        assert_eq!(second.record_in(dir.path()).unwrap(), path);
        assert_eq!(path.file_name().unwrap(), "stats.jsonl");
        assert_eq!(read_metrics_file(&path).unwrap(), vec![first, second]);
    }

    #[test]
    fn non_finite_values_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = metric("bad", f64::NAN).record_in(dir.path()).unwrap_err();
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

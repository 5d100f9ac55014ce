//! iai-callgrind's `summary.json` (schema v6, iai-callgrind 0.16), mirrored
//! as plain serde structs — only the parts benchgate reads.
//!
//! Each benchmark run writes one file:
//! `<home>/<package>/<bench target>/<group>/<function>.<id>/summary.json`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;
use serde::de::IgnoredAny;

/// The schema version benchgate was written against.
pub const SUPPORTED_VERSION: &str = "6";

#[derive(Debug, Clone, Deserialize)]
pub struct Summary {
    pub version: String,
    /// `bench_file::group::function`.
    pub module_path: String,
    pub function_name: String,
    /// The `#[bench::id(...)]` id, if any.
    pub id: Option<String>,
    /// The benchmark executable valgrind ran: the object whose own work
    /// the callgrind profile's digest covers.
    #[serde(default)]
    pub benchmark_exe: Option<PathBuf>,
    pub profiles: Vec<Profile>,
}

/// One valgrind tool's run (callgrind, DHAT, ...).
#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    pub tool: String,
    pub summaries: ProfileData,
    /// The tool's output files (callgrind: one profile per thread).
    #[serde(default)]
    pub out_paths: Vec<PathBuf>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProfileData {
    pub total: ProfileTotal,
    pub parts: IgnoredAny,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProfileTotal {
    pub summary: ToolMetricSummary,
}

/// Metrics per tool, keyed by metric name (`Ir`, `EstimatedCycles`, ...).
#[derive(Debug, Clone, Deserialize)]
pub enum ToolMetricSummary {
    None,
    ErrorTool(BTreeMap<String, MetricsDiff>),
    Dhat(BTreeMap<String, MetricsDiff>),
    Callgrind(BTreeMap<String, MetricsDiff>),
    Cachegrind(BTreeMap<String, MetricsDiff>),
}

/// A metric of this run (`Left`, "new") and possibly of the previous one.
#[derive(Debug, Clone, Deserialize)]
pub struct MetricsDiff {
    pub metrics: EitherOrBoth,
}

#[derive(Debug, Clone, Deserialize)]
pub enum EitherOrBoth {
    Both(Metric, Metric),
    Left(Metric),
    Right(Metric),
}

impl EitherOrBoth {
    /// The value of this run, if it measured the metric.
    pub fn new_value(&self) -> Option<f64> {
        match self {
            Self::Both(new, _) | Self::Left(new) => Some(new.value()),
            Self::Right(_) => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub enum Metric {
    Int(u64),
    Float(f64),
}

impl Metric {
    pub fn value(self) -> f64 {
        match self {
            Self::Int(n) => n as f64,
            Self::Float(x) => x,
        }
    }
}

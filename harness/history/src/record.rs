//! What the history keeps of a run: its provenance and, per benchmark and
//! metric, the summary the gate uses — never the raw samples. The same
//! record is a row set in the store and one JSON file on the data branch.

use serde::{Deserialize, Serialize};

use benchgate_core::run::{Benchmark, Direction, MetricKind, MetricRecord, Run, metric_typical};
use benchgate_core::stats::{CONFIDENCE_LEVEL, quantile_of_sorted};

/// Version of the record layout (data-branch files and store rows). Readers
/// refuse newer versions instead of misreading them.
pub const RECORD_VERSION: u32 = 1;

/// The metric name of a benchmark's wall time in the history.
pub const TIME_METRIC: &str = "time";

/// Who measured a run, where and on what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProvenance {
    /// Full commit id measured; `None` outside git.
    pub commit: Option<String>,
    /// First parent of `commit`, when the repository was at hand.
    pub parent: Option<String>,
    /// The commit's subject line, when the repository was at hand.
    pub subject: Option<String>,
    pub branch: Option<String>,
    /// The run measured uncommitted changes.
    pub dirty: bool,
    /// When the run was measured, Unix seconds (UTC).
    pub measured_at: i64,
    pub machine: String,
    /// `rustc -V`, when known.
    pub toolchain: Option<String>,
    /// `full`, `quick`, `external`, `ab-base` or `ab-head`.
    pub profile: String,
}

/// One benchmark's or metric's summary in one run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// `suite/id` of a benchmark, `suite/benchmark` of a custom metric.
    pub key: String,
    /// [`TIME_METRIC`] for a benchmark's wall time, else the metric's name.
    pub metric: String,
    /// `time`, `instruction_count`, `simulated_cache_misses` or `custom`.
    pub kind: String,
    pub unit: String,
    /// `lower_is_better` or `higher_is_better`.
    pub direction: String,
    /// The typical value the gate compares (a low quantile of times, the
    /// median of a metric's samples).
    pub typical: f64,
    /// Distribution-free interval of `typical` at [`CONFIDENCE_LEVEL`]
    /// (order statistics around its rank); the value itself without samples.
    pub lower: f64,
    pub upper: f64,
    /// How many samples the summary is of (1 for a single recorded value).
    pub samples: u64,
    /// Mean and standard deviation of the samples: with `typical` and its
    /// interval, what a verdict between two stored runs needs.
    pub mean: f64,
    pub std_dev: f64,
}

/// A run as the history keeps it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub record_version: u32,
    pub provenance: RunProvenance,
    /// Sorted by (key, metric).
    pub summaries: Vec<Summary>,
}

/// What git adds to a run's own provenance: the commit's parent and subject.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommitInfo {
    pub parent: Option<String>,
    pub subject: Option<String>,
}

impl RunRecord {
    /// The record of `run`, with `commit` looked up by the caller.
    pub fn from_run(run: &Run, commit: CommitInfo) -> Self {
        let mut summaries: Vec<Summary> = run
            .benchmarks
            .iter()
            .filter_map(benchmark_summary)
            .chain(run.metrics.iter().map(metric_summary))
            .collect();
        summaries.sort_by(|a, b| (&a.key, &a.metric).cmp(&(&b.key, &b.metric)));
        Self {
            record_version: RECORD_VERSION,
            provenance: RunProvenance {
                commit: run.git.as_ref().map(|g| g.commit.clone()),
                parent: commit.parent,
                subject: commit.subject,
                branch: run.git.as_ref().and_then(|g| g.branch.clone()),
                dirty: run.git.as_ref().is_some_and(|g| g.dirty),
                measured_at: run.created_at.unix_timestamp(),
                machine: run.machine.id.clone(),
                toolchain: run.tools.rustc.clone(),
                profile: run.profile.label().to_owned(),
            },
            summaries,
        }
    }

    /// A stable identity of the record's content: the same run ingested
    /// twice (or synced from the data branch after a local ingest) is one.
    pub fn digest(&self) -> String {
        let text = serde_json::to_string(self).unwrap_or_default();
        // FNV-1a, 64 bits twice with different offsets: stable across
        // platforms and releases, unlike `DefaultHasher`.
        let fnv = |offset: u64| {
            text.bytes().fold(offset, |hash, byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
            })
        };
        format!(
            "{:016x}{:016x}",
            fnv(0xcbf2_9ce4_8422_2325),
            fnv(0x6c62_272e_07bb_0142)
        )
    }

    /// The first thing in the record no run can produce, described.
    pub fn first_invalid(&self) -> Option<String> {
        if self.record_version > RECORD_VERSION {
            return Some(format!(
                "record_version {} is newer than this benchgate reads ({RECORD_VERSION}); upgrade benchgate",
                self.record_version
            ));
        }
        if self.provenance.machine.trim().is_empty() {
            return Some("the machine id is empty".into());
        }
        self.summaries.iter().find_map(|s| {
            let numbers = [s.typical, s.lower, s.upper, s.mean, s.std_dev];
            if s.key.trim().is_empty() || s.metric.trim().is_empty() {
                Some(format!(
                    "a summary has an empty key or metric (`{}`)",
                    s.key
                ))
            } else if numbers.iter().any(|x| !x.is_finite()) {
                Some(format!(
                    "{} [{}] holds a NaN or infinite number",
                    s.key, s.metric
                ))
            } else {
                None
            }
        })
    }
}

/// The interval's ranks for the `q`-quantile of `n` sorted samples: the
/// normal approximation to the binomial count of samples below it.
fn quantile_interval(sorted: &[f64], q: f64) -> Option<(f64, f64)> {
    let n = sorted.len() as f64;
    if sorted.is_empty() {
        return None;
    }
    // z for the two-sided CONFIDENCE_LEVEL (0.95 → 1.96).
    let z = if (CONFIDENCE_LEVEL - 0.95).abs() < 1e-9 {
        1.959_963_984_540_054
    } else {
        2.575_829_303_548_9
    };
    let spread = z * (n * q * (1.0 - q)).sqrt();
    let low = (n * q - spread).floor().max(0.0) / (n - 1.0).max(1.0);
    let high = (n * q + spread).ceil().min(n - 1.0) / (n - 1.0).max(1.0);
    Some((
        quantile_of_sorted(sorted, low)?,
        quantile_of_sorted(sorted, high)?,
    ))
}

fn moments(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let variance = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, variance.sqrt())
}

fn benchmark_summary(benchmark: &Benchmark) -> Option<Summary> {
    let typical = benchmark.typical_ns()?;
    let mut sorted = benchmark.samples_ns.clone();
    sorted.sort_by(f64::total_cmp);
    let (lower, upper) = quantile_interval(&sorted, benchgate_core::stats::TYPICAL_QUANTILE)?;
    let (mean, std_dev) = moments(&sorted);
    Some(Summary {
        key: benchmark.key(),
        metric: TIME_METRIC.to_owned(),
        kind: "time".to_owned(),
        unit: "ns".to_owned(),
        direction: direction_label(Direction::LowerIsBetter).to_owned(),
        typical,
        lower: lower.min(typical),
        upper: upper.max(typical),
        samples: sorted.len() as u64,
        mean,
        std_dev,
    })
}

fn metric_summary(metric: &MetricRecord) -> Summary {
    let typical = metric_typical(metric);
    let mut sorted = metric.samples.clone();
    sorted.sort_by(f64::total_cmp);
    let (lower, upper) = quantile_interval(&sorted, 0.5).unwrap_or((typical, typical));
    let (mean, std_dev) = if sorted.is_empty() {
        (metric.value, 0.0)
    } else {
        moments(&sorted)
    };
    Summary {
        key: format!("{}/{}", metric.suite, metric.benchmark),
        metric: metric.name.clone(),
        kind: kind_label(MetricKind::of_metric(&metric.name)).to_owned(),
        unit: metric.unit.clone(),
        direction: direction_label(metric.direction).to_owned(),
        typical,
        lower: lower.min(typical),
        upper: upper.max(typical),
        samples: sorted.len().max(1) as u64,
        mean,
        std_dev,
    }
}

fn kind_label(kind: MetricKind) -> &'static str {
    match kind {
        MetricKind::Time => "time",
        MetricKind::InstructionCount => "instruction_count",
        MetricKind::SimulatedCacheMisses { .. } => "simulated_cache_misses",
        MetricKind::Custom => "custom",
    }
}

fn direction_label(direction: Direction) -> &'static str {
    match direction {
        Direction::LowerIsBetter => "lower_is_better",
        Direction::HigherIsBetter => "higher_is_better",
    }
}

/// A summary's direction: does a larger value mean worse?
pub fn higher_is_worse(direction: &str) -> bool {
    direction != direction_label(Direction::HigherIsBetter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_interval_brackets_the_quantile() {
        let sorted: Vec<f64> = (0..100).map(f64::from).collect();
        let (low, high) = quantile_interval(&sorted, 0.5).unwrap();
        assert!(low < 49.5 && high > 49.5, "{low} {high}");
        assert!(low >= 38.0 && high <= 61.0, "{low} {high}");
        assert_eq!(quantile_interval(&[3.0], 0.05), Some((3.0, 3.0)));
    }
}

//! Criterion's private on-disk formats, mirrored as plain serde structs.
//!
//! Two generations exist. The current one (unchanged from criterion 0.4 to
//! 0.8: checked in each release's `fs.rs`, `estimate.rs`, `report.rs` and
//! `SavedSample`; only the `Throughput` variants grew, `Bits` in 0.7 and
//! `ElementsAndBytes` in 0.8) has snake_case estimate keys and `sample.json` as an object; older
//! releases keyed estimates by PascalCase statistic names and stored samples
//! as a `[[iters], [times]]` pair (criterion's own book still shows them). `benchmark.json` has kept
//! its shape, gaining `title` and the `ElementsAndBytes` throughput later.
//! All times are nanoseconds.

use serde::Deserialize;

/// `benchmark.json`: the benchmark's identity. `directory_name` is the
/// file-safe, 64-byte-truncated form of the id; `full_id` is the real one.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchmarkId {
    pub group_id: String,
    pub function_id: Option<String>,
    pub value_str: Option<String>,
    pub throughput: Option<Throughput>,
    pub full_id: String,
    pub directory_name: String,
    #[serde(default)]
    pub title: Option<String>,
}

/// Criterion's throughput declaration, externally tagged as it serializes it.
#[derive(Debug, Clone, Copy, Deserialize)]
pub enum Throughput {
    Bytes(u64),
    BytesDecimal(u64),
    Elements(u64),
    Bits(u64),
    ElementsAndBytes { elements: u64, bytes: u64 },
}

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct ConfidenceInterval {
    pub confidence_level: f64,
    pub lower_bound: f64,
    pub upper_bound: f64,
}

/// One bootstrapped statistic.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Estimate {
    pub confidence_interval: ConfidenceInterval,
    pub point_estimate: f64,
    pub standard_error: f64,
}

/// `estimates.json`, current format.
#[derive(Debug, Clone, Deserialize)]
pub struct Estimates {
    pub mean: Estimate,
    pub median: Estimate,
    pub median_abs_dev: Estimate,
    pub slope: Option<Estimate>,
    pub std_dev: Estimate,
}

/// `estimates.json`, legacy format (a map keyed by statistic name).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LegacyEstimates {
    pub mean: Estimate,
    pub median: Estimate,
    pub median_abs_dev: Estimate,
    #[serde(default)]
    pub slope: Option<Estimate>,
    pub std_dev: Estimate,
}

impl From<LegacyEstimates> for Estimates {
    fn from(legacy: LegacyEstimates) -> Self {
        Self {
            mean: legacy.mean,
            median: legacy.median,
            median_abs_dev: legacy.median_abs_dev,
            slope: legacy.slope,
            std_dev: legacy.std_dev,
        }
    }
}

/// How criterion chose iteration counts: `Linear` samples grow 1k, 2k, 3k…
/// iterations (enabling the slope estimate), `Flat` keep them equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
pub enum SamplingMode {
    Linear,
    Flat,
}

/// `sample.json`, current format: total time of each sample and its
/// iteration count.
#[derive(Debug, Clone, Deserialize)]
pub struct Samples {
    pub sampling_mode: Option<SamplingMode>,
    pub iters: Vec<f64>,
    pub times: Vec<f64>,
}

/// `sample.json`, legacy format: `[[iters], [times]]`.
#[derive(Debug, Clone, Deserialize)]
pub struct LegacySamples(pub Vec<f64>, pub Vec<f64>);

impl From<LegacySamples> for Samples {
    fn from(LegacySamples(iters, times): LegacySamples) -> Self {
        Self {
            sampling_mode: None,
            iters,
            times,
        }
    }
}

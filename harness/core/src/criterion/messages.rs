//! `cargo criterion --message-format=json`: one JSON message per line on
//! stdout, read into benchgate benchmark records.
//!
//! Under cargo-criterion the criterion library writes none of the files the
//! tree reader reads (cargo-criterion keeps its own private data), so these
//! messages are the output to gate on. A `benchmark-complete` message holds
//! the raw samples (`iteration_count`, `measured_values`) and criterion's
//! estimates; other messages (`group-complete`) are skipped. The format is
//! cargo-criterion's `message_formats/json.rs` (unchanged from 1.0 to 1.1).

use std::path::Path;

use serde::Deserialize;

use super::read::CriterionBenchmark;
use crate::error::{Error, Result};
use crate::run::{Benchmark, Estimate, Estimates, Throughput};

/// The `reason` of the message that describes one measured benchmark.
const BENCHMARK_COMPLETE: &str = "benchmark-complete";

/// The unit of wall-time values: criterion's `WallTime` measurement does
/// not scale them for machines. Any other unit is a custom measurement
/// (cycles, instructions…) that benchgate cannot judge as time.
const TIME_UNIT: &str = "ns";

/// The confidence level of the intervals in the messages, which do not
/// carry it: criterion's default (`Criterion::confidence_level`), which
/// cargo-criterion uses unless a benchmark overrides it.
const DEFAULT_CONFIDENCE_LEVEL: f64 = 0.95;

const FIX: &str = "write the file with `cargo criterion --message-format=json > FILE` (stdout only) and collect it again";

#[derive(Debug, Deserialize)]
struct Message {
    reason: String,
}

#[derive(Debug, Deserialize)]
struct BenchmarkComplete {
    id: String,
    iteration_count: Vec<f64>,
    measured_values: Vec<f64>,
    unit: String,
    #[serde(default)]
    throughput: Vec<MessageThroughput>,
    mean: Interval,
    median: Interval,
    median_abs_dev: Interval,
    slope: Option<Interval>,
}

#[derive(Debug, Deserialize)]
struct Interval {
    estimate: f64,
    lower_bound: f64,
    upper_bound: f64,
    unit: String,
}

#[derive(Debug, Deserialize)]
struct MessageThroughput {
    per_iteration: u64,
    unit: String,
}

/// Read every `benchmark-complete` message of `path` and tag it with
/// `suite`, sorted by id. Empty lines are skipped; a line that is not a
/// message, or a benchmark whose numbers cannot be times, is an error
/// naming the line.
pub fn read_cargo_criterion_messages(path: &Path, suite: &str) -> Result<Vec<CriterionBenchmark>> {
    let text = crate::input::read_text(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_owned(),
                fix: FIX.into(),
            }
        } else {
            Error::read(path, e)
        }
    })?;
    let mut found: Vec<CriterionBenchmark> = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at =
            |problem: String| Error::malformed(path, format!("line {}: {problem}", index + 1), FIX);
        let message: Message = serde_json::from_str(line)
            .map_err(|e| at(format!("not a cargo-criterion JSON message ({e})")))?;
        if message.reason != BENCHMARK_COMPLETE {
            continue;
        }
        let complete: BenchmarkComplete = serde_json::from_str(line)
            .map_err(|e| at(format!("unexpected `{BENCHMARK_COMPLETE}` layout ({e})")))?;
        let benchmark = benchmark(complete, suite).map_err(at)?;
        if found.iter().any(|f| f.benchmark.id == benchmark.id) {
            return Err(at(format!(
                "benchmark `{}` appears twice (one file per run of cargo criterion)",
                benchmark.id
            )));
        }
        found.push(CriterionBenchmark {
            dir: path.to_owned(),
            benchmark,
        });
    }
    if found.is_empty() {
        return Err(Error::malformed(
            path,
            format!("no `{BENCHMARK_COMPLETE}` message"),
            FIX,
        ));
    }
    found.sort_by(|a, b| a.benchmark.id.cmp(&b.benchmark.id));
    Ok(found)
}

fn benchmark(message: BenchmarkComplete, suite: &str) -> std::result::Result<Benchmark, String> {
    let id = message.id;
    let mut units = std::iter::once(&message.unit).chain(
        [&message.mean, &message.median, &message.median_abs_dev]
            .into_iter()
            .chain(&message.slope)
            .map(|i| &i.unit),
    );
    if let Some(unit) = units.find(|u| *u != TIME_UNIT) {
        return Err(format!(
            "benchmark `{id}` is measured in `{unit}`, not wall time in `{TIME_UNIT}` (benchgate gates criterion's default WallTime measurement)"
        ));
    }
    let counts = &message.iteration_count;
    let values = &message.measured_values;
    if values.is_empty() || counts.len() != values.len() {
        return Err(format!(
            "benchmark `{id}` has {} iteration counts and {} measured values",
            counts.len(),
            values.len()
        ));
    }
    if let Some(bad) = counts.iter().find(|c| !(c.is_finite() && **c > 0.0)) {
        return Err(format!(
            "benchmark `{id}`: iteration count {bad} is not positive"
        ));
    }
    if let Some(bad) = values.iter().find(|v| !(v.is_finite() && **v >= 0.0)) {
        return Err(format!(
            "benchmark `{id}`: measured value {bad} is not a time"
        ));
    }
    let samples_ns: Vec<f64> = values.iter().zip(counts).map(|(v, c)| v / c).collect();
    let throughput = match message.throughput.first() {
        None => None,
        Some(t) => Some(match t.unit.as_str() {
            "bytes" => Throughput::Bytes(t.per_iteration),
            "elements" => Throughput::Elements(t.per_iteration),
            other => {
                return Err(format!(
                    "benchmark `{id}` has a throughput in `{other}` (known: bytes, elements)"
                ));
            }
        }),
    };
    // criterion's ids are `group/function/parameter`; the messages give
    // only the whole, so the parts are its `/`-separated pieces.
    let parts: Vec<&str> = id.split('/').collect();
    let (group, function, parameter) = match parts.as_slice() {
        [group, function, parameter] => (*group, Some(*function), Some(*parameter)),
        [group, function] => (*group, Some(*function), None),
        _ => (id.as_str(), None, None),
    };
    let estimate = |i: &Interval| Estimate {
        point: i.estimate,
        lower: i.lower_bound,
        upper: i.upper_bound,
        confidence_level: DEFAULT_CONFIDENCE_LEVEL,
        // Not in the messages; the estimates are kept for reference only.
        standard_error: 0.0,
    };
    let std_dev = sample_std_dev(&samples_ns);
    Ok(Benchmark {
        suite: suite.to_owned(),
        group: group.to_owned(),
        function: function.map(str::to_owned),
        parameter: parameter.map(str::to_owned),
        throughput,
        sampling_mode: None,
        rounds: 1,
        estimates: Estimates {
            mean: estimate(&message.mean),
            median: estimate(&message.median),
            // The messages leave the standard deviation out: it is computed
            // from the samples, as criterion's point estimate is, with no
            // interval around it.
            std_dev: Estimate {
                point: std_dev,
                lower: std_dev,
                upper: std_dev,
                confidence_level: DEFAULT_CONFIDENCE_LEVEL,
                standard_error: 0.0,
            },
            median_abs_dev: estimate(&message.median_abs_dev),
            slope: message.slope.as_ref().map(estimate),
        },
        samples_ns,
        id,
    })
}

/// The sample standard deviation (n − 1 denominator, as criterion's own);
/// 0 for a single sample.
fn sample_std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

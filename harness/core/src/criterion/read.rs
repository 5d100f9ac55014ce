//! Walks a criterion output directory and reads each benchmark's `new/` files.

use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::format::{self, BenchmarkId, LegacyEstimates, LegacySamples, Samples};
use crate::error::{Error, Result};
use crate::input::{Ancestors, EntryKind, entry_kind};
use crate::run::{Benchmark, Estimate, Estimates, Throughput};

/// Directory names inside a benchmark directory that are not nested benchmarks.
const NON_BENCHMARK_DIRS: &[&str] = &["new", "base", "change", "report"];

/// Fix suggested whenever a criterion file is absent or unreadable.
const RERUN_FIX: &str =
    "re-run the benchmarks (`benchgate gate` or `cargo bench`) so criterion writes it again";

/// A benchmark read from criterion's files, before a suite is assigned.
#[derive(Debug, Clone)]
pub struct CriterionBenchmark {
    /// The `new/` directory it was read from.
    pub dir: PathBuf,
    pub benchmark: Benchmark,
}

/// Read every benchmark under `root` (a criterion home such as
/// `target/criterion`) and tag it with `suite`, sorted by id.
///
/// A benchmark is a directory holding `new/`; criterion nests them as
/// `group/function/value/new`, so the walk is recursive.
pub fn read_criterion_tree(root: &Path, suite: &str) -> Result<Vec<CriterionBenchmark>> {
    if !root.is_dir() {
        return Err(Error::Missing {
            path: root.to_owned(),
            fix: "run the benchmarks first (`benchgate gate`, or `cargo bench` and then `benchgate collect --suite NAME --criterion-dir DIR`)".into(),
        });
    }
    let mut found = Vec::new();
    walk(root, suite, &mut found, &mut Ancestors::default())?;
    found.sort_by(|a, b| a.benchmark.id.cmp(&b.benchmark.id));
    if let Some(pair) = found
        .windows(2)
        .find(|w| w[0].benchmark.id == w[1].benchmark.id)
    {
        return Err(Error::malformed(
            &pair[1].dir,
            format!(
                "benchmark id `{}` also appears in {} (criterion truncates directory names to 64 bytes, so long ids can collide)",
                pair[1].benchmark.id,
                pair[0].dir.display()
            ),
            "give the two benchmarks ids that differ within their first 64 bytes",
        ));
    }
    Ok(found)
}

fn walk(
    dir: &Path,
    suite: &str,
    found: &mut Vec<CriterionBenchmark>,
    ancestors: &mut Ancestors,
) -> Result<()> {
    ancestors.enter(dir)?;
    let new_dir = dir.join("new");
    let is_benchmark = new_dir.is_dir();
    if is_benchmark {
        found.push(CriterionBenchmark {
            benchmark: read_benchmark(&new_dir, suite)?,
            dir: new_dir,
        });
    }
    let mut children = Vec::new();
    for entry in fs::read_dir(dir).map_err(|e| Error::read(dir, e))? {
        let entry = entry.map_err(|e| Error::read(dir, e))?;
        let name = entry.file_name();
        if NON_BENCHMARK_DIRS.iter().any(|skip| name == *skip) {
            continue;
        }
        // Linked directories are followed: a symlinked group is read.
        if entry_kind(&entry)? == EntryKind::Dir {
            children.push(entry.path());
        }
    }
    children.sort();
    for child in children {
        // A saved criterion baseline (`--save-baseline NAME`) is a sibling of
        // `new/` holding estimates directly; it is not a nested benchmark.
        if is_benchmark && child.join("estimates.json").is_file() {
            continue;
        }
        walk(&child, suite, found, ancestors)?;
    }
    ancestors.leave();
    Ok(())
}

/// Read one benchmark's `new/` directory (either criterion format).
pub(crate) fn read_benchmark(new_dir: &Path, suite: &str) -> Result<Benchmark> {
    let id: BenchmarkId = read_json(&new_dir.join("benchmark.json"))?;
    let estimates = read_estimates(&new_dir.join("estimates.json"))?;
    let sample_path = new_dir.join("sample.json");
    let samples = read_samples(&sample_path)?;
    let samples_ns = per_iteration_times(&samples, &sample_path)?;
    Ok(Benchmark {
        suite: suite.to_owned(),
        id: id.full_id,
        group: id.group_id,
        function: id.function_id,
        parameter: id.value_str,
        throughput: id.throughput.map(convert_throughput),
        sampling_mode: samples.sampling_mode.map(|m| format!("{m:?}")),
        rounds: 1,
        estimates: convert_estimates(&estimates),
        samples_ns,
    })
}

fn read_estimates(path: &Path) -> Result<format::Estimates> {
    let value: Value = read_json(path)?;
    if value.get("mean").is_some() {
        from_value::<format::Estimates>(value, path)
    } else if value.get("Mean").is_some() {
        from_value::<LegacyEstimates>(value, path).map(Into::into)
    } else {
        Err(Error::malformed(
            path,
            "not a criterion estimates file (no `mean` or legacy `Mean` key)",
            RERUN_FIX,
        ))
    }
}

fn read_samples(path: &Path) -> Result<Samples> {
    let value: Value = read_json(path)?;
    match value {
        Value::Object(_) => from_value::<Samples>(value, path),
        Value::Array(_) => from_value::<LegacySamples>(value, path).map(Into::into),
        _ => Err(Error::malformed(
            path,
            "not a criterion sample file (expected an object or a legacy [[iters], [times]] pair)",
            RERUN_FIX,
        )),
    }
}

fn per_iteration_times(samples: &Samples, path: &Path) -> Result<Vec<f64>> {
    let problem = if samples.times.is_empty() {
        Some("it holds no samples".to_owned())
    } else if samples.iters.len() != samples.times.len() {
        Some(format!(
            "{} iteration counts but {} times",
            samples.iters.len(),
            samples.times.len()
        ))
    } else if let Some(bad) = samples.iters.iter().find(|i| !(i.is_finite() && **i > 0.0)) {
        Some(format!("iteration count {bad} is not a positive number"))
    } else {
        samples
            .times
            .iter()
            .find(|t| !(t.is_finite() && **t >= 0.0))
            .map(|bad| format!("sample time {bad} is not a non-negative number"))
    };
    if let Some(problem) = problem {
        return Err(Error::malformed(path, problem, RERUN_FIX));
    }
    Ok(samples
        .times
        .iter()
        .zip(&samples.iters)
        .map(|(time, iters)| time / iters)
        .collect())
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = crate::input::read_text(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_owned(),
                fix: RERUN_FIX.into(),
            }
        } else {
            Error::read(path, e)
        }
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::malformed(path, format!("invalid JSON ({e})"), RERUN_FIX))
}

fn from_value<T: DeserializeOwned>(value: Value, path: &Path) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::malformed(
            path,
            format!("unexpected criterion file layout ({e})"),
            RERUN_FIX,
        )
    })
}

fn convert_throughput(throughput: format::Throughput) -> Throughput {
    match throughput {
        format::Throughput::Bytes(n) => Throughput::Bytes(n),
        format::Throughput::BytesDecimal(n) => Throughput::BytesDecimal(n),
        format::Throughput::Elements(n) => Throughput::Elements(n),
        format::Throughput::Bits(n) => Throughput::Bits(n),
        format::Throughput::ElementsAndBytes { elements, bytes } => {
            Throughput::ElementsAndBytes { elements, bytes }
        }
    }
}

fn convert_estimates(estimates: &format::Estimates) -> Estimates {
    let convert = |e: &format::Estimate| Estimate {
        point: e.point_estimate,
        lower: e.confidence_interval.lower_bound,
        upper: e.confidence_interval.upper_bound,
        confidence_level: e.confidence_interval.confidence_level,
        standard_error: e.standard_error,
    };
    Estimates {
        mean: convert(&estimates.mean),
        median: convert(&estimates.median),
        std_dev: convert(&estimates.std_dev),
        median_abs_dev: convert(&estimates.median_abs_dev),
        slope: estimates.slope.as_ref().map(convert),
    }
}

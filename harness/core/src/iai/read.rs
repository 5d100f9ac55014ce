//! Reads every iai-callgrind `summary.json` under a directory into
//! machine-independent metrics.

use std::fs;
use std::path::{Path, PathBuf};

use super::format::{SUPPORTED_VERSION, Summary, ToolMetricSummary};
use crate::error::{Error, Result};
use crate::input::{Ancestors, EntryKind, entry_kind};
use crate::run::{Direction, MetricRecord};

const SUMMARY_FILE: &str = "summary.json";

/// Fix suggested when a summary cannot be used.
const RERUN_FIX: &str = "re-run `benchgate gate` (it installs the iai-callgrind-runner matching the iai-callgrind library in Cargo.lock)";

/// Read all summaries under `home` as metrics of `suite`, sorted by
/// benchmark and name. A missing directory means the suite has no
/// iai-callgrind benchmarks.
pub fn read_iai_tree(home: &Path, suite: &str) -> Result<Vec<MetricRecord>> {
    let mut files = Vec::new();
    find_summaries(home, &mut files, &mut Ancestors::default())?;
    files.sort();
    let mut metrics = Vec::new();
    for file in files {
        metrics.extend(read_summary(&file, suite)?);
    }
    Ok(metrics)
}

/// Every `summary.json` under `dir`, following symbolic links to
/// directories (never round a cycle); a dangling link is an error.
fn find_summaries(dir: &Path, found: &mut Vec<PathBuf>, ancestors: &mut Ancestors) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::read(dir, e)),
    };
    ancestors.enter(dir)?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(dir, e))?;
        let path = entry.path();
        if entry_kind(&entry)? == EntryKind::Dir {
            find_summaries(&path, found, ancestors)?;
        } else if entry.file_name() == SUMMARY_FILE {
            found.push(path);
        }
    }
    ancestors.leave();
    Ok(())
}

/// Whether an iai-callgrind schema version (`"6"`, `"7"`, …) is newer
/// than the one benchgate reads.
fn newer_schema(version: &str) -> bool {
    match (version.parse::<u32>(), SUPPORTED_VERSION.parse::<u32>()) {
        (Ok(found), Ok(supported)) => found > supported,
        _ => false,
    }
}

fn read_summary(path: &Path, suite: &str) -> Result<Vec<MetricRecord>> {
    let text = crate::input::read_text(path).map_err(|e| Error::read(path, e))?;
    let summary: Summary = serde_json::from_str(&text).map_err(|e| {
        Error::malformed(
            path,
            format!("not an iai-callgrind summary ({e})"),
            RERUN_FIX,
        )
    })?;
    if summary.version != SUPPORTED_VERSION {
        return Err(Error::malformed(
            path,
            format!(
                "iai-callgrind summary schema v{}, benchgate reads v{SUPPORTED_VERSION} (iai-callgrind 0.16)",
                summary.version
            ),
            if newer_schema(&summary.version) {
                "a newer iai-callgrind wrote it: upgrade benchgate, or pin iai-callgrind to =0.16.1 in Cargo.toml"
            } else {
                RERUN_FIX
            },
        ));
    }
    let mut benchmark = summary.module_path.replace("::", "/");
    if let Some(id) = &summary.id {
        benchmark = format!("{benchmark}/{id}");
    }
    let mut metrics = Vec::new();
    let mut push = |name: String, value: f64, unit: &str| {
        let mut metric = MetricRecord::new(
            benchmark.clone(),
            name,
            value,
            unit,
            Direction::LowerIsBetter,
        )
        .portable();
        metric.suite = suite.to_owned();
        metrics.push(metric);
    };
    for profile in &summary.profiles {
        match &profile.summaries.total.summary {
            ToolMetricSummary::Callgrind(events) => {
                let event = |name: &str| events.get(name).and_then(|d| d.metrics.new_value());
                let sum = |names: &[&str]| -> Option<f64> {
                    let values: Vec<f64> = names.iter().filter_map(|n| event(n)).collect();
                    (!values.is_empty()).then(|| values.iter().sum())
                };
                // Rates and hit counts are derived from these; gating them
                // too would count one change several times.
                let gated = [
                    ("Ir", event("Ir"), "instructions"),
                    ("EstimatedCycles", event("EstimatedCycles"), "cycles (est.)"),
                    ("L1misses", sum(&["I1mr", "D1mr", "D1mw"]), "misses"),
                    ("LLmisses", sum(&["ILmr", "DLmr", "DLmw"]), "misses"),
                ];
                for (name, value, unit) in gated {
                    if let Some(value) = value.filter(|v| v.is_finite()) {
                        push(format!("callgrind.{name}"), value, unit);
                    }
                }
            }
            ToolMetricSummary::Dhat(values) => {
                for (name, diff) in values {
                    if let Some(value) = diff.metrics.new_value().filter(|v| v.is_finite()) {
                        push(format!("dhat.{name}"), value, dhat_unit(name));
                    }
                }
            }
            _ => {}
        }
    }
    if metrics.is_empty() {
        return Err(Error::malformed(
            path,
            "the summary holds no callgrind or DHAT metrics (a runner/library version mismatch reports zeros or nothing)",
            RERUN_FIX,
        ));
    }
    Ok(metrics)
}

fn dhat_unit(name: &str) -> &'static str {
    let name = name.to_ascii_lowercase();
    if name.contains("bytes") {
        "bytes"
    } else if name.contains("blocks") {
        "blocks"
    } else {
        "events"
    }
}

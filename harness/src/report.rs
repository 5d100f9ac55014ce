//! The report directory: `index.html` with its charts under `charts/` and
//! the comparison exports beside it, self-contained and readable offline.
//!
//! This module decides which charts a report has and where files go; the
//! page itself is `render::html` (pure), the charts are `charts::*`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::charts::{comparison, distribution, speedup, trend};
use crate::compare::{Comparison, Verdict};
use crate::config::SuiteCharts;
use crate::error::{Error, Result};
use crate::export::ExportFormat;
use crate::render::html::{HtmlPage, render};
use crate::run::Run;
use crate::store::write_atomic;

/// Directory under the report directory that holds the charts.
pub const CHARTS_DIR: &str = "charts";
/// The page's file name.
pub const INDEX_FILE: &str = "index.html";
/// Longest file stem made from a benchmark id, before its hash suffix:
/// file systems allow 255 bytes, and people read the start.
const MAX_STEM_CHARS: usize = 80;

/// What a chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartKind {
    /// Change of every compared quantity.
    Comparison,
    /// Speedup vs batch size of a suite.
    Speedup { suite: String },
    /// Baseline vs current samples of a regressed or improved benchmark.
    Distribution { suite: String, key: String },
    /// Typical time across committed baseline versions.
    Trend { suite: String, key: String },
}

/// One chart written into the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// Path relative to the report directory, `/`-separated (a link).
    pub link: String,
    pub width: u32,
    pub height: u32,
    /// Alternative text: what the chart shows.
    pub alt: String,
    pub kind: ChartKind,
}

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Report directory, e.g. `<workspace>/reports`.
    pub dir: PathBuf,
    /// Chart settings by suite, from the configuration.
    pub charts: BTreeMap<String, SuiteCharts>,
}

/// Everything a report is made from.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The run being reported.
    pub current: &'a Run,
    /// The baseline it was compared with (for sample distributions).
    pub baseline: Option<&'a Run>,
    /// `None` when there was nothing to compare with (baseline just recorded).
    pub comparison: Option<&'a Comparison>,
    /// Committed versions of the baseline, oldest first (for trends).
    pub history: &'a [Run],
}

/// The files a report consists of.
#[derive(Debug, Clone)]
pub struct WrittenReport {
    pub index: PathBuf,
    pub charts: Vec<ChartFile>,
    /// Export files, relative to the report directory.
    pub exports: Vec<String>,
}

/// Write the report for `input` into `options.dir`: charts first, then the
/// exports, then `index.html` linking exactly the files written.
pub fn write_report(input: &ReportInput<'_>, options: &ReportOptions) -> Result<WrittenReport> {
    let charts_dir = options.dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|e| Error::write(&charts_dir, e))?;
    remove_old_charts(&charts_dir)?;

    let mut charts = Vec::new();
    if let Some(comparison) = input.comparison {
        let rows = comparison::charted_entries(comparison).len();
        if rows > 0 {
            let file = "comparison.png";
            comparison::draw(&charts_dir.join(file), comparison)?;
            charts.push(ChartFile {
                link: format!("{CHARTS_DIR}/{file}"),
                width: comparison::WIDTH,
                height: comparison::height(rows),
                alt: "Relative change of every compared benchmark and metric, with 95 % confidence intervals and thresholds".to_owned(),
                kind: ChartKind::Comparison,
            });
        }
    }
    for suite in input.current.suites() {
        let settings = options.charts.get(&suite).cloned().unwrap_or_default();
        let groups = if settings.batch_groups.is_empty() {
            speedup::BatchGroups::Detect
        } else {
            speedup::BatchGroups::Named(&settings.batch_groups)
        };
        let series = speedup::speedup_series(input.current, &suite, groups);
        if series.is_empty() {
            continue;
        }
        let file = settings
            .speedup_chart
            .clone()
            .unwrap_or_else(|| format!("{}_speedup_chart.png", file_stem(&suite)));
        speedup::draw(
            &charts_dir.join(&file),
            &suite,
            &series,
            input.current.machine.logical_cores,
            &input.current.machine.describe(),
        )?;
        charts.push(ChartFile {
            link: format!("{CHARTS_DIR}/{file}"),
            width: crate::charts::style::WIDTH,
            height: crate::charts::style::HEIGHT,
            alt: format!("{suite}: per-item speedup vs batch size relative to batch 1"),
            kind: ChartKind::Speedup { suite },
        });
    }
    if let (Some(comparison), Some(baseline)) = (input.comparison, input.baseline) {
        let changed = comparison.entries.iter().filter(|e| {
            e.metric.is_none() && matches!(e.verdict, Verdict::Regressed | Verdict::Improved)
        });
        for entry in changed {
            let key = entry.key();
            let (Some(before), Some(after)) =
                (samples_of(baseline, &key), samples_of(input.current, &key))
            else {
                continue;
            };
            if before.is_empty() || after.is_empty() {
                continue;
            }
            let file = format!("distribution-{}.png", file_stem(&key));
            distribution::draw(&charts_dir.join(&file), &key, before, after)?;
            charts.push(ChartFile {
                link: format!("{CHARTS_DIR}/{file}"),
                width: crate::charts::style::WIDTH,
                height: crate::charts::style::HEIGHT,
                alt: format!("{key}: per-iteration times, baseline vs current"),
                kind: ChartKind::Distribution {
                    suite: entry.suite.clone(),
                    key,
                },
            });
        }
    }
    if !input.history.is_empty() {
        for benchmark in &input.current.benchmarks {
            let key = benchmark.key();
            let points = trend::trend_points(input.history, input.current, &key);
            if points.len() < 2 || points.iter().all(|p| p.is_current) {
                continue;
            }
            let file = format!("trend-{}.png", file_stem(&key));
            trend::draw(&charts_dir.join(&file), &key, &points)?;
            charts.push(ChartFile {
                link: format!("{CHARTS_DIR}/{file}"),
                width: crate::charts::style::WIDTH,
                height: crate::charts::style::HEIGHT,
                alt: format!("{key}: typical time across committed baseline versions"),
                kind: ChartKind::Trend {
                    suite: benchmark.suite.clone(),
                    key,
                },
            });
        }
    }

    let mut exports = Vec::new();
    if let Some(comparison) = input.comparison {
        for format in [ExportFormat::Json, ExportFormat::Csv] {
            let exporter = format.exporter();
            let file = format!("comparison.{}", exporter.extension());
            write_atomic(
                &options.dir.join(&file),
                exporter.export(comparison)?.as_bytes(),
            )?;
            exports.push(file);
        }
    }
    let index = options.dir.join(INDEX_FILE);
    let page = HtmlPage {
        current: input.current,
        comparison: input.comparison,
        charts: &charts,
        downloads: &exports,
    };
    write_atomic(&index, render(&page).as_bytes())?;
    Ok(WrittenReport {
        index,
        charts,
        exports,
    })
}

/// Per-iteration samples of benchmark `key` (`suite/id`) in `run`.
fn samples_of<'r>(run: &'r Run, key: &str) -> Option<&'r [f64]> {
    run.benchmarks
        .iter()
        .find(|b| b.key() == key)
        .map(|b| b.samples_ns.as_slice())
}

/// Charts of an earlier report would otherwise linger and mislead: only
/// PNG files directly in the charts directory (all benchgate's) are removed.
fn remove_old_charts(charts_dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(charts_dir).map_err(|e| Error::read(charts_dir, e))?;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|ext| ext == "png") && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
        }
    }
    Ok(())
}

/// A file-name stem made from a benchmark id or suite name: only ASCII
/// letters, digits, `-` and `_` (so no `/`, no `..`, nothing a shell or a
/// browser reinterprets), plus a hash of the original when anything was
/// changed, so that `a/b` and `a_b` still get different files.
pub fn file_stem(name: &str) -> String {
    let mut stem = String::with_capacity(name.len());
    for c in name.chars() {
        let kept = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if !(kept == '_' && stem.ends_with('_')) {
            stem.push(kept);
        }
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_matches('_').to_owned();
    if stem == name {
        stem
    } else {
        format!("{stem}-{:08x}", fnv1a(name.as_bytes()))
    }
}

/// 32-bit FNV-1a: a stable (across runs and platforms) hash for file names;
/// std's hasher is randomly seeded per process.
fn fnv1a(bytes: &[u8]) -> u32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stems_are_plain_and_distinct() {
        assert_eq!(file_stem("stats"), "stats");
        let slash = file_stem("stats/summary_one_shot/100");
        let underscore = file_stem("stats_summary_one_shot_100");
        assert!(slash.starts_with("stats_summary_one_shot_100-"));
        assert_ne!(slash, underscore);
        for hostile in [
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "a/../b",
            "..",
            "",
        ] {
            let stem = file_stem(hostile);
            assert!(
                !stem.contains('/') && !stem.contains(".."),
                "{hostile:?} -> {stem:?}"
            );
            assert!(
                stem.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{hostile:?} -> {stem:?}"
            );
        }
        assert!(file_stem(&"x/".repeat(500)).len() < 100);
    }
}

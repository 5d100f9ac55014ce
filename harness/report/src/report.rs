//! The report directory: `index.html` with its charts under `charts/` and
//! the comparison exports beside it, self-contained and readable offline.
//!
//! This module decides which charts a report has and where files go; the
//! page itself is `render::html` (pure), the charts are `charts::*`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use crate::artifact::{CHARTS_DIR, ChartFile, ChartKind, INDEX_FILE, file_stem};
use crate::charts::comparison::Scope;
use crate::charts::speedup::SuggestedMarker;
use crate::charts::{
    Chart, ComparisonChart, DistributionChart, SpeedupChart, TrendChart, comparison, speedup, trend,
};
use crate::compare::Entry;
use crate::compare::{Comparison, Verdict};
use crate::config::SuiteCharts;
use crate::error::{Error, Result};
use crate::export::ExportFormat;
use crate::render::batch as batch_words;
use crate::render::html::{GENERATOR, HtmlPage, render};
use crate::run::Run;
use crate::stats::{CONFIDENCE_LEVEL, percent};
use crate::store::write_atomic;
use crate::trend::{Trend, TrendRequest, from_baseline_versions};
use benchgate_core::batch_fit::ReportSuggestion;

#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Report directory, e.g. `<workspace>/reports`.
    pub dir: PathBuf,
    /// Chart settings by suite, from the configuration.
    pub charts: BTreeMap<String, SuiteCharts>,
    /// The batch size suggested per suite for its `[batch.<suite>]`
    /// constraints (`benchgate_core::batch_fit::report_suggestions`),
    /// marked on the speedup chart; a suite absent here has none.
    pub batch_suggestions: BTreeMap<String, ReportSuggestion>,
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
    /// Committed versions of the baseline, oldest first: the trends of
    /// entries that `trends` has none for (no history store).
    pub history: &'a [Run],
    /// Trends read from the history store for [`trend_requests`] of the
    /// comparison (typed evidence: points, commits, change points); the
    /// report draws them and never opens the store itself.
    pub trends: &'a [Trend],
}

/// The entries whose trend a report draws: every regression and
/// improvement, and every regression a confirmation cleared (its history
/// says whether the flag was noise). Never the unchanged ones: a report of
/// 1 000 benchmarks draws the few that matter.
pub fn trend_entries(comparison: &Comparison) -> impl Iterator<Item = &Entry> {
    comparison.entries.iter().filter(|e| {
        matches!(e.verdict, Verdict::Regressed | Verdict::Improved)
            || e.first_verdict == Verdict::Regressed
    })
}

/// The series a report wants from the history store: one per entry of
/// [`trend_entries`].
pub fn trend_requests(comparison: &Comparison) -> Vec<TrendRequest> {
    let mut requests: Vec<TrendRequest> = trend_entries(comparison)
        .map(|e| TrendRequest {
            benchmark: format!("{}/{}", e.suite, e.benchmark),
            metric: e.metric.clone(),
        })
        .collect();
    requests.sort();
    requests.dedup();
    requests
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
    check_report_dir(&options.dir)?;
    let index = options.dir.join(INDEX_FILE);
    let charts_dir = options.dir.join(CHARTS_DIR);
    std::fs::create_dir_all(&charts_dir).map_err(|e| Error::write(&charts_dir, e))?;
    remove_old_charts(&charts_dir)?;
    let charts_dir = charts_dir.as_path();
    let write_chart = move |file: &str, chart: &dyn Chart, alt: String, kind: ChartKind| {
        chart.draw(&charts_dir.join(file))?;
        let (width, height) = chart.size();
        Ok::<_, Error>(ChartFile {
            link: format!("{CHARTS_DIR}/{file}"),
            width,
            height,
            alt,
            kind,
        })
    };

    let machine = input.current.machine.describe();
    let machine = machine.as_str();
    // Charts are planned here and drawn in parallel below: each is an
    // independent PNG, and drawing them is most of a report's time.
    let mut jobs: Vec<ChartJob<'_>> = Vec::new();
    if let Some(comparison) = input.comparison {
        let changed = comparison::scoped_entries(comparison, Scope::Changed).len();
        if changed > 0 {
            jobs.push(Box::new(move || write_chart(
                "comparison-changed.png",
                &ComparisonChart {
                    comparison,
                    scope: Scope::Changed,
                },
                format!(
                    "Relative change of the {changed} regressed and improved benchmarks and metrics, with {} confidence intervals and thresholds",
                    percent(CONFIDENCE_LEVEL)
                ),
                ChartKind::Comparison { suite: None },
            )));
        }
        let mut suites: Vec<&str> = comparison
            .entries
            .iter()
            .map(|e| e.suite.as_str())
            .collect();
        suites.sort_unstable();
        suites.dedup();
        for suite in suites {
            let scope = Scope::Suite(suite);
            if comparison::scoped_entries(comparison, scope).is_empty() {
                continue;
            }
            jobs.push(Box::new(move || write_chart(
                &format!("comparison-suite-{}.png", file_stem(suite)),
                &ComparisonChart { comparison, scope },
                format!(
                    "{suite}: relative change of every compared benchmark and metric, with {} confidence intervals and thresholds",
                    percent(CONFIDENCE_LEVEL)
                ),
                ChartKind::Comparison {
                    suite: Some(suite.to_owned()),
                },
            )));
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
        let before = input
            .baseline
            .map(|b| speedup::speedup_series(b, &suite, groups))
            .unwrap_or_default();
        let file = settings
            .speedup_chart
            .clone()
            .unwrap_or_else(|| format!("{}_speedup_chart.png", file_stem(&suite)));
        let suggestion = options.batch_suggestions.get(&suite);
        let suggested = match suggestion {
            Some(ReportSuggestion::Suggested { group, suggestion }) => {
                Some(SuggestedMarker { group, suggestion })
            }
            _ => None,
        };
        let alt = format!(
            "{suite}: per-item speedup vs batch size relative to batch 1, this run and the baseline{}",
            batch_words::alt_text(&suite, suggestion)
        );
        jobs.push(Box::new(move || {
            write_chart(
                &file,
                &SpeedupChart {
                    suite: &suite,
                    series: &series,
                    baseline: &before,
                    cores: input.current.machine.logical_cores,
                    machine,
                    suggested,
                },
                alt,
                ChartKind::Speedup {
                    suite: suite.clone(),
                },
            )
        }));
    }
    if let (Some(comparison), Some(baseline)) = (input.comparison, input.baseline) {
        let changed = comparison
            .entries
            .iter()
            .filter(|e| e.is_time() && matches!(e.verdict, Verdict::Regressed | Verdict::Improved));
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
            jobs.push(Box::new(move || {
                write_chart(
                    &format!("distribution-{}.png", file_stem(&key)),
                    &DistributionChart {
                        key: &key,
                        baseline: before,
                        current: after,
                    },
                    format!("{key}: per-iteration times, baseline vs current"),
                    ChartKind::Distribution {
                        suite: entry.suite.clone(),
                        key: key.clone(),
                    },
                )
            }));
        }
    }
    if let Some(comparison) = input.comparison {
        for entry in trend_entries(comparison) {
            let key = entry.key();
            let trend = match input.trends.iter().find(|t| t.entry_key() == key) {
                Some(stored) => std::borrow::Cow::Borrowed(stored),
                None if entry.is_time() => match from_baseline_versions(input.history, &key) {
                    Some(versions) => std::borrow::Cow::Owned(versions),
                    None => continue,
                },
                None => continue,
            };
            if trend.points.len() + usize::from(entry.current.is_some()) < 2 {
                continue;
            }
            jobs.push(Box::new(move || {
                let chart = TrendChart {
                    key: &key,
                    trend: &trend,
                    current: entry.current,
                };
                write_chart(
                    &format!("trend-{}.png", file_stem(&key)),
                    &chart,
                    trend::describe(&key, &trend, entry.current),
                    ChartKind::Trend {
                        suite: entry.suite.clone(),
                        key: key.clone(),
                    },
                )
            }));
        }
    }

    let charts = jobs
        .into_par_iter()
        .map(|job| job())
        .collect::<Result<Vec<ChartFile>>>()?;

    let mut exports = Vec::new();
    if let Some(comparison) = input.comparison {
        for format in ExportFormat::ALL {
            let exporter = format.exporter();
            let file = format!("comparison.{}", exporter.extension());
            write_atomic(
                &options.dir.join(&file),
                exporter.export(comparison)?.as_bytes(),
            )?;
            exports.push(file);
        }
    }
    write_manifest(charts_dir, &charts)?;
    let page = HtmlPage {
        current: input.current,
        comparison: input.comparison,
        charts: &charts,
        downloads: &exports,
        batch_suggestions: &options.batch_suggestions,
    };
    write_atomic(&index, render(&page).as_bytes())?;
    Ok(WrittenReport {
        index,
        charts,
        exports,
    })
}

/// One chart to draw: draws it and says what was written.
type ChartJob<'a> = Box<dyn FnOnce() -> Result<ChartFile> + Send + 'a>;

/// Per-iteration samples of benchmark `key` (`suite/id`) in `run`.
fn samples_of<'r>(run: &'r Run, key: &str) -> Option<&'r [f64]> {
    run.benchmarks
        .iter()
        .find(|b| b.key() == key)
        .map(|b| b.samples_ns.as_slice())
}

/// The file in the charts directory that lists the charts the last report
/// wrote there: the only files a later report removes.
pub const CHARTS_MANIFEST: &str = ".benchgate-charts";

/// Refuse a report directory that is not a directory, or that holds an
/// `index.html` benchgate did not write, before anything is measured or
/// written (`gate` calls it first, so no benchmark time is spent on a
/// report that cannot be written).
pub fn check_report_dir(dir: &Path) -> Result<()> {
    match std::fs::metadata(dir) {
        Ok(metadata) if !metadata.is_dir() => Err(Error::Refused(format!(
            "the report directory {} is a file, not a directory; pass a directory with --report-dir",
            dir.display()
        ))),
        _ => refuse_foreign_page(&dir.join(INDEX_FILE)),
    }
}

/// A page benchgate did not write is never replaced.
fn refuse_foreign_page(index: &Path) -> Result<()> {
    let Ok(existing) = std::fs::read(index) else {
        return Ok(());
    };
    let marker = format!("<meta name=\"generator\" content=\"{GENERATOR}\">");
    let text = String::from_utf8_lossy(&existing);
    // Pages of benchgate versions before the marker end with this footer.
    if text.contains(&marker) || text.contains("<footer>Generated by benchgate") {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "{} exists and was not written by benchgate; pass another --report-dir or move the file away (benchgate replaces only its own report)",
            index.display()
        )))
    }
}

/// Charts of an earlier report would otherwise linger and mislead: the
/// charts the last report listed in its manifest are removed, nothing else
/// (a user's own PNG beside them stays).
fn remove_old_charts(charts_dir: &Path) -> Result<()> {
    let manifest = charts_dir.join(CHARTS_MANIFEST);
    let Ok(listed) = std::fs::read_to_string(&manifest) else {
        return Ok(());
    };
    for name in listed.lines() {
        // Only plain names benchgate could have written: never a path.
        let plain = name.ends_with(".png")
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        let path = charts_dir.join(name);
        if plain && path.is_file() {
            std::fs::remove_file(&path).map_err(|e| Error::write(&path, e))?;
        }
    }
    Ok(())
}

fn write_manifest(charts_dir: &Path, charts: &[ChartFile]) -> Result<()> {
    let names: String = charts
        .iter()
        .filter_map(|c| c.link.strip_prefix(&format!("{CHARTS_DIR}/")))
        .map(|name| format!("{name}\n"))
        .collect();
    write_atomic(&charts_dir.join(CHARTS_MANIFEST), names.as_bytes())
}

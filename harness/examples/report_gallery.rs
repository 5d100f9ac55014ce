//! Writes the two reports the README's gallery and the screenshots show:
//! the committed baseline against a copy with four benchmarks made 20 %
//! slower, and a synthetic run of 1 000 benchmarks with known changes;
//! each with a history store of main (10 and 1 000 commits, some charted
//! entries stepping at a known commit) for its trend charts.
//!
//! Usage: `cargo run -p benchgate --example report_gallery -- OUT_DIR`
//! writes `OUT_DIR/four-regressions/` and `OUT_DIR/synthetic-1000/`, each a
//! report directory (`index.html`, `charts/`); then
//! `bash ci/report-screenshot.sh OUT_DIR/<case>/index.html shot.png`.

#[path = "../tests/common.rs"]
mod common;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use benchgate::compare::{CompareOptions, compare};
use benchgate::config::Policy;
use benchgate::history_store::changepoint::ChangePointOptions;
use benchgate::history_store::rename::Renames;
use benchgate::history_store::trends::{TrendQuery, read_trends};
use benchgate::report::trend_requests;
use benchgate::report::{ReportInput, ReportOptions, write_report};
use benchgate::run::Run;
use benchgate::store::read_run;
use benchgate::trend::Trend;

/// The benchmarks the first case makes 20 % slower: one per suite where
/// the suite has several, so every kind of row shows a regression.
const SLOWED: [&str; 4] = [
    "tokenization/encode_single/16",
    "memstore/search/hnsw/10000",
    "spiking/step/8",
    "stats/summary_one_shot/1000",
];

fn main() -> Result<()> {
    let out = PathBuf::from(
        std::env::args()
            .nth(1)
            .context("usage: report_gallery OUT_DIR")?,
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let baseline_file = std::fs::read_dir(root.join("baselines"))?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("main.json"))
        .find(|p| p.is_file())
        .context("no baselines/*/main.json")?;
    let baseline = read_run(&baseline_file)?;
    let mut current = baseline.clone();
    for key in SLOWED {
        let benchmark = current
            .benchmarks
            .iter_mut()
            .find(|b| b.key() == key)
            .with_context(|| format!("{key} is not in {}", baseline_file.display()))?;
        benchmark.samples_ns.iter_mut().for_each(|s| *s *= 1.2);
    }
    let policy = Policy::load(&root.join("benchgate.toml"))?;
    write(
        &out.join("four-regressions"),
        &baseline,
        &current,
        &policy,
        HISTORY_SHORT,
    )?;
    let (baseline, current) = common::synthetic_runs(1000);
    write(
        &out.join("synthetic-1000"),
        &baseline,
        &current,
        &Policy::embedded()?,
        HISTORY_LONG,
    )?;
    Ok(())
}

/// A main history of `commits` runs in which every other charted entry
/// stepped `factor` at commit `step_at` (the rest stayed level).
#[derive(Debug, Clone, Copy)]
struct History {
    commits: usize,
    step_at: usize,
    factor: f64,
}

/// The four-regressions report's history: 12 commits of main, a 10 % step
/// at the seventh. (Ten runs split 5 | 5 cannot reach the permutation
/// test's p < 0.01: only 2 of the 252 orderings are as extreme.)
const HISTORY_SHORT: History = History {
    commits: 12,
    step_at: 6,
    factor: 1.1,
};
/// The 1 000-benchmark report's history: 1 000 commits, a 6 % step at 700.
const HISTORY_LONG: History = History {
    commits: 1000,
    step_at: 700,
    factor: 1.06,
};

/// The trends of the report's charted entries from a history store built
/// in `dir` through the benchgate-history API (`common::stored_history`),
/// ending at the baseline's level.
fn stored_trends(
    dir: &Path,
    baseline: &Run,
    current: &Run,
    comparison: &benchgate::compare::Comparison,
    history: &History,
) -> Result<Vec<Trend>> {
    let requests = trend_requests(comparison);
    let typicals: Vec<(String, f64)> = requests
        .iter()
        .filter(|r| r.metric.is_none())
        .filter_map(|r| {
            let typical = baseline
                .benchmarks
                .iter()
                .find(|b| b.key() == r.benchmark)?
                .typical_ns()?;
            Some((r.benchmark.clone(), typical))
        })
        .collect();
    let series: Vec<common::StoredSeries<'_>> = typicals
        .iter()
        .enumerate()
        .map(|(i, (key, typical))| {
            let factor = if i % 2 == 0 { history.factor } else { 1.0 };
            common::StoredSeries {
                key,
                center_ns: typical / factor,
                factor,
            }
        })
        .collect();
    std::fs::create_dir_all(dir)?;
    let location = dir.join("history.sqlite");
    if location.exists() {
        std::fs::remove_file(&location)?;
    }
    let location = location.display().to_string();
    common::stored_history(
        &location,
        &baseline.machine.id,
        &series,
        history.commits,
        history.step_at,
    );
    let mut store = benchgate::history_store::open(&location, Renames::new(&[])?)?;
    let query = TrendQuery {
        machine: &current.machine.id,
        profile: current.profile.label(),
        requests: &requests,
        current: None,
    };
    Ok(
        benchgate::history_store::with_store!(&mut store, s => read_trends(s, &query, &ChangePointOptions::default()))?,
    )
}

fn write(
    dir: &Path,
    baseline: &Run,
    current: &Run,
    policy: &Policy,
    history: History,
) -> Result<()> {
    let started = std::time::Instant::now();
    let comparison = compare(baseline, current, policy, &CompareOptions::default())?;
    let compared = started.elapsed();
    let trends = stored_trends(
        &dir.with_extension("history"),
        baseline,
        current,
        &comparison,
        &history,
    )?;
    let reporting = std::time::Instant::now();
    let written = write_report(
        &ReportInput {
            current,
            baseline: Some(baseline),
            comparison: Some(&comparison),
            history: &[],
            trends: &trends,
        },
        &ReportOptions {
            dir: dir.to_path_buf(),
            charts: policy.charts.clone(),
            batch_suggestions: benchgate::batch_fit::report_suggestions(current, policy),
        },
    )?;
    println!(
        "{}: {} entries, {} charts ({} trends); compared in {:.1} s, report written in {:.1} s",
        written.index.display(),
        comparison.entries.len(),
        written.charts.len(),
        trends.len(),
        compared.as_secs_f64(),
        reporting.elapsed().as_secs_f64()
    );
    Ok(())
}

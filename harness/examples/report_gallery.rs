//! Writes the two reports the README's gallery and the screenshots show:
//! the committed baseline against a copy with four benchmarks made 20 %
//! slower, and a synthetic run of 1 000 benchmarks with known changes.
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
use benchgate::report::{ReportInput, ReportOptions, write_report};
use benchgate::run::Run;
use benchgate::store::read_run;

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
    write(&out.join("four-regressions"), &baseline, &current, &policy)?;
    let (baseline, current) = common::synthetic_runs(1000);
    write(
        &out.join("synthetic-1000"),
        &baseline,
        &current,
        &Policy::embedded()?,
    )?;
    Ok(())
}

fn write(dir: &Path, baseline: &Run, current: &Run, policy: &Policy) -> Result<()> {
    let started = std::time::Instant::now();
    let comparison = compare(baseline, current, policy, &CompareOptions::default())?;
    let compared = started.elapsed();
    let written = write_report(
        &ReportInput {
            current,
            baseline: Some(baseline),
            comparison: Some(&comparison),
            history: &[],
        },
        &ReportOptions {
            dir: dir.to_path_buf(),
            charts: policy.charts.clone(),
            batch_suggestions: benchgate::batch_fit::report_suggestions(current, policy),
        },
    )?;
    println!(
        "{}: {} entries, {} charts; compared in {:.1} s, report written in {:.1} s",
        written.index.display(),
        comparison.entries.len(),
        written.charts.len(),
        compared.as_secs_f64(),
        (started.elapsed() - compared).as_secs_f64()
    );
    Ok(())
}

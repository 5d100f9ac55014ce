//! `benchgate ab` end to end on a real git repository in a temporary
//! directory: a one-suite workspace whose bench target writes real
//! criterion output (copied from a recorded stats run) and a custom metric
//! whose value differs between the two commits.

mod common;

use std::fs;
use std::path::Path;

use benchgate::ab::{AbOptions, run_ab};
use benchgate::codegen::AB_CODEGEN_UNITS;
use benchgate::compare::{CompareOptions, Verdict};
use benchgate::config::Policy;
use benchgate::run::{MetricKind, Profile};
use benchgate::workspace::Workspace;
use common::commit;
use git2::Repository;

/// The recorded criterion files the bench target writes, from the stats
/// suite's gate output.
const CRITERION_FILES: &[&str] = &["benchmark.json", "estimates.json", "sample.json"];

fn fixture_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate-output/criterion/stats/round-1/summary_one_shot/100/new")
}

/// The bench target: criterion's files for `summary_one_shot/100` into
/// `$CRITERION_HOME`, and a `recall` metric of `recall` into the metrics
/// directory benchgate names.
fn bench_source(recall: f64) -> String {
    let includes: Vec<String> = CRITERION_FILES
        .iter()
        .map(|f| format!("(\"{f}\", include_str!(\"../data/{f}\"))"))
        .collect();
    format!(
        r##"use std::io::Write;
const RECALL: f64 = {recall:?};
fn main() {{
    let home = std::path::PathBuf::from(std::env::var("CRITERION_HOME").expect("CRITERION_HOME"));
    let dir = home.join("summary_one_shot").join("100").join("new");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [{}] {{
        std::fs::write(dir.join(name), text).unwrap();
    }}
    let metrics = std::path::PathBuf::from(std::env::var("BENCHGATE_METRICS_DIR").expect("metrics dir"));
    let suite = std::env::var("BENCHGATE_SUITE").expect("suite");
    std::fs::create_dir_all(&metrics).unwrap();
    let mut file = std::fs::OpenOptions::new().create(true).append(true)
        .open(metrics.join(format!("{{suite}}.jsonl"))).unwrap();
    writeln!(file, r#"{{{{"suite":"{{suite}}","benchmark":"summary_one_shot/100","name":"recall","value":{{RECALL}},"unit":"ratio","direction":"higher_is_better"}}}}"#).unwrap();
}}
"##,
        includes.join(", ")
    )
}

#[test]
fn each_side_records_its_own_commit_and_custom_metrics_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let suite = root.join("benches/tiny");
    fs::create_dir_all(suite.join("benches")).unwrap();
    fs::create_dir_all(suite.join("data")).unwrap();
    fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"benches/tiny\"]\n",
    )
    .unwrap();
    fs::write(root.join(".gitignore"), "/target\n").unwrap();
    fs::write(suite.join("src.rs"), "").unwrap();
    fs::write(
        suite.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\npath = \"src.rs\"\n\n[[bench]]\nname = \"tiny\"\nharness = false\n",
    )
    .unwrap();
    for file in CRITERION_FILES {
        fs::copy(fixture_dir().join(file), suite.join("data").join(file)).unwrap();
    }
    let repo = Repository::init(root).unwrap();
    fs::write(suite.join("benches/tiny.rs"), bench_source(0.95)).unwrap();
    let base = commit(&repo, "*", "base: recall 0.95");
    fs::write(suite.join("benches/tiny.rs"), bench_source(0.80)).unwrap();
    let head = commit(&repo, "*", "head: recall 0.80");

    let workspace = Workspace::locate(root).unwrap();
    let report = run_ab(
        &workspace,
        &AbOptions {
            base: Some(base.to_string()),
            suites: Vec::new(),
            rounds: 2,
            features: Vec::new(),
            head_features: Vec::new(),
            base_features: Vec::new(),
            filter: None,
            policy: Policy::load(&root.join("benchgate.toml")).unwrap(),
            compare: CompareOptions::default(),
        },
        &|_: &str| {},
    )
    .unwrap();

    // Each side carries the commit it measured.
    let comparison = &report.comparison;
    assert_eq!(report.base_commit, base.to_string());
    assert_eq!(
        comparison.baseline.commit.as_deref(),
        Some(&*base.to_string())
    );
    assert!(!comparison.baseline.dirty);
    assert_eq!(comparison.baseline.profile, Profile::AbBase);
    assert_eq!(
        comparison.current.commit.as_deref(),
        Some(&*head.to_string())
    );
    assert_eq!(comparison.current.profile, Profile::AbHead);
    assert_eq!(
        report.head.git.as_ref().map(|g| g.commit.clone()),
        Some(head.to_string())
    );
    // Both sides compiled the workspace's packages with one codegen unit,
    // and the head run says so.
    assert_eq!(report.head.codegen_units, Some(AB_CODEGEN_UNITS));

    // Wall times of identical criterion files: unchanged.
    let time = comparison
        .entries
        .iter()
        .find(|e| e.is_time())
        .expect("the benchmark's time is compared");
    assert_eq!(time.key(), "tiny/summary_one_shot/100");
    assert_eq!(time.verdict, Verdict::Unchanged);
    // The custom metric, in its own direction: a recall drop regresses.
    let recall = comparison
        .entries
        .iter()
        .find(|e| e.metric.as_deref() == Some("recall"))
        .expect("custom metrics are compared in A/B runs");
    assert_eq!(recall.kind, MetricKind::Custom);
    assert_eq!((recall.baseline, recall.current), (Some(0.95), Some(0.80)));
    assert_eq!(recall.verdict, Verdict::Regressed);
    assert!(!comparison.passed());
}

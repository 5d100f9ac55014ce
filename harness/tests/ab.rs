//! `benchgate ab` end to end on a real git repository in a temporary
//! directory: a one-suite workspace whose bench target writes real
//! criterion output (copied from a recorded stats run) and a custom metric
//! whose value differs between the two commits.

mod common;

use std::fs;

use benchgate::ab::{AbOptions, run_ab};
use benchgate::codegen::AB_CODEGEN_UNITS;
use benchgate::compare::{CompareOptions, Verdict};
use benchgate::config::Policy;
use benchgate::run::{MetricKind, Profile};
use benchgate::workspace::Workspace;
use common::{assert_tiny_time_unchanged, commit, tiny_bench_source, tiny_workspace};
use git2::Repository;

#[test]
fn each_side_records_its_own_commit_and_custom_metrics_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let suite = tiny_workspace(root);
    let repo = Repository::init(root).unwrap();
    fs::write(suite.join("benches/tiny.rs"), tiny_bench_source(0.95)).unwrap();
    let base = commit(&repo, "*", "base: recall 0.95");
    fs::write(suite.join("benches/tiny.rs"), tiny_bench_source(0.80)).unwrap();
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
    assert_tiny_time_unchanged(comparison);
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

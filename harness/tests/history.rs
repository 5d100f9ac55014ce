//! Noise learned from history: baseline versions committed to a real git
//! repository, read back, and turned into per-benchmark thresholds.

mod common;

use std::path::Path;

use benchgate::compare::{CompareOptions, Verdict, compare};
use benchgate::config::Policy;
use benchgate::history::{LEARNED_THRESHOLD_FLOOR, baseline_history, learned_thresholds};
use benchgate::store::write_run;
use common::{benchmark, commit, run, samples};
use git2::Repository;

/// A baseline of two benchmarks: `quiet` moves by ±1 % between versions,
/// `noisy` by ±15 %.
fn version(i: usize) -> benchgate::run::Run {
    let wobble = if i % 2 == 0 { 1.0 } else { -1.0 };
    let quiet = 1_000.0 * (1.0 + 0.01 * wobble);
    let noisy = 1_000.0 * (1.0 + 0.15 * wobble);
    run(
        "m",
        vec![
            benchmark("s", "quiet", samples(quiet, 0.001, 50, i as u64)),
            benchmark("s", "noisy", samples(noisy, 0.001, 50, 100 + i as u64)),
        ],
        vec![],
    )
}

#[test]
fn each_benchmark_gets_the_threshold_its_history_justifies() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let relative = Path::new("baselines/m/main.json");
    let absolute = dir.path().join(relative);
    for i in 0..8 {
        write_run(&absolute, &version(i)).unwrap();
        commit(
            &repo,
            &relative.display().to_string(),
            &format!("baseline {i}"),
        );
    }
    // An unrelated commit does not add a version.
    std::fs::write(dir.path().join("README"), "x").unwrap();
    commit(&repo, "README", "docs");

    let history = baseline_history(dir.path(), &absolute);
    assert_eq!(history.len(), 8);
    let learned = learned_thresholds(&history);
    let quiet = learned["s/quiet"];
    let noisy = learned["s/noisy"];
    // Alternating ±1 % and ±15 % levels make past changes of about 2 % and 35 %.
    assert!(
        (LEARNED_THRESHOLD_FLOOR..0.05).contains(&quiet),
        "quiet {quiet}"
    );
    assert!(noisy > 0.25, "noisy {noisy}");

    // A 12 % slowdown: real for the quiet benchmark, within the noisy one's history.
    let policy = Policy::load(Path::new("/nonexistent.toml"))
        .unwrap()
        .with_learned_time_thresholds(learned);
    let base = run(
        "m",
        vec![
            benchmark("s", "quiet", samples(1_000.0, 0.001, 50, 1)),
            benchmark("s", "noisy", samples(1_000.0, 0.001, 50, 2)),
        ],
        vec![],
    );
    let cur = run(
        "m",
        vec![
            benchmark("s", "quiet", samples(1_120.0, 0.001, 50, 3)),
            benchmark("s", "noisy", samples(1_120.0, 0.001, 50, 4)),
        ],
        vec![],
    );
    let comparison = compare(&base, &cur, &policy, &CompareOptions::default()).unwrap();
    let verdict = |id: &str| {
        comparison
            .entries
            .iter()
            .find(|e| e.benchmark == id)
            .unwrap()
            .verdict
    };
    assert_eq!(verdict("quiet"), Verdict::Regressed);
    assert_eq!(verdict("noisy"), Verdict::Unchanged);
}

#[test]
fn outside_git_or_without_commits_there_is_no_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.json");
    write_run(&path, &version(0)).unwrap();
    assert!(baseline_history(dir.path(), &path).is_empty());
}

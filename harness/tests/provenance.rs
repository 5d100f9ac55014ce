//! Which commit a baseline's numbers measured, suite by suite, once suites recorded by later runs are merged in.

mod common;

use benchgate::gate::{measured_commit, merge_suites};
use benchgate::run::Run;
use benchgate::store::{read_run, write_run};
use common::{benchmark, run, samples, with_commit};

fn recorded(suite: &str, commit: &str) -> Run {
    with_commit(
        run(
            "box-2c",
            vec![benchmark(suite, "work/1", samples(100.0, 0.01, 20, 7))],
            vec![],
        ),
        commit,
    )
}

#[test]
fn a_merged_suite_keeps_the_commit_it_measured_and_the_rest_keep_theirs() {
    let baseline = recorded("stats", "aaaa");
    let later = recorded("memstore", "bbbb");
    let merged = merge_suites(&baseline, &later, &["memstore".to_owned()]);

    assert_eq!(
        merged.git, baseline.git,
        "the baseline keeps its provenance"
    );
    assert_eq!(
        merged.git_of("stats").map(|g| g.commit.as_str()),
        Some("aaaa")
    );
    assert_eq!(
        merged.git_of("memstore").map(|g| g.commit.as_str()),
        Some("bbbb")
    );
    assert_eq!(
        measured_commit(&merged, &["memstore"]).unwrap().commit,
        "bbbb"
    );
    assert_eq!(measured_commit(&merged, &["stats"]).unwrap().commit, "aaaa");
    let mixed = measured_commit(&merged, &["stats", "memstore"]).unwrap_err();
    assert!(mixed.contains("different commits"), "{mixed}");

    // On disk and back: the per-suite commit survives.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("main.json");
    write_run(&path, &merged).unwrap();
    let read = read_run(&path).unwrap();
    assert_eq!(
        read.git_of("memstore").map(|g| g.commit.as_str()),
        Some("bbbb")
    );
}

#[test]
fn re_recording_a_suite_at_the_baseline_commit_drops_its_entry_and_old_files_stay_as_they_were() {
    let baseline = recorded("stats", "aaaa");
    let later = recorded("memstore", "bbbb");
    let merged = merge_suites(&baseline, &later, &["memstore".to_owned()]);
    let same = recorded("memstore", "aaaa");
    let remerged = merge_suites(&merged, &same, &["memstore".to_owned()]);
    assert!(remerged.suite_git.is_empty());
    assert_eq!(
        remerged.git_of("memstore").map(|g| g.commit.as_str()),
        Some("aaaa")
    );

    // A baseline with no merged suite is written without the field, so
    // files recorded before it existed are read and rewritten unchanged.
    let text = serde_json::to_string(&baseline).unwrap();
    assert!(!text.contains("suite_git"), "{text}");
}

#[test]
fn a_merged_suite_measured_outside_git_cannot_be_rebuilt() {
    let baseline = recorded("stats", "aaaa");
    let mut later = recorded("memstore", "bbbb");
    later.git = None;
    let merged = merge_suites(&baseline, &later, &["memstore".to_owned()]);
    assert!(merged.git_of("memstore").is_none());
    let error = measured_commit(&merged, &["memstore"]).unwrap_err();
    assert!(error.contains("outside git"), "{error}");
}

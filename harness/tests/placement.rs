//! Instruction counts that move with the heap's state, not the code: real
//! iai-callgrind 0.16 output of memstore's `store/one_episode`
//! (`fixtures/iai-0.16-placement`), the base as committed and the head with
//! one 16-byte allocation added to the benchmark's setup (not counted).
//! The count moved 4358 → 4458 instructions (+2.3 %), every one of them in
//! glibc's heap trimming; the check must clear it and must not clear the
//! same move made by the code.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use benchgate::compare::{CompareOptions, Comparison, Confirmation, Entry, Verdict, compare};
use benchgate::config::Policy;
use benchgate::iai::read_iai_tree;
use benchgate::run::MetricRecord;
use common::run;

const BENCHMARK_DIR: &str = "memstore/iai_memstore/store_and_search/store.one_episode";
const PROFILE: &str = "callgrind.store.one_episode.out";

/// Where each side's files were when iai-callgrind wrote their paths.
fn written_at(side: &str) -> &'static str {
    match side {
        "base" => "/tmp/probe/a",
        _ => "/tmp/probe/b",
    }
}

fn fixture(side: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/iai-0.16-placement")
        .join(side)
}

/// One side's counts, read from a copy of its fixture whose summary points
/// at the copy; `edit` may rewrite the profile first, and `keep_profile`
/// false deletes it.
fn counts(
    side: &str,
    edit: impl Fn(String) -> String,
    keep_profile: bool,
) -> (tempfile::TempDir, Vec<MetricRecord>) {
    let dir = tempfile::tempdir().unwrap();
    let source = fixture(side).join(BENCHMARK_DIR);
    let target = dir.path().join(BENCHMARK_DIR);
    fs::create_dir_all(&target).unwrap();
    let summary = fs::read_to_string(source.join("summary.json")).unwrap();
    assert!(summary.contains(written_at(side)), "fixture layout changed");
    fs::write(
        target.join("summary.json"),
        summary.replace(written_at(side), &dir.path().display().to_string()),
    )
    .unwrap();
    if keep_profile {
        let profile = fs::read_to_string(source.join(PROFILE)).unwrap();
        fs::write(target.join(PROFILE), edit(profile)).unwrap();
    }
    let metrics = read_iai_tree(&dir.path().join("memstore"), "memstore").unwrap();
    (dir, metrics)
}

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

fn compared(base: Vec<MetricRecord>, head: Vec<MetricRecord>) -> Comparison {
    compare(
        &run("machine-a", vec![], base),
        &run("machine-a", vec![], head),
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap()
}

fn entry<'a>(comparison: &'a Comparison, metric: &str) -> &'a Entry {
    comparison
        .entries
        .iter()
        .find(|e| e.metric.as_deref() == Some(metric))
        .unwrap_or_else(|| panic!("no {metric} entry"))
}

#[test]
fn a_count_moved_by_the_heap_is_flagged_then_cleared() {
    let (_b, base) = counts("base", |t| t, true);
    let (_h, head) = counts("head", |t| t, true);
    let comparison = compared(base, head);
    let ir = entry(&comparison, "callgrind.Ir");
    assert_eq!((ir.baseline, ir.current), (Some(4358.0), Some(4458.0)));
    assert_eq!(ir.first_verdict, Verdict::Regressed);
    assert_eq!(ir.verdict, Verdict::Unchanged);
    assert_eq!(
        ir.confirmation,
        Some(Confirmation::Placement {
            baseline_allocator_ir: 200,
            current_allocator_ir: 300,
        })
    );
    // The allocator's 100 extra instructions are the whole difference.
    assert!(comparison.passed());
    assert_eq!(
        comparison.cleared().count(),
        comparison
            .entries
            .iter()
            .filter(|e| e.first_verdict != e.verdict)
            .count()
    );
    assert!(comparison.cleared().any(|e| e.key() == ir.key()));
}

#[test]
fn the_same_move_made_by_the_code_stays_a_regression() {
    let (_b, base) = counts("base", |t| t, true);
    // The head's profile with the checksum function doing 100 more
    // instructions of its own: the program's work changed.
    let (_h, head) = counts(
        "head",
        |text| {
            let marker = "fn=crc32fast::specialized::pclmulqdq::calculate\n0 815 ";
            assert!(text.contains(marker), "fixture layout changed");
            text.replace(
                marker,
                "fn=crc32fast::specialized::pclmulqdq::calculate\n0 915 ",
            )
        },
        true,
    );
    let comparison = compared(base, head);
    let ir = entry(&comparison, "callgrind.Ir");
    assert_eq!(ir.first_verdict, Verdict::Regressed);
    assert_eq!(ir.verdict, Verdict::Regressed);
    assert_eq!(ir.confirmation, None);
    assert!(!comparison.passed());
}

#[test]
fn without_profiles_a_moved_count_is_judged_as_it_reads() {
    let (_b, base) = counts("base", |t| t, false);
    let (_h, head) = counts("head", |t| t, false);
    assert!(base.iter().all(|m| m.execution.is_none()));
    let comparison = compared(base, head);
    assert_eq!(
        entry(&comparison, "callgrind.Ir").verdict,
        Verdict::Regressed
    );
}

#[test]
fn a_damaged_profile_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join(BENCHMARK_DIR);
    fs::create_dir_all(&target).unwrap();
    let source = fixture("head").join(BENCHMARK_DIR);
    let summary = fs::read_to_string(source.join("summary.json")).unwrap();
    fs::write(
        target.join("summary.json"),
        summary.replace(written_at("head"), &dir.path().display().to_string()),
    )
    .unwrap();
    let profile = fs::read_to_string(source.join(PROFILE)).unwrap();
    let cut = profile.find("fn=crc32fast").unwrap();
    fs::write(target.join(PROFILE), format!("{}0 12 x\n", &profile[..cut])).unwrap();
    let message = read_iai_tree(&dir.path().join("memstore"), "memstore")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&target.join(PROFILE).display().to_string()) && message.contains("re-run"),
        "{message}"
    );
}

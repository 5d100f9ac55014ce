//! Instruction counts that move with placement, not the code, in real
//! iai-callgrind 0.16 output:
//! - memstore's `store/one_episode` (`fixtures/iai-0.16-placement`), the
//!   base as committed and the head with one 16-byte allocation added to
//!   the benchmark's setup (not counted). The count moved 4358 → 4458
//!   instructions (+2.3 %), every one of them in glibc's heap trimming.
//! - stats' `one_shot/n100` (`fixtures/iai-0.16-alignment`), from a layout
//!   A/A of the PR check (head = base plus an unused function in each
//!   workload crate). One `memcpy` of the same 100 samples ran one vector
//!   loop trip fewer (112 → 100 instructions) and the estimated cycles read
//!   −0.66 %, every function of the program identical.
//!
//! The check must clear both and must not clear the same moves made by the
//! code.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use benchgate::compare::{CompareOptions, Comparison, Confirmation, Entry, Verdict, compare};
use benchgate::config::Policy;
use benchgate::iai::read_iai_tree;
use benchgate::run::MetricRecord;
use common::run;

/// One benchmark's pair of fixtures.
struct Case {
    fixtures: &'static str,
    suite: &'static str,
    /// The benchmark's folder below the suite's tree.
    benchmark_dir: &'static str,
    profile: &'static str,
    /// Where each side's tree was when iai-callgrind wrote its paths.
    written_at: [&'static str; 2],
}

const HEAP: Case = Case {
    fixtures: "iai-0.16-placement",
    suite: "memstore",
    benchmark_dir: "iai_memstore/store_and_search/store.one_episode",
    profile: "callgrind.store.one_episode.out",
    written_at: ["/tmp/probe/a/memstore", "/tmp/probe/b/memstore"],
};

const ALIGNMENT: Case = Case {
    fixtures: "iai-0.16-alignment",
    suite: "stats",
    benchmark_dir: "iai_summary/summary/one_shot.n100",
    profile: "callgrind.one_shot.n100.out",
    written_at: [
        "/tmp/series-aa/target/benchgate/pr-check/iai/base/stats/stats",
        "/tmp/series-aa/target/benchgate/pr-check/iai/head/stats/stats",
    ],
};

impl Case {
    fn side_index(side: &str) -> usize {
        usize::from(side != "base")
    }

    fn source(&self, side: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(self.fixtures)
            .join(side)
            .join(self.suite)
            .join(self.benchmark_dir)
    }

    /// Copies one side's summary into `root`, pointing at the copy, and
    /// returns the benchmark's folder there.
    fn copy_summary(&self, side: &str, root: &Path) -> PathBuf {
        let tree = root.join(self.suite);
        let target = tree.join(self.benchmark_dir);
        fs::create_dir_all(&target).unwrap();
        let summary = fs::read_to_string(self.source(side).join("summary.json")).unwrap();
        let written_at = self.written_at[Self::side_index(side)];
        assert!(summary.contains(written_at), "fixture layout changed");
        fs::write(
            target.join("summary.json"),
            summary.replace(written_at, &tree.display().to_string()),
        )
        .unwrap();
        target
    }

    /// One side's counts, read from a copy of its fixture whose summary
    /// points at the copy; `edit` may rewrite the profile first, and
    /// `keep_profile` false deletes it.
    fn counts(
        &self,
        side: &str,
        edit: impl Fn(String) -> String,
        keep_profile: bool,
    ) -> (tempfile::TempDir, Vec<MetricRecord>) {
        let dir = tempfile::tempdir().unwrap();
        let target = self.copy_summary(side, dir.path());
        if keep_profile {
            let profile = fs::read_to_string(self.source(side).join(self.profile)).unwrap();
            fs::write(target.join(self.profile), edit(profile)).unwrap();
        }
        let metrics = read_iai_tree(&dir.path().join(self.suite), self.suite).unwrap();
        (dir, metrics)
    }
}

/// The case's base against its head whose profile has `from` replaced by
/// `to` (which must occur): the same pair, with the program's work edited.
fn compared_with_edited_head(case: &Case, from: &str, to: &str) -> Comparison {
    let (_b, base) = case.counts("base", |t| t, true);
    let edit = |text: String| {
        assert!(text.contains(from), "fixture layout changed: no {from:?}");
        text.replace(from, to)
    };
    let (_h, head) = case.counts("head", edit, true);
    compared(base, head)
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
    let (_b, base) = HEAP.counts("base", |t| t, true);
    let (_h, head) = HEAP.counts("head", |t| t, true);
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
            baseline_string_ir: 482,
            current_string_ir: 482,
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
    // The head's profile with the checksum function doing 100 more
    // instructions of its own: the program's work changed.
    let comparison = compared_with_edited_head(
        &HEAP,
        "fn=crc32fast::specialized::pclmulqdq::calculate\n0 815 ",
        "fn=crc32fast::specialized::pclmulqdq::calculate\n0 915 ",
    );
    let ir = entry(&comparison, "callgrind.Ir");
    assert_eq!(ir.first_verdict, Verdict::Regressed);
    assert_eq!(ir.verdict, Verdict::Regressed);
    assert_eq!(ir.confirmation, None);
    assert!(!comparison.passed());
}

#[test]
fn without_profiles_a_moved_count_is_judged_as_it_reads() {
    let (_b, base) = HEAP.counts("base", |t| t, false);
    let (_h, head) = HEAP.counts("head", |t| t, false);
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
    let target = HEAP.copy_summary("head", dir.path());
    let profile = fs::read_to_string(HEAP.source("head").join(HEAP.profile)).unwrap();
    let cut = profile.find("fn=crc32fast").unwrap();
    fs::write(
        target.join(HEAP.profile),
        format!("{}0 12 x\n", &profile[..cut]),
    )
    .unwrap();
    let message = read_iai_tree(&dir.path().join("memstore"), "memstore")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(&target.join(HEAP.profile).display().to_string())
            && message.contains("re-run"),
        "{message}"
    );
}

#[test]
fn cache_cycles_moved_by_a_copy_alignment_are_flagged_then_cleared() {
    let (_b, base) = ALIGNMENT.counts("base", |t| t, true);
    let (_h, head) = ALIGNMENT.counts("head", |t| t, true);
    let comparison = compared(base, head);
    let ir = entry(&comparison, "callgrind.Ir");
    assert_eq!((ir.baseline, ir.current), (Some(12364.0), Some(12352.0)));
    let cycles = entry(&comparison, "callgrind.EstimatedCycles");
    assert_eq!(
        (cycles.baseline, cycles.current),
        (Some(17958.0), Some(17840.0))
    );
    assert_eq!(cycles.first_verdict, Verdict::Improved);
    assert_eq!(cycles.verdict, Verdict::Unchanged);
    // memcpy 444 → 432 and memset 91 on both sides (3 + 1 calls); the
    // allocator ran the same on both.
    assert_eq!(
        cycles.confirmation,
        Some(Confirmation::Placement {
            baseline_allocator_ir: 340,
            current_allocator_ir: 340,
            baseline_string_ir: 535,
            current_string_ir: 523,
        })
    );
    assert!(comparison.passed());
    assert!(
        comparison
            .entries
            .iter()
            .all(|e| e.verdict == Verdict::Unchanged)
    );
}

#[test]
fn a_longer_copy_is_the_programs_doing() {
    // The same calls, but the head's first memcpy copied 100 more
    // instructions' worth: more than alignment explains.
    let comparison = compared_with_edited_head(
        &ALIGNMENT,
        "fn=__memcpy_avx_unaligned_erms\n264 3",
        "fn=__memcpy_avx_unaligned_erms\n264 103",
    );
    let cycles = entry(&comparison, "callgrind.EstimatedCycles");
    assert_eq!(cycles.first_verdict, Verdict::Improved);
    assert_eq!(cycles.verdict, Verdict::Improved);
    assert_eq!(cycles.confirmation, None);
}

#[test]
fn one_more_copy_call_is_the_programs_doing() {
    // The program called memset twice where it called it once, each call
    // as cheap as before: the call count is in the digest.
    let comparison = compared_with_edited_head(
        &ALIGNMENT,
        "cfn=__memset_avx2_unaligned_erms\ncalls=1 ",
        "cfn=__memset_avx2_unaligned_erms\ncalls=2 ",
    );
    let cycles = entry(&comparison, "callgrind.EstimatedCycles");
    assert_eq!(cycles.verdict, Verdict::Improved);
    assert_eq!(cycles.confirmation, None);
}

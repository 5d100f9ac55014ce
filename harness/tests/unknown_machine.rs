//! A machine with no baseline of its own (a hosted-runner model nobody has
//! seen): its instruction counts are still judged against another
//! machine's baseline, and a run that could only record is not a pass.

mod common;

use std::path::Path;

use benchgate::compare::{CompareOptions, Outcome, Verdict};
use benchgate::config::Policy;
use benchgate::gate::{GateOptions, GateReport, portable_assessment};
use benchgate::run::{Direction, MetricRecord, Run};
use benchgate::runner::RunOptions;
use benchgate::store::BaselineStore;
use common::{benchmark, run, samples};

fn counted(machine: &str, ir: f64, time_ns: f64) -> Run {
    let ir = MetricRecord {
        suite: "stats".to_owned(),
        benchmark: "iai_summary/one_shot".to_owned(),
        name: "callgrind.Ir".to_owned(),
        value: ir,
        unit: "instructions".to_owned(),
        direction: Direction::LowerIsBetter,
        samples: Vec::new(),
        portable: true,
        execution: None,
    };
    run(
        machine,
        vec![benchmark(
            "stats",
            "summary_one_shot/1000",
            samples(time_ns, 0.01, 50, 7),
        )],
        vec![ir],
    )
}

fn options(baselines: &Path) -> GateOptions {
    GateOptions {
        suites: Vec::new(),
        run: RunOptions::default(),
        baseline_name: None,
        baselines_dir: baselines.to_owned(),
        policy: Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap(),
        compare: CompareOptions::default(),
        confirm: false,
    }
}

#[test]
fn instruction_counts_are_judged_against_another_machines_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    store
        .save(&counted("known-machine", 1_000_000.0, 1_000.0), "main")
        .unwrap();
    let options = options(dir.path());

    // +3 % instructions on a new machine whose wall times are 3× slower:
    // the counts fail, the times are not judged at all.
    let new = counted("new-runner", 1_030_000.0, 3_000.0);
    let (path, assessment) = portable_assessment(&store, &options, &new, &|_: &str| {})
        .unwrap()
        .expect("the other machine's baseline has instruction counts");
    assert!(
        path.ends_with("known-machine/main.json"),
        "{}",
        path.display()
    );
    let comparison = &assessment.comparison;
    assert!(comparison.entries.iter().all(|e| !e.is_time()));
    let ir = comparison
        .entries
        .iter()
        .find(|e| e.key() == "stats/iai_summary/one_shot/callgrind.Ir")
        .unwrap();
    assert_eq!(ir.verdict, Verdict::Regressed);
    assert_eq!(comparison.outcome(), Outcome::Regression);

    // The same counts pass.
    let same = counted("new-runner", 1_000_000.0, 3_000.0);
    let (_, assessment) = portable_assessment(&store, &options, &same, &|_: &str| {})
        .unwrap()
        .unwrap();
    assert_eq!(assessment.comparison.outcome(), Outcome::Pass);
}

#[test]
fn without_any_portable_baseline_nothing_is_compared_and_that_is_not_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let store = BaselineStore::new(dir.path());
    let options = options(dir.path());
    let new = counted("new-runner", 1_000_000.0, 3_000.0);
    assert!(
        portable_assessment(&store, &options, &new, &|_: &str| {})
            .unwrap()
            .is_none()
    );
    let report = GateReport {
        run: new,
        run_file: dir.path().join("run.json"),
        baseline_file: dir.path().join("new-runner/main.json"),
        recorded_suites: vec!["stats".to_owned()],
        assessment: None,
        portable_baseline: None,
    };
    assert_eq!(report.outcome(), Outcome::RecordedOnly);
    assert!(!report.passed());
}

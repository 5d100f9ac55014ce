//! Instruction counts: real iai-callgrind 0.16 summaries of the stats suite
//! (`fixtures/iai-0.16-stats`), their verdicts, and comparisons across
//! machines.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use benchgate::compare::{CompareOptions, Verdict, compare};
use benchgate::config::Policy;
use benchgate::iai::read_iai_tree;
use benchgate::run::MetricRecord;
use common::{benchmark, run, samples};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/iai-0.16-stats")
}

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

fn counts() -> Vec<MetricRecord> {
    read_iai_tree(&fixture(), "stats").unwrap()
}

fn value(metrics: &[MetricRecord], benchmark: &str, name: &str) -> f64 {
    metrics
        .iter()
        .find(|m| m.benchmark == benchmark && m.name == name)
        .unwrap_or_else(|| panic!("{benchmark} {name} in {metrics:?}"))
        .value
}

#[test]
fn summaries_become_portable_instruction_metrics() {
    let metrics = counts();
    // Instructions as iai-callgrind printed them when the fixture was made.
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/one_shot/n100",
            "callgrind.Ir"
        ),
        12_195.0
    );
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/one_shot/n10000",
            "callgrind.Ir"
        ),
        1_069_114.0
    );
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/streaming/n100",
            "callgrind.Ir"
        ),
        224_627.0
    );
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/streaming/n10000",
            "callgrind.Ir"
        ),
        1_838_390.0
    );
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/one_shot/n100",
            "callgrind.EstimatedCycles"
        ),
        17_746.0
    );
    assert!(metrics.iter().all(|m| m.portable && m.suite == "stats"));
    assert_eq!(
        metrics.len(),
        4 * 4,
        "Ir, estimated cycles, L1 and LL misses per benchmark"
    );

    // L1 misses are the sum of the instruction and data L1 miss events.
    let raw: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(fixture().join("stats/iai_summary/summary/one_shot.n100/summary.json"))
            .unwrap(),
    )
    .unwrap();
    let events = &raw["profiles"][0]["summaries"]["total"]["summary"]["Callgrind"];
    let event = |name: &str| events[name]["metrics"]["Left"]["Int"].as_f64().unwrap();
    let l1 = event("I1mr") + event("D1mr") + event("D1mw");
    assert_eq!(
        value(
            &metrics,
            "iai_summary/summary/one_shot/n100",
            "callgrind.L1misses"
        ),
        l1
    );
}

/// The fixture's counts with every instruction count scaled by `factor`
/// and rounded to whole instructions, as a real change would be.
fn scaled(factor: f64) -> Vec<MetricRecord> {
    counts()
        .into_iter()
        .map(|mut m| {
            if m.name == "callgrind.Ir" {
                m.value = (m.value * factor).round();
            }
            m
        })
        .collect()
}

fn ir_verdicts(factor: f64) -> Vec<Verdict> {
    let base = run("m", vec![], counts());
    let cur = run("m", vec![], scaled(factor));
    let comparison = compare(&base, &cur, &policy(), &CompareOptions::default()).unwrap();
    comparison
        .entries
        .iter()
        .filter(|e| e.metric.as_deref() == Some("callgrind.Ir"))
        .map(|e| e.verdict)
        .collect()
}

#[test]
fn one_percent_more_instructions_is_always_caught_and_no_change_never() {
    assert_eq!(ir_verdicts(1.01), vec![Verdict::Regressed; 4]);
    assert_eq!(ir_verdicts(1.0), vec![Verdict::Unchanged; 4]);
    assert_eq!(
        ir_verdicts(1.003),
        vec![Verdict::Unchanged; 4],
        "below the 0.5 % bar"
    );
    assert_eq!(ir_verdicts(0.99), vec![Verdict::Improved; 4]);
}

#[test]
fn across_machines_only_portable_metrics_are_judged() {
    let times = |seed| {
        vec![benchmark(
            "stats",
            "summary_one_shot/100",
            samples(700.0, 0.02, 30, seed),
        )]
    };
    let base = run("machine-a", times(1), counts());
    let cur = run("machine-b", times(2), scaled(1.02));
    let comparison = compare(&base, &cur, &policy(), &CompareOptions::default()).unwrap();
    assert!(
        comparison.entries.iter().all(|e| e.metric.is_some()),
        "no wall times"
    );
    assert_eq!(comparison.notes.len(), 1);
    assert!(
        comparison.notes[0].contains("benchgate ab"),
        "{}",
        comparison.notes[0]
    );
    assert_eq!(comparison.count(Verdict::Regressed), 4);

    // Without machine-independent metrics the comparison is refused outright.
    let message = compare(
        &run("machine-a", times(1), vec![]),
        &run("machine-b", times(2), vec![]),
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        message.contains("benchgate ab") && message.contains("iai"),
        "{message}"
    );
}

#[test]
fn an_unknown_summary_version_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let source = fixture().join("stats/iai_summary/summary/one_shot.n100/summary.json");
    let target = dir.path().join("x/summary.json");
    fs::create_dir_all(target.parent().unwrap()).unwrap();
    let text =
        fs::read_to_string(source)
            .unwrap()
            .replacen("\"version\":\"6\"", "\"version\":\"9\"", 1);
    assert!(text.contains("\"version\":\"9\""), "fixture layout changed");
    fs::write(&target, text).unwrap();
    let message = read_iai_tree(dir.path(), "stats").unwrap_err().to_string();
    assert!(
        message.contains(&target.display().to_string()) && message.contains("v9"),
        "{message}"
    );
}

#[test]
fn a_missing_iai_directory_means_no_counts() {
    assert!(
        read_iai_tree(Path::new("/nonexistent/iai"), "stats")
            .unwrap()
            .is_empty()
    );
}

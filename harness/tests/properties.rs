//! Property tests (proptest): arbitrary bytes into every reader never
//! panic, valid runs round-trip to byte-identical files, and comparing a
//! run with itself finds every entry unchanged (exit 0). Case counts are
//! kept small so the whole file runs in seconds in a debug build.

mod common;

use std::fs;
use std::path::Path;

use benchgate::compare::{CompareOptions, compare};
use benchgate::config::Policy;
use benchgate::run::Direction;
use benchgate::store::{read_run, write_run};
use benchgate::verdict::Verdict;
use common::{benchmark, metric, run};
use proptest::prelude::*;

/// Cases per reader: arbitrary bytes rarely get past the first bytes of a
/// parser, so a few dozen cover its refusals cheaply.
const BYTE_CASES: u32 = 48;

/// Cases of the round-trip and compare properties (a compare bootstraps
/// every entry: the slowest property).
const RUN_CASES: u32 = 12;

/// Bytes that are sometimes JSON-ish: arbitrary bytes, or a valid file
/// with one byte changed or cut short.
fn hostile(valid: &'static str) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        (0..valid.len(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut bytes = valid.as_bytes().to_vec();
            bytes[at] = byte;
            bytes
        }),
        (0..valid.len()).prop_map(move |cut| valid.as_bytes()[..cut].to_vec()),
    ]
}

/// A criterion benchmark directory (`<home>/g/new/…`) with `file` holding
/// `bytes` and the other two files from the fixture.
fn criterion_home(dir: &Path, file: &str, bytes: &[u8]) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate-output/criterion/stats/round-1");
    let new_dir = first_new_dir(&fixture);
    let home = dir.join("home");
    let target = home.join("g/new");
    fs::create_dir_all(&target).unwrap();
    for name in ["benchmark.json", "estimates.json", "sample.json"] {
        fs::copy(new_dir.join(name), target.join(name)).unwrap();
    }
    fs::write(target.join(file), bytes).unwrap();
    home
}

fn first_new_dir(dir: &Path) -> std::path::PathBuf {
    if dir.join("new").is_dir() {
        return dir.join("new");
    }
    let mut children: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    children.sort();
    first_new_dir(&children[0])
}

const VALID_RUN: &str = include_str!("fixtures/runs/stats-tokenization-full.json");
const VALID_CONFIG: &str =
    "[defaults]\ntime_threshold = 0.05\nalpha = 0.01\n\n[suites.stats]\ntime_threshold = 0.1\n";
const VALID_METRICS: &str = "{\"suite\":\"stats\",\"benchmark\":\"sum/100\",\"name\":\"recall\",\"unit\":\"ratio\",\"value\":0.9,\"direction\":\"higher_is_better\"}\n";
const VALID_CRITERION: &str = "{\"group_id\":\"g\",\"function_id\":null,\"value_str\":null,\"throughput\":null,\"full_id\":\"g\",\"directory_name\":\"g\",\"title\":\"g\"}";
const VALID_IAI: &str = "{\"version\":\"6\",\"kind\":\"LibraryBenchmark\",\"summary_output\":null,\"project_root\":\"/p\",\"package_dir\":\"/p\",\"benchmark_file\":\"b.rs\",\"benchmark_exe\":\"/b\",\"function_name\":\"f\",\"id\":\"x\",\"details\":null,\"module_path\":\"m::f\",\"profiles\":[]}";

proptest! {
    #![proptest_config(ProptestConfig { cases: BYTE_CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn run_files_never_panic(bytes in hostile(VALID_RUN)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run.json");
        fs::write(&path, &bytes).unwrap();
        let _ = read_run(&path);
    }

    #[test]
    fn configs_never_panic(bytes in hostile(VALID_CONFIG)) {
        let text = String::from_utf8_lossy(&bytes);
        let _ = Policy::parse(&text, Path::new("benchgate.toml"));
    }

    #[test]
    fn metrics_lines_never_panic(bytes in hostile(VALID_METRICS)) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stats.jsonl");
        fs::write(&path, &bytes).unwrap();
        let _ = benchgate_metrics::read_metrics_file(&path);
    }

    #[test]
    fn criterion_files_never_panic(
        file in prop::sample::select(vec!["benchmark.json", "estimates.json", "sample.json"]),
        bytes in hostile(VALID_CRITERION),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let home = criterion_home(dir.path(), file, &bytes);
        let _ = benchgate::criterion::read_criterion_tree(&home, "stats");
    }

    #[test]
    fn iai_summaries_never_panic(bytes in hostile(VALID_IAI)) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("iai/stats/b/f");
        fs::create_dir_all(&home).unwrap();
        fs::write(home.join("summary.json"), &bytes).unwrap();
        let _ = benchgate::iai::read_iai_tree(&dir.path().join("iai/stats"), "stats");
    }
}

/// A valid run: 1–4 benchmarks of 1–3 suites with positive samples, and
/// a custom metric per benchmark.
fn valid_run() -> impl Strategy<Value = benchgate::run::Run> {
    proptest::collection::vec(
        (
            0..3usize,
            proptest::collection::vec(1.0e1f64..1.0e7, 3..24),
            0.0f64..1.0,
        ),
        1..5,
    )
    .prop_map(|specs| {
        let mut benchmarks = Vec::new();
        let mut metrics = Vec::new();
        for (i, (suite, samples, value)) in specs.into_iter().enumerate() {
            let suite = format!("suite{suite}");
            let id = format!("bench/{i}");
            metrics.push(metric(
                &suite,
                &id,
                "recall",
                value,
                Direction::HigherIsBetter,
            ));
            benchmarks.push(benchmark(&suite, &id, samples));
        }
        run("prop-machine", benchmarks, metrics)
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: RUN_CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn valid_runs_round_trip_byte_for_byte(run in valid_run()) {
        let dir = tempfile::tempdir().unwrap();
        let first = dir.path().join("first.json");
        let second = dir.path().join("second.json");
        write_run(&first, &run).unwrap();
        let read = read_run(&first).unwrap();
        write_run(&second, &read).unwrap();
        prop_assert_eq!(fs::read(&first).unwrap(), fs::read(&second).unwrap());
    }

    #[test]
    fn a_run_compared_with_itself_is_all_unchanged(run in valid_run()) {
        let policy = Policy::embedded().unwrap();
        let comparison = compare(&run, &run, &policy, &CompareOptions::default()).unwrap();
        prop_assert_eq!(comparison.entries.len(), run.benchmarks.len() + run.metrics.len());
        for entry in &comparison.entries {
            prop_assert_eq!(entry.verdict, Verdict::Unchanged);
        }
        prop_assert_eq!(comparison.outcome().exit_code(), 0);
    }
}

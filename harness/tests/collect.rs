//! The collector on real criterion output: the long-id tree criterion 0.8
//! wrote for `fixtures/long_ids_bench.rs.txt`, its legacy-format twin, and
//! the stats suite's own output.

use std::fs;
use std::path::{Path, PathBuf};

use benchgate::Error;
use benchgate::collect::{CollectOptions, SuiteSource, collect, per_suite_sources};
use benchgate::criterion::read_criterion_tree;
use benchgate::provenance::Provenance;
use benchgate::run::{Benchmark, Profile, Throughput};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read(name: &str) -> Vec<Benchmark> {
    read_criterion_tree(&fixture(name), "fixture")
        .unwrap()
        .into_iter()
        .map(|found| found.benchmark)
        .collect()
}

/// Per-iteration times computed straight from a `sample.json`, independently
/// of the collector.
fn per_iteration(sample_json: &Path) -> Vec<f64> {
    let value: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(sample_json).unwrap()).unwrap();
    let numbers = |key: &str| -> Vec<f64> {
        value[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect()
    };
    numbers("times")
        .iter()
        .zip(numbers("iters"))
        .map(|(t, i)| t / i)
        .collect()
}

#[test]
fn full_ids_come_from_benchmark_json_not_directory_names() {
    let benchmarks = read("criterion-0.8-long-ids");
    let ids: Vec<&str> = benchmarks.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "plain <name>",
            "tokenize/batch/encode?fast/a-parameter-description-that-is-much-longer-than-sixty-four-bytes-in-total-first",
            "tokenize/batch/encode?fast/a-parameter-description-that-is-much-longer-than-sixty-four-bytes-in-total-second",
        ],
        "the saved `base/` copies must not count as benchmarks"
    );
    let second = &benchmarks[2];
    assert_eq!(second.group, "tokenize/batch");
    assert_eq!(second.function.as_deref(), Some("encode?fast"));
    assert_eq!(
        second.parameter.as_deref(),
        Some("a-parameter-description-that-is-much-longer-than-sixty-four-bytes-in-total-second")
    );
    assert_eq!(second.throughput, Some(Throughput::Bytes(4096)));
    assert_eq!(benchmarks[0].throughput, None);
}

#[test]
fn samples_are_per_iteration_times() {
    let benchmarks = read("criterion-0.8-long-ids");
    let dir = fixture(
        "criterion-0.8-long-ids/tokenize_batch/encode_fast/a-parameter-description-that-is-much-longer-than-sixty-four-byte_2/new",
    );
    let expected = per_iteration(&dir.join("sample.json"));
    assert_eq!(benchmarks[2].samples_ns, expected);
    assert_eq!(expected.len(), 10);
    // The typical time criterion estimated lies inside the samples' range.
    let typical = benchmarks[2].estimates.typical().point;
    let (min, max) = expected
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(*x), hi.max(*x)));
    assert!(
        min <= typical && typical <= max,
        "{min} <= {typical} <= {max}"
    );
}

#[test]
fn legacy_format_reads_to_the_same_benchmarks() {
    let current = read("criterion-0.8-long-ids");
    let legacy = read("criterion-legacy");
    assert_eq!(current.len(), legacy.len());
    for (c, l) in current.iter().zip(&legacy) {
        assert_eq!(c.id, l.id);
        assert_eq!(c.samples_ns, l.samples_ns);
        assert_eq!(c.estimates, l.estimates);
        assert_eq!(c.throughput, l.throughput);
        assert_eq!(
            l.sampling_mode, None,
            "legacy samples carry no sampling mode"
        );
    }
}

#[test]
fn stats_suite_output_and_metrics_become_one_run() {
    let root = fixture("gate-output");
    let sources = per_suite_sources(&root.join("criterion")).unwrap();
    assert_eq!(
        sources,
        vec![SuiteSource {
            suite: "stats".to_owned(),
            criterion_dirs: (1..=3)
                .map(|r| root.join(format!("criterion/stats/round-{r}")))
                .collect(),
        }]
    );
    let provenance = Provenance::probe(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(".."),
        Profile::Quick,
    );
    let run = collect(
        &CollectOptions {
            sources,
            metrics_dir: Some(root.join("metrics")),
            iai_root: Some(fixture("iai-0.16-stats")),
        },
        &provenance,
    )
    .unwrap();
    // Who measured is the caller's word, recorded as given.
    assert_eq!(run.git, provenance.git);
    assert_eq!(run.machine, provenance.machine);
    assert_eq!(run.profile, Profile::Quick);
    let ids: Vec<String> = run.benchmarks.iter().map(Benchmark::key).collect();
    for n in [100, 1_000, 10_000, 100_000] {
        for group in ["summary_one_shot", "summary_streaming"] {
            assert!(
                ids.contains(&format!("stats/{group}/{n}")),
                "{group}/{n} in {ids:?}"
            );
        }
    }
    let one_shot_100 = run
        .benchmarks
        .iter()
        .find(|b| b.id == "summary_one_shot/100")
        .unwrap();
    assert_eq!(one_shot_100.throughput, Some(Throughput::Elements(100)));
    assert_eq!(one_shot_100.group, "summary_one_shot");
    assert_eq!(one_shot_100.parameter.as_deref(), Some("100"));
    assert!(one_shot_100.samples_ns.iter().all(|t| *t > 0.0));
    // Three quick rounds of 30 samples each, pooled in round order.
    assert_eq!(one_shot_100.rounds, 3);
    assert_eq!(one_shot_100.samples_ns.len(), 90);
    let round_2 =
        per_iteration(&root.join("criterion/stats/round-2/summary_one_shot/100/new/sample.json"));
    assert_eq!(one_shot_100.samples_ns[30..60], round_2[..]);
    assert!(!run.metrics.is_empty(), "the suite records custom metrics");
    assert!(run.metrics.iter().all(|m| m.suite == "stats"));
    // Recorded once per round; deterministic, so pooled back into one value.
    let p99 = run
        .metrics
        .iter()
        .find(|m| m.name == "p99_relative_error")
        .unwrap();
    assert!(p99.samples.is_empty() && p99.value > 0.0, "{p99:?}");
    // Instruction counts join the same run, with the library version that made them.
    assert!(
        run.metrics
            .iter()
            .any(|m| m.name == "callgrind.Ir" && m.portable)
    );
    assert_eq!(run.tools.iai_callgrind.as_deref(), Some("0.16.1"));
    assert_eq!(
        run.git.is_some(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.git")
            .exists()
    );
    assert!(
        run.tools
            .criterion
            .as_deref()
            .is_some_and(|v| v.starts_with("0.8"))
    );
}

/// Copy a fixture tree into a temporary directory so a test can break it.
fn scratch_copy(name: &str) -> tempfile::TempDir {
    fn copy(from: &Path, to: &Path) {
        fs::create_dir_all(to).unwrap();
        for entry in fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            let target = to.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                copy(&entry.path(), &target);
            } else {
                fs::copy(entry.path(), target).unwrap();
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    copy(&fixture(name), dir.path());
    dir
}

#[test]
fn a_missing_file_is_named_with_the_fix() {
    let dir = scratch_copy("criterion-0.8-long-ids");
    let sample = dir.path().join("plain _name_/new/sample.json");
    fs::remove_file(&sample).unwrap();
    let error = read_criterion_tree(dir.path(), "s").unwrap_err();
    assert!(
        matches!(error, Error::Missing { ref path, .. } if *path == sample),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("re-run the benchmarks"),
        "{error}"
    );
}

#[test]
fn a_malformed_file_is_named_with_the_problem() {
    let dir = scratch_copy("criterion-0.8-long-ids");
    let estimates = dir.path().join("plain _name_/new/estimates.json");
    fs::write(&estimates, "{\"mean\": 3").unwrap();
    let message = read_criterion_tree(dir.path(), "s")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(&estimates.display().to_string()),
        "{message}"
    );
    assert!(message.contains("invalid JSON"), "{message}");

    fs::write(&estimates, "{\"average\": 3}").unwrap();
    let message = read_criterion_tree(dir.path(), "s")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("not a criterion estimates file"),
        "{message}"
    );

    let sample = dir.path().join("plain _name_/new/sample.json");
    fs::write(
        &sample,
        r#"{"sampling_mode":"Flat","iters":[1.0, 0.0],"times":[5.0, 6.0]}"#,
    )
    .unwrap();
    fs::write(
        &estimates,
        fs::read(fixture(
            "criterion-0.8-long-ids/plain _name_/new/estimates.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let message = read_criterion_tree(dir.path(), "s")
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("sample.json") && message.contains("iteration count 0"),
        "{message}"
    );
}

#[test]
fn an_empty_directory_says_to_run_the_benchmarks() {
    let dir = tempfile::tempdir().unwrap();
    let error = collect(
        &CollectOptions {
            sources: vec![SuiteSource {
                suite: "s".into(),
                criterion_dirs: vec![dir.path().to_owned()],
            }],
            metrics_dir: None,
            iai_root: None,
        },
        &Provenance::probe(dir.path(), Profile::External),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("run the benchmarks first"),
        "{error}"
    );
}

#[test]
fn a_plain_criterion_home_is_not_split_into_suites_by_group() {
    // `target/criterion` after a plain `cargo bench`: its directories are
    // benchmark groups. Without --suite, in a workspace of several suites,
    // collect refuses and says what to pass.
    let plain = fixture("criterion-0.8-long-ids");
    assert!(!benchgate::collect::is_per_suite_layout(&plain));
    assert!(benchgate::collect::is_per_suite_layout(
        &fixture("gate-output").join("criterion")
    ));
    let message = per_suite_sources(&plain).unwrap_err().to_string();
    assert!(
        message.contains("plain criterion home") && message.contains("--suite <package>"),
        "{message}"
    );
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["collect", "--criterion-dir"])
        .arg(&plain)
        .arg("--output")
        .arg(dir.path().join("run.json"))
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--suite"), "{stderr}");
    assert!(!dir.path().join("run.json").exists());
}

//! The readers on real output of other criterion releases than the 0.8 the
//! suites use: the files criterion 0.4 and 0.5 wrote for one small bench
//! (`fixtures/small_bench.rs.txt`; see fixtures/README.md for how), and
//! what `cargo criterion --message-format=json` printed for it.

use std::path::{Path, PathBuf};
use std::process::Command;

use benchgate::criterion::{read_cargo_criterion_messages, read_criterion_tree};
use benchgate::run::Throughput;
use benchgate::store::read_run;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The ids the small bench defines, with each one's throughput.
const IDS: [(&str, Option<Throughput>); 3] = [
    ("sum_squares/iter/100", Some(Throughput::Elements(100))),
    ("sum_squares/iter/1000", Some(Throughput::Elements(1000))),
    ("sum_squares_plain", None),
];

/// The samples criterion was told to take (`--sample-size 10`).
const SAMPLES: usize = 10;

/// `sample.json` read independently of benchgate: per-iteration times.
fn raw_per_iteration(new_dir: &Path) -> Vec<f64> {
    let text = std::fs::read_to_string(new_dir.join("sample.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let numbers = |key: &str| -> Vec<f64> {
        value[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    numbers("times")
        .iter()
        .zip(numbers("iters"))
        .map(|(t, i)| t / i)
        .collect()
}

#[test]
fn criterion_0_4_and_0_5_trees_read_as_0_8_does() {
    for version in ["criterion-0.4-small", "criterion-0.5-small"] {
        let found = read_criterion_tree(&fixture(version), "small").unwrap();
        let ids: Vec<&str> = found.iter().map(|f| f.benchmark.id.as_str()).collect();
        assert_eq!(ids, IDS.map(|(id, _)| id), "{version}");
        for (found, (_, throughput)) in found.iter().zip(IDS) {
            let b = &found.benchmark;
            assert_eq!(b.suite, "small");
            assert_eq!(b.throughput, throughput, "{version} {}", b.id);
            assert_eq!(b.samples_ns.len(), SAMPLES, "{version} {}", b.id);
            assert_eq!(b.samples_ns, raw_per_iteration(&found.dir), "{version}");
            assert!(b.sampling_mode.is_some(), "{version} {}", b.id);
            let mean = b.estimates.mean;
            assert!(
                mean.lower <= mean.point && mean.point <= mean.upper,
                "{version} {}",
                b.id
            );
        }
        let grouped = &found[0].benchmark;
        assert_eq!(grouped.group, "sum_squares");
        assert_eq!(grouped.function.as_deref(), Some("iter"));
        assert_eq!(grouped.parameter.as_deref(), Some("100"));
    }
}

#[test]
fn collect_reads_an_older_criterion_tree_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("run.json");
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(dir.path())
        .args(["collect", "--suite", "small", "--criterion-dir"])
        .arg(fixture("criterion-0.4-small"))
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = read_run(&output).unwrap();
    assert_eq!(run.benchmarks.len(), IDS.len());
}

/// What `cargo criterion --message-format=json` printed for the small bench
/// (criterion 0.5.1 under cargo-criterion 1.1.0).
fn messages() -> PathBuf {
    fixture("cargo-criterion-1.1-messages.json")
}

#[test]
fn cargo_criterion_messages_read_to_the_same_benchmarks() {
    let found = read_cargo_criterion_messages(&messages(), "small").unwrap();
    let ids: Vec<&str> = found.iter().map(|f| f.benchmark.id.as_str()).collect();
    assert_eq!(ids, IDS.map(|(id, _)| id));
    let text = std::fs::read_to_string(messages()).unwrap();
    for (found, (id, throughput)) in found.iter().zip(IDS) {
        let b = &found.benchmark;
        assert_eq!(b.throughput, throughput, "{id}");
        // The samples, computed independently from the message's raw values.
        let message: serde_json::Value = text
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .find(|m| m["reason"] == "benchmark-complete" && m["id"] == id)
            .unwrap();
        let numbers = |key: &str| -> Vec<f64> {
            message[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        };
        let expected: Vec<f64> = numbers("measured_values")
            .iter()
            .zip(numbers("iteration_count"))
            .map(|(t, i)| t / i)
            .collect();
        assert_eq!(b.samples_ns, expected, "{id}");
        assert_eq!(b.samples_ns.len(), SAMPLES, "{id}");
        assert_eq!(
            b.estimates.mean.point,
            message["mean"]["estimate"].as_f64().unwrap()
        );
        assert!(b.estimates.std_dev.point > 0.0, "{id}");
    }
    let grouped = &found[0].benchmark;
    assert_eq!(grouped.group, "sum_squares");
    assert_eq!(grouped.function.as_deref(), Some("iter"));
    assert_eq!(grouped.parameter.as_deref(), Some("100"));
}

#[test]
fn collect_takes_cargo_criterion_messages_and_refuses_what_is_not_time() {
    let dir = tempfile::tempdir().unwrap();
    let collect = |file: &Path| {
        Command::new(env!("CARGO_BIN_EXE_benchgate"))
            .current_dir(dir.path())
            .args(["collect", "--suite", "small", "--cargo-criterion-json"])
            .arg(file)
            .arg("--output")
            .arg(dir.path().join("run.json"))
            .output()
            .unwrap()
    };
    let out = collect(&messages());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = read_run(&dir.path().join("run.json")).unwrap();
    assert_eq!(run.benchmarks.len(), IDS.len());

    // A custom measurement's unit is not wall time: refused, naming the line.
    let text = std::fs::read_to_string(messages()).unwrap();
    let first_benchmark = text
        .lines()
        .position(|l| l.contains("\"benchmark-complete\""))
        .unwrap();
    let cycles: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, line)| {
            if i == first_benchmark {
                line.replace("\"ns\"", "\"cycles\"")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let bad = dir.path().join("cycles.json");
    std::fs::write(&bad, cycles.join("\n")).unwrap();
    let out = collect(&bad);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cycles.json") && stderr.contains(&format!("line {}", first_benchmark + 1)),
        "{stderr}"
    );
    assert!(stderr.contains("cycles"), "{stderr}");

    // A truncated file (the job was killed mid-line) is an error, never a pass.
    let lines: Vec<&str> = text.lines().collect();
    let truncated = format!(
        "{}\n{}",
        lines[..=first_benchmark].join("\n"),
        &lines[first_benchmark + 1][..40]
    );
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, truncated).unwrap();
    let out = collect(&cut);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut.json"));
}

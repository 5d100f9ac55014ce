//! `benchgate suggest-batch`: a batch size fitted from a real recorded run's sweep (the tokenization suite's `encode_batch/N` with their peak-heap metrics), and infeasible constraints refused naming the binding one.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use benchgate::batch_fit::{curve_from_run, sweep_group};
use benchgate::config::Policy;
use benchgate::store::read_run;
use benchgate_metrics::batch::{Constraints, Hardware, suggest};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs/stats-tokenization-full.json")
}

fn suggest_batch(args: &[&str]) -> Output {
    let fixture = fixture();
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["suggest-batch", "--suite", "tokenization", "--run"])
        .arg(&fixture)
        .args(["--config", "/nonexistent/benchgate.toml"])
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_sweep_of_a_recorded_run_is_fitted_with_its_memory() {
    let run = read_run(&fixture()).unwrap();
    let policy = Policy::embedded().unwrap();
    // Without configuration, the one group named like a sweep... there are
    // two (`encode_batch`, `encode_batch_hf`): the error says to choose.
    let err = sweep_group(&run, "tokenization", None, &policy).unwrap_err();
    assert!(
        err.contains("encode_batch, encode_batch_hf") && err.contains("--group"),
        "{err}"
    );
    let curve = curve_from_run(&run, "tokenization", "encode_batch", "fixture").unwrap();
    let sizes: Vec<u32> = curve.points().iter().map(|p| p.batch).collect();
    assert_eq!(sizes, [1, 8, 16, 32, 64]);
    // Memory is the recorded peak heap; work the declared tokens.
    assert_eq!(curve.points()[0].memory_bytes, Some(45_636.0));
    assert_eq!(curve.points()[4].items, 6_563.0);
    assert!(
        curve
            .points()
            .iter()
            .all(|p| p.latency.high_s >= p.latency.typical_s)
    );

    let output = suggest_batch(&["--group", "encode_batch", "--latency-budget", "2ms"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let expected = suggest(
        &curve,
        &Constraints::latency_budget(2e-3),
        &Hardware::detect(),
    )
    .unwrap();
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(&format!("suggested batch size {}:", expected.batch)),
        "{stdout}"
    );
    assert!(stdout.contains("model: latency = "), "{stdout}");
    assert!(
        stdout.contains(&format!("bound by {}", expected.binding)),
        "{stdout}"
    );
}

#[test]
fn infeasible_constraints_exit_2_naming_the_binding_one() {
    let output = suggest_batch(&["--group", "encode_batch", "--latency-budget", "1us"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the latency budget (1.00 µs per batch) cannot be met"),
        "{stderr}"
    );
    assert!(stderr.contains("batch 1 takes"), "{stderr}");

    let output = suggest_batch(&["--group", "encode_batch", "--memory", "10KiB"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("the memory limit (10.0 KiB) cannot be met"),
        "{stderr}"
    );

    let output = suggest_batch(&["--group", "encode_batch", "--latency-budget", "soon"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("not a positive duration"));

    let output = suggest_batch(&["--group", "no_such_group"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output.stderr).contains("a curve needs at least two"),
        "{}",
        text(&output.stderr)
    );
}

#[test]
fn a_missing_suite_names_what_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["suggest-batch", "--suite", "inference", "--baselines-dir"])
        .arg(dir.path())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("no run holds suite `inference`") && stderr.contains("--run FILE"),
        "{stderr}"
    );
}

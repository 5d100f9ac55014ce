//! The `benchgate` binary's contract: exit 0 = pass, 1 = regression,
//! 2 = error with the file named (never a panic).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use benchgate::store::write_run;
use common::{benchmark, run, samples};

fn benchgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .current_dir(workspace_root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn compare_exits_1_on_regression_and_0_without() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name).display().to_string();
    let machine = "cli-test-machine";
    write_run(
        Path::new(&path("base.json")),
        &run(
            machine,
            vec![benchmark("stats", "sum/100", samples(1_000.0, 0.02, 50, 1))],
            vec![],
        ),
    )
    .unwrap();
    write_run(
        Path::new(&path("same.json")),
        &run(
            machine,
            vec![benchmark("stats", "sum/100", samples(1_000.0, 0.02, 50, 2))],
            vec![],
        ),
    )
    .unwrap();
    write_run(
        Path::new(&path("slow.json")),
        &run(
            machine,
            vec![benchmark("stats", "sum/100", samples(1_200.0, 0.02, 50, 3))],
            vec![],
        ),
    )
    .unwrap();

    let same = benchgate(&[
        "compare",
        "--run",
        &path("same.json"),
        "--baseline",
        &path("base.json"),
    ]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    assert!(String::from_utf8_lossy(&same.stdout).contains("PASS"));

    let summary = path("summary.md");
    let slow = benchgate(&[
        "compare",
        "--run",
        &path("slow.json"),
        "--baseline",
        &path("base.json"),
        "--summary",
        &summary,
    ]);
    assert_eq!(slow.status.code(), Some(1), "{}", stderr(&slow));
    let table = String::from_utf8_lossy(&slow.stdout);
    assert!(
        table.contains("stats/sum/100") && table.contains("regressed"),
        "{table}"
    );
    let markdown = std::fs::read_to_string(&summary).unwrap();
    assert!(
        markdown.contains("### Regressions") && markdown.contains("stats/sum/100"),
        "{markdown}"
    );
}

#[test]
fn a_broken_criterion_file_exits_2_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let bench = dir.path().join("group/new");
    std::fs::create_dir_all(&bench).unwrap();
    std::fs::write(bench.join("benchmark.json"), "not json").unwrap();
    let output = benchgate(&[
        "collect",
        "--suite",
        "broken",
        "--criterion-dir",
        &dir.path().display().to_string(),
        "--output",
        &dir.path().join("run.json").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains(&bench.join("benchmark.json").display().to_string()),
        "{message}"
    );
    assert!(!message.contains("panicked"), "{message}");
    assert!(
        !dir.path().join("run.json").exists(),
        "no run file from broken input"
    );
}

#[test]
fn a_missing_baseline_or_config_problem_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run_path = dir.path().join("run.json");
    write_run(
        &run_path,
        &run(
            "m",
            vec![benchmark("s", "b", samples(1.0, 0.01, 5, 1))],
            vec![],
        ),
    )
    .unwrap();
    let output = benchgate(&[
        "compare",
        "--run",
        &run_path.display().to_string(),
        "--baseline",
        &dir.path().join("nope.json").display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("nope.json is missing"),
        "{}",
        stderr(&output)
    );

    let config = dir.path().join("benchgate.toml");
    std::fs::write(&config, "[defaults]\ntime_threshold = -1\n").unwrap();
    let output = benchgate(&[
        "compare",
        "--run",
        &run_path.display().to_string(),
        "--baseline",
        &run_path.display().to_string(),
        "--config",
        &config.display().to_string(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("benchgate.toml: defaults.time_threshold = -1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn every_flag_has_help() {
    for command in [
        &["gate", "--help"][..],
        &["collect", "--help"],
        &["compare", "--help"],
        &["baseline", "save", "--help"],
    ] {
        let output = benchgate(command);
        assert_eq!(output.status.code(), Some(0));
        let help = String::from_utf8_lossy(&output.stdout);
        for line in help.lines().filter(|l| l.trim_start().starts_with("--")) {
            let described = line
                .split("  ")
                .filter(|part| !part.trim().is_empty())
                .count()
                >= 2;
            assert!(
                described,
                "flag without help in `{}`: {line}",
                command.join(" ")
            );
        }
    }
}

/// `benchgate … | head -1`: the reader goes away after one line. The rest
/// of the output is dropped, the command still ends with its verdict's exit
/// code (1: the synthetic run has regressions), and nothing panics.
#[test]
fn a_reader_that_closes_the_pipe_early_gets_no_panic_and_the_verdicts_exit_code() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    let (before, after) = common::synthetic_runs(3_000);
    let (baseline, current) = (dir.path().join("base.json"), dir.path().join("run.json"));
    write_run(&baseline, &before).unwrap();
    write_run(&current, &after).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(["compare", "--format", "csv", "--run"])
        .arg(&current)
        .arg("--baseline")
        .arg(&baseline)
        .current_dir(workspace_root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("suite,"), "{first}");
    // The reader is dropped here, long before the CSV's 3 000 rows (far
    // more than a pipe buffers) are written.
    let output = child.wait_with_output().unwrap();
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(output.status.code(), Some(1), "{err}");
}

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

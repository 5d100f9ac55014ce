//! The file commands work from any directory with explicit paths, with no
//! Cargo workspace around them and no `cargo` on PATH; a default that needs
//! a workspace says which flag to pass, only when it is used.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use benchgate::prcheck::{RoundFile, SHARD_SCHEMA_VERSION, ShardResult, write_shard_result};
use benchgate::select::Selection;
use benchgate::shard::ShardSpec;
use benchgate::store::write_run;
use common::{benchmark, run, samples};

/// `benchgate args` in `dir`, with a PATH holding nothing (no cargo, no git).
fn benchgate_without_cargo(dir: &Path, args: &[&str]) -> Output {
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .current_dir(dir)
        .env("PATH", &empty)
        .env_remove("CARGO")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn compare_report_collect_and_baseline_need_no_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let machine = "anywhere-machine";
    let side = |center: f64, seed| {
        run(
            machine,
            vec![benchmark(
                "stats",
                "sum/100",
                samples(center, 0.02, 50, seed),
            )],
            vec![],
        )
    };
    write_run(&root.join("base.json"), &side(1_000.0, 1)).unwrap();
    write_run(&root.join("slow.json"), &side(1_300.0, 2)).unwrap();

    let compare = benchgate_without_cargo(
        root,
        &["compare", "--run", "slow.json", "--baseline", "base.json"],
    );
    assert_eq!(compare.status.code(), Some(1), "{}", stderr(&compare));
    assert!(String::from_utf8_lossy(&compare.stdout).contains("stats/sum/100"));

    for format in ["json", "csv", "md"] {
        let export = benchgate_without_cargo(
            root,
            &[
                "compare",
                "--run",
                "slow.json",
                "--baseline",
                "base.json",
                "--format",
                format,
            ],
        );
        assert_eq!(
            export.status.code(),
            Some(1),
            "{format}: {}",
            stderr(&export)
        );
    }

    let report = benchgate_without_cargo(
        root,
        &[
            "report",
            "--run",
            "slow.json",
            "--baseline",
            "base.json",
            "--report-dir",
            "out",
        ],
    );
    assert_eq!(report.status.code(), Some(0), "{}", stderr(&report));
    assert!(root.join("out/index.html").is_file());

    let save = benchgate_without_cargo(
        root,
        &[
            "baseline",
            "save",
            "main",
            "--run",
            "base.json",
            "--baselines-dir",
            "store",
        ],
    );
    assert_eq!(save.status.code(), Some(0), "{}", stderr(&save));
    assert!(root.join("store").join(machine).join("main.json").is_file());
    let list = benchgate_without_cargo(root, &["baseline", "list", "--baselines-dir", "store"]);
    assert_eq!(list.status.code(), Some(0), "{}", stderr(&list));

    // The baseline by name, from the store given.
    let by_name = benchgate_without_cargo(
        root,
        &["compare", "--run", "slow.json", "--baselines-dir", "store"],
    );
    assert_eq!(by_name.status.code(), Some(1), "{}", stderr(&by_name));

    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output/criterion");
    let collect = benchgate_without_cargo(
        root,
        &[
            "collect",
            "--criterion-dir",
            &fixture.display().to_string(),
            "--output",
            "collected.json",
        ],
    );
    assert_eq!(collect.status.code(), Some(0), "{}", stderr(&collect));
    assert!(root.join("collected.json").is_file());
}

/// Shard `index` of 2 of a pull-request check, measuring `suite` over ten
/// interleaved rounds; the head side is `slowdown` times the base.
fn shard(index: u32, suite: &str, slowdown: f64) -> ShardResult {
    let rounds = (0..10u64)
        .map(|round| {
            let side = |factor: f64, seed: u64| {
                run(
                    "anywhere-machine",
                    vec![benchmark(
                        suite,
                        "work/64",
                        samples(1_000.0 * factor, 0.01, 20, seed),
                    )],
                    vec![],
                )
            };
            RoundFile {
                base: side(1.0, 2 * round),
                head: side(slowdown, 2 * round + 1),
            }
        })
        .collect();
    ShardResult {
        schema_version: SHARD_SCHEMA_VERSION,
        shard: ShardSpec { index, count: 2 },
        base_commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        selection: Selection::default(),
        suites: vec![suite.to_owned()],
        rounds,
        instruction_counts: None,
        seconds: [(suite.to_owned(), 10.0)].into(),
        build_seconds: 0.0,
        layout_seeds: Vec::new(),
    }
}

#[test]
fn merge_needs_no_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_shard_result(&root.join("shard-1.json"), &shard(1, "stats", 1.0)).unwrap();
    write_shard_result(&root.join("shard-2.json"), &shard(2, "tokenization", 1.3)).unwrap();
    let merge = benchgate_without_cargo(
        root,
        &[
            "merge",
            "shard-1.json",
            "shard-2.json",
            "--report-dir",
            "out",
        ],
    );
    assert_eq!(merge.status.code(), Some(1), "{}", stderr(&merge));
    let summary = std::fs::read_to_string(root.join("out/summary.md")).unwrap();
    assert!(summary.contains("tokenization/work/64"), "{summary}");
    assert!(root.join("out/durations.json").is_file());
}

#[test]
fn a_default_that_needs_a_workspace_names_the_flag_to_pass() {
    let dir = tempfile::tempdir().unwrap();
    for (args, flag) in [
        (vec!["compare", "--baseline", "base.json"], "--run"),
        (
            vec!["report", "--run", "a.json", "--baseline", "b.json"],
            "--report-dir",
        ),
        (vec!["collect", "--output", "x.json"], "--criterion-dir"),
        (vec!["baseline", "list"], "--baselines-dir"),
        (vec!["merge", "shard-1-of-1.json"], "--report-dir"),
    ] {
        let output = benchgate_without_cargo(dir.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        let message = stderr(&output);
        assert!(
            message.contains(&format!("pass {flag}")),
            "{args:?}: {message}"
        );
    }
    // Commands that run benchmarks need the workspace and cargo, and say so.
    let gate = benchgate_without_cargo(dir.path(), &["gate"]);
    assert_eq!(gate.status.code(), Some(2));
    assert!(
        stderr(&gate).contains("Cargo workspace"),
        "{}",
        stderr(&gate)
    );
}

#[test]
fn cargo_benchgate_is_benchgate() {
    let dir = tempfile::tempdir().unwrap();
    // As cargo calls it: the subcommand's name first.
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-benchgate"))
        .args(["benchgate", "baseline", "list", "--baselines-dir", "none"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("no baselines under none"));
    // Errors keep their exit code.
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-benchgate"))
        .args([
            "benchgate",
            "compare",
            "--run",
            "missing.json",
            "--baseline",
            "b.json",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("missing.json"));
}

//! benchgate on Cargo projects that are not this workspace: a fresh
//! single-package crate and a fresh two-package workspace, each with
//! criterion benches in its own `benches/`, in a git repository in a
//! temporary directory, built offline from the registry cache. The gate
//! records a baseline, passes on unchanged code, and fails (exit 1, naming
//! the benchmark) once a committed change makes the code a hundred times
//! slower.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

use common::commit;

/// The tests measure wall time: one at a time, so neither builds while the
/// other measures.
static SERIAL: Mutex<()> = Mutex::new(());

/// How many times over the checksum walks its input; the injected slowdown
/// raises it to [`SLOW_PASSES`]. A hundred times the work is a +9 900 %
/// change, far beyond [`TIME_THRESHOLD`] and what a loaded machine does to
/// a measurement (seen: a 2-core machine at load 20 measured unchanged code
/// five times slower than an idle moment), so the verdicts are certain
/// without asserting any timing.
const PASSES: u32 = 1;
const SLOW_PASSES: u32 = 100;

/// The projects' `time_threshold`: a wall time must grow five times over
/// to fail, so the unchanged run passes on a loaded CI machine while a
/// hundred times the work fails.
const TIME_THRESHOLD: f64 = 4.0;

/// The gate as a project's CI would run it, at the smallest cost: the quick
/// profile, one round, no instruction counts (these projects have no
/// iai-callgrind targets), and no confirmation re-run (the slowdown is not
/// in doubt).
const GATE: &[&str] = &[
    "gate",
    "--quick",
    "--rounds",
    "1",
    "--no-confirm",
    "--no-instruction-counts",
];

/// One target directory for every project these tests create, kept between
/// test runs under cargo's per-package scratch directory, so criterion and
/// its dependencies are compiled once.
fn shared_target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("foreign-projects-target")
}

fn lib_rs(passes: u32) -> String {
    format!(
        r#"//! The code under measurement: a serial checksum the optimiser cannot fold.

/// Walks over the input this many times.
pub const PASSES: u32 = {passes};

pub fn checksum(data: &[u64]) -> u64 {{
    let mut acc = 0u64;
    for _ in 0..PASSES {{
        for &x in data {{
            acc = acc.rotate_left(5) ^ x.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }}
    }}
    acc
}}
"#
    )
}

fn bench_rs(krate: &str, function: &str) -> String {
    format!(
        r#"use criterion::{{criterion_group, criterion_main, Criterion}};
use std::hint::black_box;

fn bench(c: &mut Criterion) {{
    let data: Vec<u64> = (0..2_000u64).collect();
    c.bench_function("{function}", |b| b.iter(|| {krate}::checksum(black_box(&data))));
}}

criterion_group!(benches, bench);
criterion_main!(benches);
"#
    )
}

/// A package with `src/lib.rs` and one criterion bench target `bench`
/// measuring `function`.
fn write_package(dir: &Path, name: &str, bench: &str, function: &str) {
    fs::create_dir_all(dir.join("src")).unwrap();
    fs::create_dir_all(dir.join("benches")).unwrap();
    fs::write(
        dir.join("Cargo.toml"),
        format!(
            r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2021"
publish = false

[dev-dependencies]
criterion = {{ version = "0.8", default-features = false, features = ["cargo_bench_support"] }}

[[bench]]
name = "{bench}"
harness = false
"#
        ),
    )
    .unwrap();
    fs::write(dir.join("src/lib.rs"), lib_rs(PASSES)).unwrap();
    fs::write(
        dir.join("benches").join(format!("{bench}.rs")),
        bench_rs(&name.replace('-', "_"), function),
    )
    .unwrap();
}

/// The files every project has at its root: the thresholds and what git
/// ignores (the gate's reports; the target directory lies elsewhere).
fn write_root_files(root: &Path) {
    fs::write(
        root.join("benchgate.toml"),
        format!("[defaults]\ntime_threshold = {TIME_THRESHOLD}\n"),
    )
    .unwrap();
    fs::write(root.join(".gitignore"), "/target\n/reports\n").unwrap();
}

/// benchgate as a terminal-less CI job runs it (plain progress lines),
/// or, with `actions`, as GitHub Actions does (`GITHUB_ACTIONS=true`).
fn run_benchgate(root: &Path, args: &[&str], actions: bool) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_benchgate"));
    command
        .args(args)
        .current_dir(root)
        .env("CARGO_TARGET_DIR", shared_target_dir())
        .env("CARGO_NET_OFFLINE", "true")
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS");
    if actions {
        command.env("GITHUB_ACTIONS", "true");
    }
    command.output().unwrap()
}

fn benchgate(root: &Path, args: &[&str]) -> Output {
    run_benchgate(root, args, false)
}

/// Without a terminal: one progress line per step, with the elapsed time
/// and, after the first step, an estimate of what is left; no escape
/// sequence anywhere; no workflow command.
fn assert_plain_progress(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let stdout = stdout(output);
    assert!(
        !stderr.contains('\x1b') && !stdout.contains('\x1b'),
        "an escape sequence without a terminal: {}",
        describe(output)
    );
    let steps: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("benchgate: [") && l.contains(" elapsed"))
        .collect();
    assert!(!steps.is_empty(), "no progress line: {}", describe(output));
    assert!(steps[0].starts_with("benchgate: [1/"), "{steps:?}");
    assert!(!stdout.contains("::group::"), "{}", describe(output));
}

/// In GitHub Actions: every child's output inside one `::group::` …
/// `::endgroup::` pair, never nested, and the regression of `key` as an
/// `::error` at the line of `bench_file` that names the benchmark.
fn assert_actions_output(output: &Output, key: &str, bench_file: &str) {
    let stdout = stdout(output);
    let mut open = false;
    let mut groups = 0;
    for line in stdout.lines() {
        if line.starts_with("::group::") {
            assert!(!open, "nested group at {line}: {}", describe(output));
            open = true;
            groups += 1;
        } else if line == "::endgroup::" {
            assert!(open, "::endgroup:: without a group: {}", describe(output));
            open = false;
        }
    }
    assert!(
        !open && groups >= 1,
        "{groups} groups: {}",
        describe(output)
    );
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 1, "{}", describe(output));
    assert!(
        errors[0].starts_with(&format!("::error file={bench_file},line=6,"))
            && errors[0].contains(key),
        "{}",
        errors[0]
    );
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The one baseline file the gate recorded under `root/baselines`.
fn recorded_baseline(root: &Path) -> PathBuf {
    let machines: Vec<PathBuf> = fs::read_dir(root.join("baselines"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(machines.len(), 1, "{machines:?}");
    machines[0].join("quick.json")
}

/// Record, pass, slow `slowed` down a hundred times over and commit, fail:
/// the whole life of a gated project. `keys` are the benchmarks
/// (`suite/id`) the project has; the one of `slowed`'s package must be
/// named in the failing run, the others not.
fn gate_lifecycle(
    root: &Path,
    slowed: &Path,
    (slowed_key, slowed_bench): (&str, &str),
    keys: &[&str],
) {
    let repo = git2::Repository::init(root).unwrap();
    commit(&repo, "*", "a project with criterion benches");

    let first = benchgate(root, GATE);
    assert_eq!(first.status.code(), Some(0), "{}", describe(&first));
    assert!(
        stdout(&first).contains("RECORDED, NOTHING COMPARED"),
        "{}",
        describe(&first)
    );
    let baseline = recorded_baseline(root);
    let recorded = fs::read_to_string(&baseline).unwrap();
    for key in keys {
        let (suite, id) = key.split_once('/').unwrap();
        assert!(
            recorded.contains(&format!("\"suite\": \"{suite}\""))
                && recorded.contains(&format!("\"id\": \"{id}\"")),
            "{key} missing from {}",
            baseline.display()
        );
    }
    // The criterion the project's own lock file pins, not this workspace's.
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let locked = lock
        .split("name = \"criterion\"\nversion = \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(
        recorded.contains(&format!("\"criterion\": \"{locked}\"")),
        "criterion {locked} not recorded in {}",
        baseline.display()
    );
    commit(&repo, "baselines", "record the benchmark baseline");

    let second = benchgate(root, GATE);
    assert_eq!(second.status.code(), Some(0), "{}", describe(&second));
    assert_plain_progress(&second);
    assert!(
        !stdout(&second).contains("RECORDED"),
        "{}",
        describe(&second)
    );

    fs::write(slowed.join("src/lib.rs"), lib_rs(SLOW_PASSES)).unwrap();
    commit(&repo, "*", "walk the input a hundred times");
    let third = run_benchgate(root, &[GATE, &["--only-changed"]].concat(), true);
    assert_eq!(third.status.code(), Some(1), "{}", describe(&third));
    assert_actions_output(&third, slowed_key, slowed_bench);
    let table = stdout(&third);
    assert!(table.contains(slowed_key), "{}", describe(&third));
    for other in keys.iter().filter(|k| **k != slowed_key) {
        assert!(!table.contains(other), "{other}: {}", describe(&third));
    }
    let summary = fs::read_to_string(root.join("reports/summary.md")).unwrap();
    assert!(summary.contains(slowed_key), "{summary}");
}

#[test]
fn gate_records_passes_and_fails_a_single_package_crate() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write_package(root, "slowpoke", "checksum", "checksum_2000");
    write_root_files(root);
    gate_lifecycle(
        root,
        root,
        ("slowpoke/checksum_2000", "benches/checksum.rs"),
        &["slowpoke/checksum_2000"],
    );
}

#[test]
fn gate_records_passes_and_fails_a_two_package_workspace() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nmembers = [\"alpha\", \"beta\"]\nresolver = \"2\"\n",
    )
    .unwrap();
    write_package(
        &root.join("alpha"),
        "alpha",
        "alpha_bench",
        "alpha_checksum",
    );
    write_package(&root.join("beta"), "beta", "beta_bench", "beta_checksum");
    write_root_files(root);
    gate_lifecycle(
        root,
        &root.join("beta"),
        ("beta/beta_checksum", "beta/benches/beta_bench.rs"),
        &["alpha/alpha_checksum", "beta/beta_checksum"],
    );
}

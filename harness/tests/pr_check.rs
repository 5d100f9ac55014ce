//! The pull-request check's parts that need no benchmark build: suites
//! selected from a real git diff in a temporary repository (through the
//! real `benchgate pr-check --plan`), shards merged to exactly the
//! unsharded verdict, and incomplete shard sets refused by name.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use benchgate::compare::{CompareOptions, Outcome, Verdict};
use benchgate::config::Policy;
use benchgate::prcheck::{
    CountedSides, RoundFile, SHARD_SCHEMA_VERSION, ShardResult, check_shard_set, judge,
    read_shard_result, write_shard_result,
};
use benchgate::run::{Direction, MetricRecord, Run};
use benchgate::select::Selection;
use benchgate::shard::ShardSpec;
use common::{benchmark, commit, run, samples};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SUITES: [&str; 3] = ["alpha", "beta", "gamma"];

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// A workspace of three bench packages: `beta` depends on `core` by path,
/// `gamma` on `beta`; `alpha` on nothing.
fn workspace(root: &Path) {
    write(
        &root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"alpha\", \"beta\", \"gamma\", \"core\"]\n",
    );
    write(&root.join("Cargo.lock"), "version = 4\n");
    write(&root.join("README.md"), "a workspace\n");
    let package = |name: &str, deps: &str| {
        let dir = root.join(name);
        let bench = if name == "core" {
            String::new()
        } else {
            format!("\n[[bench]]\nname = \"{name}_bench\"\nharness = false\n")
        };
        write(
            &dir.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n{deps}{bench}"
            ),
        );
        write(&dir.join("src/lib.rs"), "pub fn work() {}\n");
        if name != "core" {
            write(
                &dir.join(format!("benches/{name}_bench.rs")),
                "fn main() {}\n",
            );
        }
    };
    package("core", "");
    package("alpha", "");
    package("beta", "core = { path = \"../core\" }\n");
    package("gamma", "beta = { path = \"../beta\" }\n");
}

/// `benchgate pr-check --plan 2` in `root` against its first commit.
fn plan(root: &Path, base: &str) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(root)
        .args(["pr-check", "--plan", "2", "--base", base])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pr-check --plan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn names(plan: &serde_json::Value, list: &str) -> Vec<String> {
    plan["selection"][list]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["suite"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_git_diff_selects_the_changed_suite_and_its_dependants() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    workspace(root);
    let repo = git2::Repository::init(root).unwrap();
    let base = commit(&repo, "*", "initial").to_string();

    // A change to `core` reaches beta (direct) and gamma (through beta).
    write(
        &root.join("core/src/lib.rs"),
        "pub fn work() { let _ = 1; }\n",
    );
    commit(&repo, "*", "touch core");
    let p = plan(root, &base);
    assert_eq!(names(&p, "selected"), ["beta", "gamma"]);
    assert_eq!(names(&p, "skipped"), ["alpha"]);
    assert_eq!(
        p["selection"]["selected"][0]["reason"]["kind"],
        "dependency_changed"
    );
    assert_eq!(p["selection"]["skipped"][0]["reason"]["kind"], "unaffected");
    // Two shards, each suite in exactly one.
    let shards: Vec<Vec<String>> = serde_json::from_value(p["shards"].clone()).unwrap();
    assert_eq!(shards.len(), 2);
    let mut all = shards.concat();
    all.sort();
    assert_eq!(all, ["beta", "gamma"]);

    // Uncommitted work counts too: the head side builds the work tree.
    write(
        &root.join("alpha/benches/alpha_bench.rs"),
        "fn main() { }\n",
    );
    let p = plan(root, &base);
    assert_eq!(names(&p, "selected"), ["alpha", "beta", "gamma"]);

    // A documentation-only change selects nothing.
    let repo_head = commit(&repo, "*", "alpha").to_string();
    write(&root.join("README.md"), "a workspace, documented\n");
    commit(&repo, "*", "docs");
    let p = plan(root, &repo_head);
    assert!(names(&p, "selected").is_empty());
    assert_eq!(names(&p, "skipped"), ["alpha", "beta", "gamma"]);

    // The lock file selects every suite.
    let before_lock = repo
        .head()
        .unwrap()
        .peel_to_commit()
        .unwrap()
        .id()
        .to_string();
    write(&root.join("Cargo.lock"), "version = 4\n# changed\n");
    commit(&repo, "*", "lock");
    let p = plan(root, &before_lock);
    assert_eq!(names(&p, "selected"), ["alpha", "beta", "gamma"]);
    assert_eq!(
        p["selection"]["selected"][0]["reason"]["path"],
        "Cargo.lock"
    );
}

/// Interleaved rounds of the three suites; `gamma/slow` gets 5 % slower on
/// the head side. Each suite also has a custom metric and instruction
/// counts, one of which grows 2 %.
fn rounds_for(suite: &str, seed: u64) -> (Vec<RoundFile>, CountedSides) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let rounds = (0..10)
        .map(|round| {
            let drift: f64 = rng.random_range(0.8..1.2);
            let side = |slow: f64, offset: u64| {
                let benchmarks = ["fast", "slow"]
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        let factor = if suite == "gamma" && *id == "slow" {
                            slow
                        } else {
                            1.0
                        };
                        benchmark(
                            suite,
                            id,
                            samples(
                                1_000.0 * (i + 1) as f64 * drift * factor,
                                0.01,
                                20,
                                seed * 1_000 + round * 10 + i as u64 + offset,
                            ),
                        )
                    })
                    .collect();
                let recall = MetricRecord {
                    suite: suite.to_owned(),
                    benchmark: "search".to_owned(),
                    name: "recall".to_owned(),
                    value: 0.95,
                    unit: "ratio".to_owned(),
                    direction: Direction::HigherIsBetter,
                    samples: Vec::new(),
                    portable: false,
                    execution: None,
                };
                run("m", benchmarks, vec![recall])
            };
            RoundFile {
                base: side(1.0, 0),
                head: side(1.05, 500),
            }
        })
        .collect();
    let counts = |ir: f64| -> Run {
        let record = MetricRecord {
            suite: suite.to_owned(),
            benchmark: "iai/work".to_owned(),
            name: "callgrind.Ir".to_owned(),
            value: ir,
            unit: "instructions".to_owned(),
            direction: Direction::LowerIsBetter,
            samples: Vec::new(),
            portable: true,
            execution: None,
        };
        run("m", Vec::new(), vec![record])
    };
    let grown = if suite == "alpha" { 1.02 } else { 1.0 };
    (
        rounds,
        CountedSides {
            base: counts(1_000_000.0),
            head: counts(1_000_000.0 * grown),
        },
    )
}

fn shard(index: u32, count: u32, suites: &[&str]) -> ShardResult {
    let mut result = ShardResult {
        schema_version: SHARD_SCHEMA_VERSION,
        shard: ShardSpec { index, count },
        base_commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        selection: Selection::default(),
        suites: suites.iter().map(|s| (*s).to_owned()).collect(),
        rounds: Vec::new(),
        instruction_counts: None,
        seconds: BTreeMap::new(),
        build_seconds: 0.0,
        layout_seeds: Vec::new(),
    };
    for (i, suite) in suites.iter().enumerate() {
        let (rounds, counted) = rounds_for(
            suite,
            1 + SUITES.iter().position(|s| s == suite).unwrap() as u64,
        );
        result
            .seconds
            .insert((*suite).to_owned(), 10.0 * (i + 1) as f64);
        if result.rounds.is_empty() {
            result.rounds = rounds;
            result.instruction_counts = Some(counted);
        } else {
            for (mine, theirs) in result.rounds.iter_mut().zip(rounds) {
                mine.base.benchmarks.extend(theirs.base.benchmarks);
                mine.base.metrics.extend(theirs.base.metrics);
                mine.head.benchmarks.extend(theirs.head.benchmarks);
                mine.head.metrics.extend(theirs.head.metrics);
                mine.base.canonicalize();
                mine.head.canonicalize();
            }
            let c = result.instruction_counts.as_mut().unwrap();
            c.base.metrics.extend(counted.base.metrics);
            c.head.metrics.extend(counted.head.metrics);
            c.base.canonicalize();
            c.head.canonicalize();
        }
    }
    result
}

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

#[test]
fn merged_shards_give_exactly_the_unsharded_verdict() {
    let whole = judge(
        &[shard(1, 1, &SUITES)],
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap();
    // Shards written to files and read back, as CI moves them.
    let dir = tempfile::tempdir().unwrap();
    let parts = [
        shard(1, 3, &["gamma"]),
        shard(2, 3, &["alpha"]),
        shard(3, 3, &["beta"]),
    ];
    let mut read = Vec::new();
    for part in &parts {
        let path = dir.path().join(format!("shard-{}.json", part.shard.index));
        write_shard_result(&path, part).unwrap();
        read.push((path.clone(), read_shard_result(&path).unwrap()));
    }
    check_shard_set(&read).unwrap();
    let results: Vec<ShardResult> = read.into_iter().map(|(_, r)| r).collect();
    let merged = judge(&results, &policy(), &CompareOptions::default()).unwrap();

    let (whole_c, merged_c) = (whole.comparison.unwrap(), merged.comparison.unwrap());
    assert_eq!(
        whole_c.entries, merged_c.entries,
        "same entries, p-values and verdicts"
    );
    assert_eq!(whole_c.outcome(), merged_c.outcome());
    assert_eq!(merged_c.outcome(), Outcome::Regression);
    // What the synthetic truth says: the 5 % slowdown and the +2 %
    // instruction count fail; nothing else does.
    let failing: Vec<String> = merged_c.failures().map(|e| e.key()).collect();
    assert_eq!(failing, ["alpha/iai/work/callgrind.Ir", "gamma/slow"]);
    let recall = merged_c
        .entries
        .iter()
        .find(|e| e.key() == "beta/search/recall")
        .unwrap();
    assert_eq!(recall.verdict, Verdict::Unchanged);
    // Adjusted over the whole set: more tests than any one shard had.
    let tested = merged_c
        .entries
        .iter()
        .filter(|e| e.p_value.is_some())
        .count();
    assert_eq!(tested, 6);
    assert_eq!(merged.seconds["gamma"], 10.0);
}

#[test]
fn a_missing_or_repeated_shard_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let file = |result: ShardResult| -> (PathBuf, ShardResult) {
        (
            dir.path()
                .join(format!("shard-{}.json", result.shard.index)),
            result,
        )
    };
    let missing = vec![file(shard(1, 3, &["gamma"])), file(shard(3, 3, &["beta"]))];
    let error = check_shard_set(&missing).unwrap_err().to_string();
    assert!(error.contains("shard 2/3 missing"), "{error}");

    let twice = vec![
        file(shard(1, 2, &["gamma"])),
        file(shard(2, 2, &["alpha"])),
        file(shard(2, 2, &["alpha"])),
    ];
    let error = check_shard_set(&twice).unwrap_err().to_string();
    assert!(error.contains("shard 2/2 is given twice"), "{error}");
    assert!(error.contains("shard-2.json"), "{error}");

    let mut other_base = shard(2, 2, &["alpha"]);
    other_base.base_commit = "fedcba9876543210fedcba9876543210fedcba98".into();
    let mixed = vec![file(shard(1, 2, &["gamma"])), file(other_base)];
    let error = check_shard_set(&mixed).unwrap_err().to_string();
    assert!(error.contains("merge the shards of one check"), "{error}");
}

#[test]
fn merge_refuses_a_missing_shard_through_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shard-1.json");
    write_shard_result(&path, &shard(1, 2, &["gamma"])).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(dir.path())
        .arg("merge")
        .arg(&path)
        .arg("--report-dir")
        .arg(dir.path().join("reports"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("shard 2/2 missing"), "{stderr}");
}

#[test]
fn merge_from_the_command_line_exits_one_on_a_regression_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for part in [shard(1, 2, &["gamma", "beta"]), shard(2, 2, &["alpha"])] {
        let path = dir.path().join(format!("shard-{}.json", part.shard.index));
        write_shard_result(&path, &part).unwrap();
        paths.push(path);
    }
    let reports = dir.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .arg("merge")
        .args(&paths)
        .arg("--report-dir")
        .arg(&reports)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = fs::read_to_string(reports.join("summary.md")).unwrap();
    assert!(summary.contains("gamma/slow"), "{summary}");
    let durations: BTreeMap<String, f64> =
        serde_json::from_str(&fs::read_to_string(reports.join("durations.json")).unwrap()).unwrap();
    assert_eq!(durations.len(), 3);
}

#[test]
fn merge_in_actions_annotates_the_bench_source_and_writes_the_comment() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    workspace(root);
    write(
        &root.join("gamma/benches/gamma_bench.rs"),
        "fn bench(c: &mut Criterion) {\n    c.bench_function(\"fast\", |b| b.iter(|| 1));\n    c.bench_function(\"slow\", |b| b.iter(|| 2));\n}\n",
    );
    let mut paths = Vec::new();
    for part in [shard(1, 2, &["gamma", "beta"]), shard(2, 2, &["alpha"])] {
        let path = root.join(format!("shard-{}.json", part.shard.index));
        write_shard_result(&path, &part).unwrap();
        paths.push(path);
    }
    let reports = root.join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(root)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "team/project")
        .env("GITHUB_RUN_ID", "42")
        .arg("merge")
        .args(&paths)
        .arg("--report-dir")
        .arg(&reports)
        .args(["--format", "bmf", "--head-run"])
        .arg(root.join("head.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let error = stdout
        .lines()
        .find(|l| l.starts_with("::error ") && l.contains("gamma/slow"))
        .unwrap_or_else(|| panic!("no error annotation for gamma/slow in:\n{stdout}"));
    assert!(
        error.starts_with(
            "::error file=gamma/benches/gamma_bench.rs,line=3,title=benchgate%3A gamma/slow regressed::"
        ),
        "{error}"
    );
    // Nothing regressed is annotated as an error.
    assert!(
        !stdout
            .lines()
            .any(|l| l.starts_with("::error ") && l.contains("/fast")),
        "{stdout}"
    );

    let comment = fs::read_to_string(reports.join("comment.md")).unwrap();
    assert!(comment.starts_with("<!-- benchgate -->\n"), "{comment}");
    assert!(comment.contains("| gamma/slow | time | +5"), "{comment}");
    assert!(
        comment.contains("(https://github.com/team/project/actions/runs/42)"),
        "{comment}"
    );
    let summary = fs::read_to_string(reports.join("summary.md")).unwrap();
    assert!(summary.starts_with("## ❌ benchgate: FAIL"), "{summary}");
    assert!(
        summary.find("gamma/slow").unwrap() < summary.find("### All results").unwrap(),
        "{summary}"
    );
    let bmf: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(reports.join("bmf.json")).unwrap()).unwrap();
    assert!(bmf["gamma/slow"]["latency"]["value"].as_f64().unwrap() > 0.0);

    // The head side pooled over the rounds, ready to record as a baseline.
    let head = benchgate::store::read_run(&root.join("head.json")).unwrap();
    let slow = head
        .benchmarks
        .iter()
        .find(|b| b.key() == "gamma/slow")
        .unwrap();
    assert_eq!((slow.rounds, slow.samples_ns.len()), (10, 200));
    assert_eq!(head.benchmarks.len(), 6);
    assert!(
        head.metrics
            .iter()
            .any(|m| m.suite == "alpha" && m.name == "callgrind.Ir" && m.value == 1_020_000.0)
    );

    // Outside Actions, without --annotations, nothing is annotated.
    let quiet = Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(root)
        .env_remove("GITHUB_ACTIONS")
        .arg("merge")
        .args(&paths)
        .arg("--report-dir")
        .arg(root.join("quiet"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&quiet.stdout).contains("::error"));
}

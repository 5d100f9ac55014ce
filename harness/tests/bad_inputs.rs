//! The bad-input corpus: hostile run files, configurations and ids given
//! to the `benchgate` binary. Each case asserts the exit code, that the
//! message names the file and the fix, and that no baseline or report file
//! already on disk changed.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use benchgate::store::write_run;
use common::{benchmark, metric, run, samples};
use serde_json::{Value, json};

fn benchgate(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .env("NO_COLOR", "1")
        .env("TMPDIR", dir)
        .output()
        .unwrap()
}

/// Every file under `dir` with a checksum of its bytes (FNV-1a).
fn checksums(dir: &Path) -> BTreeMap<PathBuf, u64> {
    let mut sums = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in fs::read_dir(&next).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let hash = fs::read(&path)
                    .unwrap()
                    .iter()
                    .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
                    });
                sums.insert(path, hash);
            }
        }
    }
    sums
}

const MACHINE: &str = "bad-input-machine";

/// A valid run of the `stats` suite: two benchmarks, an instruction count
/// and a custom metric.
fn valid_run(center: f64, seed: u64) -> benchgate::run::Run {
    let mut ir = metric(
        "stats",
        "iai/one_shot",
        "callgrind.Ir",
        1_000_000.0,
        benchgate::run::Direction::LowerIsBetter,
    );
    ir.portable = true;
    run(
        MACHINE,
        vec![
            benchmark("stats", "sum/100", samples(center, 0.02, 40, seed)),
            benchmark(
                "stats",
                "sum/1000",
                samples(center * 10.0, 0.02, 40, seed + 1),
            ),
        ],
        vec![
            ir,
            metric(
                "stats",
                "sum/100",
                "recall",
                0.95,
                benchgate::run::Direction::HigherIsBetter,
            ),
        ],
    )
}

/// A scratch directory holding a valid baseline (`baselines/<machine>/main.json`),
/// a report directory with a user's own file, and the valid run as JSON.
struct Scene {
    dir: tempfile::TempDir,
    baseline: PathBuf,
    protected: PathBuf,
}

impl Scene {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let baseline = dir.path().join("baselines").join(MACHINE).join("main.json");
        write_run(&baseline, &valid_run(1_000.0, 1)).unwrap();
        let protected = dir.path().join("protected");
        fs::create_dir_all(&protected).unwrap();
        fs::copy(&baseline, protected.join("main.json")).unwrap();
        fs::write(protected.join("own-notes.txt"), "a user's file").unwrap();
        Self {
            dir,
            baseline,
            protected,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// The valid run as a JSON value, to break.
    fn run_value(&self) -> Value {
        let text = serde_json::to_string(&valid_run(1_000.0, 7)).unwrap();
        serde_json::from_str(&text).unwrap()
    }

    fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> String {
        let path = self.path(name);
        fs::write(&path, bytes).unwrap();
        path.display().to_string()
    }
}

/// Run `args` (with `{baseline}` replaced) in a fresh scene prepared by
/// `setup`; assert exit `code`, that stderr holds every `needle`, and that
/// no protected file changed.
fn case(
    name: &str,
    setup: impl FnOnce(&Scene) -> Vec<String>,
    code: i32,
    needles: &[&str],
) -> Output {
    let scene = Scene::new();
    let args = setup(&scene);
    let before = (
        checksums(&scene.protected),
        fs::read(&scene.baseline).unwrap(),
    );
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.replace("{baseline}", &scene.baseline.display().to_string()))
        .collect();
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = benchgate(scene.dir.path(), &refs);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(code), "{name}: {stderr}");
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{name}: {needle:?} not in {stderr}"
        );
    }
    assert_eq!(
        (
            checksums(&scene.protected),
            fs::read(&scene.baseline).unwrap()
        ),
        before,
        "{name}: a stored file changed"
    );
    output
}

/// `compare` of a broken run file against the valid baseline: exit 2,
/// naming the run file and saying how to get a good one.
fn broken_run(name: &str, edit: impl FnOnce(&mut Value), problem: &str) {
    case(
        name,
        |scene| {
            let mut value = scene.run_value();
            edit(&mut value);
            let run = scene.write("run.json", serde_json::to_vec(&value).unwrap());
            compare_args(run)
        },
        2,
        &["run.json", problem, "record it again"],
    );
}

/// `compare --run <run> --baseline <the scene's baseline>`.
fn compare_args(run: impl std::fmt::Display) -> Vec<String> {
    vec![
        "compare".into(),
        "--run".into(),
        run.to_string(),
        "--baseline".into(),
        "{baseline}".into(),
    ]
}

fn samples_of(value: &mut Value, index: usize) -> &mut Value {
    &mut value["benchmarks"][index]["samples_ns"]
}

#[test]
fn run_files_no_measurement_can_produce_are_refused() {
    broken_run(
        "empty samples",
        |v| *samples_of(v, 0) = json!([]),
        "no samples",
    );
    broken_run(
        "a negative sample",
        |v| samples_of(v, 0)[3] = json!(-5.0),
        "per-iteration time of -5",
    );
    broken_run(
        "a zero sample",
        |v| samples_of(v, 1)[0] = json!(0.0),
        "per-iteration time of 0",
    );
    broken_run(
        "a duplicate benchmark",
        |v| {
            let first = v["benchmarks"][0].clone();
            v["benchmarks"].as_array_mut().unwrap().push(first);
        },
        "listed twice",
    );
    broken_run(
        "an empty id",
        |v| v["benchmarks"][0]["id"] = json!(""),
        "empty suite or id",
    );
    broken_run(
        "a blank suite",
        |v| v["benchmarks"][1]["suite"] = json!("  "),
        "empty suite or id",
    );
    broken_run(
        "zero instructions",
        |v| {
            let ir = v["metrics"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|m| m["name"] == "callgrind.Ir")
                .unwrap();
            ir["value"] = json!(0.0);
        },
        "counts 0 instructions",
    );
    broken_run(
        "a duplicate metric",
        |v| {
            let first = v["metrics"][0].clone();
            v["metrics"].as_array_mut().unwrap().push(first);
        },
        "listed twice",
    );
    broken_run(
        "a metric without a name",
        |v| v["metrics"][0]["name"] = json!(""),
        "empty suite, benchmark or name",
    );
    broken_run(
        "samples of the wrong type",
        |v| *samples_of(v, 0) = json!("fast"),
        "unexpected run file layout",
    );
    broken_run(
        "a string schema version",
        |v| v["schema_version"] = json!("1"),
        "not a whole number",
    );
}

#[test]
fn unreadable_run_files_name_the_file_and_the_fix() {
    for (name, bytes, problem) in [
        ("empty file", &b""[..], "invalid JSON"),
        (
            "truncated",
            &b"{\"schema_version\": 1, \"benchm"[..],
            "invalid JSON",
        ),
        ("not JSON", &b"\x00\x01\x02garbage"[..], "invalid JSON"),
        ("a JSON array", &b"[1, 2, 3]"[..], "no `schema_version`"),
    ] {
        case(
            name,
            |scene| {
                let run = scene.write("run.json", bytes);
                compare_args(run)
            },
            2,
            &["run.json", problem],
        );
    }
    case(
        "a future schema",
        |scene| {
            let mut value = scene.run_value();
            value["schema_version"] = json!(99);
            let run = scene.write("run.json", serde_json::to_vec(&value).unwrap());
            compare_args(run)
        },
        2,
        &["run.json", "newer", "upgrade benchgate"],
    );
}

#[test]
fn a_broken_baseline_is_named_and_left_alone() {
    case(
        "negative samples in the baseline",
        |scene| {
            let mut value = scene.run_value();
            samples_of(&mut value, 0)[0] = json!(-1.0);
            let bad = scene.write("bad-baseline.json", serde_json::to_vec(&value).unwrap());
            let run = scene.path("run.json");
            write_run(&run, &valid_run(1_000.0, 9)).unwrap();
            vec![
                "compare".into(),
                "--run".into(),
                run.display().to_string(),
                "--baseline".into(),
                bad,
            ]
        },
        2,
        &["bad-baseline.json", "per-iteration time of -1"],
    );
}

#[test]
fn a_comparison_that_compares_nothing_is_an_error_not_a_pass() {
    case(
        "no shared suite (a typo in --suite)",
        |scene| {
            let mut other = valid_run(1_000.0, 3);
            for b in &mut other.benchmarks {
                b.suite = "stast".into();
            }
            for m in &mut other.metrics {
                m.suite = "stast".into();
            }
            let run = scene.path("run.json");
            write_run(&run, &other).unwrap();
            compare_args(run.display())
        },
        2,
        &["nothing to compare", "stast", "stats", "--suite"],
    );
    case(
        "an empty run",
        |scene| {
            let run = scene.path("run.json");
            write_run(&run, &run_with_nothing()).unwrap();
            compare_args(run.display())
        },
        2,
        &["nothing to compare", "no benchmarks", "run the benchmarks"],
    );
}

fn run_with_nothing() -> benchgate::run::Run {
    run(MACHINE, vec![], vec![])
}

#[test]
fn thresholds_out_of_range_are_refused_naming_the_config() {
    for (name, line) in [
        ("nan instruction threshold", "instruction_threshold = nan"),
        (
            "infinite instruction threshold",
            "instruction_threshold = inf",
        ),
        ("huge instruction threshold", "instruction_threshold = 1e9"),
        (
            "negative instruction threshold",
            "instruction_threshold = -1.0",
        ),
        ("negative paired threshold", "paired_threshold = -0.01"),
        ("zero paired threshold", "paired_threshold = 0.0"),
        ("nan time threshold", "time_threshold = nan"),
        ("alpha of one", "alpha = 1.0"),
    ] {
        case(
            name,
            |scene| {
                let config = scene.write("benchgate.toml", format!("[defaults]\n{line}\n"));
                let run = scene.path("run.json");
                write_run(&run, &valid_run(1_000.0, 5)).unwrap();
                vec![
                    "compare".into(),
                    "--run".into(),
                    run.display().to_string(),
                    "--baseline".into(),
                    "{baseline}".into(),
                    "--config".into(),
                    config,
                ]
            },
            2,
            &["benchgate.toml", "out of range", "README.md"],
        );
    }
}

#[test]
fn an_instruction_count_fifty_percent_up_fails_under_the_default_threshold() {
    // What `instruction_threshold = nan` used to let through.
    let scene = Scene::new();
    let mut worse = valid_run(1_000.0, 11);
    for m in &mut worse.metrics {
        if m.name == "callgrind.Ir" {
            m.value *= 1.5;
        }
    }
    let run = scene.path("run.json");
    write_run(&run, &worse).unwrap();
    let output = benchgate(
        scene.dir.path(),
        &[
            "compare",
            "--run",
            &run.display().to_string(),
            "--baseline",
            &scene.baseline.display().to_string(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn hostile_ids_cannot_rewrite_the_terminal() {
    let scene = Scene::new();
    let hostile = "sum/100\u{1b}[2J\u{1b}[HPASS: no regression\r";
    let rename = |mut r: benchgate::run::Run| {
        r.benchmarks[0].id = hostile.into();
        r
    };
    let baseline = scene.path("hostile-base.json");
    write_run(&baseline, &rename(valid_run(1_000.0, 1))).unwrap();
    let run = scene.path("hostile-run.json");
    write_run(&run, &rename(valid_run(1_500.0, 2))).unwrap();
    let output = benchgate(
        scene.dir.path(),
        &[
            "compare",
            "--run",
            &run.display().to_string(),
            "--baseline",
            &baseline.display().to_string(),
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\r'),
        "{stdout:?}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("FAIL"), "{last:?}");
    assert!(
        last.contains("\\u{1b}[2J"),
        "the id is shown, escaped: {last:?}"
    );
}

#[test]
fn baseline_save_refuses_an_invalid_run_and_writes_nothing() {
    case(
        "save a run with a zero sample",
        |scene| {
            let mut value = scene.run_value();
            samples_of(&mut value, 0)[0] = json!(0.0);
            let run = scene.write("run.json", serde_json::to_vec(&value).unwrap());
            let store = scene.path("store");
            vec![
                "baseline".into(),
                "save".into(),
                "main".into(),
                "--run".into(),
                run,
                "--baselines-dir".into(),
                store.display().to_string(),
            ]
        },
        2,
        &["run.json", "per-iteration time of 0"],
    );
}

/// `compare --run <path made by make>` against the valid baseline.
fn unreadable_run(name: &str, make: impl FnOnce(&Path), problem: &str) {
    case(
        name,
        |scene| {
            let run = scene.path("run.json");
            make(&run);
            compare_args(run.display())
        },
        2,
        &["run.json", problem],
    );
}

#[cfg(unix)]
#[test]
fn reads_are_bounded_to_regular_files() {
    unreadable_run(
        "a FIFO (would block forever)",
        |path| {
            let made = Command::new("mkfifo").arg(path).status().unwrap();
            assert!(made.success());
        },
        "not a regular file",
    );
    unreadable_run(
        "a link to /dev/zero (would fill the memory)",
        |path| std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        "not a regular file",
    );
    unreadable_run(
        "a directory",
        |path| fs::create_dir(path).unwrap(),
        "not a regular file",
    );
    unreadable_run(
        "a dangling link",
        |path| std::os::unix::fs::symlink("/nonexistent/run.json", path).unwrap(),
        "is missing",
    );
}

#[test]
fn a_metrics_path_that_is_not_a_file_is_an_error_not_skipped() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output/criterion");
    case(
        "metrics file is a directory",
        |scene| {
            let metrics = scene.path("metrics");
            fs::create_dir_all(metrics.join("stats.jsonl")).unwrap();
            vec![
                "collect".into(),
                "--criterion-dir".into(),
                fixture.display().to_string(),
                "--metrics-dir".into(),
                metrics.display().to_string(),
                "--output".into(),
                scene.path("out.json").display().to_string(),
            ]
        },
        2,
        &["stats.jsonl", "not a regular file"],
    );
}

/// `report` of a valid run against the baseline into `<scene>/protected`
/// (which holds a user's own files), after `prepare` changed it.
fn report_into_protected(scene: &Scene) -> Vec<String> {
    let run = scene.path("run.json");
    write_run(&run, &valid_run(1_300.0, 4)).unwrap();
    vec![
        "report".into(),
        "--run".into(),
        run.display().to_string(),
        "--baseline".into(),
        "{baseline}".into(),
        "--report-dir".into(),
        scene.protected.display().to_string(),
    ]
}

#[test]
fn a_report_never_replaces_files_benchgate_did_not_write() {
    // A page of the user's own where the report would go: refused, kept.
    case(
        "a foreign index.html",
        |scene| {
            fs::write(scene.protected.join("index.html"), "<html>mine</html>").unwrap();
            report_into_protected(scene)
        },
        2,
        &["index.html", "not written by benchgate", "--report-dir"],
    );
    // A report directory that is a file.
    case(
        "a report directory that is a file",
        |scene| {
            let mut args = report_into_protected(scene);
            let last = args.len() - 1;
            args[last] = scene.protected.join("own-notes.txt").display().to_string();
            args
        },
        2,
        &["own-notes.txt", "is a file", "--report-dir"],
    );

    // A user's PNG among the charts survives two reports in a row, while
    // benchgate's own charts are replaced.
    let scene = Scene::new();
    let reports = scene.path("reports");
    let own_png = reports.join("charts").join("my-diagram.png");
    fs::create_dir_all(own_png.parent().unwrap()).unwrap();
    fs::write(&own_png, b"\x89PNG user's own").unwrap();
    let run = scene.path("run.json");
    write_run(&run, &valid_run(1_300.0, 4)).unwrap();
    for _ in 0..2 {
        let output = benchgate(
            scene.dir.path(),
            &[
                "report",
                "--run",
                &run.display().to_string(),
                "--baseline",
                &scene.baseline.display().to_string(),
                "--report-dir",
                &reports.display().to_string(),
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert_eq!(fs::read(&own_png).unwrap(), b"\x89PNG user's own");
    assert!(
        fs::read_dir(reports.join("charts")).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with("comparison-")),
        "the report wrote its comparison charts"
    );
    assert!(reports.join("index.html").is_file());
}

#[test]
fn a_broken_metrics_line_is_named_once_with_its_line() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output/criterion");
    let output = case(
        "a metrics file with a garbage line",
        |scene| {
            let metrics = scene.path("metrics");
            fs::create_dir_all(&metrics).unwrap();
            fs::write(metrics.join("stats.jsonl"), "{\"suite\": 1}\n").unwrap();
            vec![
                "collect".into(),
                "--criterion-dir".into(),
                fixture.display().to_string(),
                "--metrics-dir".into(),
                metrics.display().to_string(),
                "--output".into(),
                scene.path("out.json").display().to_string(),
            ]
        },
        2,
        &["stats.jsonl", "line 1", "re-run the suite"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("stats.jsonl").count(), 1, "{stderr}");
    assert_eq!(stderr.matches("re-run the suite").count(), 1, "{stderr}");
}

#[test]
fn an_os_error_is_printed_once() {
    let output = case(
        "a run path under a file",
        |scene| compare_args(scene.protected.join("own-notes.txt/run.json").display()),
        2,
        &["own-notes.txt"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.matches("os error").count() <= 1, "{stderr}");
}

#[test]
fn a_bad_machine_id_names_the_run_file_not_a_baseline_name() {
    for bad in ["../escape", "", ".hidden", "a b"] {
        case(
            &format!("machine id {bad:?}"),
            |scene| {
                let mut value = scene.run_value();
                value["machine"]["id"] = json!(bad);
                let run = scene.write("run.json", serde_json::to_vec(&value).unwrap());
                vec![
                    "baseline".into(),
                    "save".into(),
                    "main".into(),
                    "--run".into(),
                    run,
                    "--baselines-dir".into(),
                    scene.path("baselines").display().to_string(),
                ]
            },
            2,
            &[
                "run.json",
                "machine id",
                "not a file-safe name",
                "record it again",
            ],
        );
    }
}

/// `collect --criterion-dir <scene>/criterion` after `prepare` built it.
fn collect_tree(scene: &Scene, prepare: impl FnOnce(&Path)) -> Vec<String> {
    let tree = scene.path("criterion");
    fs::create_dir_all(&tree).unwrap();
    prepare(&tree);
    vec![
        "collect".into(),
        "--criterion-dir".into(),
        tree.display().to_string(),
        "--output".into(),
        scene.path("out.json").display().to_string(),
    ]
}

#[cfg(unix)]
#[test]
fn a_symlinked_suite_directory_is_read_not_skipped() {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/gate-output/criterion/stats");
    let scene = Scene::new();
    let args = collect_tree(&scene, |tree| {
        std::os::unix::fs::symlink(&fixture, tree.join("stats")).unwrap();
    });
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = benchgate(scene.dir.path(), &refs);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let run = benchgate::store::read_run(&scene.path("out.json")).unwrap();
    assert_eq!(run.suites(), ["stats"], "the linked suite was collected");
    assert!(!run.benchmarks.is_empty());
}

#[cfg(unix)]
#[test]
fn dangling_links_and_link_cycles_in_input_trees_are_refused() {
    case(
        "a dangling suite link",
        |scene| {
            collect_tree(scene, |tree| {
                std::os::unix::fs::symlink(tree.join("gone"), tree.join("stats")).unwrap();
            })
        },
        2,
        &["criterion/stats", "does not exist", "remove the link"],
    );
    case(
        "a link back up inside a suite",
        |scene| {
            let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/gate-output/criterion/stats");
            collect_tree(scene, |tree| {
                let round = tree.join("stats/round-1");
                fs::create_dir_all(&round).unwrap();
                let source = fixture.join("round-1");
                for entry in fs::read_dir(&source).unwrap() {
                    let entry = entry.unwrap();
                    std::os::unix::fs::symlink(entry.path(), round.join(entry.file_name()))
                        .unwrap();
                }
                std::os::unix::fs::symlink(&round, round.join("loop")).unwrap();
            })
        },
        2,
        &["loop", "a cycle", "remove the link"],
    );
}

//! What a team's GitHub Actions reads: the job summary of the current
//! suites (the committed baseline against a copy with four benchmarks made
//! 20 % slower) reads at a glance and stays under 20 KB; the Bencher and
//! github-action-benchmark exports parse back to the comparison; the
//! workflows call only scripts under `ci/` and bound every job's time.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use benchgate::compare::{CompareOptions, Comparison, Verdict, compare};
use benchgate::config::Policy;
use benchgate::export::{BmfDocument, ExportFormat, GabEntry, bmf_key, gab_name};
use benchgate::render;
use benchgate::run::{Direction, Run};
use benchgate::store::read_run;

/// The job summary GitHub shows must be read in one look; 20 KB is about
/// three screens of Markdown source.
const SUMMARY_LIMIT_BYTES: usize = 20 * 1024;

/// Made 20 % slower in the current run.
const SLOWED: [&str; 4] = [
    "stats/summary_one_shot/100000",
    "tokenization/encode_single/64",
    "memstore/embed/miss",
    "spiking/step/1",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// The committed baseline of the current suites (the first machine's).
fn committed_baseline() -> Run {
    let dir = root().join("baselines");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("main.json"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    read_run(files.first().expect("a committed baseline")).unwrap()
}

fn slowed_comparison() -> (Run, Comparison) {
    let baseline = committed_baseline();
    let mut current = baseline.clone();
    for key in SLOWED {
        let benchmark = current
            .benchmarks
            .iter_mut()
            .find(|b| b.key() == key)
            .unwrap_or_else(|| panic!("{key} is in the committed baseline"));
        for sample in &mut benchmark.samples_ns {
            *sample *= 1.2;
        }
    }
    let policy = Policy::load(&root().join("benchgate.toml")).unwrap();
    let comparison = compare(&baseline, &current, &policy, &CompareOptions::default()).unwrap();
    (current, comparison)
}

#[test]
fn the_summary_of_the_current_suites_starts_with_the_verdict_and_fits_20_kb() {
    let (_, comparison) = slowed_comparison();
    let failures: Vec<String> = comparison.failures().map(|e| e.key()).collect();
    assert_eq!(failures.len(), SLOWED.len(), "{failures:?}");
    let summary = render::markdown::render(&comparison);
    assert!(
        summary.len() < SUMMARY_LIMIT_BYTES,
        "summary is {} bytes",
        summary.len()
    );
    let first_line = summary.lines().next().unwrap();
    assert!(
        first_line.starts_with("## ❌ benchgate: FAIL"),
        "{first_line}"
    );
    // Regressions come first, each with its interval and evidence, before
    // anything else is listed; the rest is folded per suite.
    let regressions = summary.find("### Regressions (4)").unwrap();
    let folded = summary.find("### All results").unwrap();
    assert!(regressions < folded);
    for key in SLOWED {
        let row = summary[regressions..folded]
            .lines()
            .find(|l| l.starts_with(&format!("| {key} |")))
            .unwrap_or_else(|| panic!("{key} is in the regressions table"));
        assert!(row.contains('[') && row.contains("p_adj"), "{row}");
    }
    let suites: Vec<&str> = ["inference", "memstore", "spiking", "stats", "tokenization"]
        .into_iter()
        .filter(|s| comparison.entries.iter().any(|e| e.suite == *s))
        .collect();
    for suite in &suites {
        assert!(
            summary.contains(&format!("<details><summary><b>{suite}</b>:")),
            "{suite} is folded"
        );
    }
    assert_eq!(
        summary.matches("<details>").count(),
        summary.matches("</details>").count()
    );
    // Every benchmark still has its row, with each of its measures.
    let rows: Vec<&str> = summary[folded..]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| benchmark"))
        .collect();
    let benchmarks: std::collections::BTreeSet<(&str, &str)> = comparison
        .entries
        .iter()
        .map(|e| (e.suite.as_str(), e.benchmark.as_str()))
        .collect();
    assert_eq!(rows.len(), benchmarks.len());
    for entry in &comparison.entries {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("| {} |", entry.benchmark)))
            .unwrap_or_else(|| panic!("{} has a row", entry.benchmark));
        if let Some(metric) = &entry.metric {
            assert!(row.contains(&format!(" {metric} ")), "{metric} in {row}");
        }
    }
}

#[test]
fn bmf_export_parses_back_to_the_comparison() {
    let (_, comparison) = slowed_comparison();
    let text = ExportFormat::Bmf.exporter().export(&comparison).unwrap();
    let document: BmfDocument = serde_json::from_str(&text).unwrap();
    let mut expected: BTreeMap<(String, String), f64> = BTreeMap::new();
    for entry in &comparison.entries {
        if let Some(current) = entry.current {
            expected.insert(bmf_key(entry), current);
        }
    }
    let parsed: BTreeMap<(String, String), f64> = document
        .iter()
        .flat_map(|(name, measures)| {
            measures
                .iter()
                .map(move |(measure, v)| ((name.clone(), measure.clone()), v.value))
        })
        .collect();
    assert_eq!(parsed, expected);
    let slowed = &document["stats/summary_one_shot/100000"]["latency"];
    let entry = comparison
        .entries
        .iter()
        .find(|e| e.key() == SLOWED[0])
        .unwrap();
    assert_eq!(Some(slowed.value), entry.current);
    assert!(
        document
            .values()
            .any(|measures| measures.contains_key("instructions")),
        "instruction counts are Bencher's `instructions` measure"
    );
}

#[test]
fn gab_exports_parse_back_to_the_comparison_by_direction() {
    let (_, comparison) = slowed_comparison();
    for (format, direction) in [
        (ExportFormat::Gab, Direction::LowerIsBetter),
        (ExportFormat::GabBigger, Direction::HigherIsBetter),
    ] {
        let text = format.exporter().export(&comparison).unwrap();
        let parsed: Vec<GabEntry> = serde_json::from_str(&text).unwrap();
        let expected: Vec<(String, String, f64)> = comparison
            .entries
            .iter()
            .filter(|e| e.direction == direction)
            .filter_map(|e| Some((gab_name(e), e.unit.clone(), e.current?)))
            .collect();
        let got: Vec<(String, String, f64)> = parsed
            .iter()
            .map(|e| (e.name.clone(), e.unit.clone(), e.value))
            .collect();
        assert_eq!(got, expected, "{}", format.name());
        assert!(!parsed.is_empty(), "{} has entries", format.name());
    }
    let smaller: Vec<GabEntry> =
        serde_json::from_str(&ExportFormat::Gab.exporter().export(&comparison).unwrap()).unwrap();
    let slowed = smaller.iter().find(|e| e.name == SLOWED[0]).unwrap();
    assert!(
        slowed
            .extra
            .as_deref()
            .unwrap()
            .ends_with(Verdict::Regressed.label()),
        "{slowed:?}"
    );
}

/// A workflow file as far as these checks read it.
#[derive(Debug, serde::Deserialize)]
struct Workflow {
    #[serde(default)]
    permissions: Option<serde_yaml_ng::Value>,
    jobs: BTreeMap<String, Job>,
}

#[derive(Debug, serde::Deserialize)]
struct Job {
    #[serde(rename = "timeout-minutes")]
    timeout_minutes: Option<u32>,
    permissions: Option<serde_yaml_ng::Value>,
    #[serde(default)]
    steps: Vec<Step>,
}

#[derive(Debug, serde::Deserialize)]
struct Step {
    run: Option<String>,
}

fn workflows() -> Vec<(PathBuf, Workflow)> {
    let dir = root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no workflow in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap();
            let workflow = serde_yaml_ng::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            (path, workflow)
        })
        .collect()
}

#[test]
fn every_workflow_step_calls_a_ci_script_and_every_job_has_a_time_limit() {
    for (path, workflow) in workflows() {
        // Nothing is granted to a whole workflow; each job asks for its own.
        let top = workflow.permissions.as_ref();
        assert!(
            top.is_some_and(|p| p.as_mapping().is_some_and(|m| m.is_empty())),
            "{}: top-level permissions must be `{{}}`",
            path.display()
        );
        for (name, job) in &workflow.jobs {
            assert!(
                job.timeout_minutes.is_some_and(|t| t > 0 && t <= 60),
                "{}: job `{name}` has no timeout-minutes (the default is 360)",
                path.display()
            );
            assert!(
                job.permissions.is_some(),
                "{}: job `{name}` does not state its permissions",
                path.display()
            );
            for step in &job.steps {
                let Some(run) = &step.run else { continue };
                let command = run.trim();
                assert!(
                    !command.contains('\n')
                        && (command.starts_with("bash ci/") || command.starts_with("ci/")),
                    "{}: job `{name}` runs `{command}`; every run step calls one script under ci/",
                    path.display()
                );
                let script = command
                    .trim_start_matches("bash ")
                    .split_whitespace()
                    .next()
                    .unwrap();
                assert!(
                    root().join(script).is_file(),
                    "{}: job `{name}` calls {script}, which does not exist",
                    path.display()
                );
            }
        }
    }
}

#[test]
fn pull_request_jobs_never_hold_a_write_token() {
    let (_, bench) = workflows()
        .into_iter()
        .find(|(p, _)| p.ends_with("bench.yml"))
        .unwrap();
    for (name, job) in &bench.jobs {
        if name == "record" {
            continue;
        }
        let text = serde_yaml_ng::to_string(job.permissions.as_ref().unwrap()).unwrap();
        assert!(!text.contains("write"), "job `{name}` asks for {text}");
    }
}

fn compare_in_actions(dir: &Path, current: &Run, extra: &[&str]) -> std::process::Output {
    let baseline_file = dir.join("baseline.json");
    let current_file = dir.join("current.json");
    benchgate::store::write_run(&baseline_file, &committed_baseline()).unwrap();
    benchgate::store::write_run(&current_file, current).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(root())
        .args(["compare", "--run"])
        .arg(&current_file)
        .arg("--baseline")
        .arg(&baseline_file)
        .args(extra)
        .env("GITHUB_ACTIONS", "true")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// `compare` in Actions annotates as `merge` does: one `::error` per
/// regression, at the line of the suite's bench source that names the
/// benchmark; an export printed to standard output stays bare.
#[test]
fn compare_in_actions_annotates_each_regression_at_its_bench_source() {
    let (current, comparison) = slowed_comparison();
    let dir = tempfile::tempdir().unwrap();
    let output = compare_in_actions(dir.path(), &current, &["--only-changed"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), comparison.failures().count(), "{stdout}");
    for entry in comparison.failures() {
        let line = errors
            .iter()
            .find(|l| l.contains(&entry.key()))
            .unwrap_or_else(|| panic!("no ::error for {}: {stdout}", entry.key()));
        let prefix = format!("::error file=benches/{}/benches/", entry.suite);
        assert!(
            line.starts_with(&prefix) && line.contains(",line="),
            "{line}"
        );
    }
    let bmf = compare_in_actions(dir.path(), &current, &["--format", "bmf"]);
    let text = String::from_utf8_lossy(&bmf.stdout);
    assert!(!text.contains("::"), "{text}");
    serde_json::from_str::<serde_json::Value>(&text).unwrap();
}

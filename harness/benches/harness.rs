//! The harness measured by itself (issue 18): `compare` of two run files of
//! 100, 1 000 and 10 000 benchmarks × 300 samples and of the committed
//! baseline against itself, `collect` of a large criterion tree, and the
//! report of a 1 000-benchmark comparison, without and with trends of its
//! changed entries over 1 000 runs of main.
//!
//! Every input is built once per process, outside the timed closures:
//! seeded synthetic runs written to a temporary directory, a generated
//! criterion tree, an in-memory comparison. A timed compare reads and
//! parses both files, as `benchgate compare` does.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use benchgate::assess::{FileInputs, assess_files};
use benchgate::collect::{CollectOptions, SuiteSource, collect};
use benchgate::compare::{CompareOptions, Comparison, compare};
use benchgate::config::Policy;
use benchgate::history_store::changepoint::ChangePointOptions;
use benchgate::machine::Machine;
use benchgate::provenance::Provenance;
use benchgate::report::{ReportInput, ReportOptions, trend_requests, write_report};
use benchgate::run::{Benchmark, Estimate, Estimates, Profile, Run, SCHEMA_VERSION, ToolVersions};
use benchgate::store::write_run;
use benchgate::trend::{Trend, TrendPoint, TrendSource, change_points};
use criterion::{
    BenchmarkId, Criterion, SamplingMode, Throughput, criterion_group, criterion_main,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

/// Samples per benchmark in the synthetic runs: three rounds of criterion's
/// default 100, as `benchgate gate` pools them.
const SAMPLES: usize = 300;

/// Sizes of the synthetic comparisons (issue 18's goals: 10 000 in 2 s,
/// 1 000 in 0.3 s, on the project's 2-core machine).
const COMPARE_SIZES: [usize; 3] = [100, 1_000, 10_000];

/// Benchmarks in the generated criterion tree, each in three rounds of 100
/// samples: a suite far larger than any of this workspace's.
const COLLECT_BENCHMARKS: usize = 1_000;
const COLLECT_ROUNDS: usize = 3;
const COLLECT_SAMPLES_PER_ROUND: usize = 100;

/// Benchmarks in the reported comparison.
const REPORT_BENCHMARKS: usize = 1_000;

/// Relative spread of the synthetic samples (log-normal): a quiet machine.
const NOISE: f64 = 0.03;

/// Every tenth benchmark is 15 % slower in the current run and the fifth
/// of every ten 15 % faster, so a comparison has regressions, improvements
/// and unchanged entries to decide, as a real one does.
fn true_change(index: usize) -> f64 {
    match index % 10 {
        0 => 1.15,
        5 => 0.85,
        _ => 1.0,
    }
}

/// Criterion's real `estimates.json` (stats suite, `summary_one_shot/100`):
/// collecting reads it, benchgate keeps it for reference.
const ESTIMATES_JSON: &str = include_str!(
    "../tests/fixtures/gate-output/criterion/stats/round-1/summary_one_shot/100/new/estimates.json"
);

fn machine() -> Machine {
    Machine {
        id: "bench-machine".to_owned(),
        cpu_model: "Synthetic CPU".to_owned(),
        logical_cores: 2,
        physical_cores: Some(1),
        memory_bytes: 24 << 30,
        os: "Linux (synthetic)".to_owned(),
        kernel: None,
        arch: "x86_64".to_owned(),
    }
}

fn tools() -> ToolVersions {
    ToolVersions {
        benchgate: env!("CARGO_PKG_VERSION").to_owned(),
        criterion: None,
        iai_callgrind: None,
        rustc: None,
    }
}

/// `group_<g>/<k>`: ten benchmarks per group, as parameter sweeps are.
fn benchmark_id(index: usize) -> (String, String, String) {
    let (group, parameter) = (format!("group_{}", index / 10), (index % 10).to_string());
    (format!("{group}/{parameter}"), group, parameter)
}

/// A pull request's few changes: one benchmark in fifty 15 % slower or
/// faster. Each changed wall time gets a distribution chart in a report.
fn few_changes(index: usize) -> f64 {
    match index % 100 {
        0 => 1.15,
        50 => 0.85,
        _ => 1.0,
    }
}

/// A run of `count` benchmarks × [`SAMPLES`] per-iteration times, seeded;
/// the current run's true times are the baseline's times `change(index)`.
fn synthetic_run(count: usize, current: bool, change: fn(usize) -> f64) -> Run {
    let mut rng = ChaCha8Rng::seed_from_u64(if current { 2 } else { 1 });
    let noise = LogNormal::new(0.0, NOISE).expect("a valid spread");
    let benchmarks = (0..count)
        .map(|index| {
            let center =
                1_000.0 * (1 + index % 50) as f64 * if current { change(index) } else { 1.0 };
            let samples_ns: Vec<f64> = (0..SAMPLES)
                .map(|_| center * noise.sample(&mut rng))
                .collect();
            let mean = samples_ns.iter().sum::<f64>() / SAMPLES as f64;
            let estimate = Estimate {
                point: mean,
                lower: mean,
                upper: mean,
                confidence_level: 0.95,
                standard_error: 0.0,
            };
            let (id, group, parameter) = benchmark_id(index);
            Benchmark {
                suite: "synthetic".to_owned(),
                id,
                group,
                function: None,
                parameter: Some(parameter),
                throughput: None,
                sampling_mode: Some("Flat".to_owned()),
                rounds: 3,
                estimates: Estimates {
                    mean: estimate,
                    median: estimate,
                    std_dev: estimate,
                    median_abs_dev: estimate,
                    slope: None,
                },
                samples_ns,
            }
        })
        .collect();
    let mut run = Run {
        schema_version: SCHEMA_VERSION,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        git: None,
        suite_git: BTreeMap::new(),
        machine: machine(),
        tools: tools(),
        profile: Profile::Full,
        features: Vec::new(),
        codegen_units: None,
        benchmarks,
        metrics: Vec::new(),
    };
    run.canonicalize();
    run
}

/// The workspace root (this package is `harness/`).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("harness/ has a parent")
        .to_path_buf()
}

/// The committed baseline `baselines/<machine>/main.json` (the first
/// machine's, by name), if there is one.
fn committed_baseline() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(workspace_root().join("baselines"))
        .ok()?
        .flatten()
        .map(|machine| machine.path().join("main.json"))
        .filter(|path| path.is_file())
        .collect();
    found.sort();
    found.into_iter().next()
}

fn bench_compare(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let policy = Policy::embedded().expect("the embedded configuration parses");
    let options = CompareOptions::default();
    let mut group = c.benchmark_group("compare");
    // A 10 000-benchmark comparison takes about a second: few samples.
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    for count in COMPARE_SIZES {
        let (baseline, current) = (
            dir.path().join(format!("baseline-{count}.json")),
            dir.path().join(format!("run-{count}.json")),
        );
        write_run(&baseline, &synthetic_run(count, false, true_change))
            .expect("the baseline is written");
        write_run(&current, &synthetic_run(count, true, true_change)).expect("the run is written");
        let inputs = FileInputs {
            run: &current,
            baseline: &baseline,
            repository: None,
            policy: &policy,
            compare: &options,
        };
        group.throughput(Throughput::Elements(count as u64));
        group.bench_with_input(
            BenchmarkId::new("synthetic", count),
            &inputs,
            |b, inputs| {
                b.iter(|| assess_files(inputs).expect("the synthetic runs compare"));
            },
        );
    }
    if let Some(baseline) = committed_baseline() {
        // As `benchgate compare --run B --baseline B` runs it: the
        // workspace's configuration and the baseline's committed history.
        let policy =
            Policy::load(&workspace_root().join("benchgate.toml")).expect("benchgate.toml parses");
        let repository = baseline.parent().map(Path::to_path_buf);
        let inputs = FileInputs {
            run: &baseline,
            baseline: &baseline,
            repository: repository.as_deref(),
            policy: &policy,
            compare: &options,
        };
        group.throughput(Throughput::Elements(1));
        group.bench_function("committed_baseline", |b| {
            b.iter(|| assess_files(&inputs).expect("the committed baseline compares"));
        });
    }
    group.finish();
}

/// A criterion tree as `benchgate gate` leaves it:
/// `<root>/<suite>/round-N/<group>/<parameter>/new/{benchmark,sample,estimates}.json`.
fn write_criterion_tree(root: &Path, suite: &str) -> Vec<PathBuf> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let noise = LogNormal::new(0.0, NOISE).expect("a valid spread");
    (1..=COLLECT_ROUNDS)
        .map(|round| {
            let round_dir = root.join(suite).join(format!("round-{round}"));
            for index in 0..COLLECT_BENCHMARKS {
                let (id, group, parameter) = benchmark_id(index);
                let new = round_dir.join(&group).join(&parameter).join("new");
                fs::create_dir_all(&new).expect("the tree is writable");
                let benchmark = serde_json::json!({
                    "group_id": group,
                    "function_id": null,
                    "value_str": parameter,
                    "throughput": null,
                    "full_id": id,
                    "directory_name": id,
                    "title": id,
                });
                let center = 1_000.0 * (1 + index % 50) as f64;
                let iters: Vec<f64> = (1..=COLLECT_SAMPLES_PER_ROUND)
                    .map(|k| (k * 10) as f64)
                    .collect();
                let times: Vec<f64> = iters
                    .iter()
                    .map(|n| (n * center * noise.sample(&mut rng)).round())
                    .collect();
                let sample = serde_json::json!({
                    "sampling_mode": "Linear",
                    "iters": iters,
                    "times": times,
                });
                fs::write(new.join("benchmark.json"), benchmark.to_string())
                    .expect("the tree is writable");
                fs::write(new.join("sample.json"), sample.to_string())
                    .expect("the tree is writable");
                fs::write(new.join("estimates.json"), ESTIMATES_JSON)
                    .expect("the tree is writable");
            }
            round_dir
        })
        .collect()
}

fn bench_collect(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let suite = "synthetic";
    let options = CollectOptions {
        sources: vec![SuiteSource {
            suite: suite.to_owned(),
            criterion_dirs: write_criterion_tree(dir.path(), suite),
        }],
        metrics_dir: None,
        iai_root: None,
    };
    let provenance = Provenance {
        git: None,
        machine: machine(),
        tools: tools(),
        profile: Profile::Full,
        features: Vec::new(),
        codegen_units: None,
    };
    let mut group = c.benchmark_group("collect");
    group.sample_size(10);
    group.throughput(Throughput::Elements(
        (COLLECT_BENCHMARKS * COLLECT_ROUNDS) as u64,
    ));
    group.bench_function(
        BenchmarkId::new("criterion_tree", COLLECT_BENCHMARKS),
        |b| {
            b.iter(|| collect(&options, &provenance).expect("the generated tree collects"));
        },
    );
    group.finish();
}

fn bench_report(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (baseline, current) = (
        synthetic_run(REPORT_BENCHMARKS, false, few_changes),
        synthetic_run(REPORT_BENCHMARKS, true, few_changes),
    );
    let policy = Policy::embedded().expect("the embedded configuration parses");
    let comparison: Comparison = compare(&baseline, &current, &policy, &CompareOptions::default())
        .expect("the synthetic runs compare");
    let input = ReportInput {
        current: &current,
        baseline: Some(&baseline),
        comparison: Some(&comparison),
        history: &[],
        trends: &[],
    };
    let options = ReportOptions {
        dir: dir.path().join("report"),
        charts: BTreeMap::new(),
        batch_suggestions: BTreeMap::new(),
    };
    // The same report with a history store's trends of its changed
    // entries, as `benchgate report --history` hands them over: 1 000 runs
    // of main each, one step, change points found.
    let trends = synthetic_trends(&comparison);
    let with_trends = ReportInput {
        trends: &trends,
        ..input
    };
    let trend_options = ReportOptions {
        dir: dir.path().join("report-trends"),
        ..options.clone()
    };
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.sampling_mode(SamplingMode::Flat);
    group.bench_function(BenchmarkId::new("synthetic", REPORT_BENCHMARKS), |b| {
        b.iter(|| write_report(&input, &options).expect("the report is written"));
    });
    group.bench_function(
        BenchmarkId::new("synthetic_trends", REPORT_BENCHMARKS),
        |b| {
            b.iter(|| write_report(&with_trends, &trend_options).expect("the report is written"));
        },
    );
    group.finish();
}

/// Runs of main in each synthetic trend: the most a trend holds.
const TREND_POINTS: usize = benchgate::trend::MAX_TREND_POINTS;

/// A trend of [`TREND_POINTS`] runs for every entry the report charts: the
/// baseline's typical value with the benchmarks' noise, 10 % lower before
/// run 700, with the change points found in it.
fn synthetic_trends(comparison: &Comparison) -> Vec<Trend> {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let noise = LogNormal::new(0.0, NOISE / 3.0).expect("a valid spread");
    trend_requests(comparison)
        .into_iter()
        .filter_map(|request| {
            let entry = comparison.entries.iter().find(|e| {
                e.metric == request.metric
                    && request.benchmark == format!("{}/{}", e.suite, e.benchmark)
            })?;
            let level = entry.baseline?;
            let points: Vec<TrendPoint> = (0..TREND_POINTS)
                .map(|i| {
                    let typical = level * if i < 700 { 0.9 } else { 1.0 } * noise.sample(&mut rng);
                    let commit = format!(
                        "{:040x}",
                        0x9e37_79b9_7f4a_7c15u64.wrapping_mul(i as u64 + 1)
                    );
                    TrendPoint {
                        label: commit[..7].to_owned(),
                        commit: Some(commit),
                        subject: Some(format!("Change number {i}")),
                        typical,
                        interval: Some((typical * 0.99, typical * 1.01)),
                    }
                })
                .collect();
            let values: Vec<f64> = points.iter().map(|p| p.typical).collect();
            Some(Trend {
                benchmark: request.benchmark,
                metric: request.metric,
                unit: entry.unit.clone(),
                higher_is_better: false,
                source: TrendSource::Store {
                    location: "synthetic".to_owned(),
                    machine: "synthetic".to_owned(),
                    profile: "full".to_owned(),
                },
                changes: change_points(&values, &ChangePointOptions::default()),
                points,
            })
        })
        .collect()
}

criterion_group!(benches, bench_compare, bench_collect, bench_report);
criterion_main!(benches);

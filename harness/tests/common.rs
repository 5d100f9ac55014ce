//! Helpers shared by the harness's integration tests: synthetic runs whose
//! truth is known.

#![allow(dead_code)]

use benchgate::machine::Machine;
use benchgate::run::{
    Benchmark, Direction, Estimate, Estimates, MetricRecord, Run, SCHEMA_VERSION, ToolVersions,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal};

pub fn machine(id: &str) -> Machine {
    Machine {
        id: id.to_owned(),
        cpu_model: "Test CPU".to_owned(),
        logical_cores: 2,
        physical_cores: Some(1),
        memory_bytes: 24 << 30,
        os: "Linux (test)".to_owned(),
        kernel: None,
        arch: "x86_64".to_owned(),
    }
}

/// `n` per-iteration times around `center_ns` with multiplicative log-normal
/// noise of relative spread `sigma` (2 % is typical of a quiet machine).
pub fn samples(center_ns: f64, sigma: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let noise = LogNormal::new(0.0, sigma).unwrap();
    (0..n).map(|_| center_ns * noise.sample(&mut rng)).collect()
}

pub fn benchmark(suite: &str, id: &str, samples_ns: Vec<f64>) -> Benchmark {
    let mean = samples_ns.iter().sum::<f64>() / samples_ns.len() as f64;
    let estimate = Estimate {
        point: mean,
        lower: mean,
        upper: mean,
        confidence_level: 0.95,
        standard_error: 0.0,
    };
    let (group, parameter) = id.split_once('/').unwrap_or((id, ""));
    Benchmark {
        suite: suite.to_owned(),
        id: id.to_owned(),
        group: group.to_owned(),
        function: None,
        parameter: (!parameter.is_empty()).then(|| parameter.to_owned()),
        throughput: None,
        sampling_mode: Some("Flat".to_owned()),
        rounds: 1,
        estimates: Estimates {
            mean: estimate,
            median: estimate,
            std_dev: estimate,
            median_abs_dev: estimate,
            slope: None,
        },
        samples_ns,
    }
}

pub fn metric(
    suite: &str,
    benchmark: &str,
    name: &str,
    value: f64,
    direction: Direction,
) -> MetricRecord {
    MetricRecord {
        suite: suite.to_owned(),
        benchmark: benchmark.to_owned(),
        name: name.to_owned(),
        value,
        unit: "ratio".to_owned(),
        direction,
        samples: Vec::new(),
        portable: false,
        execution: None,
    }
}

pub fn run(machine_id: &str, benchmarks: Vec<Benchmark>, metrics: Vec<MetricRecord>) -> Run {
    let mut run = Run {
        schema_version: SCHEMA_VERSION,
        created_at: time::OffsetDateTime::UNIX_EPOCH,
        git: None,
        suite_git: Default::default(),
        machine: machine(machine_id),
        tools: ToolVersions {
            benchgate: "test".to_owned(),
            criterion: None,
            iai_callgrind: None,
            rustc: None,
        },
        profile: benchgate::run::Profile::Full,
        features: Vec::new(),
        codegen_units: None,
        benchmarks,
        metrics,
    };
    run.canonicalize();
    run
}

/// `run` as if recorded from a clean checkout of `commit` on `main`.
pub fn with_commit(mut run: Run, commit: &str) -> Run {
    run.git = Some(benchgate::run::GitState {
        commit: commit.to_owned(),
        branch: Some("main".to_owned()),
        dirty: false,
    });
    run
}

/// Commit the files matching `pathspec` (e.g. `*`, or one path relative to
/// the repository root) on HEAD of `repo`; returns the commit.
pub fn commit(repo: &git2::Repository, pathspec: &str, message: &str) -> git2::Oid {
    let mut index = repo.index().unwrap();
    index
        .add_all([pathspec], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let signature = git2::Signature::now("test", "test@example.com").unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repo.commit(
        Some("HEAD"),
        &signature,
        &signature,
        message,
        &tree,
        &parents,
    )
    .unwrap()
}

/// Suites of the synthetic large run, with id shapes like the real ones
/// (groups, nested parameters, long descriptive names).
const SYNTHETIC_SUITES: [&str; 5] = ["stats", "tokenization", "inference", "memstore", "spiking"];

/// A baseline and a current run of `n` benchmarks (each with one custom
/// metric on every fifth) spread over five suites, with long ids. The
/// current run is the baseline with every 97th benchmark made 30 % slower
/// (the one in the middle 3.5 times slower, beyond any chart's axis) and
/// every 89th made 25 % faster (the first of each included), so the truth
/// of every verdict is known; seeded, so it is the same every time.
pub fn synthetic_runs(n: usize) -> (Run, Run) {
    let mut before = Vec::with_capacity(n);
    let mut after = Vec::with_capacity(n);
    let mut metrics_before = Vec::new();
    let mut metrics_after = Vec::new();
    for i in 0..n {
        let suite = SYNTHETIC_SUITES[i % SYNTHETIC_SUITES.len()];
        let id = match i % 4 {
            0 => format!("encode_batch/{}", 1 + i),
            1 => format!(
                "search_filtered_with_a_long_descriptive_group_name/hnsw_ef{}/{}",
                i % 13,
                10_000 + i
            ),
            2 => format!("step_candle/blocks_{}/{}", i % 6, i),
            _ => format!("decode_{i}"),
        };
        let center = 50.0 * 1.37f64.powi((i % 40) as i32);
        let factor = if i == n / 2 {
            3.5
        } else if i % 97 == 0 {
            1.3
        } else if i % 89 == 1 {
            1.0 / 1.25
        } else {
            1.0
        };
        let base = samples(center, 0.02, 60, i as u64);
        let cur: Vec<f64> = samples(center, 0.02, 60, (i + n) as u64)
            .into_iter()
            .map(|x| x * factor)
            .collect();
        before.push(benchmark(suite, &id, base));
        after.push(benchmark(suite, &id, cur));
        if i % 5 == 0 {
            let value = 0.9 + (i % 7) as f64 / 100.0;
            metrics_before.push(metric(
                suite,
                &id,
                "recall@10",
                value,
                Direction::HigherIsBetter,
            ));
            metrics_after.push(metric(
                suite,
                &id,
                "recall@10",
                value,
                Direction::HigherIsBetter,
            ));
        }
    }
    (
        with_commit(run("synthetic", before, metrics_before), "1111111111"),
        with_commit(run("synthetic", after, metrics_after), "2222222222"),
    )
}

/// One series of a synthetic main history: a benchmark's wall time.
#[derive(Debug, Clone, Copy)]
pub struct StoredSeries<'a> {
    /// `suite/id`.
    pub key: &'a str,
    /// Typical time before the step, ns.
    pub center_ns: f64,
    /// Factor from commit `step_at` on (1.0: no step).
    pub factor: f64,
}

/// The subject of the commit a synthetic history steps at.
pub const STEP_SUBJECT: &str = "Slow the hot path down (injected)";

/// A commit id of a synthetic history: 40 hex digits, distinct per index.
pub fn synthetic_commit(i: usize) -> String {
    format!(
        "{:08x}{:032x}",
        0x9e37_79b9u32.wrapping_mul(i as u32 + 1),
        i
    )
}

/// A history store at `location` (a SQLite file) holding `commits` runs of
/// main on `machine` (profile `full`), written through the
/// benchgate-history API: each series' typical time with 1 % log-normal
/// noise (seeded) and its 95 % interval, multiplied by its factor from
/// commit `step_at` on, whose subject is [`STEP_SUBJECT`]. Returns the
/// commits, oldest first.
pub fn stored_history(
    location: &str,
    machine: &str,
    series: &[StoredSeries<'_>],
    commits: usize,
    step_at: usize,
) -> Vec<String> {
    use benchgate::history_store::record::{RunProvenance, RunRecord, Summary, TIME_METRIC};
    use benchgate::history_store::rename::Renames;
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let noise = LogNormal::new(0.0, 0.01).unwrap();
    let ids: Vec<String> = (0..commits).map(synthetic_commit).collect();
    let records: Vec<RunRecord> = ids
        .iter()
        .enumerate()
        .map(|(i, commit)| {
            let mut summaries: Vec<Summary> = series
                .iter()
                .map(|s| {
                    let level = if i >= step_at { s.factor } else { 1.0 };
                    let typical = s.center_ns * level * noise.sample(&mut rng);
                    Summary {
                        key: s.key.to_owned(),
                        metric: TIME_METRIC.to_owned(),
                        kind: "time".to_owned(),
                        unit: "ns".to_owned(),
                        direction: "lower_is_better".to_owned(),
                        typical,
                        lower: typical * 0.99,
                        upper: typical * 1.012,
                        samples: 300,
                        mean: typical * 1.01,
                        std_dev: typical * 0.01,
                    }
                })
                .collect();
            summaries.sort_by(|a, b| a.key.cmp(&b.key));
            RunRecord {
                record_version: benchgate::history_store::record::RECORD_VERSION,
                provenance: RunProvenance {
                    commit: Some(commit.clone()),
                    parent: i.checked_sub(1).map(|p| ids[p].clone()),
                    subject: Some(if i == step_at {
                        STEP_SUBJECT.to_owned()
                    } else {
                        format!("Change number {i}")
                    }),
                    branch: Some("main".to_owned()),
                    dirty: false,
                    measured_at: 1_780_000_000 + 3_600 * i as i64,
                    machine: machine.to_owned(),
                    toolchain: None,
                    profile: "full".to_owned(),
                },
                summaries,
            }
        })
        .collect();
    let mut store = benchgate::history_store::open(location, Renames::new(&[]).unwrap()).unwrap();
    benchgate::history_store::with_store!(&mut store, s => s.ingest(&records)).unwrap();
    ids
}

/// The recorded criterion files a tiny workspace's bench target writes,
/// from the stats suite's gate output.
const TINY_CRITERION_FILES: &[&str] = &["benchmark.json", "estimates.json", "sample.json"];

/// A one-suite workspace `tiny` at `root` (no dependencies, so it builds in
/// seconds) with the recorded criterion files beside its bench target;
/// returns the suite's directory. Its bench target, `benches/tiny.rs`, is
/// the caller's ([`tiny_bench_source`]).
pub fn tiny_workspace(root: &std::path::Path) -> std::path::PathBuf {
    use std::fs;
    let suite = root.join("benches/tiny");
    fs::create_dir_all(suite.join("benches")).unwrap();
    fs::create_dir_all(suite.join("data")).unwrap();
    fs::write(
        root.join("Cargo.toml"),
        "[workspace]\nresolver = \"2\"\nmembers = [\"benches/tiny\"]\n",
    )
    .unwrap();
    fs::write(root.join(".gitignore"), "/target\n").unwrap();
    fs::write(suite.join("src.rs"), "").unwrap();
    fs::write(
        suite.join("Cargo.toml"),
        "[package]\nname = \"tiny\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\npath = \"src.rs\"\n\n[[bench]]\nname = \"tiny\"\nharness = false\n",
    )
    .unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/gate-output/criterion/stats/round-1/summary_one_shot/100/new");
    for file in TINY_CRITERION_FILES {
        fs::copy(fixtures.join(file), suite.join("data").join(file)).unwrap();
    }
    suite
}

/// A tiny workspace's bench target: criterion's files for
/// `summary_one_shot/100` into `$CRITERION_HOME`, and a `recall` metric of
/// `recall` into the metrics directory benchgate names.
pub fn tiny_bench_source(recall: f64) -> String {
    let includes: Vec<String> = TINY_CRITERION_FILES
        .iter()
        .map(|f| format!("(\"{f}\", include_str!(\"../data/{f}\"))"))
        .collect();
    format!(
        r##"use std::io::Write;
const RECALL: f64 = {recall:?};
fn main() {{
    let home = std::path::PathBuf::from(std::env::var("CRITERION_HOME").expect("CRITERION_HOME"));
    let dir = home.join("summary_one_shot").join("100").join("new");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in [{}] {{
        std::fs::write(dir.join(name), text).unwrap();
    }}
    let metrics = std::path::PathBuf::from(std::env::var("BENCHGATE_METRICS_DIR").expect("metrics dir"));
    let suite = std::env::var("BENCHGATE_SUITE").expect("suite");
    std::fs::create_dir_all(&metrics).unwrap();
    let mut file = std::fs::OpenOptions::new().create(true).append(true)
        .open(metrics.join(format!("{{suite}}.jsonl"))).unwrap();
    writeln!(file, r#"{{{{"suite":"{{suite}}","benchmark":"summary_one_shot/100","name":"recall","value":{{RECALL}},"unit":"ratio","direction":"higher_is_better"}}}}"#).unwrap();
}}
"##,
        includes.join(", ")
    )
}

/// A tiny workspace's one wall-time entry in `comparison`: its identical
/// criterion files on both sides read unchanged.
pub fn assert_tiny_time_unchanged(comparison: &benchgate::compare::Comparison) {
    let time = comparison
        .entries
        .iter()
        .find(|e| e.is_time())
        .expect("the benchmark's time is compared");
    assert_eq!(time.key(), "tiny/summary_one_shot/100");
    assert_eq!(time.verdict, benchgate::compare::Verdict::Unchanged);
}

//! The history at scale (issue 19): 10 000 commits × 1 000 benchmarks in
//! the SQLite store, then one benchmark's trend read (goal < 100 ms), one
//! more commit's run ingested, and the change points of all 1 000 series
//! (goal < 10 s on 2 cores).
//!
//! ```sh
//! cargo bench -p benchgate-history --bench history_scale
//! BENCHGATE_SCALE_COMMITS=200 BENCHGATE_SCALE_BENCHMARKS=50 cargo bench -p benchgate-history --bench history_scale   # a quick check
//! ```
//!
//! The store is built once (its ingest time is printed) at
//! `target/benchgate/scale/history-<commits>x<benchmarks>.sqlite` and
//! reused by later runs of the same size.

use std::path::PathBuf;
use std::time::Instant;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use benchgate_history::analysis::all_changes;
use benchgate_history::changepoint::ChangePointOptions;
use benchgate_history::record::{RECORD_VERSION, RunProvenance, RunRecord, Summary, TIME_METRIC};
use benchgate_history::rename::Renames;
use benchgate_history::sqlite::Sqlite;
use benchgate_history::store::HistoryStore;

/// Share of series with a step somewhere in their history.
const STEPPED_SHARE: f64 = 0.1;
/// Records ingested per transaction while building the store.
const BATCH: usize = 100;

fn size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Run `commit` of the synthetic history: every benchmark's level, 1 %
/// noise, a 5 % step at a fixed commit in [`STEPPED_SHARE`] of them.
fn record(commit: usize, commits: usize, benchmarks: usize, rng: &mut ChaCha8Rng) -> RunRecord {
    let summaries = (0..benchmarks)
        .map(|b| {
            let level = 1_000.0 * (1.0 + b as f64 / 10.0);
            let stepped = (b as f64) < STEPPED_SHARE * benchmarks as f64;
            let step_at = commits * (b % 7 + 2) / 10;
            let factor = if stepped && commit >= step_at {
                1.05
            } else {
                1.0
            };
            let typical = level * factor * (1.0 + rng.random_range(-0.01..0.01));
            Summary {
                key: format!("suite{}/bench_{b:04}/1000", b % 5),
                metric: TIME_METRIC.to_owned(),
                kind: "time".to_owned(),
                unit: "ns".to_owned(),
                direction: "lower_is_better".to_owned(),
                typical,
                lower: typical * 0.995,
                upper: typical * 1.005,
                samples: 300,
                mean: typical * 1.02,
                std_dev: typical * 0.01,
            }
        })
        .collect();
    RunRecord {
        record_version: RECORD_VERSION,
        provenance: RunProvenance {
            commit: Some(format!("{commit:040x}")),
            parent: (commit > 0).then(|| format!("{:040x}", commit - 1)),
            subject: Some(format!("Commit number {commit}")),
            branch: Some("main".to_owned()),
            dirty: false,
            measured_at: 1_700_000_000 + 600 * commit as i64,
            machine: "scale-machine".to_owned(),
            toolchain: Some("rustc 1.95.0".to_owned()),
            profile: "full".to_owned(),
        },
        summaries,
    }
}

fn store_path(commits: usize, benchmarks: usize) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target
        .join("benchgate/scale")
        .join(format!("history-{commits}x{benchmarks}.sqlite"))
}

fn open(commits: usize, benchmarks: usize) -> HistoryStore<Sqlite> {
    let path = store_path(commits, benchmarks);
    let mut store = HistoryStore::new(Sqlite::open(&path).unwrap(), Renames::default()).unwrap();
    // `ingest_one_more_run` adds a few runs each time; they stay.
    if store.run_count().unwrap() >= commits as i64 {
        return store;
    }
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let mut store = HistoryStore::new(Sqlite::open(&path).unwrap(), Renames::default()).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let start = Instant::now();
    for chunk in (0..commits).collect::<Vec<_>>().chunks(BATCH) {
        let records: Vec<RunRecord> = chunk
            .iter()
            .map(|&c| record(c, commits, benchmarks, &mut rng))
            .collect();
        store.ingest(&records).unwrap();
    }
    eprintln!(
        "history_scale: ingested {commits} runs × {benchmarks} benchmarks into {} in {:.1} s",
        path.display(),
        start.elapsed().as_secs_f64()
    );
    store
}

fn scale(c: &mut Criterion) {
    let commits = size("BENCHGATE_SCALE_COMMITS", 10_000);
    let benchmarks = size("BENCHGATE_SCALE_BENCHMARKS", 1_000);
    let mut store = open(commits, benchmarks);
    let series = store.series().unwrap();
    let one = series[series.len() / 2].clone();
    assert!(store.points(&one).unwrap().len() >= commits);

    let mut group = c.benchmark_group(format!("history_{commits}x{benchmarks}"));
    group.sample_size(10);
    group.bench_function("trend_read_one_benchmark", |b| {
        b.iter(|| store.points(&one).unwrap());
    });
    let loaded: Vec<_> = series
        .iter()
        .map(|info| (info.clone(), store.points(info).unwrap()))
        .collect();
    let stepped = loaded.len() as f64 * STEPPED_SHARE;
    group.bench_function("change_points_all_series", |b| {
        b.iter(|| all_changes(loaded.clone(), &ChangePointOptions::default()));
    });
    let found = all_changes(loaded.clone(), &ChangePointOptions::default());
    eprintln!(
        "history_scale: {} change points in {} of {} series ({stepped:.0} have a step)",
        found.iter().map(|s| s.changes.len()).sum::<usize>(),
        found.iter().filter(|s| !s.changes.is_empty()).count(),
        found.len()
    );
    group.bench_function("load_all_series", |b| {
        b.iter(|| {
            series
                .iter()
                .map(|info| store.points(info).unwrap().len())
                .sum::<usize>()
        });
    });
    let mut next = commits;
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    group.bench_function("ingest_one_more_run", |b| {
        b.iter_batched(
            || {
                next += 1;
                record(next, commits, benchmarks, &mut rng)
            },
            |record| store.ingest(&[record]).unwrap(),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group!(benches, scale);
criterion_main!(benches);

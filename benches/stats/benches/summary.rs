//! Criterion benchmarks of both summary implementations, plus the streaming summary's accuracy and memory as benchgate custom metrics.
//!
//! Timing alone would let a change that makes the streaming summary faster
//! but less accurate, or faster but bigger, pass the gate; the custom
//! metrics make those trade-offs visible too.

use std::hint::black_box;

use benchgate_metrics::{Direction, Metric, Selection, recorder};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use stats::data::latency_samples;
use stats::{StreamingSummary, Summary, summarize, summarize_parallel};

/// Sample counts every group is timed at: from one request batch to a
/// large window, four decades to show how each implementation scales.
const SIZES: [usize; 4] = [100, 1_000, 10_000, 100_000];

/// Sample counts the parallel group is timed at. 10 000 is below
/// `stats::streaming::MIN_CHUNK_LEN`, so it times the single-chunk path
/// (which must stay as cheap as the sequential summary); 100 000 is split
/// across the rayon threads. Smaller inputs would only repeat the 10 000
/// case.
const PARALLEL_SIZES: [usize; 2] = [10_000, 100_000];

/// Seed of the benchmark input, fixed so that every run and machine times
/// the same data.
const SEED: u64 = 0x5EED_1A7E;

/// Sample count the accuracy and memory metrics are taken at: the largest
/// benchmarked size, where even p99.9 rests on 100 samples above it.
const METRICS_N: usize = 100_000;

/// The streaming benchmarks criterion ran (the command line's filter
/// selects them). The metrics, attached to `summary_streaming/100000`, are
/// recorded only when that one ran, so a filtered run records exactly the
/// metrics of the benchmarks it ran.
static SELECTED: Selection = Selection::new();

/// Input of every benchmark: the prefix of one generated vector, which
/// equals a vector generated at that length with the same seed.
fn inputs() -> Vec<f64> {
    let largest = SIZES.iter().copied().max().unwrap_or(0);
    latency_samples(largest, SEED)
}

fn one_shot(c: &mut Criterion) {
    let all = inputs();
    let mut group = c.benchmark_group("summary_one_shot");
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &all[..n], |b, samples| {
            b.iter(|| summarize(black_box(samples)).expect("generated latencies are valid"));
        });
    }
    group.finish();
}

fn streaming(c: &mut Criterion) {
    let all = inputs();
    let mut group = c.benchmark_group("summary_streaming");
    for n in SIZES {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &all[..n], |b, samples| {
            SELECTED.mark(&format!("summary_streaming/{n}"));
            b.iter(|| streaming_summary(black_box(samples)));
        });
    }
    group.finish();
}

fn streaming_parallel(c: &mut Criterion) {
    let all = inputs();
    let chunks = rayon::current_num_threads();
    let mut group = c.benchmark_group("summary_streaming_parallel");
    for n in PARALLEL_SIZES {
        group.throughput(Throughput::Elements(n as u64));
        group.bench_with_input(BenchmarkId::from_parameter(n), &all[..n], |b, samples| {
            b.iter(|| {
                summarize_parallel(black_box(samples), chunks)
                    .expect("generated latencies are valid")
            });
        });
    }
    group.finish();
}

/// Streaming summary the way a service builds one: sample by sample.
fn streaming_summary(samples: &[f64]) -> Summary {
    let mut summary = StreamingSummary::new();
    for &x in samples {
        summary.record(x).expect("generated latencies are valid");
    }
    summary.summary().expect("the input is not empty")
}

criterion_group!(benches, one_shot, streaming, streaming_parallel);

benchgate_metrics::bench_main!(benches; record = record_metrics);

/// Records the streaming summary's quantile errors against the exact
/// one-shot quantiles, and its memory footprint, at [`METRICS_N`] samples,
/// if `summary_streaming/`[`METRICS_N`] ran. Called after criterion
/// finishes, and only when it measured.
fn record_metrics() -> Result<(), String> {
    let benchmark = format!("summary_streaming/{METRICS_N}");
    if !SELECTED.contains(&benchmark) {
        return Ok(());
    }
    let samples = latency_samples(METRICS_N, SEED);
    let exact = summarize(&samples).map_err(|e| e.to_string())?;
    let mut streaming = StreamingSummary::new();
    streaming.record_all(&samples).map_err(|e| e.to_string())?;
    let approximate = streaming.summary().map_err(|e| e.to_string())?;

    let quantile_errors = [
        ("p50_relative_error", exact.p50, approximate.p50),
        ("p99_relative_error", exact.p99, approximate.p99),
        ("p999_relative_error", exact.p999, approximate.p999),
    ];
    let mut metrics: Vec<Metric> = quantile_errors
        .into_iter()
        .map(|(name, exact, approximate)| {
            let error = (approximate - exact).abs() / exact;
            Metric::new(&benchmark, name, error, "ratio", Direction::LowerIsBetter)
        })
        .collect();
    metrics.push(Metric::new(
        &benchmark,
        "memory_footprint",
        streaming.memory_footprint() as f64,
        "bytes",
        Direction::LowerIsBetter,
    ));

    // The macro captures this package's name at compile time: the suite
    // the records are filed under (unless the gate overrides it).
    recorder!().record_all(&metrics).map_err(|e| e.to_string())
}

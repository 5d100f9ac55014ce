//! Criterion benchmarks of one step and of whole sequences of the cortical stack (loops and candle), beside a plain matrix multiply of the same shapes, plus latency percentiles, per-block times, spike rates and the step / matmul ratio as benchgate custom metrics.
//!
//! The stack is the seed's: 6 blocks of 256 LIF neurons (subtract reset,
//! no synapse) unless the id says otherwise. The batch size is the
//! criterion parameter, so a report can chart time and speedup against it.
//!
//! Benchmarks (20):
//!
//! * `step/B` — one timestep of the default implementation
//!   ([`spiking::CorticalStack`], the loops, rayon over the batch), batch
//!   B ∈ [`BATCH_SIZES`];
//! * `step_candle/B` — the same step on candle tensors;
//! * `step_parallel/B` — the loops with every projection split over
//!   rayon's threads, B ∈ {8, 32} (the default keeps a step on one
//!   thread; see `spiking::loops::PARALLEL_MIN_ROWS`);
//! * `matmul/B` — the six plain `[B, 256] · [256, 256]` products of one
//!   step through the same sgemm, on as many threads as the stack uses
//!   for them: the projection work without bias, neurons or state;
//! * `steps/T`, `steps_candle/T` — a whole sequence of T ∈
//!   [`TIMESTEPS`] steps at batch [`SEQUENCE_BATCH`] (`run`: block by
//!   block, one product of `[T·8, 256]` per block), and `matmul_steps/T`,
//!   its six plain products; `steps_serial/64`, the sequence on one
//!   thread (the default splits its 512-row products over rayon);
//! * `blocks/3` — the seed's remedy, 3 blocks instead of 6, batch 8;
//! * `step_synaptic/8` — the neurons with a synaptic current (norse's
//!   LIF), batch 8.
//!
//! Criterion iterates a step on one hidden state, so it times the
//! steady state. The custom metrics, recorded after criterion finishes and
//! only when it measured, are described at [`record_metrics`].

use std::hint::black_box;
use std::time::{Duration, Instant};

use benchgate_metrics::{
    Direction, InnerRounds, Metric, Selection, median, nearest_rank, recorder,
};
use candle_core::Tensor;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group};
use ndarray::{Array2, Array3};
use spiking::loops::PARALLEL_MIN_ROWS;
use spiking::project::{matmul, matmul_parallel};
use spiking::{
    CandleStack, CorticalStack, LifParams, LoopOptions, LoopStack, SpikingError, StackConfig,
    Threading, array_to_tensor, array3_to_tensor, random_input, random_sequence,
};

/// Batch sizes of the step benchmarks: a single request, a small serving
/// batch and a large one (the 1, 8, 32).
const BATCH_SIZES: [usize; 3] = [1, 8, 32];

/// Batch sizes of the forced-parallel comparison (the default runs a step
/// on one thread, see [`PARALLEL_MIN_ROWS`]).
const PARALLEL_BATCH_SIZES: [usize; 2] = [8, 32];

/// Always split the projections over rayon's threads.
const ALWAYS_PARALLEL: LoopOptions = LoopOptions {
    threading: Threading::Rayon { min_rows: 1 },
};

/// Sequence lengths of the sequence benchmarks (T = 1 is `step/8`).
const TIMESTEPS: [usize; 2] = [16, 64];

/// Batch of the sequence, block-count and synapse benchmarks: the small
/// serving batch.
const SEQUENCE_BATCH: usize = 8;

/// Blocks of the seed's remedy (`T4DM_SPIKING_NUM_BLOCKS=3`).
const FEW_BLOCKS: usize = 3;

/// Seed of the inputs: any fixed value.
const INPUT_SEED: u64 = 0x1A7E_5EED;

/// Calls per round of the seed's latency protocol (a fresh hidden state
/// per call, time only the call). The seed uses 100 calls, whose "p99" is
/// the maximum; five rounds of 200 make a real p99 of 1 000 calls and
/// five per-round p99 samples for the gate's significance test.
const LATENCY_CALLS_PER_ROUND: usize = 200;

/// Rounds of the latency and ratio measurements; each round gives one
/// sample of the metric. Two under paired rounds, whose processes are
/// the samples the verdict stands on.
const ROUNDS: InnerRounds = InnerRounds::new(5, 2);

/// Wall time per round of the step / matmul ratio: long enough for tens
/// of interleaved pairs even at T = 64.
const RATIO_ROUND_TIME: Duration = Duration::from_millis(300);

/// Fewest interleaved (step, matmul) pairs per ratio round.
const RATIO_MIN_PAIRS: usize = 10;

/// Profiled steps whose median gives each per-block time.
const PROFILE_CALLS: usize = 200;

/// Steps from rest over which spike rates are counted: enough for the
/// membranes to leave their initial transient (about 10 steps at β 0.9).
const SPIKE_RATE_STEPS: usize = 64;

/// Warm-up calls before any custom measurement (the seed warms up 5).
const WARM_UP_CALLS: usize = 5;

/// Benchmark ids criterion ran (the command line's filter selects them);
/// metrics are recorded only for these.
static SELECTED: Selection = Selection::new();

fn seed_config() -> StackConfig {
    StackConfig::default()
}

/// Shapes of one step's (or one sequence's) projections: `rows` rows times
/// each block's `[hidden, hidden]` weight.
struct MatmulInputs {
    lhs: Array2<f32>,
    weights_t: Vec<Array2<f32>>,
    out: Array2<f32>,
}

impl MatmulInputs {
    fn new(stack: &LoopStack, rows: usize) -> Self {
        let h = stack.config().hidden_size;
        Self {
            lhs: random_input(rows, h, INPUT_SEED),
            // The same transposed view the projection multiplies by, made
            // contiguous: sgemm packs either layout.
            weights_t: stack
                .weights()
                .blocks
                .iter()
                .map(|b| b.weight.t().to_owned())
                .collect(),
            out: Array2::zeros((rows, h)),
        }
    }

    fn run(&mut self) {
        for w in &self.weights_t {
            // The stack's own choice of threads for this many rows.
            if self.lhs.nrows() >= PARALLEL_MIN_ROWS {
                matmul_parallel(self.lhs.view(), w.view(), self.out.view_mut());
            } else {
                matmul(self.lhs.view(), w.view(), self.out.view_mut());
            }
        }
        black_box(&self.out);
    }
}

/// The same products on candle (the `gemm` crate).
struct CandleMatmul {
    lhs: Tensor,
    weights_t: Vec<Tensor>,
}

impl CandleMatmul {
    fn new(inputs: &MatmulInputs, candle: &CandleStack) -> Result<Self, SpikingError> {
        Ok(Self {
            lhs: array_to_tensor(inputs.lhs.view(), candle.device())?,
            weights_t: inputs
                .weights_t
                .iter()
                .map(|w| array_to_tensor(w.view(), candle.device()))
                .collect::<Result<_, _>>()?,
        })
    }

    fn run(&self) -> Result<(), SpikingError> {
        for w in &self.weights_t {
            black_box(self.lhs.matmul(w)?);
        }
        Ok(())
    }
}

fn report(error: SpikingError) {
    eprintln!("error: setting up a spiking benchmark: {error}");
}

fn step_benches(c: &mut Criterion) {
    let config = seed_config();
    let (Ok(default), Ok(parallel), Ok(candle)) = (
        CorticalStack::new(config.clone(), LoopOptions::default()),
        LoopStack::new(config.clone(), ALWAYS_PARALLEL),
        CandleStack::new(config.clone()),
    ) else {
        eprintln!("error: building the benchmark stacks");
        return;
    };
    let h = config.hidden_size;

    let mut group = c.benchmark_group("step");
    for batch in BATCH_SIZES {
        group.throughput(Throughput::Elements(batch as u64));
        let x = random_input(batch, h, INPUT_SEED);
        group.bench_with_input(BenchmarkId::from_parameter(batch), &x, |b, x| {
            SELECTED.mark(&format!("step/{batch}"));
            let mut hidden = default.init_hidden_state(batch);
            b.iter(|| {
                if let Err(e) = default.step(black_box(x.view()), &mut hidden) {
                    report(e);
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("step_candle");
    for batch in BATCH_SIZES {
        group.throughput(Throughput::Elements(batch as u64));
        let Ok(x) = array_to_tensor(random_input(batch, h, INPUT_SEED).view(), candle.device())
        else {
            return;
        };
        group.bench_with_input(BenchmarkId::from_parameter(batch), &x, |b, x| {
            SELECTED.mark(&format!("step_candle/{batch}"));
            let Ok(mut hidden) = candle.init_hidden_state(batch) else {
                return;
            };
            b.iter(|| match candle.step(black_box(x), &mut hidden) {
                Ok(spikes) => drop(black_box(spikes)),
                Err(e) => report(e),
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("step_parallel");
    for batch in PARALLEL_BATCH_SIZES {
        group.throughput(Throughput::Elements(batch as u64));
        let x = random_input(batch, h, INPUT_SEED);
        group.bench_with_input(BenchmarkId::from_parameter(batch), &x, |b, x| {
            SELECTED.mark(&format!("step_parallel/{batch}"));
            let mut hidden = parallel.init_hidden_state(batch);
            b.iter(|| {
                if let Err(e) = parallel.step(black_box(x.view()), &mut hidden) {
                    report(e);
                }
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("matmul");
    for batch in BATCH_SIZES {
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_function(BenchmarkId::from_parameter(batch), |b| {
            SELECTED.mark(&format!("matmul/{batch}"));
            let mut inputs = MatmulInputs::new(&default, batch);
            b.iter(|| inputs.run());
        });
    }
    group.finish();
}

fn sequence_benches(c: &mut Criterion) {
    let config = seed_config();
    let (Ok(default), Ok(candle)) = (
        CorticalStack::new(config.clone(), LoopOptions::default()),
        CandleStack::new(config.clone()),
    ) else {
        eprintln!("error: building the benchmark stacks");
        return;
    };
    let h = config.hidden_size;
    let sequences: Vec<(usize, Array3<f32>)> = TIMESTEPS
        .iter()
        .map(|&t| (t, random_sequence(t, SEQUENCE_BATCH, h, INPUT_SEED)))
        .collect();

    let mut group = c.benchmark_group("steps");
    for (t, xs) in &sequences {
        group.throughput(Throughput::Elements((t * SEQUENCE_BATCH) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(t), xs, |b, xs| {
            SELECTED.mark(&format!("steps/{t}"));
            let mut hidden = default.init_hidden_state(SEQUENCE_BATCH);
            b.iter(|| match default.run(black_box(xs.view()), &mut hidden) {
                Ok(spikes) => drop(black_box(spikes)),
                Err(e) => report(e),
            });
        });
    }
    group.finish();

    let serial = match LoopStack::new(config.clone(), LoopOptions::SERIAL) {
        Ok(serial) => serial,
        Err(e) => return report(e),
    };
    let mut group = c.benchmark_group("steps_serial");
    if let Some((t, xs)) = sequences.last() {
        group.throughput(Throughput::Elements((t * SEQUENCE_BATCH) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(t), xs, |b, xs| {
            SELECTED.mark(&format!("steps_serial/{t}"));
            let mut hidden = serial.init_hidden_state(SEQUENCE_BATCH);
            b.iter(|| match serial.run(black_box(xs.view()), &mut hidden) {
                Ok(spikes) => drop(black_box(spikes)),
                Err(e) => report(e),
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("steps_candle");
    for (t, xs) in &sequences {
        group.throughput(Throughput::Elements((t * SEQUENCE_BATCH) as u64));
        let Ok(xs) = array3_to_tensor(xs.view(), candle.device()) else {
            return;
        };
        group.bench_with_input(BenchmarkId::from_parameter(t), &xs, |b, xs| {
            SELECTED.mark(&format!("steps_candle/{t}"));
            let Ok(mut hidden) = candle.init_hidden_state(SEQUENCE_BATCH) else {
                return;
            };
            b.iter(|| match candle.run(black_box(xs), &mut hidden) {
                Ok(spikes) => drop(black_box(spikes)),
                Err(e) => report(e),
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("matmul_steps");
    for t in TIMESTEPS {
        group.throughput(Throughput::Elements((t * SEQUENCE_BATCH) as u64));
        group.bench_function(BenchmarkId::from_parameter(t), |b| {
            SELECTED.mark(&format!("matmul_steps/{t}"));
            let mut inputs = MatmulInputs::new(&default, t * SEQUENCE_BATCH);
            b.iter(|| inputs.run());
        });
    }
    group.finish();
}

fn variant_benches(c: &mut Criterion) {
    let base = seed_config();
    let variants = [
        (
            "blocks",
            FEW_BLOCKS,
            StackConfig {
                num_blocks: FEW_BLOCKS,
                ..base.clone()
            },
        ),
        (
            "step_synaptic",
            SEQUENCE_BATCH,
            StackConfig {
                lif: LifParams {
                    synapse_alpha: Some(spiking::config::DEFAULT_ALPHA),
                    ..base.lif
                },
                ..base.clone()
            },
        ),
    ];
    for (name, parameter, config) in variants {
        let Ok(stack) = CorticalStack::new(config.clone(), LoopOptions::default()) else {
            eprintln!("error: building the {name} stack");
            return;
        };
        let x = random_input(SEQUENCE_BATCH, config.hidden_size, INPUT_SEED);
        let mut group = c.benchmark_group(name);
        group.throughput(Throughput::Elements(SEQUENCE_BATCH as u64));
        group.bench_with_input(BenchmarkId::from_parameter(parameter), &x, |b, x| {
            SELECTED.mark(&format!("{name}/{parameter}"));
            let mut hidden = stack.init_hidden_state(SEQUENCE_BATCH);
            b.iter(|| {
                if let Err(e) = stack.step(black_box(x.view()), &mut hidden) {
                    report(e);
                }
            });
        });
        group.finish();
    }
}

criterion_group!(benches, step_benches, sequence_benches, variant_benches);

benchgate_metrics::bench_main!(benches; record = record_metrics);

/// Records, for the benchmarks that ran:
///
/// * `step/B`, `step_candle/B`, `blocks/3`: `latency_p50_us`,
///   `latency_p99_us`, `latency_mean_us` — the seed's protocol (warm-up,
///   then each call on a fresh hidden state, only the call timed),
///   [`ROUNDS`] × [`LATENCY_CALLS_PER_ROUND`] calls; the value is over all
///   calls, the samples are per round;
/// * `step/B`, `step_candle/B`, `steps/T`, `steps_candle/T`:
///   `step_over_matmul` — median step time over median time of the same
///   shapes' plain products, timed alternately so both see the same
///   conditions, per round (samples) and the median of the rounds (value):
///   the goal is ≤ 2; the reference is the faster of
///   `matrixmultiply`'s sgemm (`matmul/B`) and candle's
///   `gemm`; `matmul_gflops` — that reference's throughput;
///   `sgemm_gflops`, `candle_gemm_gflops` — each kernel's, for the record;
///   `stack_gflops` — the projections' flops over the step's time;
/// * `step/B`: `block{k}_us` — median wall time of block k over
///   [`PROFILE_CALLS`] profiled steps (the seed's per-layer latency);
///   `spike_rate_block{k}` — fraction of block k's neurons firing per step
///   over [`SPIKE_RATE_STEPS`] steps from rest (deterministic: portable).
fn record_metrics() -> Result<(), String> {
    let config = seed_config();
    let text = |e: SpikingError| e.to_string();
    let default = CorticalStack::new(config.clone(), LoopOptions::default()).map_err(text)?;
    let candle = CandleStack::new(config.clone()).map_err(text)?;
    let h = config.hidden_size;
    let mut metrics = Vec::new();

    for batch in BATCH_SIZES {
        let x = random_input(batch, h, INPUT_SEED);
        let id = format!("step/{batch}");
        if SELECTED.contains(&id) {
            let mut step = || -> Result<Duration, SpikingError> {
                let mut hidden = default.init_hidden_state(batch);
                let start = Instant::now();
                black_box(default.step(black_box(x.view()), &mut hidden)?);
                Ok(start.elapsed())
            };
            latency_metrics(&id, &mut step, &mut metrics)?;
            let mut hidden = default.init_hidden_state(batch);
            let mut warm = || default.step(x.view(), &mut hidden).map(|_| ());
            ratio_metrics(&id, &default, &candle, batch, &mut warm, &mut metrics)?;
            block_metrics(&id, &default, &x, &mut metrics)?;
            spike_rate_metrics(&id, &default, batch, &mut metrics).map_err(text)?;
        }
        let id = format!("step_candle/{batch}");
        if SELECTED.contains(&id) {
            let x = array_to_tensor(x.view(), candle.device()).map_err(text)?;
            let mut step = || -> Result<Duration, SpikingError> {
                let mut hidden = candle.init_hidden_state(batch)?;
                let start = Instant::now();
                black_box(candle.step(black_box(&x), &mut hidden)?);
                Ok(start.elapsed())
            };
            latency_metrics(&id, &mut step, &mut metrics)?;
            let mut hidden = candle.init_hidden_state(batch).map_err(text)?;
            let mut warm = || candle.step(&x, &mut hidden).map(drop);
            ratio_metrics(&id, &default, &candle, batch, &mut warm, &mut metrics)?;
        }
    }

    for t in TIMESTEPS {
        let xs = random_sequence(t, SEQUENCE_BATCH, h, INPUT_SEED);
        let rows = t * SEQUENCE_BATCH;
        let id = format!("steps/{t}");
        if SELECTED.contains(&id) {
            let mut hidden = default.init_hidden_state(SEQUENCE_BATCH);
            let mut run = || default.run(xs.view(), &mut hidden).map(drop);
            ratio_metrics(&id, &default, &candle, rows, &mut run, &mut metrics)?;
        }
        let id = format!("steps_candle/{t}");
        if SELECTED.contains(&id) {
            let xs = array3_to_tensor(xs.view(), candle.device()).map_err(text)?;
            let mut hidden = candle.init_hidden_state(SEQUENCE_BATCH).map_err(text)?;
            let mut run = || candle.run(&xs, &mut hidden).map(drop);
            ratio_metrics(&id, &default, &candle, rows, &mut run, &mut metrics)?;
        }
    }

    let id = format!("blocks/{FEW_BLOCKS}");
    if SELECTED.contains(&id) {
        let few = CorticalStack::new(
            StackConfig {
                num_blocks: FEW_BLOCKS,
                ..config.clone()
            },
            LoopOptions::default(),
        )
        .map_err(text)?;
        let x = random_input(SEQUENCE_BATCH, h, INPUT_SEED);
        let mut step = || -> Result<Duration, SpikingError> {
            let mut hidden = few.init_hidden_state(SEQUENCE_BATCH);
            let start = Instant::now();
            black_box(few.step(black_box(x.view()), &mut hidden)?);
            Ok(start.elapsed())
        };
        latency_metrics(&id, &mut step, &mut metrics)?;
    }

    recorder!().record_all(&metrics).map_err(|e| e.to_string())
}

/// The seed's latency protocol on `call` (which times one call itself).
/// The percentiles are nearest-rank ones ([`nearest_rank`]): always an
/// observed latency.
fn latency_metrics(
    id: &str,
    call: &mut dyn FnMut() -> Result<Duration, SpikingError>,
    metrics: &mut Vec<Metric>,
) -> Result<(), String> {
    let text = |e: SpikingError| e.to_string();
    let nothing = || format!("{id}: no call was timed");
    for _ in 0..WARM_UP_CALLS {
        call().map_err(text)?;
    }
    let rounds = ROUNDS.get();
    let mut all = Vec::with_capacity(rounds * LATENCY_CALLS_PER_ROUND);
    let mut round_p99 = Vec::with_capacity(rounds);
    let mut round_p50 = Vec::with_capacity(rounds);
    let mut round_mean = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let mut round: Vec<f64> = (0..LATENCY_CALLS_PER_ROUND)
            .map(|_| call().map(|d| d.as_secs_f64() * 1e6))
            .collect::<Result<_, _>>()
            .map_err(text)?;
        round.sort_by(f64::total_cmp);
        round_p99.push(nearest_rank(&round, 0.99).ok_or_else(nothing)?);
        round_p50.push(nearest_rank(&round, 0.5).ok_or_else(nothing)?);
        round_mean.push(round.iter().sum::<f64>() / round.len() as f64);
        all.extend(round);
    }
    all.sort_by(f64::total_cmp);
    let mean = all.iter().sum::<f64>() / all.len().max(1) as f64;
    for (name, value, samples) in [
        (
            "latency_p50_us",
            nearest_rank(&all, 0.5).ok_or_else(nothing)?,
            round_p50,
        ),
        (
            "latency_p99_us",
            nearest_rank(&all, 0.99).ok_or_else(nothing)?,
            round_p99,
        ),
        ("latency_mean_us", mean, round_mean),
    ] {
        metrics.push(
            Metric::new(id, name, value, "us", Direction::LowerIsBetter).with_samples(samples),
        );
    }
    Ok(())
}

/// `step_over_matmul` and the throughput metrics of `work` (one step or
/// one sequence) against the plain products of `rows` rows.
fn ratio_metrics(
    id: &str,
    stack: &LoopStack,
    candle: &CandleStack,
    rows: usize,
    work: &mut dyn FnMut() -> Result<(), SpikingError>,
    metrics: &mut Vec<Metric>,
) -> Result<(), String> {
    let text = |e: SpikingError| e.to_string();
    let nothing = || format!("{id}: no (step, matmul) pair was timed");
    let mut sgemm = MatmulInputs::new(stack, rows);
    let candle_gemm = CandleMatmul::new(&sgemm, candle).map_err(text)?;
    for _ in 0..WARM_UP_CALLS {
        work().map_err(text)?;
        sgemm.run();
        candle_gemm.run().map_err(text)?;
    }
    let time = |f: &mut dyn FnMut() -> Result<(), SpikingError>| -> Result<f64, SpikingError> {
        let start = Instant::now();
        f()?;
        Ok(start.elapsed().as_secs_f64())
    };
    let flops = 2.0 * (stack.config().num_blocks * rows * stack.config().hidden_size.pow(2)) as f64;
    let round_count = ROUNDS.get();
    let mut ratios = Vec::with_capacity(round_count);
    // Per-round medians of the step, sgemm and candle times: the samples
    // of the throughput metrics.
    let mut rounds: [Vec<f64>; 3] = Default::default();
    let mut all: [Vec<f64>; 3] = Default::default();
    for _ in 0..round_count {
        let (mut w, mut s, mut g) = (Vec::new(), Vec::new(), Vec::new());
        let start = Instant::now();
        while w.len() < RATIO_MIN_PAIRS || start.elapsed() < RATIO_ROUND_TIME {
            w.push(time(&mut *work).map_err(text)?);
            s.push(
                time(&mut || {
                    sgemm.run();
                    Ok(())
                })
                .map_err(text)?,
            );
            g.push(time(&mut || candle_gemm.run()).map_err(text)?);
        }
        let [Some(w_median), Some(s_median), Some(g_median)] = [&w, &s, &g].map(|t| median(t))
        else {
            return Err(nothing());
        };
        let medians = [w_median, s_median, g_median];
        ratios.push(medians[0] / medians[1].min(medians[2]));
        for (round, m) in rounds.iter_mut().zip(medians) {
            round.push(m);
        }
        for (pooled, times) in all.iter_mut().zip([w, s, g]) {
            pooled.extend(times);
        }
    }
    let [Some(work_time), Some(sgemm_time), Some(candle_time)] =
        all.each_ref().map(|times| median(times))
    else {
        return Err(nothing());
    };
    let gflops = |seconds: f64| flops / seconds / 1e9;
    let round_gflops = |i: usize| rounds[i].iter().map(|&t| gflops(t)).collect::<Vec<_>>();
    let reference_rounds: Vec<f64> = rounds[1]
        .iter()
        .zip(&rounds[2])
        .map(|(&s, &g)| gflops(s.min(g)))
        .collect();
    metrics.push(
        Metric::new(
            id,
            "step_over_matmul",
            median(&ratios).ok_or_else(nothing)?,
            "ratio",
            Direction::LowerIsBetter,
        )
        .with_samples(ratios),
    );
    for (name, seconds, samples) in [
        (
            "matmul_gflops",
            sgemm_time.min(candle_time),
            reference_rounds,
        ),
        ("sgemm_gflops", sgemm_time, round_gflops(1)),
        ("candle_gemm_gflops", candle_time, round_gflops(2)),
        ("stack_gflops", work_time, round_gflops(0)),
    ] {
        metrics.push(
            Metric::new(
                id,
                name,
                gflops(seconds),
                "GFLOP/s",
                Direction::HigherIsBetter,
            )
            .with_samples(samples),
        );
    }
    Ok(())
}

/// Median wall time of each block over [`PROFILE_CALLS`] profiled steps,
/// with per-slice medians as samples.
fn block_metrics(
    id: &str,
    stack: &LoopStack,
    x: &Array2<f32>,
    metrics: &mut Vec<Metric>,
) -> Result<(), String> {
    let nothing = || format!("{id}: no profiled step was timed");
    let blocks = stack.config().num_blocks;
    let mut hidden = stack.init_hidden_state(x.nrows());
    let mut times: Vec<Vec<f64>> = vec![Vec::with_capacity(PROFILE_CALLS); blocks];
    let mut scratch = Vec::with_capacity(blocks);
    for call in 0..WARM_UP_CALLS + PROFILE_CALLS {
        scratch.clear();
        stack
            .step_profiled(x.view(), &mut hidden, &mut scratch)
            .map_err(|e| e.to_string())?;
        if call >= WARM_UP_CALLS {
            for (block, time) in times.iter_mut().zip(&scratch) {
                block.push(time.as_secs_f64() * 1e6);
            }
        }
    }
    for (k, block) in times.into_iter().enumerate() {
        // One sample per consecutive slice of calls, so the gate can test
        // the change rather than compare two single numbers.
        let samples: Vec<f64> = block
            .chunks(PROFILE_CALLS.div_ceil(ROUNDS.get()))
            .map(median)
            .collect::<Option<_>>()
            .ok_or_else(nothing)?;
        metrics.push(
            Metric::new(
                id,
                format!("block{k}_us"),
                median(&block).ok_or_else(nothing)?,
                "us",
                Direction::LowerIsBetter,
            )
            .with_samples(samples),
        );
    }
    Ok(())
}

/// Per-block firing rates over [`SPIKE_RATE_STEPS`] steps from rest.
fn spike_rate_metrics(
    id: &str,
    stack: &LoopStack,
    batch: usize,
    metrics: &mut Vec<Metric>,
) -> Result<(), SpikingError> {
    let config = stack.config();
    let xs = random_sequence(SPIKE_RATE_STEPS, batch, config.hidden_size, INPUT_SEED);
    let mut hidden = stack.init_hidden_state(batch);
    let mut counts = vec![0.0_f64; config.num_blocks];
    for x in xs.outer_iter() {
        stack.step(x, &mut hidden)?;
        for (count, block) in counts.iter_mut().zip(hidden.blocks()) {
            *count += f64::from(block.spikes().sum());
        }
    }
    let neurons_steps = (SPIKE_RATE_STEPS * batch * config.hidden_size) as f64;
    for (k, count) in counts.iter().enumerate() {
        // Higher is better: the failure that matters is a block going
        // silent (the stack then computes nothing), and that must fail.
        metrics.push(
            Metric::new(
                id,
                format!("spike_rate_block{k}"),
                count / neurons_steps,
                "ratio",
                Direction::HigherIsBetter,
            )
            .portable(),
        );
    }
    Ok(())
}

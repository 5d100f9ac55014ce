//! Adaptive batch sizing accuracy (issue 20): suggestions from a calibration sweep checked against every batch size measured live, over a grid of latency budgets × memory limits.
//!
//! 1. Calibrate as `suggest_batch_size` does (sizes 1, 2, 4, 8, 16).
//! 2. Measure every batch size from 1 to `--max-batch` live (the truth).
//! 3. For each constraint set of the grid (six per-batch latency budgets
//!    × four memory limits, plus six per-request time-to-first-token
//!    budgets: 30 sets), suggest a batch from the calibration, find the
//!    best throughput among the sizes whose live latency (median) and
//!    memory meet the constraints, re-measure the suggested size live and
//!    compare: its throughput over the best, and whether it met the
//!    constraints.
//! 4. Print every case, the distribution of the throughput ratios, and
//!    PASS when at least 90 % of the cases reach 90 % of the best
//!    throughput and at least 95 % meet the constraints (exit 0; else 1).
//!
//! ```text
//! cargo run --release -p inference --example batch_accuracy                 # small model, 1..=16
//! cargo run --release -p inference --example batch_accuracy -- --model tiny --max-batch 8 --reps 3
//! ```
//!
//! Budgets and limits are placed from the calibration (never from the live
//! truth), spread geometrically between batch 1's and the largest batch's
//! latency, so they fall between measured sizes as often as on them.

use std::process::ExitCode;

use benchgate_metrics::batch::{
    Constraints, Curve, Hardware, LatencyScope, Point, Prediction, format_bytes, format_seconds,
    suggest,
};
use benchgate_metrics::nearest_rank;
use inference::{
    BatchInferenceEngine, BatchSizing, InferenceError, ModelConfig, PromptSource, SweepSpec,
    WeightFormat,
};

/// The issue's bar: a suggestion within 90 % of the best feasible throughput.
const THROUGHPUT_BAR: f64 = 0.90;
/// Share of cases that must reach [`THROUGHPUT_BAR`] ("accuracy > 90 %").
const ACCURACY_BAR: f64 = 0.90;
/// Share of cases whose suggestion must meet the constraints when re-measured.
const SATISFACTION_BAR: f64 = 0.95;
/// Latency budgets per scope.
const BUDGETS: usize = 6;

struct Options {
    tiny: bool,
    max_batch: u32,
    repetitions: usize,
    prompt_tokens: usize,
    new_tokens: usize,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        tiny: false,
        max_batch: 16,
        repetitions: 5,
        prompt_tokens: SweepSpec::default().prompt_tokens,
        new_tokens: SweepSpec::default().new_tokens,
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = |name: &str| -> Result<usize, String> {
            args.next()
                .and_then(|v| v.parse().ok())
                .filter(|v: &usize| *v > 0)
                .ok_or_else(|| format!("{name} needs a positive whole number"))
        };
        match flag.as_str() {
            "--model" => match args.next().as_deref() {
                Some("tiny") => options.tiny = true,
                Some("small") => options.tiny = false,
                _ => return Err("--model is `small` or `tiny`".to_owned()),
            },
            "--max-batch" => options.max_batch = value("--max-batch")? as u32,
            "--reps" => options.repetitions = value("--reps")?,
            "--prompt-tokens" => options.prompt_tokens = value("--prompt-tokens")?,
            "--new-tokens" => options.new_tokens = value("--new-tokens")?,
            other => {
                return Err(format!(
                    "unknown argument {other}; use --model small|tiny, --max-batch N, --reps N, --prompt-tokens N, --new-tokens N"
                ));
            }
        }
    }
    if options.max_batch < 2 {
        return Err("--max-batch must be at least 2".to_owned());
    }
    Ok(options)
}

fn main() -> ExitCode {
    let options = match parse() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// One constraint set's outcome.
struct Case {
    constraints: Constraints,
    suggested: Option<u32>,
    best: Option<u32>,
    ratio: f64,
    met: bool,
}

fn run(options: &Options) -> Result<bool, InferenceError> {
    let source = PromptSource::committed()?;
    let config = if options.tiny {
        ModelConfig::tiny(source.vocab_size())
    } else {
        ModelConfig::small(source.vocab_size())
    };
    let engine = BatchInferenceEngine::new(&config, WeightFormat::F32, source.pad_id())?;
    let spec = SweepSpec {
        batch_sizes: SweepSpec::default()
            .batch_sizes
            .into_iter()
            .filter(|&b| b <= options.max_batch)
            .collect(),
        prompt_tokens: options.prompt_tokens,
        new_tokens: options.new_tokens,
        repetitions: options.repetitions,
    };
    let sizing = BatchSizing::new(&engine, &source, spec, options.max_batch)?;
    let hardware = Hardware::detect();
    println!(
        "model {} ({} layers, hidden {}), f32; {} prompt + {} new tokens; {} repetitions per measurement; {} cores",
        if options.tiny { "tiny" } else { "small" },
        config.num_layers,
        config.hidden_size,
        options.prompt_tokens,
        options.new_tokens,
        options.repetitions,
        hardware.cores
    );

    let calibration = sizing.calibrate()?;
    print_curve("calibration", calibration.points());
    let live: Vec<Point> = (1..=options.max_batch)
        .map(|b| sizing.measure(b, options.repetitions))
        .collect::<Result<_, _>>()?;
    print_curve("live, every size", &live);

    let mut cases = Vec::new();
    for constraints in grid(&calibration, &sizing, options.max_batch) {
        cases.push(check(
            &constraints,
            &calibration,
            &live,
            &sizing,
            options,
            &hardware,
        )?);
    }
    Ok(summarise(&cases))
}

fn print_curve(name: &str, points: &[Point]) {
    println!("\n{name}:\n batch  latency (median / p75)   TTFT (median)   tokens/s   memory");
    for p in points {
        println!(
            " {:>5}  {:>10} / {:>10}   {:>13}   {:>8.1}   {}",
            p.batch,
            format_seconds(p.latency.typical_s),
            format_seconds(p.latency.high_s),
            format_seconds(p.request_latency.map_or(0.0, |l| l.typical_s)),
            p.items / p.latency.typical_s,
            format_bytes(p.memory_bytes.unwrap_or(0.0))
        );
    }
}

/// Six per-batch budgets × four memory limits (three between sizes and
/// none), plus six per-request budgets; all placed from the calibration.
fn grid(calibration: &Curve, sizing: &BatchSizing<'_>, max_batch: u32) -> Vec<Constraints> {
    let spread = |low: f64, high: f64| -> Vec<f64> {
        (0..BUDGETS)
            .map(|i| low * (high / low).powf(i as f64 / (BUDGETS - 1) as f64))
            .collect()
    };
    let first = calibration.predict(1);
    let last = calibration.predict(max_batch);
    let request = |p: &Prediction| p.request_latency.map_or(0.0, |l| l.typical_s);
    let batch_budgets = spread(first.latency.high_s * 1.15, last.latency.high_s * 1.05);
    let request_budgets = spread(request(&first) * 1.15, request(&last) * 1.05);
    let memory_limits: Vec<Option<f64>> = [0.25, 0.5, 0.75]
        .iter()
        .map(|share| {
            let between = (f64::from(max_batch) * share).floor() + 0.5;
            Some(
                (sizing.memory_bytes(between.floor() as u32)
                    + sizing.memory_bytes(between.ceil() as u32))
                    / 2.0,
            )
        })
        .chain([None])
        .collect();
    let mut grid = Vec::new();
    for &budget in &batch_budgets {
        for &limit in &memory_limits {
            let mut constraints = Constraints::latency_budget(budget).with_max_batch(max_batch);
            constraints.memory_limit_bytes = limit;
            grid.push(constraints);
        }
    }
    for &budget in &request_budgets {
        grid.push(
            Constraints::latency_budget(budget)
                .with_scope(LatencyScope::Request)
                .with_max_batch(max_batch),
        );
    }
    grid
}

/// Whether `point` (a live measurement) meets `constraints`: its median
/// latency in the budget's scope, and its memory.
fn meets(point: &Point, constraints: &Constraints) -> bool {
    let latency = match constraints.latency_scope {
        LatencyScope::Batch => Some(point.latency),
        LatencyScope::Request => point.request_latency,
    };
    let in_budget = match (constraints.latency_budget_s, latency) {
        (Some(budget), Some(latency)) => latency.typical_s <= budget,
        (Some(_), None) => false,
        (None, _) => true,
    };
    let in_memory = match (constraints.memory_limit_bytes, point.memory_bytes) {
        (Some(limit), Some(memory)) => memory <= limit,
        _ => true,
    };
    in_budget && in_memory
}

fn throughput(point: &Point) -> f64 {
    point.items / point.latency.typical_s
}

fn check(
    constraints: &Constraints,
    calibration: &Curve,
    live: &[Point],
    sizing: &BatchSizing<'_>,
    options: &Options,
    hardware: &Hardware,
) -> Result<Case, InferenceError> {
    let best = live
        .iter()
        .filter(|p| meets(p, constraints))
        .max_by(|a, b| throughput(a).total_cmp(&throughput(b)));
    let suggestion = suggest(calibration, constraints, hardware);
    let (suggested, ratio, met) = match (&suggestion, best) {
        (Err(_), None) => (None, 1.0, true),
        (Err(_), Some(_)) => (None, 0.0, false),
        (Ok(s), best) => {
            let again = sizing.measure(s.batch, options.repetitions)?;
            let ratio = best.map_or(1.0, |b| throughput(&again) / throughput(b));
            (Some(s.batch), ratio, meets(&again, constraints))
        }
    };
    let case = Case {
        constraints: *constraints,
        suggested,
        best: best.map(|p| p.batch),
        ratio,
        met,
    };
    print_case(
        &case,
        suggestion
            .as_ref()
            .map(|s| s.binding.to_string())
            .unwrap_or_else(|e| e.to_string()),
    );
    Ok(case)
}

fn print_case(case: &Case, why: String) {
    let c = &case.constraints;
    println!(
        "budget {:>9} per {:<7} memory {:>10}  suggested {:>4}  best {:>4}  throughput {:>5.1} %  {}  ({why})",
        c.latency_budget_s.map_or("none".to_owned(), format_seconds),
        c.latency_scope.name(),
        c.memory_limit_bytes.map_or("none".to_owned(), format_bytes),
        case.suggested.map_or("-".to_owned(), |b| b.to_string()),
        case.best.map_or("-".to_owned(), |b| b.to_string()),
        case.ratio * 100.0,
        if case.met { "met" } else { "MISSED" },
    );
}

/// Prints the distribution and the verdict; true when both bars are met.
fn summarise(cases: &[Case]) -> bool {
    let n = cases.len() as f64;
    let mut ratios: Vec<f64> = cases.iter().map(|c| c.ratio).collect();
    ratios.sort_by(f64::total_cmp);
    let quantile = |q: f64| nearest_rank(&ratios, q).unwrap_or(0.0) * 100.0;
    let accurate = cases.iter().filter(|c| c.ratio >= THROUGHPUT_BAR).count() as f64 / n;
    let satisfied = cases.iter().filter(|c| c.met).count() as f64 / n;
    println!(
        "\n{} constraint sets. Suggested throughput as % of the best feasible (live): min {:.1}, p10 {:.1}, p25 {:.1}, median {:.1}, mean {:.1}, max {:.1}",
        cases.len(),
        quantile(0.0),
        quantile(0.10),
        quantile(0.25),
        quantile(0.50),
        ratios.iter().sum::<f64>() / n * 100.0,
        quantile(1.0)
    );
    let histogram = [0.0, 0.5, 0.8, 0.9, 0.95, 1.0, f64::INFINITY];
    for bounds in histogram.windows(2) {
        let count = ratios
            .iter()
            .filter(|r| **r >= bounds[0] && **r < bounds[1])
            .count();
        println!(
            "  [{:>4.0} %, {:>4.0} %): {count}",
            bounds[0] * 100.0,
            (bounds[1] * 100.0).min(999.0)
        );
    }
    let pass = accurate >= ACCURACY_BAR && satisfied >= SATISFACTION_BAR;
    println!(
        "accuracy (cases at >= {:.0} % of the best): {:.1} % (bar {:.0} %); constraints met when re-measured: {:.1} % (bar {:.0} %): {}",
        THROUGHPUT_BAR * 100.0,
        accurate * 100.0,
        ACCURACY_BAR * 100.0,
        satisfied * 100.0,
        SATISFACTION_BAR * 100.0,
        if pass { "PASS" } else { "FAIL" }
    );
    pass
}

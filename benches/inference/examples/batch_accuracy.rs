//! Adaptive batch sizing accuracy of the inference engine (issue 20): suggestions from a calibration sweep checked against every batch size measured live, over a grid of latency budgets × memory limits (`benchgate_metrics::batch::accuracy` decides).
//!
//! 1. Calibrate as `suggest_batch_size` does (sizes 1, 2, 4, 8, 16) and
//!    measure every batch size from 1 to `--max-batch` live (the truth),
//!    both in the same interleaved rounds (`--rounds`, default
//!    `accuracy::INTERLEAVED_ROUNDS`; each size the median of its rounds),
//!    so that the machine's drift between them does not decide the result.
//! 2. For each constraint set of the grid (six per-batch latency budgets
//!    × four memory limits, plus six per-request time-to-first-token
//!    budgets: 30 sets), suggest a batch from the calibration, find the
//!    best throughput among the sizes whose live latency (median) and
//!    memory meet the constraints, and compare: the suggestion's live
//!    measurement against the constraints, and its throughput against the
//!    best's, both measured again (three blocks of suggested, best, best,
//!    suggested).
//! 3. Print every case, the distribution of the throughput ratios, a
//!    Markdown row (`ACCURACY_ROW<tab>| inference | … |`, the table of
//!    `ci/batch-accuracy.sh`), and PASS when at least 90 % of the cases
//!    reach 90 % of the best throughput and at least 95 % meet the
//!    constraints (exit 0; else 1).
//!
//! ```text
//! cargo run --release -p inference --example batch_accuracy                 # small model, 1..=16
//! cargo run --release -p inference --example batch_accuracy -- --model tiny --max-batch 8 --reps 3 --rounds 1
//! ```
//!
//! Budgets and limits are placed from the calibration (never from the live
//! truth), spread geometrically between batch 1's and the largest batch's
//! latency, so they fall between measured sizes as often as on them.

use std::process::ExitCode;

use benchgate_metrics::batch::accuracy::{self, Summary};
use benchgate_metrics::batch::{Curve, Hardware, Point, format_bytes, format_seconds};
use inference::{
    BatchInferenceEngine, BatchSizing, InferenceError, ModelConfig, PromptSource, SweepSpec,
    WeightFormat,
};

struct Options {
    tiny: bool,
    max_batch: u32,
    repetitions: usize,
    rounds: usize,
    prompt_tokens: usize,
    new_tokens: usize,
}

fn parse() -> Result<Options, String> {
    let mut options = Options {
        tiny: false,
        max_batch: 16,
        repetitions: 5,
        rounds: accuracy::INTERLEAVED_ROUNDS,
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
            "--rounds" => options.rounds = value("--rounds")?,
            "--prompt-tokens" => options.prompt_tokens = value("--prompt-tokens")?,
            "--new-tokens" => options.new_tokens = value("--new-tokens")?,
            other => {
                return Err(format!(
                    "unknown argument {other}; use --model small|tiny, --max-batch N, --reps N, --rounds N, --prompt-tokens N, --new-tokens N"
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
        "inference: model {} ({} layers, hidden {}), f32; {} prompt + {} new tokens; {} repetitions per measurement; {} interleaved rounds; {} cores",
        if options.tiny { "tiny" } else { "small" },
        config.num_layers,
        config.hidden_size,
        options.prompt_tokens,
        options.new_tokens,
        options.repetitions,
        options.rounds,
        hardware.cores
    );

    let calibration_sizes = sizing.spec().batch_sizes.clone();
    let measured = accuracy::measure_interleaved(
        options.rounds,
        &calibration_sizes,
        options.max_batch,
        |b| sizing.measure(b, options.repetitions),
    )?;
    let calibration = Curve::new(
        format!(
            "inference generation, calibration sweep (median of {} interleaved rounds)",
            options.rounds
        ),
        "tokens",
        measured.calibration,
    )?;
    print_curve("calibration", calibration.points());
    let live = measured.live;
    print_curve("live, every size", &live);

    println!();
    let mut cases = Vec::new();
    for constraints in accuracy::grid(&calibration, options.max_batch, |b| {
        Some(sizing.memory_bytes(b))
    }) {
        // As `suggest_batch_size` does: a first suggestion from the
        // calibration, then the sizes around it measured (second stage)
        // in rounds, and the suggestion made again from it.
        let case = accuracy::check_refined(
            &calibration,
            &constraints,
            &hardware,
            &live,
            |b| sizing.measure(b, options.repetitions),
            |stage| println!("  {stage}"),
        )?;
        println!("{case}");
        cases.push(case);
    }
    let summary = Summary::of(&cases);
    print!("{summary}");
    for line in Summary::MARKDOWN_HEADER.lines() {
        println!("ACCURACY_HEAD\t{line}");
    }
    println!(
        "ACCURACY_ROW\t{}",
        summary.markdown_row(&format!(
            "inference ({} model, batch 1–{})",
            if options.tiny { "tiny" } else { "small" },
            options.max_batch
        ))
    );
    Ok(summary.pass())
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
            accuracy::throughput(p),
            format_bytes(p.memory_bytes.unwrap_or(0.0))
        );
    }
}

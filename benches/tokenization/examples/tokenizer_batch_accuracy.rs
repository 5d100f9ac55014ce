//! Adaptive batch sizing accuracy of the tokenizer (issue 20): suggestions from `suggest_batch_size`'s calibration sweep checked against every batch size measured live, over a grid of latency budgets × memory limits (`benchgate_metrics::batch::accuracy` decides).
//!
//! 1. Calibrate as `BatchTokenizer::suggest_batch_size` does
//!    ([`BatchSweep::default`]: sizes 1, 8, 16, 32, 64 of the corpus's
//!    paragraphs, 15 repetitions), limited to `--max-batch`, and measure
//!    every batch size from 1 to `--max-batch` live (the truth), both in
//!    the same interleaved rounds (`--rounds`, default
//!    `accuracy::INTERLEAVED_ROUNDS`; each size the median of its rounds),
//!    so that the machine's drift between them does not decide the result.
//! 2. For each constraint set of the grid (six per-batch latency budgets
//!    × four memory limits: 24 sets; a batch answers all its texts at
//!    once, so there is no separate per-request latency), suggest a batch
//!    from the calibration, find the best throughput among the sizes whose
//!    live median latency and memory meet the constraints, and compare: the
//!    suggestion's live measurement against the constraints, and its
//!    throughput against the best's, both measured again (three blocks
//!    of suggested, best, best, suggested).
//! 3. Print every case, the distribution, a Markdown row
//!    (`ACCURACY_ROW<tab>| tokenization | … |`) and PASS when at least
//!    90 % of the cases reach 90 % of the best throughput and at least
//!    95 % meet the constraints (exit 0; else 1; 2 on error).
//!
//! ```text
//! cargo run --release -p tokenization --example tokenizer_batch_accuracy                       # 1..=64, 15 repetitions
//! cargo run --release -p tokenization --example tokenizer_batch_accuracy -- --max-batch 16 --reps 5 --rounds 1
//! ```

use std::process::ExitCode;

use benchgate_metrics::batch::accuracy::{self, Summary};
use benchgate_metrics::batch::{Curve, Hardware, Point, format_bytes, format_seconds};
use tokenization::{BatchSweep, BatchTokenizer, TokenizationError};

struct Options {
    max_batch: u32,
    repetitions: usize,
    rounds: usize,
}

fn parse() -> Result<Options, String> {
    let sweep = BatchSweep::default();
    let mut options = Options {
        max_batch: sweep.batch_sizes.iter().copied().max().unwrap_or(64),
        repetitions: sweep.repetitions,
        rounds: accuracy::INTERLEAVED_ROUNDS,
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
            "--max-batch" => options.max_batch = value("--max-batch")? as u32,
            "--reps" => options.repetitions = value("--reps")?,
            "--rounds" => options.rounds = value("--rounds")?,
            other => {
                return Err(format!(
                    "unknown argument {other}; use --max-batch N, --reps N, --rounds N"
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

fn run(options: &Options) -> Result<bool, TokenizationError> {
    let tokenizer = BatchTokenizer::committed()?;
    let default = BatchSweep::default();
    let mut sizes: Vec<u32> = default
        .batch_sizes
        .iter()
        .copied()
        .filter(|&b| b <= options.max_batch)
        .collect();
    if sizes.len() < 2 {
        sizes = vec![1, options.max_batch];
    }
    let sweep = BatchSweep {
        batch_sizes: sizes,
        repetitions: options.repetitions,
        ..default
    };
    let hardware = Hardware::detect();
    println!(
        "tokenization: encode_batch of the corpus's paragraphs; calibration sizes {:?}; {} repetitions per measurement; {} interleaved rounds; {} cores",
        sweep.batch_sizes, options.repetitions, options.rounds, hardware.cores
    );
    let measured = accuracy::measure_interleaved(
        options.rounds,
        &sweep.batch_sizes,
        options.max_batch,
        |b| sweep.measure(&tokenizer, b, options.repetitions),
    )?;
    let calibration = Curve::new(
        format!(
            "tokenization encode_batch, calibration sweep (median of {} interleaved rounds)",
            options.rounds
        ),
        "tokens",
        measured.calibration,
    )?;
    print_curve("calibration", calibration.points());
    let live = measured.live;
    print_curve("live, every size", &live);

    println!();
    let memory_at = |b: u32| live.get(b as usize - 1).and_then(|p| p.memory_bytes);
    let mut cases = Vec::new();
    for constraints in accuracy::grid(&calibration, options.max_batch, memory_at) {
        // As `suggest_batch_size` does: a first suggestion from the
        // calibration, then the sizes around it measured (second stage)
        // in rounds, and the suggestion made again from it.
        let case = accuracy::check_refined(
            &calibration,
            &constraints,
            &hardware,
            &live,
            |b| sweep.measure(&tokenizer, b, options.repetitions),
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
        summary.markdown_row(&format!("tokenization (batch 1–{})", options.max_batch))
    );
    Ok(summary.pass())
}

fn print_curve(name: &str, points: &[Point]) {
    println!("\n{name}:\n batch  latency (median / p75)   tokens/s   memory");
    for p in points {
        println!(
            " {:>5}  {:>10} / {:>10}   {:>10.0}   {}",
            p.batch,
            format_seconds(p.latency.typical_s),
            format_seconds(p.latency.high_s),
            accuracy::throughput(p),
            format_bytes(p.memory_bytes.unwrap_or(0.0))
        );
    }
}

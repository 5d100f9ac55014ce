//! Instruction counts (iai-callgrind) of both summary implementations: the
//! deterministic signal benchgate gates at about 1 % on any machine.
//!
//! Sizes stay small because callgrind runs code ~50× slower than native;
//! instruction counts scale linearly here, so 100 and 10 000 samples cover
//! the fixed cost and the per-sample cost.

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use stats::data::latency_samples;
use stats::{StreamingSummary, Summary, summarize};

/// Same seed as the criterion benchmarks, so both measure the same data.
const SEED: u64 = 0x5EED_1A7E;

fn samples(n: usize) -> Vec<f64> {
    latency_samples(n, SEED)
}

#[library_benchmark]
#[bench::n100(samples(100))]
#[bench::n10000(samples(10_000))]
fn one_shot(samples: Vec<f64>) -> Summary {
    summarize(black_box(&samples)).expect("generated latencies are valid")
}

#[library_benchmark]
#[bench::n100(samples(100))]
#[bench::n10000(samples(10_000))]
fn streaming(samples: Vec<f64>) -> Summary {
    let mut summary = StreamingSummary::new();
    summary
        .record_all(black_box(&samples))
        .expect("generated latencies are valid");
    summary.summary().expect("the input is not empty")
}

library_benchmark_group!(name = summary; benchmarks = one_shot, streaming);
main!(library_benchmark_groups = summary);

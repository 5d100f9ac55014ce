//! iai-callgrind instruction counts of one step of the default stack at batch 1: a noise-free signal next to the wall-time benchmarks.
//!
//! Run with the runner binary of the same version (0.16.1):
//!
//! ```text
//! IAI_CALLGRIND_RUNNER=target/benchgate/tools/bin/iai-callgrind-runner \
//!     cargo bench -p spiking --bench iai_spiking
//! ```
//!
//! The name's `iai` prefix keeps benchgate's wall-time gate from running
//! it. At batch 1 the default stack runs on the calling thread (one row is
//! below rayon's minimum task), so the count covers the whole step. Both
//! the seed's 6 blocks and its 3-block remedy are counted.

use std::hint::black_box;

use iai_callgrind::{library_benchmark, library_benchmark_group, main};
use ndarray::Array2;
use spiking::{CorticalStack, LoopHidden, LoopOptions, StackConfig, random_input};

/// Same input seed as the criterion benchmarks.
const INPUT_SEED: u64 = 0x1A7E_5EED;

/// Steps run before counting, so the count is a step from a warm state
/// (membranes charged, some neurons firing) rather than from rest.
const WARM_UP_STEPS: usize = 5;

fn setup(num_blocks: usize) -> (CorticalStack, LoopHidden, Array2<f32>) {
    let config = StackConfig {
        num_blocks,
        ..StackConfig::default()
    };
    let stack = CorticalStack::new(config.clone(), LoopOptions::default())
        .expect("the default configuration is valid");
    let x = random_input(1, config.hidden_size, INPUT_SEED);
    let mut hidden = stack.init_hidden_state(1);
    for _ in 0..WARM_UP_STEPS {
        black_box(stack.step(x.view(), &mut hidden).ok());
    }
    (stack, hidden, x)
}

// Returns its inputs so that the harness drops them after the benchmark
// function, outside the count. (`library_benchmark` rejects doc comments.)
#[library_benchmark]
#[bench::blocks_6(setup(6))]
#[bench::blocks_3(setup(3))]
fn step_batch_1(
    (stack, mut hidden, x): (CorticalStack, LoopHidden, Array2<f32>),
) -> (CorticalStack, LoopHidden, Array2<f32>) {
    black_box(stack.step(black_box(x.view()), &mut hidden).ok());
    (stack, hidden, x)
}

library_benchmark_group!(name = step; benchmarks = step_batch_1);

main!(library_benchmark_groups = step);

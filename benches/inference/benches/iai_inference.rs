//! iai-callgrind instruction counts of one f32 decode step at batch 1 and batch 8: a noise-free signal next to the wall-time benchmarks.
//!
//! Run with the runner binary of the same version (0.16.1):
//!
//! ```text
//! IAI_CALLGRIND_RUNNER=target/benchgate/tools/bin/iai-callgrind-runner \
//!     cargo bench -p inference --bench iai_inference
//! ```
//!
//! The name's `iai` prefix keeps benchgate's wall-time gate from running it.
//! Callgrind counts per thread, and candle spreads matmuls over a thread
//! pool whose split varies from run to run, so the benchmarks run with
//! `CANDLE_NUM_THREADS=1` and `RAYON_NUM_THREADS=1`: the count is the
//! whole step's work on one thread. (Valgrind does not emulate AVX-512,
//! so the kernels chosen at run time are the AVX2 ones; the count tracks
//! code changes, not this machine's fastest path.) The step is the first
//! after a prefill of [`PROMPT_TOKENS`] tokens per sequence, made in the
//! uncounted setup.
//!
//! The model is [`ModelConfig::tiny`] (the tests' model: the same
//! architecture at hidden 256 and 2 layers), not the criterion benchmarks'
//! [`ModelConfig::small`]: the setup (tokenizer, weights, prefill) runs
//! under valgrind too, and with the small model it took 3.5 minutes for
//! the two benchmarks on the test machine, too long for every gate run.
//! Instruction counts scale with the shapes, so any change to the decode
//! path shows at either size.

use std::hint::black_box;

use iai_callgrind::{LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main};
use inference::{
    BatchInferenceEngine, DecodeState, ModelConfig, Profiler, PromptSource, WeightFormat,
    as_slices, greedy,
};

/// Prompt length before the counted step: short, because the setup
/// also runs under valgrind, about 50× slower than natively.
const PROMPT_TOKENS: usize = 16;

fn setup(batch: usize) -> (BatchInferenceEngine, DecodeState, Vec<u32>) {
    let prompts = PromptSource::committed().expect("the committed tokenizer loads");
    let config = ModelConfig::tiny(prompts.vocab_size());
    let engine = BatchInferenceEngine::new(&config, WeightFormat::F32, prompts.pad_id())
        .expect("the engine builds");
    let batch_prompts = prompts.fixed_length(batch, PROMPT_TOKENS);
    let (logits, state) = engine
        .prefill(&as_slices(&batch_prompts), 1, &mut Profiler::disabled())
        .expect("prefill");
    let next = greedy(&logits).expect("greedy");
    (engine, state, next)
}

fn setup_batch_1() -> (BatchInferenceEngine, DecodeState, Vec<u32>) {
    setup(1)
}

fn setup_batch_8() -> (BatchInferenceEngine, DecodeState, Vec<u32>) {
    setup(8)
}

// Returns the engine and state so that the harness drops them after the
// counted function rather than inside it. (`library_benchmark` rejects
// doc comments.)
#[library_benchmark(
    config = LibraryBenchmarkConfig::default()
        .env("CANDLE_NUM_THREADS", "1")
        .env("RAYON_NUM_THREADS", "1")
)]
#[bench::batch_1(setup = setup_batch_1)]
#[bench::batch_8(setup = setup_batch_8)]
fn decode_step(
    input: (BatchInferenceEngine, DecodeState, Vec<u32>),
) -> (Option<Vec<u32>>, BatchInferenceEngine, DecodeState) {
    let (engine, mut state, next) = input;
    let tokens = engine
        .decode_step(&mut state, black_box(&next), &mut Profiler::disabled())
        .ok()
        .and_then(|logits| greedy(&logits).ok());
    (black_box(tokens), engine, state)
}

library_benchmark_group!(name = decode; benchmarks = decode_step);

main!(library_benchmark_groups = decode);

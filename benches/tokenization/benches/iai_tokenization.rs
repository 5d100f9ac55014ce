//! iai-callgrind instruction counts of the single-text and batch-of-8 encode paths: a noise-free signal next to the wall-time benchmarks.
//!
//! Run with the runner binary of the same version (0.16.1):
//!
//! ```text
//! cargo install iai-callgrind-runner --version 0.16.1 --locked --root target/benchgate/tools
//! IAI_CALLGRIND_RUNNER=target/benchgate/tools/bin/iai-callgrind-runner \
//!     cargo bench -p tokenization --bench iai_tokenization
//! ```
//!
//! The name's `iai` prefix keeps benchgate's wall-time gate from running it.
//! Under callgrind code runs about 50× slower, so the inputs are a single
//! paragraph and the first eight paragraphs (about 3.5 KiB).
//!
//! Callgrind counts per thread, and only while a toggle function is on the
//! thread's stack. The single-text path runs on the benchmark's own thread,
//! so the default toggle (the benchmark function) counts all of it. The
//! batch path runs on rayon's workers while the calling thread sleeps, so
//! that benchmark toggles on `BatchTokenizer::encode_batch_item`, the
//! per-text step of the batch path, in every thread: the count is the
//! encoding work of the eight texts without rayon's scheduling, whose
//! spinning varies from run to run. Its warm-up encodes through
//! [`BatchStrategy::EncodeBatch`], which does not pass through that
//! function, so the warm-up is not counted.
//!
//! Both benchmarks use tokenizers with the word cache off: with it on,
//! which words hit would depend on which worker's cache saw them first, so
//! the batch count would vary with scheduling.

use std::hint::black_box;

use iai_callgrind::{
    Callgrind, EntryPoint, LibraryBenchmarkConfig, library_benchmark, library_benchmark_group, main,
};
use tokenization::{BatchStrategy, BatchTokenizer, Corpus, TextClass, TokenIds, WordCache};

/// Texts in the batch benchmark.
const BATCH: usize = 8;

/// Warm-up passes over the input before counting. Callgrind should count
/// the steady state criterion times, not first-use costs: the byte-level
/// pre-tokenizer's regex is compiled on first use (a lazy static), and its
/// lazy DFA builds states per cache as it meets new bytes. Three passes
/// let every thread's regex cache see every text of the batch, whichever
/// texts the scheduler hands it.
const WARM_UP_PASSES: usize = 3;

fn tokenizer() -> BatchTokenizer {
    BatchTokenizer::committed()
        .expect("the committed tokenizer loads (re-train it with the train-tokenizer binary)")
        .with_word_cache(WordCache::Off)
}

fn paragraphs(n: usize) -> Vec<String> {
    Corpus::generate()
        .texts(TextClass::Paragraph)
        .iter()
        .take(n)
        .cloned()
        .collect()
}

fn single_input() -> (BatchTokenizer, String) {
    let tokenizer = tokenizer();
    let text = paragraphs(1).pop().unwrap_or_default();
    for _ in 0..WARM_UP_PASSES {
        black_box(tokenizer.encode(&text).ok());
    }
    (tokenizer, text)
}

fn batch_input() -> (BatchTokenizer, Vec<String>) {
    let tokenizer = tokenizer();
    let texts = paragraphs(BATCH);
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    for _ in 0..WARM_UP_PASSES {
        black_box(
            tokenizer
                .encode_batch_with(&refs, BatchStrategy::EncodeBatch)
                .ok(),
        );
    }
    (tokenizer, texts)
}

// Both benchmarks return their inputs so that the harness drops them after
// the benchmark function rather than inside it, where the count would
// include freeing three copies of the vocabulary (far more instructions
// than encoding a paragraph). (`library_benchmark` rejects doc comments.)
#[library_benchmark]
#[bench::paragraph(setup = single_input)]
fn encode_single(
    (tokenizer, text): (BatchTokenizer, String),
) -> (Option<TokenIds>, BatchTokenizer, String) {
    let ids = black_box(tokenizer.encode(black_box(&text)).ok());
    (ids, tokenizer, text)
}

#[library_benchmark(
    config = LibraryBenchmarkConfig::default().tool(
        Callgrind::with_args([
            "--collect-atstart=no",
            "--toggle-collect=*BatchTokenizer::encode_batch_item*",
        ])
        .entry_point(EntryPoint::None)
    )
)]
#[bench::paragraphs_8(setup = batch_input)]
fn encode_batch(
    (tokenizer, texts): (BatchTokenizer, Vec<String>),
) -> (Option<Vec<TokenIds>>, BatchTokenizer, Vec<String>) {
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let ids = black_box(tokenizer.encode_batch(black_box(&refs)).ok());
    (ids, tokenizer, texts)
}

library_benchmark_group!(name = encode; benchmarks = encode_single, encode_batch);

main!(library_benchmark_groups = encode);

//! Behaviour of the engine: KV-cache decoding against full recomputation, batches against single prompts, padding masks, int8 agreement, profiling transparency and errors.

use std::sync::OnceLock;

use candle_core::{D, Tensor};
use inference::{
    BatchInferenceEngine, InferenceError, ModelConfig, Profiler, ProfilingMode, PromptSource,
    Section, WeightFormat, Weights, as_slices,
};

/// Largest absolute difference allowed between logits computed two
/// mathematically equal ways (cached vs recomputed, batched vs alone).
/// Logits are of order one; gemm sums in a different order when the row
/// count changes, which moves f32 results by about 1e-6.
const LOGIT_TOLERANCE: f32 = 1e-4;

/// Tokens generated in the decode tests.
const NEW_TOKENS: usize = 6;

struct Fixture {
    prompts: PromptSource,
    weights: Weights,
    f32: BatchInferenceEngine,
    int8: BatchInferenceEngine,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let prompts = PromptSource::committed().expect("the committed tokenizer loads");
        let config = ModelConfig::tiny(prompts.vocab_size());
        let weights = Weights::generate(&config).expect("weights generate");
        let pad = prompts.pad_id();
        let f32 = BatchInferenceEngine::from_weights(&weights, WeightFormat::F32, pad)
            .expect("f32 engine builds");
        let int8 = BatchInferenceEngine::from_weights(&weights, WeightFormat::Q8_0, pad)
            .expect("int8 engine builds");
        Fixture {
            prompts,
            weights,
            f32,
            int8,
        }
    })
}

fn engines() -> [&'static BatchInferenceEngine; 2] {
    let f = fixture();
    [&f.f32, &f.int8]
}

fn max_abs_diff(a: &Tensor, b: &Tensor) -> f32 {
    (a - b)
        .and_then(|d| d.abs())
        .and_then(|d| d.max_all())
        .and_then(|d| d.to_scalar::<f32>())
        .expect("logits compare")
}

fn argmax(logits: &Tensor) -> Vec<u32> {
    logits
        .argmax(D::Minus1)
        .and_then(|t| t.to_vec1::<u32>())
        .expect("argmax")
}

#[test]
fn vocabulary_is_the_tokenizers() {
    let f = fixture();
    assert_eq!(f.prompts.vocab_size(), 20_480);
    assert_eq!(f.f32.config().vocab_size, f.prompts.vocab_size());
}

#[test]
fn kv_cache_decoding_matches_full_recomputation() {
    let f = fixture();
    for engine in engines() {
        let prompt = f.prompts.fixed_length(1, 12).remove(0);
        let mut profiler = Profiler::disabled();
        let (mut logits, mut state) = engine
            .prefill(&[prompt.as_slice()], NEW_TOKENS, &mut profiler)
            .expect("prefill");
        let mut sequence = prompt.clone();
        for step in 0..NEW_TOKENS {
            let full = engine.sequence_logits(&sequence).expect("recompute");
            let last = full.narrow(0, sequence.len() - 1, 1).expect("last row");
            let diff = max_abs_diff(&logits, &last);
            assert!(
                diff <= LOGIT_TOLERANCE,
                "{:?} step {step}: cached logits differ by {diff}",
                engine.format()
            );
            let next = argmax(&logits);
            assert_eq!(next, argmax(&last), "{:?} step {step}", engine.format());
            sequence.push(next[0]);
            logits = engine
                .decode_step(&mut state, &next, &mut profiler)
                .expect("decode step");
        }
    }
}

#[test]
fn a_batch_gives_what_each_prompt_gives_alone() {
    let f = fixture();
    let prompts = f.prompts.mixed(5);
    let lengths: Vec<usize> = prompts.iter().map(Vec::len).collect();
    assert!(
        lengths.iter().min() < lengths.iter().max(),
        "the mixed prompts must differ in length to exercise padding: {lengths:?}"
    );
    for engine in engines() {
        let batch = engine
            .infer_batch(&as_slices(&prompts), NEW_TOKENS)
            .expect("batch");
        let (batch_logits, _) = engine
            .prefill(&as_slices(&prompts), 0, &mut Profiler::disabled())
            .expect("batch prefill");
        for (index, prompt) in prompts.iter().enumerate() {
            let alone = engine
                .infer_batch(&[prompt.as_slice()], NEW_TOKENS)
                .expect("alone");
            assert_eq!(
                batch.responses[index].tokens,
                alone.responses[0].tokens,
                "{:?} prompt {index} (length {})",
                engine.format(),
                prompt.len()
            );
            let (alone_logits, _) = engine
                .prefill(&[prompt.as_slice()], 0, &mut Profiler::disabled())
                .expect("prefill alone");
            let row = batch_logits.narrow(0, index, 1).expect("row");
            let diff = max_abs_diff(&row, &alone_logits);
            assert!(
                diff <= LOGIT_TOLERANCE,
                "{:?} prompt {index}: batched logits differ by {diff}",
                engine.format()
            );
        }
    }
}

#[test]
fn padding_is_masked_out_completely() {
    // If any real token attended to a padding column, the padding token's
    // embedding would leak into its result: changing which id pads must
    // then change the logits. Masked scores are exactly −∞, so with a
    // correct mask the results are bit-identical.
    let f = fixture();
    let prompts = f.prompts.mixed(4);
    let other_pad = (f.prompts.pad_id() + 1) % u32::try_from(f.prompts.vocab_size()).unwrap_or(1);
    let other = BatchInferenceEngine::from_weights(&f.weights, WeightFormat::F32, other_pad)
        .expect("engine");
    let run = |engine: &BatchInferenceEngine| {
        let mut profiler = Profiler::disabled();
        let (logits, mut state) = engine
            .prefill(&as_slices(&prompts), 2, &mut profiler)
            .expect("prefill");
        let next = argmax(&logits);
        let step = engine
            .decode_step(&mut state, &next, &mut profiler)
            .expect("step");
        (logits, step)
    };
    let (prefill_a, step_a) = run(&f.f32);
    let (prefill_b, step_b) = run(&other);
    assert_eq!(max_abs_diff(&prefill_a, &prefill_b), 0.0);
    assert_eq!(max_abs_diff(&step_a, &step_b), 0.0);
}

#[test]
fn int8_agrees_with_f32() {
    // Teacher-forced: both formats see the same token sequences, and every
    // position's next-token choice is compared.
    let f = fixture();
    let mut agree = 0usize;
    let mut total = 0usize;
    let mut worst = 0f32;
    let mut scale = 0f32;
    for prompt in f.prompts.fixed_length(4, 48) {
        let exact = f.f32.sequence_logits(&prompt).expect("f32");
        let quantized = f.int8.sequence_logits(&prompt).expect("int8");
        let a = argmax(&exact);
        let b = argmax(&quantized);
        agree += a.iter().zip(&b).filter(|(x, y)| x == y).count();
        total += a.len();
        worst = worst.max(max_abs_diff(&exact, &quantized));
        scale = scale.max(
            exact
                .abs()
                .and_then(|t| t.max_all())
                .and_then(|t| t.to_scalar::<f32>())
                .expect("scale"),
        );
    }
    let agreement = agree as f64 / total as f64;
    println!(
        "int8 vs f32: top-1 agreement {agree}/{total}, max |Δlogit| {worst} (max |logit| {scale})"
    );
    assert!(
        agreement >= 0.9,
        "int8 picks the f32 model's next token at only {agree} of {total} positions"
    );
    assert!(
        worst <= 0.05 * scale,
        "int8 logits differ by up to {worst} (largest f32 logit {scale})"
    );
    assert!(worst > 0.0, "int8 must actually quantize");
}

#[test]
fn profiling_modes_do_not_change_outputs() {
    let f = fixture();
    let prompts = f.prompts.mixed(3);
    let plain = f
        .f32
        .infer_batch(&as_slices(&prompts), NEW_TOKENS)
        .expect("plain");
    let layers = f.f32.config().num_layers;
    for mode in ProfilingMode::ALL {
        let mut profiler = Profiler::for_run(mode, NEW_TOKENS, layers);
        let profiled = f
            .f32
            .infer_batch_profiled(&as_slices(&prompts), NEW_TOKENS, &mut profiler)
            .expect("profiled");
        for (a, b) in plain.responses.iter().zip(&profiled.responses) {
            assert_eq!(a.tokens, b.tokens, "mode {}", mode.name());
        }
        let passes = NEW_TOKENS;
        assert_eq!(profiler.passes() as usize, passes);
        let expect = |enabled: bool, per_pass: usize| if enabled { passes * per_pass } else { 0 };
        assert_eq!(
            profiler.sections().len(),
            expect(mode >= ProfilingMode::Minimal, 4)
        );
        assert_eq!(
            profiler.layers().len(),
            expect(mode >= ProfilingMode::Standard, layers)
        );
        assert_eq!(
            profiler.ops().len(),
            expect(mode == ProfilingMode::Deep, 7 * layers)
        );
        assert_eq!(
            profiler.deep_stats().len(),
            expect(mode == ProfilingMode::Deep, layers)
        );
        if mode >= ProfilingMode::Minimal {
            assert!(profiler.section_total_nanos(Section::Layers) > 0);
        }
        for record in profiler.layers() {
            let s = record.stats;
            assert!(s.mean.is_finite() && s.std > 0.0 && s.max >= s.mean);
            assert!((0.0..=1.0).contains(&s.sparsity));
        }
        for record in profiler.deep_stats() {
            assert!(record.attention_entropy >= 0.0 && record.attention_entropy.is_finite());
            assert!((0.0..=1.0).contains(&record.mlp_kill_ratio));
        }
    }
}

#[test]
fn the_first_decode_step_attends_over_the_prompt() {
    // With one key the softmax is 1 and attention entropy is 0; after a
    // 10-token prompt it must be positive.
    let f = fixture();
    let prompt = f.prompts.fixed_length(1, 10);
    let mut profiler = Profiler::for_run(ProfilingMode::Deep, 2, f.f32.config().num_layers);
    f.f32
        .infer_batch_profiled(&as_slices(&prompt), 2, &mut profiler)
        .expect("run");
    assert!(
        profiler
            .deep_stats()
            .iter()
            .all(|r| r.attention_entropy > 0.0)
    );
}

#[test]
fn rewinding_repeats_the_same_decode() {
    let f = fixture();
    let prompts = f.prompts.fixed_length(2, 8);
    let mut profiler = Profiler::disabled();
    let (logits, mut state) = f
        .f32
        .prefill(&as_slices(&prompts), 3, &mut profiler)
        .expect("prefill");
    let first = argmax(&logits);
    let decode = |state: &mut inference::DecodeState, profiler: &mut Profiler| {
        let mut tokens = first.clone();
        let mut out = Vec::new();
        for _ in 0..3 {
            let logits = f.f32.decode_step(state, &tokens, profiler).expect("step");
            tokens = argmax(&logits);
            out.push(tokens.clone());
        }
        out
    };
    let once = decode(&mut state, &mut profiler);
    assert_eq!(state.len(), 11);
    assert!(matches!(
        f.f32.decode_step(&mut state, &first, &mut profiler),
        Err(InferenceError::CacheFull { capacity: 11 })
    ));
    state.rewind(8).expect("rewind");
    assert_eq!(decode(&mut state, &mut profiler), once);
    assert!(matches!(
        state.rewind(12),
        Err(InferenceError::InvalidRewind { .. })
    ));
}

#[test]
fn outputs_have_the_promised_shape_and_timing() {
    let f = fixture();
    let prompts = f.prompts.mixed(4);
    let output = f.f32.infer_batch(&as_slices(&prompts), 5).expect("run");
    assert_eq!(output.responses.len(), 4);
    assert_eq!(output.generated_tokens(), 20);
    let longest = prompts.iter().map(Vec::len).max().unwrap_or(0);
    assert_eq!(
        output.kv_cache_bytes,
        f.f32.kv_cache_bytes_for(4, longest + 4)
    );
    for response in &output.responses {
        assert_eq!(response.token_latencies.len(), 4);
        assert!(response.time_to_first_token > std::time::Duration::ZERO);
        assert!(response.time_to_first_token <= output.total);
        let vocab = f.f32.config().vocab_size as u32;
        assert!(response.tokens.iter().all(|&t| t < vocab));
    }
    let none = f
        .f32
        .infer_batch(&as_slices(&prompts), 0)
        .expect("zero tokens");
    assert_eq!(none.generated_tokens(), 0);
}

#[test]
fn int8_weights_are_about_a_quarter_of_f32() {
    let f = fixture();
    let ratio = f.int8.weight_bytes() as f64 / f.f32.weight_bytes() as f64;
    // Q8_0 stores 34 bytes per 32 weights (8.5 bits against 32); only the
    // norm scales stay f32.
    assert!(
        (0.26..0.28).contains(&ratio),
        "int8/f32 weight bytes = {ratio}"
    );
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let f = fixture();
    let engine = &f.f32;
    let vocab = u32::try_from(engine.config().vocab_size).unwrap_or(u32::MAX);
    assert!(matches!(
        engine.infer_batch(&[], 2),
        Err(InferenceError::EmptyBatch)
    ));
    let two: &[u32] = &[1, 2];
    let empty: &[u32] = &[];
    assert!(matches!(
        engine.infer_batch(&[two, empty], 2),
        Err(InferenceError::EmptyPrompt { index: 1 })
    ));
    let outside: &[u32] = &[1, vocab];
    assert!(matches!(
        engine.infer_batch(&[outside], 2),
        Err(InferenceError::TokenOutOfVocabulary { token, .. }) if token == vocab
    ));
    let long = vec![1u32; engine.config().max_seq_len];
    assert!(matches!(
        engine.infer_batch(&[long.as_slice()], 2),
        Err(InferenceError::SequenceTooLong { .. })
    ));
    let mut profiler = Profiler::disabled();
    let (_, mut state) = engine
        .prefill(&[&[1, 2, 3][..], &[4][..]], 2, &mut profiler)
        .expect("prefill");
    assert!(matches!(
        engine.decode_step(&mut state, &[1], &mut profiler),
        Err(InferenceError::BatchMismatch { got: 1, batch: 2 })
    ));
    let mut config = ModelConfig::tiny(1000);
    config.num_kv_heads = 3;
    assert!(matches!(
        Weights::generate(&config),
        Err(InferenceError::InvalidConfig(_))
    ));
    assert!(matches!(
        BatchInferenceEngine::from_weights(&f.weights, WeightFormat::F32, vocab),
        Err(InferenceError::TokenOutOfVocabulary { .. })
    ));
}

#[test]
fn prompts_are_deterministic_and_in_vocabulary() {
    let f = fixture();
    let again = PromptSource::committed().expect("tokenizer");
    assert_eq!(f.prompts.mixed(12), again.mixed(12));
    assert_eq!(f.prompts.fixed_length(3, 40), again.fixed_length(3, 40));
    let fixed = f.prompts.fixed_length(16, 256);
    assert!(fixed.iter().all(|p| p.len() == 256));
    assert_ne!(fixed[0], fixed[1]);
    let vocab = f.prompts.vocab_size() as u32;
    for prompt in f.prompts.mixed(24).iter().chain(&fixed) {
        assert!(!prompt.is_empty());
        assert!(prompt.len() <= inference::prompts::MIXED_MAX_PROMPT_TOKENS.max(256));
        assert!(prompt.iter().all(|&t| t < vocab));
    }
}

//! Batched LLM inference on candle: the `inference` workload of benchgate.
//!
//! A [`BatchInferenceEngine`] runs a decoder-only transformer of the
//! Qwen2/Llama family (RMSNorm, rotary position embeddings, grouped-query
//! attention, SwiGLU MLP, tied embeddings) on candle's CPU backend:
//! [`BatchInferenceEngine::infer_batch`] prefills a batch of prompts of
//! unequal length together and then decodes greedily with a KV cache, one
//! step for all sequences at once, returning the tokens and each request's
//! time to first token and per-token latencies. Weights are f32 or int8
//! (GGML Q8_0 through candle's quantized matmul), generated from a seed
//! ([`Weights`]); prompts are text from the tokenization suite's corpus,
//! tokenized by its committed BPE tokenizer ([`PromptSource`]), whose
//! vocabulary (20 480 tokens) is the model's.
//!
//! ```no_run
//! use inference::{BatchInferenceEngine, ModelConfig, PromptSource, WeightFormat, as_slices};
//!
//! let prompts = PromptSource::committed()?;
//! let config = ModelConfig::small(prompts.vocab_size());
//! let engine = BatchInferenceEngine::new(&config, WeightFormat::F32, prompts.pad_id())?;
//! let batch = prompts.mixed(8);
//! let output = engine.infer_batch(&as_slices(&batch), 16)?;
//! assert_eq!(output.responses[0].tokens.len(), 16);
//! # Ok::<(), inference::InferenceError>(())
//! ```
//!
//! A [`Profiler`] in one of four [`ProfilingMode`]s (seed 004) records
//! section, layer and operation timings and activation statistics during
//! [`BatchInferenceEngine::infer_batch_profiled`] without changing its
//! output.
//!
//! [`BatchInferenceEngine::suggest_batch_size`] runs a short calibration
//! sweep and suggests the batch size for a latency budget (per batch or
//! per request's time to first token) and a memory limit; an
//! [`AdaptiveBatcher`] sizes each batch of a request queue from that
//! model and refits it from the latencies it observes ([`batching`]).
//!
//! See the crate's README for the measured numbers and the benchmarks.
//!
//! # Errors
//!
//! Nothing here panics on input: bad prompts, token ids, configurations
//! and tensor failures return [`InferenceError`].

pub mod batching;
pub mod config;
pub mod engine;
pub mod error;
pub mod model;
pub mod profiler;
pub mod prompts;
pub mod weights;

pub use batching::{
    AdaptiveBatcher, BatchRunner, BatchSizing, BatchTiming, EngineRunner, Request, ServedBatch,
    SweepSpec,
};
pub use config::{ModelConfig, WeightFormat};
pub use engine::{BatchInferenceEngine, BatchOutput, DecodeState, Response};
pub use error::InferenceError;
pub use model::{KvCache, greedy};
pub use profiler::{
    ActivationStats, DeepStatsRecord, LayerRecord, Op, OpRecord, Profiler, ProfilingMode, Section,
    SectionRecord,
};
pub use prompts::{PromptSource, as_slices};
pub use weights::{LayerWeights, Weights};

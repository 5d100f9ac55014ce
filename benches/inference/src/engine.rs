//! [`BatchInferenceEngine`]: batched prefill and greedy decode with a KV cache, returning tokens and per-request timing.

use std::time::{Duration, Instant};

use candle_core::{Device, Tensor};

use crate::config::{ModelConfig, WeightFormat};
use crate::error::InferenceError;
use crate::model::{KvCache, Model, PassInputs, greedy};
use crate::profiler::{Profiler, Section};
use crate::weights::Weights;

/// A language model serving batches of prompts: one prefill of the whole
/// batch, then one decode step per generated token for all sequences at
/// once.
///
/// Prompts of unequal length run together: they are left-padded with the
/// padding id, each sequence keeps its own positions, and masks hide the
/// padding (see [`crate::model`]).
#[derive(Debug, Clone)]
pub struct BatchInferenceEngine {
    model: Model,
    pad_id: u32,
}

/// The generation of one request of a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The generated token ids, `max_new_tokens` of them (no stop token
    /// ends a sequence early, so every run does the same work).
    pub tokens: Vec<u32>,
    /// From the call until this request's first token was chosen: the
    /// batch's prefill plus one greedy choice.
    pub time_to_first_token: Duration,
    /// Latency of each later token: the decode step that produced it.
    pub token_latencies: Vec<Duration>,
}

/// The result of [`BatchInferenceEngine::infer_batch`].
#[derive(Debug, Clone, PartialEq)]
pub struct BatchOutput {
    /// One response per prompt, in input order.
    pub responses: Vec<Response>,
    /// Wall time of the whole call.
    pub total: Duration,
    /// Bytes allocated for the batch's KV cache.
    pub kv_cache_bytes: usize,
}

impl BatchOutput {
    /// Generated tokens over all requests.
    pub fn generated_tokens(&self) -> usize {
        self.responses.iter().map(|r| r.tokens.len()).sum()
    }
}

/// A batch between decode steps: its KV cache and each row's padding.
#[derive(Debug)]
pub struct DecodeState {
    cache: KvCache,
    /// Padding columns at the start of each row.
    pads: Vec<usize>,
}

impl DecodeState {
    /// Sequences in the batch.
    pub fn batch(&self) -> usize {
        self.pads.len()
    }

    /// Columns filled (longest prompt plus decoded tokens).
    pub fn len(&self) -> usize {
        self.cache.len()
    }

    /// Whether nothing has been prefilled.
    pub fn is_empty(&self) -> bool {
        self.cache.is_empty()
    }

    /// Bytes allocated for the KV cache.
    pub fn kv_cache_bytes(&self) -> usize {
        self.cache.bytes()
    }

    /// Forgets every column from `len` on, so decoding can be repeated
    /// from an earlier point without a new prefill (the benchmarks decode
    /// the same steps again and again this way). Later steps overwrite
    /// the forgotten columns.
    pub fn rewind(&mut self, len: usize) -> Result<(), InferenceError> {
        if len > self.cache.len() {
            return Err(InferenceError::InvalidRewind {
                len: self.cache.len(),
                requested: len,
            });
        }
        self.cache.truncate(len);
        Ok(())
    }
}

impl BatchInferenceEngine {
    /// Generates the weights of `config` and builds the engine. The
    /// padding id must be in the vocabulary.
    pub fn new(
        config: &ModelConfig,
        format: WeightFormat,
        pad_id: u32,
    ) -> Result<Self, InferenceError> {
        Self::from_weights(&Weights::generate(config)?, format, pad_id)
    }

    /// Builds the engine from existing weights, so an f32 and an int8
    /// engine can share one set.
    pub fn from_weights(
        weights: &Weights,
        format: WeightFormat,
        pad_id: u32,
    ) -> Result<Self, InferenceError> {
        let model = Model::new(weights, format)?;
        check_token(pad_id, model.config().vocab_size)?;
        Ok(Self { model, pad_id })
    }

    /// The model's configuration.
    pub fn config(&self) -> &ModelConfig {
        self.model.config()
    }

    /// The weights' format.
    pub fn format(&self) -> WeightFormat {
        self.model.format()
    }

    /// Bytes of the weights as stored.
    pub fn weight_bytes(&self) -> usize {
        self.model.weight_bytes()
    }

    /// Bytes a KV cache for `batch` sequences of `positions` columns takes.
    pub fn kv_cache_bytes_for(&self, batch: usize, positions: usize) -> usize {
        let config = self.config();
        2 * config.num_layers
            * batch
            * config.num_kv_heads
            * positions
            * config.head_dim()
            * std::mem::size_of::<f32>()
    }

    /// Prefills `prompts` together and returns the logits of each
    /// prompt's last token, `[batch, vocab]`, and the state to decode
    /// from, with room for `decode_steps` more tokens.
    pub fn prefill(
        &self,
        prompts: &[&[u32]],
        decode_steps: usize,
        profiler: &mut Profiler,
    ) -> Result<(Tensor, DecodeState), InferenceError> {
        let longest = self.check_prompts(prompts)?;
        let capacity = longest + decode_steps;
        let max = self.config().max_seq_len;
        if capacity > max {
            return Err(InferenceError::SequenceTooLong {
                requested: capacity,
                max,
            });
        }
        let batch = prompts.len();
        let pads: Vec<usize> = prompts.iter().map(|p| longest - p.len()).collect();
        let mut ids = Vec::with_capacity(batch * longest);
        let mut positions = Vec::with_capacity(batch * longest);
        for (prompt, &pad) in prompts.iter().zip(&pads) {
            ids.extend(std::iter::repeat_n(self.pad_id, pad));
            ids.extend_from_slice(prompt);
            // Padding columns take position 0; their outputs are never read.
            positions.extend(std::iter::repeat_n(0, pad));
            positions.extend(0..len_u32(prompt.len()));
        }
        let mask = prefill_mask(&pads, longest)?;
        let inputs = PassInputs {
            ids: Tensor::from_vec(ids, batch * longest, &Device::Cpu)?,
            positions: Tensor::from_vec(positions, batch * longest, &Device::Cpu)?,
            mask,
            batch,
            seq: longest,
        };
        let mut cache = KvCache::new(self.config(), batch, capacity)?;
        let logits = self.model.forward(&inputs, &mut cache, false, profiler)?;
        Ok((logits, DecodeState { cache, pads }))
    }

    /// Feeds one token per sequence and returns the logits of the next,
    /// `[batch, vocab]`.
    pub fn decode_step(
        &self,
        state: &mut DecodeState,
        tokens: &[u32],
        profiler: &mut Profiler,
    ) -> Result<Tensor, InferenceError> {
        let batch = state.batch();
        if tokens.len() != batch {
            return Err(InferenceError::BatchMismatch {
                got: tokens.len(),
                batch,
            });
        }
        for &token in tokens {
            check_token(token, self.config().vocab_size)?;
        }
        let column = state.cache.len();
        let positions: Vec<u32> = state
            .pads
            .iter()
            .map(|&pad| len_u32(column - pad))
            .collect();
        let inputs = PassInputs {
            ids: Tensor::from_slice(tokens, batch, &Device::Cpu)?,
            positions: Tensor::from_vec(positions, batch, &Device::Cpu)?,
            mask: decode_mask(&state.pads, column + 1)?,
            batch,
            seq: 1,
        };
        self.model
            .forward(&inputs, &mut state.cache, false, profiler)
    }

    /// Logits after every token of `tokens`, `[len, vocab]`, computed from
    /// scratch in one pass without reusing any cache: the reference the
    /// KV-cache path is tested against.
    pub fn sequence_logits(&self, tokens: &[u32]) -> Result<Tensor, InferenceError> {
        self.check_prompts(&[tokens])?;
        let len = tokens.len();
        let inputs = PassInputs {
            ids: Tensor::from_slice(tokens, len, &Device::Cpu)?,
            positions: Tensor::from_vec(
                (0..len_u32(len)).collect::<Vec<u32>>(),
                len,
                &Device::Cpu,
            )?,
            mask: prefill_mask(&[0], len)?,
            batch: 1,
            seq: len,
        };
        let mut cache = KvCache::new(self.config(), 1, len)?;
        self.model
            .forward(&inputs, &mut cache, true, &mut Profiler::disabled())
    }

    /// Prefill plus `max_new_tokens` greedy tokens for every prompt.
    pub fn infer_batch(
        &self,
        prompts: &[&[u32]],
        max_new_tokens: usize,
    ) -> Result<BatchOutput, InferenceError> {
        self.infer_batch_profiled(prompts, max_new_tokens, &mut Profiler::disabled())
    }

    /// [`BatchInferenceEngine::infer_batch`], recording into `profiler`.
    pub fn infer_batch_profiled(
        &self,
        prompts: &[&[u32]],
        max_new_tokens: usize,
        profiler: &mut Profiler,
    ) -> Result<BatchOutput, InferenceError> {
        let start = Instant::now();
        let batch = prompts.len();
        let mut responses: Vec<Response> = (0..batch)
            .map(|_| Response {
                tokens: Vec::with_capacity(max_new_tokens),
                time_to_first_token: Duration::ZERO,
                token_latencies: Vec::with_capacity(max_new_tokens.saturating_sub(1)),
            })
            .collect();
        if max_new_tokens == 0 {
            self.check_prompts(prompts)?;
            return Ok(BatchOutput {
                responses,
                total: start.elapsed(),
                kv_cache_bytes: 0,
            });
        }
        let (logits, mut state) = self.prefill(prompts, max_new_tokens - 1, profiler)?;
        let mut next = sample(&logits, profiler)?;
        let first = start.elapsed();
        for (response, &token) in responses.iter_mut().zip(&next) {
            response.tokens.push(token);
            response.time_to_first_token = first;
        }
        for _ in 1..max_new_tokens {
            let step = Instant::now();
            let logits = self.decode_step(&mut state, &next, profiler)?;
            next = sample(&logits, profiler)?;
            let latency = step.elapsed();
            for (response, &token) in responses.iter_mut().zip(&next) {
                response.tokens.push(token);
                response.token_latencies.push(latency);
            }
        }
        Ok(BatchOutput {
            responses,
            total: start.elapsed(),
            kv_cache_bytes: state.kv_cache_bytes(),
        })
    }

    /// Checks the batch and returns the longest prompt's length.
    fn check_prompts(&self, prompts: &[&[u32]]) -> Result<usize, InferenceError> {
        if prompts.is_empty() {
            return Err(InferenceError::EmptyBatch);
        }
        let vocab_size = self.config().vocab_size;
        let mut longest = 0;
        for (index, prompt) in prompts.iter().enumerate() {
            if prompt.is_empty() {
                return Err(InferenceError::EmptyPrompt { index });
            }
            for &token in prompt.iter() {
                check_token(token, vocab_size)?;
            }
            longest = longest.max(prompt.len());
        }
        let max = self.config().max_seq_len;
        if longest > max {
            return Err(InferenceError::SequenceTooLong {
                requested: longest,
                max,
            });
        }
        Ok(longest)
    }
}

/// The greedy choice for every row, timed as the sampling section.
fn sample(logits: &Tensor, profiler: &mut Profiler) -> Result<Vec<u32>, InferenceError> {
    let start = profiler.section_start();
    let tokens = greedy(logits)?;
    profiler.end_section(start, Section::Sample);
    Ok(tokens)
}

fn check_token(token: u32, vocab_size: usize) -> Result<(), InferenceError> {
    if (token as usize) < vocab_size {
        Ok(())
    } else {
        Err(InferenceError::TokenOutOfVocabulary { token, vocab_size })
    }
}

/// Lengths are checked against `max_seq_len`, which fits in u32.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}

/// The prefill mask `[batch, 1, 1, seq, seq]`: query `q` of a row sees key
/// `k` when `pad ≤ k ≤ q`. A padding query sees only itself, so its
/// softmax has one finite entry instead of none (which would give NaN).
fn prefill_mask(pads: &[usize], seq: usize) -> Result<Option<Tensor>, InferenceError> {
    if seq == 1 {
        return Ok(None);
    }
    let mut mask = Vec::with_capacity(pads.len() * seq * seq);
    for &pad in pads {
        for q in 0..seq {
            for k in 0..seq {
                let visible = (k >= pad && k <= q) || k == q;
                mask.push(if visible { 0.0f32 } else { f32::NEG_INFINITY });
            }
        }
    }
    Ok(Some(Tensor::from_vec(
        mask,
        (pads.len(), 1, 1, seq, seq),
        &Device::Cpu,
    )?))
}

/// The decode mask `[batch, 1, 1, 1, keys]` hiding each row's padding
/// columns, or `None` when no row is padded.
fn decode_mask(pads: &[usize], keys: usize) -> Result<Option<Tensor>, InferenceError> {
    if pads.iter().all(|&pad| pad == 0) {
        return Ok(None);
    }
    let mut mask = Vec::with_capacity(pads.len() * keys);
    for &pad in pads {
        mask.extend((0..keys).map(|k| if k >= pad { 0.0f32 } else { f32::NEG_INFINITY }));
    }
    Ok(Some(Tensor::from_vec(
        mask,
        (pads.len(), 1, 1, 1, keys),
        &Device::Cpu,
    )?))
}

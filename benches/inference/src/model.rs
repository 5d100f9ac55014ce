//! The decoder itself: a Qwen2/Llama-style transformer over candle-core tensors (RMSNorm, RoPE, grouped-query attention, SwiGLU), its KV cache, and one batched forward pass.
//!
//! Written over candle's tensor operations rather than taken from
//! `candle-transformers`: that crate's Qwen2 model keeps one KV cache and
//! one position offset for the whole batch, so it cannot run prompts of
//! unequal length together, and it would add a large build for a model
//! this file holds in a few hundred lines. The fused CPU kernels come from
//! `candle-nn` (`rms_norm`, `rope`, `softmax_last_dim`, `swiglu`).
//!
//! Batches are left-padded: every row ends at the same column, so the last
//! column holds every sequence's newest token and one decode step appends
//! one column for all rows. Each row has its own rotary positions
//! (counting from its first real token), and the attention mask hides a
//! row's padding columns from every query, so a padded row computes what
//! the same prompt computes alone.

use candle_core::quantized::{GgmlDType, QMatMul, QTensor};
use candle_core::{D, DType, Device, Module, Tensor};

use crate::config::{ModelConfig, WeightFormat};
use crate::error::InferenceError;
use crate::profiler::{Op, Profiler, Section};
use crate::weights::Weights;

/// A weight matrix in either format.
#[derive(Debug, Clone)]
enum Linear {
    /// f32, stored transposed as `[in, out]` (see [`Linear::forward`]).
    Dense(Tensor),
    /// Q8_0, multiplied by candle's quantized matmul.
    Quantized { matmul: QMatMul, bytes: usize },
}

impl Linear {
    /// `weight` is `[out, in]`, as checkpoints store it.
    fn new(weight: &Tensor, format: WeightFormat) -> Result<Self, InferenceError> {
        Ok(match format {
            WeightFormat::F32 => Self::Dense(weight.t()?.contiguous()?),
            WeightFormat::Q8_0 => {
                let quantized = QTensor::quantize(weight, GgmlDType::Q8_0)?;
                let bytes = quantized.storage_size_in_bytes();
                Self::Quantized {
                    matmul: QMatMul::from_qtensor(quantized)?,
                    bytes,
                }
            }
        })
    }

    /// `x` is `[rows, in]`; the result is `[rows, out]`.
    ///
    /// The f32 product is computed transposed, `yᵀ = W · xᵀ`, with `W`
    /// read column-major from the `[in, out]` copy: gemm's microkernel
    /// then runs down the long output dimension in full vectors and
    /// reads the weights column by column, and the few decode rows
    /// become its short dimension. The direct `x · Wᵀ` puts the 1–16
    /// decode rows in gemm's vector (row) dimension, which they fill only
    /// partly; batch 1 takes gemm's matrix-vector path either way. See the README for the measured
    /// difference.
    fn forward(&self, x: &Tensor) -> Result<Tensor, InferenceError> {
        Ok(match self {
            Self::Dense(weight_t) => weight_t.t()?.matmul(&x.t()?)?.t()?.contiguous()?,
            Self::Quantized { matmul, .. } => matmul.forward(x)?,
        })
    }

    /// Rows `ids` of the `[out, in]` matrix, `[ids, in]`: the embedding
    /// lookup of a table tied to the output projection. Q8_0 rows are
    /// dequantized, so an int8 model keeps one copy of the table.
    fn rows(&self, ids: &Tensor) -> Result<Tensor, InferenceError> {
        Ok(match self {
            Self::Dense(weight_t) => weight_t.index_select(ids, 1)?.t()?.contiguous()?,
            Self::Quantized { matmul, .. } => matmul.embedding(ids)?,
        })
    }

    fn bytes(&self) -> usize {
        match self {
            Self::Dense(weight) => weight.elem_count() * DType::F32.size_in_bytes(),
            Self::Quantized { bytes, .. } => *bytes,
        }
    }
}

#[derive(Debug, Clone)]
struct Layer {
    input_norm: Tensor,
    qkv: Linear,
    o_proj: Linear,
    post_norm: Tensor,
    gate_up: Linear,
    down: Linear,
}

/// The decoder with its weights in one format.
#[derive(Debug, Clone)]
pub(crate) struct Model {
    config: ModelConfig,
    format: WeightFormat,
    layers: Vec<Layer>,
    final_norm: Tensor,
    /// The output projection `[vocab, hidden]`, tied to the token
    /// embedding: lookups read its rows.
    lm_head: Linear,
    /// `[max_seq_len, head_dim / 2]` rotary cosines and sines.
    cos: Tensor,
    sin: Tensor,
}

/// Per-row positions and mask of one forward pass.
#[derive(Debug)]
pub(crate) struct PassInputs {
    /// Token ids, `[batch · seq]`, row-major.
    pub ids: Tensor,
    /// Rotary position of every token, `[batch · seq]`.
    pub positions: Tensor,
    /// Additive mask `[batch, 1, 1, seq, keys]` (0 or −∞), or `None` when
    /// nothing needs hiding.
    pub mask: Option<Tensor>,
    pub batch: usize,
    pub seq: usize,
}

/// Keys and values of every layer, preallocated for a fixed number of
/// positions and filled column by column. Not `Clone`: candle tensors
/// share storage when cloned, and the cache is written in place.
#[derive(Debug)]
pub struct KvCache {
    /// Per layer, `[batch, kv_heads, capacity, head_dim]`.
    keys: Vec<Tensor>,
    values: Vec<Tensor>,
    len: usize,
    capacity: usize,
}

impl KvCache {
    pub(crate) fn new(
        config: &ModelConfig,
        batch: usize,
        capacity: usize,
    ) -> Result<Self, InferenceError> {
        let shape = (batch, config.num_kv_heads, capacity, config.head_dim());
        let zeros = || Tensor::zeros(shape, DType::F32, &Device::Cpu);
        let mut keys = Vec::with_capacity(config.num_layers);
        let mut values = Vec::with_capacity(config.num_layers);
        for _ in 0..config.num_layers {
            keys.push(zeros()?);
            values.push(zeros()?);
        }
        Ok(Self {
            keys,
            values,
            len: 0,
            capacity,
        })
    }

    /// Positions filled.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no position is filled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Positions allocated.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes allocated for keys and values of all layers.
    pub fn bytes(&self) -> usize {
        self.keys
            .iter()
            .chain(&self.values)
            .map(|tensor| tensor.elem_count() * DType::F32.size_in_bytes())
            .sum()
    }

    pub(crate) fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

impl Model {
    pub(crate) fn new(weights: &Weights, format: WeightFormat) -> Result<Self, InferenceError> {
        let config = weights.config.clone();
        config.validate()?;
        let layers = weights
            .layers
            .iter()
            .map(|layer| {
                Ok(Layer {
                    input_norm: layer.input_norm.clone(),
                    qkv: Linear::new(&layer.qkv, format)?,
                    o_proj: Linear::new(&layer.o_proj, format)?,
                    post_norm: layer.post_norm.clone(),
                    gate_up: Linear::new(&layer.gate_up, format)?,
                    down: Linear::new(&layer.down, format)?,
                })
            })
            .collect::<Result<Vec<_>, InferenceError>>()?;
        let (cos, sin) = rotary_tables(&config)?;
        Ok(Self {
            lm_head: Linear::new(&weights.embedding, format)?,
            final_norm: weights.final_norm.clone(),
            layers,
            cos,
            sin,
            format,
            config,
        })
    }

    pub(crate) fn config(&self) -> &ModelConfig {
        &self.config
    }

    pub(crate) fn format(&self) -> WeightFormat {
        self.format
    }

    /// Bytes of all weights as stored (the tied embedding once).
    pub(crate) fn weight_bytes(&self) -> usize {
        let f32_bytes = |t: &Tensor| t.elem_count() * DType::F32.size_in_bytes();
        let layers: usize = self
            .layers
            .iter()
            .map(|l| {
                f32_bytes(&l.input_norm)
                    + f32_bytes(&l.post_norm)
                    + l.qkv.bytes()
                    + l.o_proj.bytes()
                    + l.gate_up.bytes()
                    + l.down.bytes()
            })
            .sum();
        self.lm_head.bytes() + layers + f32_bytes(&self.final_norm)
    }

    /// One forward pass over `inputs`, appending its keys and values to
    /// `cache`. Returns the logits of every row's last token,
    /// `[batch, vocab]`, or with `all_positions` of every token,
    /// `[batch · seq, vocab]`.
    pub(crate) fn forward(
        &self,
        inputs: &PassInputs,
        cache: &mut KvCache,
        all_positions: bool,
        profiler: &mut Profiler,
    ) -> Result<Tensor, InferenceError> {
        let (batch, seq) = (inputs.batch, inputs.seq);
        if cache.len + seq > cache.capacity {
            return Err(InferenceError::CacheFull {
                capacity: cache.capacity,
            });
        }
        profiler.begin_pass();

        let start = profiler.section_start();
        let mut x = self.lm_head.rows(&inputs.ids)?;
        let half = self.config.head_dim() / 2;
        let cos = self
            .cos
            .index_select(&inputs.positions, 0)?
            .reshape((batch, seq, half))?;
        let sin = self
            .sin
            .index_select(&inputs.positions, 0)?
            .reshape((batch, seq, half))?;
        profiler.end_section(start, Section::Embed);

        let start = profiler.section_start();
        for (index, layer) in self.layers.iter().enumerate() {
            let layer_start = profiler.layer_start();
            x = self.layer(index, layer, &x, inputs, &cos, &sin, cache, profiler)?;
            profiler.end_layer(layer_start, index, &x)?;
        }
        cache.len += seq;
        profiler.end_section(start, Section::Layers);

        let start = profiler.section_start();
        let x = if all_positions || seq == 1 {
            x
        } else {
            x.reshape((batch, seq, self.config.hidden_size))?
                .narrow(1, seq - 1, 1)?
                .reshape((batch, self.config.hidden_size))?
        };
        let x = candle_nn::ops::rms_norm(&x, &self.final_norm, self.eps())?;
        let logits = self.lm_head.forward(&x)?;
        profiler.end_section(start, Section::Head);
        Ok(logits)
    }

    fn eps(&self) -> f32 {
        self.config.rms_norm_eps as f32
    }

    /// One decoder layer on `x`, `[batch · seq, hidden]`.
    #[allow(clippy::too_many_arguments)]
    fn layer(
        &self,
        index: usize,
        layer: &Layer,
        x: &Tensor,
        inputs: &PassInputs,
        cos: &Tensor,
        sin: &Tensor,
        cache: &mut KvCache,
        profiler: &mut Profiler,
    ) -> Result<Tensor, InferenceError> {
        let config = &self.config;
        let (batch, seq) = (inputs.batch, inputs.seq);
        let (heads, kv_heads, head_dim) =
            (config.num_heads, config.num_kv_heads, config.head_dim());
        let group = config.group_size();

        let start = profiler.op_start();
        let h = candle_nn::ops::rms_norm(x, &layer.input_norm, self.eps())?;
        let qkv = layer.qkv.forward(&h)?;
        let split = |offset: usize, n_heads: usize| -> Result<Tensor, InferenceError> {
            Ok(qkv
                .narrow(1, offset * head_dim, n_heads * head_dim)?
                .reshape((batch, seq, n_heads, head_dim))?
                .transpose(1, 2)?
                .contiguous()?)
        };
        let q = split(0, heads)?;
        let k = split(heads, kv_heads)?;
        let v = split(heads + kv_heads, kv_heads)?;
        profiler.end_op(start, index, Op::QkvProjection);

        let start = profiler.op_start();
        let q = candle_nn::rotary_emb::rope(&q, cos, sin)?;
        let k = candle_nn::rotary_emb::rope(&k, cos, sin)?;
        let offset = cache.len;
        cache.keys[index].slice_set(&k, 2, offset)?;
        cache.values[index].slice_set(&v, 2, offset)?;
        let keys = cache.keys[index].narrow(2, 0, offset + seq)?;
        let values = cache.values[index].narrow(2, 0, offset + seq)?;
        profiler.end_op(start, index, Op::Rope);

        // Grouped-query attention without copying keys and values per
        // query head: the `group` query heads sharing a key/value head are
        // stacked as extra query rows of that head.
        let start = profiler.op_start();
        let key_len = offset + seq;
        let scale = 1.0 / (head_dim as f64).sqrt();
        let q = q
            .affine(scale, 0.0)?
            .reshape((batch, kv_heads, group * seq, head_dim))?;
        let mut scores = q.matmul(&keys.t()?)?;
        if let Some(mask) = &inputs.mask {
            scores = scores
                .reshape((batch, kv_heads, group, seq, key_len))?
                .broadcast_add(mask)?
                .reshape((batch, kv_heads, group * seq, key_len))?;
        }
        profiler.end_op(start, index, Op::QkT);

        let start = profiler.op_start();
        let probabilities = candle_nn::ops::softmax_last_dim(&scores)?;
        profiler.end_op(start, index, Op::Softmax);

        let start = profiler.op_start();
        let attention = probabilities
            .matmul(&values)?
            .reshape((batch, heads, seq, head_dim))?
            .transpose(1, 2)?
            .reshape((batch * seq, heads * head_dim))?;
        profiler.end_op(start, index, Op::AttentionV);

        let start = profiler.op_start();
        let x = (x + layer.o_proj.forward(&attention)?)?;
        profiler.end_op(start, index, Op::OutProjection);

        let start = profiler.op_start();
        let h = candle_nn::ops::rms_norm(&x, &layer.post_norm, self.eps())?;
        let activation = candle_nn::ops::swiglu(&layer.gate_up.forward(&h)?)?;
        let out = (&x + layer.down.forward(&activation)?)?;
        profiler.end_op(start, index, Op::Mlp);

        if profiler.deep() {
            profiler.record_deep_stats(index, &probabilities, &activation)?;
        }
        Ok(out)
    }
}

/// Rotary cosine and sine tables, `[max_seq_len, head_dim / 2]`, with the
/// half-split layout of Hugging Face's Llama/Qwen2 (`candle_nn::rotary_emb::rope`).
fn rotary_tables(config: &ModelConfig) -> Result<(Tensor, Tensor), InferenceError> {
    let head_dim = config.head_dim();
    let inv_freq: Vec<f32> = (0..head_dim / 2)
        .map(|i| 1.0 / config.rope_theta.powf(2.0 * i as f64 / head_dim as f64) as f32)
        .collect();
    let inv_freq = Tensor::from_vec(inv_freq, (1, head_dim / 2), &Device::Cpu)?;
    let positions: Vec<f32> = (0..config.max_seq_len).map(|p| p as f32).collect();
    let positions = Tensor::from_vec(positions, (config.max_seq_len, 1), &Device::Cpu)?;
    let angles = positions.broadcast_mul(&inv_freq)?;
    Ok((angles.cos()?, angles.sin()?))
}

/// Index of the largest logit of every row of `[rows, vocab]` logits: the
/// greedy choice.
pub fn greedy(logits: &Tensor) -> Result<Vec<u32>, InferenceError> {
    Ok(logits.argmax(D::Minus1)?.to_vec1::<u32>()?)
}

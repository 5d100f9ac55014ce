//! [`ModelConfig`] (the decoder's shape) and [`WeightFormat`] (f32 or int8 weights).

use crate::error::InferenceError;

/// Block size of candle's Q8_0 format: weights are quantized in runs of 32
/// along the input dimension, so every matmul input width must be a
/// multiple of it.
pub const Q8_0_BLOCK: usize = 32;

/// The shape of a Qwen2/Llama-style decoder: RMSNorm, rotary position
/// embeddings, grouped-query attention and a SwiGLU MLP, with the token
/// embedding tied to the output projection (as in Qwen2's small models).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    /// Tokens in the vocabulary: the tokenizer's, so every id it produces
    /// has an embedding row.
    pub vocab_size: usize,
    /// Width of the residual stream.
    pub hidden_size: usize,
    /// Width of the MLP's gate and up projections.
    pub intermediate_size: usize,
    /// Decoder layers.
    pub num_layers: usize,
    /// Query heads.
    pub num_heads: usize,
    /// Key/value heads; each serves `num_heads / num_kv_heads` query heads.
    pub num_kv_heads: usize,
    /// Base of the rotary frequencies.
    pub rope_theta: f64,
    /// RMSNorm's epsilon.
    pub rms_norm_eps: f64,
    /// Longest sequence (prompt plus generated tokens) the rotary tables
    /// cover.
    pub max_seq_len: usize,
    /// Seed of the deterministic random weights.
    pub seed: u64,
}

/// Seed of the weights of both presets, so a preset means one model.
pub const DEFAULT_WEIGHT_SEED: u64 = 0x1AFE_4E5C_0000_0004;

/// Qwen2's rotary base.
pub const QWEN2_ROPE_THETA: f64 = 1_000_000.0;

/// Qwen2's RMSNorm epsilon.
pub const QWEN2_RMS_NORM_EPS: f64 = 1e-6;

impl ModelConfig {
    /// The benchmarked model: hidden 512, 4 layers, 8 query heads of 64
    /// over 2 key/value heads (Qwen2's 4:1 grouping), MLP 1536 (3×), about
    /// 22.6 M parameters (90 MB in f32, 24 MB in Q8_0). Every matmul input
    /// width is a multiple of 256 and every output width a multiple of 16,
    /// the shapes candle's repacked AVX-512-VNNI Q8_0 kernels take; a
    /// width like 384 would send int8 down candle's generic path. At 90 MB
    /// the f32 weights do not fit the test machine's 32 MiB L3, so decode
    /// at batch 1 streams weights from memory, as a real model's does.
    pub fn small(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            hidden_size: 512,
            intermediate_size: 1536,
            num_layers: 4,
            num_heads: 8,
            num_kv_heads: 2,
            rope_theta: QWEN2_ROPE_THETA,
            rms_norm_eps: QWEN2_RMS_NORM_EPS,
            max_seq_len: 1024,
            seed: DEFAULT_WEIGHT_SEED,
        }
    }

    /// The tests' model: the same architecture at hidden 256, 2 layers, 4
    /// query heads over 2 key/value heads (still grouped), MLP 512. Widths
    /// stay multiples of 256 so int8 takes the same kernels as
    /// [`ModelConfig::small`]; debug-build tests stay fast.
    pub fn tiny(vocab_size: usize) -> Self {
        Self {
            vocab_size,
            hidden_size: 256,
            intermediate_size: 512,
            num_layers: 2,
            num_heads: 4,
            num_kv_heads: 2,
            rope_theta: QWEN2_ROPE_THETA,
            rms_norm_eps: QWEN2_RMS_NORM_EPS,
            max_seq_len: 512,
            seed: DEFAULT_WEIGHT_SEED,
        }
    }

    /// Width of one attention head.
    pub fn head_dim(&self) -> usize {
        self.hidden_size / self.num_heads.max(1)
    }

    /// Query heads per key/value head.
    pub fn group_size(&self) -> usize {
        self.num_heads / self.num_kv_heads.max(1)
    }

    /// Parameters of the model (the tied embedding counted once).
    pub fn parameter_count(&self) -> usize {
        let h = self.hidden_size;
        let kv = self.num_kv_heads * self.head_dim();
        let attention = h * (h + 2 * kv) + h * h;
        let mlp = 3 * h * self.intermediate_size;
        let norms = 2 * h;
        self.vocab_size * h + self.num_layers * (attention + mlp + norms) + h
    }

    /// Checks that the shapes fit together.
    pub fn validate(&self) -> Result<(), InferenceError> {
        let fail = |message: String| Err(InferenceError::InvalidConfig(message));
        if self.vocab_size == 0 || self.num_layers == 0 || self.max_seq_len == 0 {
            return fail("vocabulary, layers and maximum length must be positive".into());
        }
        if self.num_heads == 0 || self.num_kv_heads == 0 {
            return fail("head counts must be positive".into());
        }
        if self.hidden_size % self.num_heads != 0 {
            return fail(format!(
                "hidden size {} is not a multiple of {} heads",
                self.hidden_size, self.num_heads
            ));
        }
        if self.num_heads % self.num_kv_heads != 0 {
            return fail(format!(
                "{} query heads cannot be grouped over {} key/value heads",
                self.num_heads, self.num_kv_heads
            ));
        }
        if self.head_dim() % 2 != 0 {
            return fail(format!(
                "head width {} must be even for RoPE",
                self.head_dim()
            ));
        }
        if self.hidden_size % Q8_0_BLOCK != 0 || self.intermediate_size % Q8_0_BLOCK != 0 {
            return fail(format!(
                "hidden and intermediate sizes must be multiples of {Q8_0_BLOCK} (the Q8_0 block)"
            ));
        }
        if u32::try_from(self.vocab_size).is_err() || u32::try_from(self.max_seq_len).is_err() {
            return fail("vocabulary and maximum length must fit in u32".into());
        }
        Ok(())
    }
}

/// How the matmul weights (and the tied embedding table) are stored.
/// Norm scales stay f32 in both formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WeightFormat {
    /// 32-bit floats, multiplied with candle's gemm.
    F32,
    /// GGML Q8_0 (8-bit integers with one f16 scale per 32 weights),
    /// multiplied with candle's quantized matmul.
    Q8_0,
}

impl WeightFormat {
    /// Both formats, f32 first.
    pub const ALL: [WeightFormat; 2] = [Self::F32, Self::Q8_0];

    /// Name in benchmark ids and reports.
    pub fn name(self) -> &'static str {
        match self {
            Self::F32 => "f32",
            Self::Q8_0 => "int8",
        }
    }
}

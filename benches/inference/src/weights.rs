//! [`Weights`]: the model's deterministic random f32 weights, generated from a seed so every machine builds the same model without downloading one.
//!
//! Timing does not depend on weight values, so random weights of the right
//! shapes cost what a trained model of that shape costs. The values are
//! uniform with standard deviation `1/sqrt(fan_in)` (the usual scaled
//! initialisation), which keeps activations and logits of order one
//! through the layers, so int8 rounding and masking errors show up at the
//! scale a trained model would see them.

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::config::ModelConfig;
use crate::error::InferenceError;

/// The f32 weights of one decoder layer. Matrices are `[out, in]`, as in
/// PyTorch checkpoints.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    /// RMSNorm scale before attention, `[hidden]`.
    pub input_norm: Tensor,
    /// Fused query, key and value projection, `[(heads + 2 kv_heads) · head_dim, hidden]`.
    pub qkv: Tensor,
    /// Attention output projection, `[hidden, hidden]`.
    pub o_proj: Tensor,
    /// RMSNorm scale before the MLP, `[hidden]`.
    pub post_norm: Tensor,
    /// Fused gate and up projections, `[2 · intermediate, hidden]`: the
    /// gate's rows first, as `candle_nn::ops::swiglu` splits them.
    pub gate_up: Tensor,
    /// MLP down projection, `[hidden, intermediate]`.
    pub down: Tensor,
}

/// Every f32 weight of the model.
#[derive(Debug, Clone)]
pub struct Weights {
    /// The configuration the weights were generated for.
    pub config: ModelConfig,
    /// Token embedding, `[vocab, hidden]`; tied to the output projection.
    pub embedding: Tensor,
    /// The decoder layers.
    pub layers: Vec<LayerWeights>,
    /// Final RMSNorm scale, `[hidden]`.
    pub final_norm: Tensor,
}

impl Weights {
    /// Generates the weights of `config` from `config.seed`.
    pub fn generate(config: &ModelConfig) -> Result<Self, InferenceError> {
        config.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let h = config.hidden_size;
        let kv = config.num_kv_heads * config.head_dim();
        let inter = config.intermediate_size;
        let ones = || Tensor::ones(h, candle_core::DType::F32, &Device::Cpu);
        let embedding = uniform(&mut rng, config.vocab_size, h)?;
        let mut layers = Vec::with_capacity(config.num_layers);
        for _ in 0..config.num_layers {
            layers.push(LayerWeights {
                input_norm: ones()?,
                qkv: uniform(&mut rng, h + 2 * kv, h)?,
                o_proj: uniform(&mut rng, h, h)?,
                post_norm: ones()?,
                gate_up: uniform(&mut rng, 2 * inter, h)?,
                down: uniform(&mut rng, h, inter)?,
            });
        }
        Ok(Self {
            config: config.clone(),
            embedding,
            layers,
            final_norm: ones()?,
        })
    }
}

/// An `[out, fan_in]` matrix uniform on `±sqrt(3 / fan_in)` (standard
/// deviation `1/sqrt(fan_in)`).
fn uniform(rng: &mut ChaCha8Rng, out: usize, fan_in: usize) -> Result<Tensor, InferenceError> {
    let bound = (3.0 / fan_in as f64).sqrt() as f32;
    let values: Vec<f32> = (0..out * fan_in)
        .map(|_| rng.random_range(-bound..bound))
        .collect();
    Ok(Tensor::from_vec(values, (out, fan_in), &Device::Cpu)?)
}

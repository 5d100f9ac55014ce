//! Deterministic weights of a stack and deterministic inputs: seeded generators, so every machine builds and feeds the same network.

use ndarray::{Array1, Array2, Array3};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::{SpikingError, StackConfig};

/// One block's linear projection, in PyTorch's `nn.Linear` layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Linear {
    /// `[out_features, in_features]`, row-major.
    pub weight: Array2<f32>,
    /// `[out_features]`.
    pub bias: Array1<f32>,
}

/// The projections of every block of a stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackWeights {
    pub blocks: Vec<Linear>,
}

impl StackWeights {
    /// Weights of `config`: uniform in `±weight_gain / sqrt(hidden_size)`
    /// (PyTorch's `nn.Linear` initialisation, scaled), drawn block by
    /// block, weight then bias, from a ChaCha8 stream seeded with
    /// `config.weight_seed`.
    pub fn generate(config: &StackConfig) -> Result<Self, SpikingError> {
        config.validate()?;
        let h = config.hidden_size;
        let bound = config.weight_gain / (h as f32).sqrt();
        let mut rng = ChaCha8Rng::seed_from_u64(config.weight_seed);
        let blocks = (0..config.num_blocks)
            .map(|_| {
                let weight =
                    Array2::from_shape_simple_fn((h, h), || rng.random_range(-bound..bound));
                let bias = Array1::from_shape_simple_fn(h, || rng.random_range(-bound..bound));
                Linear { weight, bias }
            })
            .collect();
        Ok(Self { blocks })
    }
}

/// A `[batch, width]` input of standard-normal currents, as the seed's
/// `torch.randn(batch, 256)`.
pub fn random_input(batch: usize, width: usize, seed: u64) -> Array2<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array2::from_shape_simple_fn((batch, width), || rng.sample(StandardNormal))
}

/// A `[timesteps, batch, width]` sequence of standard-normal inputs.
pub fn random_sequence(timesteps: usize, batch: usize, width: usize, seed: u64) -> Array3<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Array3::from_shape_simple_fn((timesteps, batch, width), || rng.sample(StandardNormal))
}

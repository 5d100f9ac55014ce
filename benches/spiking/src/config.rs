//! Configuration of a cortical stack: sizes, the leaky integrate-and-fire parameters and the weight initialisation.

use crate::SpikingError;

/// Blocks in the stack of the seed's profiling script
/// (`CorticalStack(num_blocks=6, hidden_size=256)`); its tuning advice
/// lowers it to 3.
pub const SEED_NUM_BLOCKS: usize = 6;

/// Neurons per block (and input width) in the seed's profiling script.
pub const SEED_HIDDEN_SIZE: usize = 256;

/// Membrane decay per step. 0.9 is the value snnTorch's tutorials use for
/// `Leaky` (a membrane time constant of about ten steps).
pub const DEFAULT_BETA: f32 = 0.9;

/// Firing threshold: snnTorch's and norse's default of 1.0.
pub const DEFAULT_THRESHOLD: f32 = 1.0;

/// Synaptic current decay per step when the synapse is on: snnTorch's
/// `Synaptic` tutorial value, a current time constant shorter than the
/// membrane's.
pub const DEFAULT_ALPHA: f32 = 0.8;

/// Scale of the uniform weight initialisation relative to PyTorch's
/// `nn.Linear` default (bound 1/sqrt(fan_in)). Deeper blocks receive
/// binary spikes at a rate of 10–30 %, whose summed current under the
/// PyTorch bound is too weak to reach the threshold, so activity would die
/// out after the first block and the benchmark would time a silent network.
/// With this gain every block of the default 6-block stack keeps firing
/// (measured rates are in the README and asserted by a test).
pub const DEFAULT_WEIGHT_GAIN: f32 = 6.0;

/// Seed of the weight generator: any fixed value; fixed so that every
/// machine builds the same network.
pub const DEFAULT_WEIGHT_SEED: u64 = 0x5EED_C0A7;

/// How the membrane potential is reset after a spike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    /// Subtract the threshold (snnTorch `reset_mechanism="subtract"`):
    /// charge above the threshold carries over.
    Subtract,
    /// Set the membrane to zero (snnTorch `reset_mechanism="zero"`, norse
    /// with `v_reset = 0`).
    Zero,
}

/// Parameters of the leaky integrate-and-fire neurons, shared by every
/// neuron of every block.
///
/// One step of one neuron, with input current `x` (the block's linear
/// projection):
///
/// ```text
/// i   = alpha * i + x          (only with a synapse; otherwise i = x)
/// v   = beta * v + i
/// s   = 1 if v > threshold else 0
/// v   = v - s * threshold      (Reset::Subtract)
/// v   = (1 - s) * v            (Reset::Zero)
/// ```
///
/// The reset uses the spike of the **same** step, so the stored membrane
/// is always post-reset (norse's `lif_feed_forward_step` order). snnTorch's
/// `Leaky` by default applies the reset one step later (it subtracts
/// `reset * threshold` computed from the previous membrane inside the next
/// update); the two produce the same spikes only when `beta = 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LifParams {
    /// Membrane decay per step, in `[0, 1]`.
    pub beta: f32,
    /// Firing threshold, finite and positive.
    pub threshold: f32,
    pub reset: Reset,
    /// Synaptic current decay per step, in `[0, 1]`; `None` feeds the
    /// projection straight into the membrane (snnTorch `Leaky`), `Some`
    /// adds a current state (snnTorch `Synaptic`, norse `LIFCell`).
    pub synapse_alpha: Option<f32>,
}

impl Default for LifParams {
    fn default() -> Self {
        Self {
            beta: DEFAULT_BETA,
            threshold: DEFAULT_THRESHOLD,
            reset: Reset::Subtract,
            synapse_alpha: None,
        }
    }
}

impl LifParams {
    /// Checks the ranges documented on the fields.
    pub fn validate(&self) -> Result<(), SpikingError> {
        let unit = |field, value: f32| {
            if (0.0..=1.0).contains(&value) {
                Ok(())
            } else {
                Err(SpikingError::InvalidConfig {
                    field,
                    value: value.to_string(),
                    reason: "a decay must lie in [0, 1]",
                })
            }
        };
        unit("beta", self.beta)?;
        if let Some(alpha) = self.synapse_alpha {
            unit("synapse_alpha", alpha)?;
        }
        if !(self.threshold.is_finite() && self.threshold > 0.0) {
            return Err(SpikingError::InvalidConfig {
                field: "threshold",
                value: self.threshold.to_string(),
                reason: "the threshold must be finite and positive",
            });
        }
        Ok(())
    }
}

/// Shape, neuron model and weights of a cortical stack.
#[derive(Debug, Clone, PartialEq)]
pub struct StackConfig {
    /// Blocks, each a linear projection and a layer of LIF neurons.
    pub num_blocks: usize,
    /// Neurons per block; also the width of the stack's input.
    pub hidden_size: usize,
    pub lif: LifParams,
    /// Weights and biases are drawn uniformly from
    /// `±weight_gain / sqrt(hidden_size)`.
    pub weight_gain: f32,
    /// Seed of the weight generator.
    pub weight_seed: u64,
}

impl Default for StackConfig {
    /// The seed's stack: 6 blocks of 256 neurons.
    fn default() -> Self {
        Self {
            num_blocks: SEED_NUM_BLOCKS,
            hidden_size: SEED_HIDDEN_SIZE,
            lif: LifParams::default(),
            weight_gain: DEFAULT_WEIGHT_GAIN,
            weight_seed: DEFAULT_WEIGHT_SEED,
        }
    }
}

impl StackConfig {
    /// Checks sizes, the weight gain and the neuron parameters.
    pub fn validate(&self) -> Result<(), SpikingError> {
        for (field, value) in [
            ("num_blocks", self.num_blocks),
            ("hidden_size", self.hidden_size),
        ] {
            if value == 0 {
                return Err(SpikingError::InvalidConfig {
                    field,
                    value: value.to_string(),
                    reason: "must be at least 1",
                });
            }
        }
        if !(self.weight_gain.is_finite() && self.weight_gain > 0.0) {
            return Err(SpikingError::InvalidConfig {
                field: "weight_gain",
                value: self.weight_gain.to_string(),
                reason: "must be finite and positive",
            });
        }
        self.lif.validate()
    }

    /// Multiply-adds of the projections of one step at `batch`: the flop
    /// count (×2) the matrix-multiply reference is compared at.
    pub fn step_macs(&self, batch: usize) -> u64 {
        (self.num_blocks * batch * self.hidden_size * self.hidden_size) as u64
    }
}

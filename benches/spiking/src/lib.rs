//! A stack of spiking cortical blocks (linear projection + leaky integrate-and-fire neurons): the `spiking` workload of benchgate.
//!
//! The seed's serving stack runs a `CorticalStack(num_blocks=6,
//! hidden_size=256)` beside a language model: every call feeds a
//! `[batch, 256]` input through the blocks, each a linear projection
//! followed by a layer of leaky integrate-and-fire (LIF) neurons with a
//! hidden state (membrane potential, optionally synaptic current) that
//! persists between calls, and returns the last block's spikes. Its
//! troubleshooting guide names "spiking block not vectorized" as a cause of
//! slow inference and lowers `num_blocks` from 6 to 3 as a remedy. This
//! crate is that stack, twice:
//!
//! * [`LoopStack`]: f32 arrays, the projections through `matrixmultiply`'s
//!   sgemm (via ndarray) or row-by-row mat-vec products, the neurons in
//!   one fused, vectorised pass, large products split over rayon's threads
//!   by output neurons;
//! * [`CandleStack`]: candle CPU tensors, the projections through
//!   `Tensor::matmul` (the `gemm` crate), the neurons as tensor ops.
//!
//! Both share the weights ([`StackWeights`], generated from a seed) and
//! the update rule ([`LifParams`]) and agree to rounding. [`CorticalStack`]
//! names the faster one, the default ([`DEFAULT_IMPLEMENTATION`]).
//!
//! ```
//! use spiking::{CorticalStack, LoopOptions, StackConfig, random_input};
//!
//! let stack = CorticalStack::new(StackConfig::default(), LoopOptions::default())?;
//! let mut hidden = stack.init_hidden_state(8);
//! let x = random_input(8, 256, 1);
//! let spikes = stack.step(x.view(), &mut hidden)?;
//! assert_eq!(spikes.dim(), (8, 256));
//! assert!(spikes.iter().all(|&s| s == 0.0 || s == 1.0));
//! # Ok::<(), spiking::SpikingError>(())
//! ```

pub mod candle_stack;
pub mod config;
pub mod error;
pub mod lif;
pub mod loops;
pub mod project;
pub mod weights;

pub use candle_stack::{
    CandleBlockState, CandleHidden, CandleStack, array_to_tensor, array3_to_tensor,
    tensor_to_array, tensor_to_array3,
};
pub use config::{LifParams, Reset, StackConfig};
pub use error::SpikingError;
pub use loops::{BlockState, LoopHidden, LoopOptions, LoopStack, Threading};
pub use weights::{Linear, StackWeights, random_input, random_sequence};

/// The two implementations of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implementation {
    /// [`LoopStack`].
    Loops,
    /// [`CandleStack`].
    Candle,
}

/// The implementation [`CorticalStack`] names: the loops, measured faster
/// than candle at every benchmarked batch size and sequence length (see
/// the crate README for the numbers).
pub const DEFAULT_IMPLEMENTATION: Implementation = Implementation::Loops;

/// The default implementation of the stack ([`DEFAULT_IMPLEMENTATION`]).
pub type CorticalStack = LoopStack;

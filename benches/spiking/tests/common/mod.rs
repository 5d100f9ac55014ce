//! Helpers shared by the integration tests: small stacks with chosen weights and comparisons that tolerate matrix-multiply rounding.

#![allow(dead_code)]

use ndarray::{Array1, Array2, ArrayView2};
use spiking::{CandleStack, LifParams, Linear, LoopOptions, LoopStack, StackConfig, StackWeights};

/// A one-block stack of `width` neurons whose projection is the identity
/// (weight I, bias 0), so each neuron sees exactly its own input: the
/// neuron dynamics can be checked against sequences computed by hand.
pub fn identity_config(width: usize, lif: LifParams) -> (StackConfig, StackWeights) {
    let config = StackConfig {
        num_blocks: 1,
        hidden_size: width,
        lif,
        ..StackConfig::default()
    };
    let weights = StackWeights {
        blocks: vec![Linear {
            weight: Array2::eye(width),
            bias: Array1::zeros(width),
        }],
    };
    (config, weights)
}

/// Both implementations of the identity stack.
pub fn identity_stacks(width: usize, lif: LifParams) -> (LoopStack, CandleStack) {
    let (config, weights) = identity_config(width, lif);
    let loops = LoopStack::from_weights(config.clone(), weights.clone(), LoopOptions::SERIAL)
        .expect("valid identity stack");
    let candle = CandleStack::from_weights(config, &weights).expect("valid identity stack");
    (loops, candle)
}

/// A small random stack for behaviour tests: fast in the debug profile.
pub fn small_config(lif: LifParams) -> StackConfig {
    StackConfig {
        num_blocks: 3,
        hidden_size: 48,
        lif,
        ..StackConfig::default()
    }
}

/// Largest absolute difference between two arrays of the same shape.
pub fn max_abs_diff(a: ArrayView2<'_, f32>, b: ArrayView2<'_, f32>) -> f32 {
    assert_eq!(a.dim(), b.dim(), "shapes differ");
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Two implementations' matrix products sum in different orders, so
/// membranes agree to rounding (a few ulps of values of order 1–10).
pub const MEMBRANE_TOLERANCE: f32 = 1e-4;

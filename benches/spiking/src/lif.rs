//! The leaky integrate-and-fire update as one fused pass over flat f32 slices: the neuron layer of the loop implementation and the reference the tests check by hand.

use crate::{LifParams, Reset};

/// One LIF step for a run of neurons, in place.
///
/// `current` holds the block's projected input on entry and the spikes
/// (`0.0` or `1.0`) on return, so no scratch buffer is needed; `membrane`
/// and, with a synapse, `synapse` are the neurons' state. All slices have
/// the same length (the caller's shapes guarantee it; a shorter slice
/// simply bounds the pass). The update rule is documented on
/// [`LifParams`].
pub fn lif_step(
    params: &LifParams,
    current: &mut [f32],
    membrane: &mut [f32],
    synapse: Option<&mut [f32]>,
) {
    // One monomorphic loop per (reset, synapse) pair keeps the branch out
    // of the element loop, so the compiler vectorises each variant.
    match (params.reset, synapse, params.synapse_alpha) {
        (Reset::Subtract, Some(syn), Some(alpha)) => {
            lif_synaptic::<false>(params, alpha, current, membrane, syn)
        }
        (Reset::Zero, Some(syn), Some(alpha)) => {
            lif_synaptic::<true>(params, alpha, current, membrane, syn)
        }
        (Reset::Subtract, _, _) => lif_leaky::<false>(params, current, membrane),
        (Reset::Zero, _, _) => lif_leaky::<true>(params, current, membrane),
    }
}

/// Threshold and reset of one neuron: `(spike, membrane after reset)`.
///
/// Written as selects rather than arithmetic on the spike so that a zero
/// reset yields exactly `0.0` (as candle's `where_cond` does), and both
/// lower to vector blends.
#[inline(always)]
fn fire<const ZERO_RESET: bool>(v: f32, threshold: f32) -> (f32, f32) {
    let fired = v > threshold;
    let after = if !fired {
        v
    } else if ZERO_RESET {
        0.0
    } else {
        v - threshold
    };
    (if fired { 1.0 } else { 0.0 }, after)
}

fn lif_leaky<const ZERO_RESET: bool>(
    params: &LifParams,
    current: &mut [f32],
    membrane: &mut [f32],
) {
    let (beta, threshold) = (params.beta, params.threshold);
    for (x, v) in current.iter_mut().zip(membrane.iter_mut()) {
        let (spike, after) = fire::<ZERO_RESET>(beta * *v + *x, threshold);
        *v = after;
        *x = spike;
    }
}

fn lif_synaptic<const ZERO_RESET: bool>(
    params: &LifParams,
    alpha: f32,
    current: &mut [f32],
    membrane: &mut [f32],
    synapse: &mut [f32],
) {
    let (beta, threshold) = (params.beta, params.threshold);
    for ((x, v), i) in current
        .iter_mut()
        .zip(membrane.iter_mut())
        .zip(synapse.iter_mut())
    {
        *i = alpha * *i + *x;
        let (spike, after) = fire::<ZERO_RESET>(beta * *v + *i, threshold);
        *v = after;
        *x = spike;
    }
}

//! LIF dynamics of both implementations against sequences computed by hand: decay below threshold, crossing, each reset rule, the synaptic current.

mod common;

use common::identity_stacks;
use ndarray::Array2;
use spiking::{LifParams, Reset, array_to_tensor, tensor_to_array};

/// Feeds `inputs` (one value per step) to a one-neuron identity stack of
/// each implementation; returns `(spike, membrane)` per step, checking the
/// two implementations agree exactly.
fn simulate(lif: LifParams, inputs: &[f32]) -> Vec<(f32, f32)> {
    let (loops, candle) = identity_stacks(1, lif);
    let mut loop_hidden = loops.init_hidden_state(1);
    let mut candle_hidden = candle.init_hidden_state(1).expect("state");
    inputs
        .iter()
        .map(|&x| {
            let x = Array2::from_elem((1, 1), x);
            let spike = loops.step(x.view(), &mut loop_hidden).expect("step")[[0, 0]];
            let membrane = loop_hidden.blocks()[0].membrane()[[0, 0]];
            let tensor = array_to_tensor(x.view(), candle.device()).expect("tensor");
            let candle_spike =
                tensor_to_array(&candle.step(&tensor, &mut candle_hidden).expect("step"))
                    .expect("array")[[0, 0]];
            let candle_membrane =
                tensor_to_array(&candle_hidden.blocks()[0].membrane).expect("array")[[0, 0]];
            assert_eq!(
                (spike, membrane),
                (candle_spike, candle_membrane),
                "implementations differ"
            );
            (spike, membrane)
        })
        .collect()
}

fn leaky(beta: f32, threshold: f32, reset: Reset) -> LifParams {
    LifParams {
        beta,
        threshold,
        reset,
        synapse_alpha: None,
    }
}

fn assert_sequence(got: &[(f32, f32)], expected: &[(f32, f32)]) {
    assert_eq!(got.len(), expected.len());
    for (step, (g, e)) in got.iter().zip(expected).enumerate() {
        assert_eq!(
            g.0, e.0,
            "spike at step {step}: got {got:?}, expected {expected:?}"
        );
        assert!(
            (g.1 - e.1).abs() < 1e-6,
            "membrane at step {step}: got {got:?}, expected {expected:?}"
        );
    }
}

#[test]
fn below_threshold_the_membrane_decays_geometrically() {
    // v = 0.5 v + x: one pulse of 0.8, then nothing.
    let got = simulate(leaky(0.5, 1.0, Reset::Subtract), &[0.8, 0.0, 0.0, 0.0]);
    assert_sequence(&got, &[(0.0, 0.8), (0.0, 0.4), (0.0, 0.2), (0.0, 0.1)]);
}

#[test]
fn constant_input_crosses_the_threshold_and_subtract_keeps_the_excess() {
    // 0.6; 0.3 + 0.6 = 0.9; 0.45 + 0.6 = 1.05 > 1 → spike, 1.05 - 1 = 0.05;
    // 0.025 + 0.6 = 0.625.
    let got = simulate(leaky(0.5, 1.0, Reset::Subtract), &[0.6; 4]);
    assert_sequence(&got, &[(0.0, 0.6), (0.0, 0.9), (1.0, 0.05), (0.0, 0.625)]);
}

#[test]
fn zero_reset_clears_the_membrane() {
    // Same crossing as above; after the spike the membrane is 0, so the
    // next step holds only the new input.
    let got = simulate(leaky(0.5, 1.0, Reset::Zero), &[0.6; 4]);
    assert_sequence(&got, &[(0.0, 0.6), (0.0, 0.9), (1.0, 0.0), (0.0, 0.6)]);
}

#[test]
fn strong_input_fires_every_step_under_subtract_reset() {
    // 2.5 > 1 → 1.5; 0.75 + 2.5 = 3.25 → 2.25; 1.125 + 2.5 = 3.625 → 2.625.
    let got = simulate(leaky(0.5, 1.0, Reset::Subtract), &[2.5; 3]);
    assert_sequence(&got, &[(1.0, 1.5), (1.0, 2.25), (1.0, 2.625)]);
}

#[test]
fn reaching_the_threshold_exactly_does_not_fire() {
    // spike = v > threshold, strictly (snnTorch's heaviside of v - threshold
    // is 0 at 0 as well).
    let got = simulate(leaky(0.5, 1.0, Reset::Subtract), &[1.0, 0.5]);
    assert_sequence(&got, &[(0.0, 1.0), (0.0, 1.0)]);
}

#[test]
fn without_decay_the_membrane_integrates() {
    // beta = 1: a perfect integrator, 0.25 per step, firing past 1.
    let got = simulate(leaky(1.0, 1.0, Reset::Subtract), &[0.25; 5]);
    assert_sequence(
        &got,
        &[
            (0.0, 0.25),
            (0.0, 0.5),
            (0.0, 0.75),
            (0.0, 1.0),
            (1.0, 0.25),
        ],
    );
}

#[test]
fn synaptic_current_spreads_a_pulse_over_later_steps() {
    // i = 0.5 i + x, v = 0.5 v + i, threshold 1.5, one pulse of 2:
    // i: 2, 1, 0.5, 0.25; v: 2 → spike → 0.5; 0.25 + 1 = 1.25;
    // 0.625 + 0.5 = 1.125; 0.5625 + 0.25 = 0.8125.
    let lif = LifParams {
        beta: 0.5,
        threshold: 1.5,
        reset: Reset::Subtract,
        synapse_alpha: Some(0.5),
    };
    let got = simulate(lif, &[2.0, 0.0, 0.0, 0.0]);
    assert_sequence(
        &got,
        &[(1.0, 0.5), (0.0, 1.25), (0.0, 1.125), (0.0, 0.8125)],
    );

    // The same pulse without the synapse leaves nothing for later steps.
    let got = simulate(leaky(0.5, 1.5, Reset::Subtract), &[2.0, 0.0, 0.0, 0.0]);
    assert_sequence(
        &got,
        &[(1.0, 0.5), (0.0, 0.25), (0.0, 0.125), (0.0, 0.0625)],
    );
}

#[test]
fn synaptic_current_with_zero_reset() {
    // i: 1, 1.5, 1.75; v: 1; 0.5 + 1.5 = 2 → spike → 0; 0 + 1.75 → spike → 0.
    let lif = LifParams {
        beta: 0.5,
        threshold: 1.5,
        reset: Reset::Zero,
        synapse_alpha: Some(0.5),
    };
    let got = simulate(lif, &[1.0, 1.0, 1.0]);
    assert_sequence(&got, &[(0.0, 1.0), (1.0, 0.0), (1.0, 0.0)]);
}

#[test]
fn neurons_of_one_block_are_independent() {
    // Three neurons, three different inputs, one step of the identity
    // stack: each follows its own one-neuron sequence.
    let (loops, _) = identity_stacks(3, leaky(0.5, 1.0, Reset::Zero));
    let mut hidden = loops.init_hidden_state(1);
    let x = Array2::from_shape_vec((1, 3), vec![0.5, 1.5, -2.0]).expect("shape");
    let spikes = loops.step(x.view(), &mut hidden).expect("step").to_owned();
    assert_eq!(spikes.as_slice(), Some(&[0.0, 1.0, 0.0][..]));
    assert_eq!(
        hidden.blocks()[0].membrane().as_slice(),
        Some(&[0.5, 0.0, -2.0][..])
    );
}

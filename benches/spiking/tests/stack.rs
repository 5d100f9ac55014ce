//! Behaviour of whole stacks: batch rows independent, outputs deterministic, a sequence run equal to stepping, candle and loops in agreement, bad inputs refused.

mod common;

use common::{MEMBRANE_TOLERANCE, max_abs_diff, small_config};
use ndarray::{Array2, Axis, s};
use spiking::{
    CandleStack, LifParams, LoopOptions, LoopStack, Reset, SpikingError, StackConfig, Threading,
    array_to_tensor, array3_to_tensor, random_input, random_sequence, tensor_to_array,
    tensor_to_array3,
};

/// Every neuron variant the tests cover.
fn variants() -> [LifParams; 4] {
    let base = LifParams::default();
    [
        base,
        LifParams {
            reset: Reset::Zero,
            ..base
        },
        LifParams {
            synapse_alpha: Some(0.8),
            ..base
        },
        LifParams {
            reset: Reset::Zero,
            synapse_alpha: Some(0.8),
            ..base
        },
    ]
}

/// Parallel over rows of one, so even tiny batches take the rayon path.
const ALWAYS_PARALLEL: LoopOptions = LoopOptions {
    threading: Threading::Rayon { min_rows: 1 },
};

#[test]
fn batch_rows_do_not_influence_each_other() {
    const BATCH: usize = 5;
    const STEPS: usize = 4;
    for lif in variants() {
        let config = small_config(lif);
        for options in [LoopOptions::SERIAL, ALWAYS_PARALLEL] {
            let stack = LoopStack::new(config.clone(), options).expect("stack");
            let xs = random_sequence(STEPS, BATCH, config.hidden_size, 7);
            let mut together = stack.init_hidden_state(BATCH);
            let mut alone: Vec<_> = (0..BATCH).map(|_| stack.init_hidden_state(1)).collect();
            for x in xs.outer_iter() {
                let batch_spikes = stack.step(x, &mut together).expect("step").to_owned();
                for (row, hidden) in alone.iter_mut().enumerate() {
                    let single = stack
                        .step(x.slice(s![row..=row, ..]), hidden)
                        .expect("step");
                    assert_eq!(
                        single.row(0),
                        batch_spikes.row(row),
                        "{lif:?} {options:?} row {row}"
                    );
                }
            }
            for (row, hidden) in alone.iter().enumerate() {
                for (k, block) in hidden.blocks().iter().enumerate() {
                    let together_row = together.blocks()[k]
                        .membrane()
                        .slice_move(s![row..=row, ..]);
                    let diff = max_abs_diff(block.membrane(), together_row);
                    assert!(
                        diff < MEMBRANE_TOLERANCE,
                        "{lif:?} row {row} block {k}: {diff}"
                    );
                }
            }
        }
    }
}

#[test]
fn parallel_and_serial_steps_are_identical() {
    let config = small_config(LifParams::default());
    let serial = LoopStack::new(config.clone(), LoopOptions::SERIAL).expect("stack");
    let parallel = LoopStack::new(config.clone(), ALWAYS_PARALLEL).expect("stack");
    let mut a = serial.init_hidden_state(9);
    let mut b = parallel.init_hidden_state(9);
    for seed in 0..3 {
        let x = random_input(9, config.hidden_size, seed);
        serial.step(x.view(), &mut a).expect("step");
        parallel.step(x.view(), &mut b).expect("step");
    }
    assert_eq!(a, b);
}

#[test]
fn outputs_are_deterministic() {
    let config = small_config(LifParams::default());
    let xs = random_sequence(6, 4, config.hidden_size, 11);
    let run = |config: &StackConfig| {
        let stack = LoopStack::new(config.clone(), LoopOptions::default()).expect("stack");
        let mut hidden = stack.init_hidden_state(4);
        let out = stack.run(xs.view(), &mut hidden).expect("run");
        (out, hidden)
    };
    let first = run(&config);
    assert_eq!(
        first,
        run(&config),
        "same config, same inputs, different outputs"
    );
    assert!(first.0.iter().any(|&s| s == 1.0), "the stack never fired");

    let reseeded = StackConfig {
        weight_seed: config.weight_seed + 1,
        ..config.clone()
    };
    assert_ne!(first.0, run(&reseeded).0, "the weight seed changed nothing");
    assert_eq!(random_input(3, 5, 42), random_input(3, 5, 42));
}

#[test]
fn a_sequence_run_equals_stepping_through_it() {
    for lif in variants() {
        let config = small_config(lif);
        let stack = LoopStack::new(config.clone(), ALWAYS_PARALLEL).expect("stack");
        let xs = random_sequence(7, 3, config.hidden_size, 5);
        let mut run_hidden = stack.init_hidden_state(3);
        let ran = stack.run(xs.view(), &mut run_hidden).expect("run");
        let mut step_hidden = stack.init_hidden_state(3);
        for (t, x) in xs.outer_iter().enumerate() {
            let spikes = stack.step(x, &mut step_hidden).expect("step");
            assert_eq!(spikes, ran.index_axis(Axis(0), t), "{lif:?} step {t}");
        }
        for (k, (a, b)) in run_hidden
            .blocks()
            .iter()
            .zip(step_hidden.blocks())
            .enumerate()
        {
            assert_eq!(a.spikes(), b.spikes(), "{lif:?} block {k}");
            let diff = max_abs_diff(a.membrane(), b.membrane());
            assert!(diff < MEMBRANE_TOLERANCE, "{lif:?} block {k}: {diff}");
        }
    }
}

#[test]
fn candle_and_loops_agree() {
    for lif in variants() {
        let config = small_config(lif);
        let loops = LoopStack::new(config.clone(), LoopOptions::default()).expect("stack");
        let candle = CandleStack::new(config.clone()).expect("stack");
        let device = candle.device().clone();

        // Step by step.
        let xs = random_sequence(5, 4, config.hidden_size, 3);
        let mut loop_hidden = loops.init_hidden_state(4);
        let mut candle_hidden = candle.init_hidden_state(4).expect("state");
        for (t, x) in xs.outer_iter().enumerate() {
            let want = loops.step(x, &mut loop_hidden).expect("step").to_owned();
            let x = array_to_tensor(x, &device).expect("tensor");
            let got = tensor_to_array(&candle.step(&x, &mut candle_hidden).expect("step"))
                .expect("array");
            assert_eq!(got, want, "{lif:?} step {t}");
        }
        for (k, (a, b)) in loop_hidden
            .blocks()
            .iter()
            .zip(candle_hidden.blocks())
            .enumerate()
        {
            let membrane = tensor_to_array(&b.membrane).expect("array");
            let diff = max_abs_diff(a.membrane(), membrane.view());
            assert!(diff < MEMBRANE_TOLERANCE, "{lif:?} block {k}: {diff}");
            if let (Some(a), Some(b)) = (a.synapse(), b.synapse.as_ref()) {
                let diff = max_abs_diff(a, tensor_to_array(b).expect("array").view());
                assert!(
                    diff < MEMBRANE_TOLERANCE,
                    "{lif:?} block {k} synapse: {diff}"
                );
            }
        }

        // A whole sequence.
        let mut loop_hidden = loops.init_hidden_state(4);
        let mut candle_hidden = candle.init_hidden_state(4).expect("state");
        let want = loops.run(xs.view(), &mut loop_hidden).expect("run");
        let tensor = array3_to_tensor(xs.view(), &device).expect("tensor");
        let got = tensor_to_array3(&candle.run(&tensor, &mut candle_hidden).expect("run"))
            .expect("array");
        assert_eq!(got, want, "{lif:?} run");
    }
}

#[test]
fn every_block_of_the_default_stack_keeps_firing() {
    // The weight gain is chosen so that activity survives six blocks; a
    // silent block would make the benchmark time a dead network.
    let config = StackConfig::default();
    let stack = LoopStack::new(config.clone(), LoopOptions::default()).expect("stack");
    let xs = random_sequence(16, 4, config.hidden_size, 1);
    let mut hidden = stack.init_hidden_state(4);
    let mut counts = vec![0.0_f64; config.num_blocks];
    for x in xs.outer_iter() {
        stack.step(x, &mut hidden).expect("step");
        for (count, block) in counts.iter_mut().zip(hidden.blocks()) {
            *count += f64::from(block.spikes().sum());
        }
    }
    let per_block = (16 * 4 * config.hidden_size) as f64;
    for (k, count) in counts.iter().enumerate() {
        let rate = count / per_block;
        assert!(
            (0.02..0.6).contains(&rate),
            "block {k} fires at rate {rate}"
        );
    }
}

#[test]
fn bad_inputs_and_configs_are_refused() {
    let config = small_config(LifParams::default());
    let stack = LoopStack::new(config.clone(), LoopOptions::default()).expect("stack");
    let mut hidden = stack.init_hidden_state(2);
    let wide = Array2::<f32>::zeros((2, config.hidden_size + 1));
    assert!(matches!(
        stack.step(wide.view(), &mut hidden),
        Err(SpikingError::Shape { .. })
    ));
    let other_batch = Array2::<f32>::zeros((3, config.hidden_size));
    assert!(matches!(
        stack.step(other_batch.view(), &mut hidden),
        Err(SpikingError::StateMismatch { .. })
    ));
    let xs = random_sequence(2, 3, config.hidden_size, 0);
    assert!(matches!(
        stack.run(xs.view(), &mut hidden),
        Err(SpikingError::StateMismatch { .. })
    ));

    let candle = CandleStack::new(config.clone()).expect("stack");
    let mut candle_hidden = candle.init_hidden_state(2).expect("state");
    let wide = array_to_tensor(wide.view(), candle.device()).expect("tensor");
    assert!(matches!(
        candle.step(&wide, &mut candle_hidden),
        Err(SpikingError::Shape { .. })
    ));

    for bad in [
        StackConfig {
            num_blocks: 0,
            ..config.clone()
        },
        StackConfig {
            hidden_size: 0,
            ..config.clone()
        },
        StackConfig {
            weight_gain: f32::NAN,
            ..config.clone()
        },
        StackConfig {
            lif: LifParams {
                beta: 1.5,
                ..config.lif
            },
            ..config.clone()
        },
        StackConfig {
            lif: LifParams {
                threshold: 0.0,
                ..config.lif
            },
            ..config.clone()
        },
        StackConfig {
            lif: LifParams {
                synapse_alpha: Some(-0.1),
                ..config.lif
            },
            ..config.clone()
        },
    ] {
        assert!(
            matches!(
                LoopStack::new(bad.clone(), LoopOptions::default()),
                Err(SpikingError::InvalidConfig { .. })
            ),
            "{bad:?}"
        );
        assert!(
            matches!(
                CandleStack::new(bad.clone()),
                Err(SpikingError::InvalidConfig { .. })
            ),
            "{bad:?}"
        );
    }
}

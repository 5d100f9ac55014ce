//! Batch sizing of the engine: the calibration sweep and suggestion on the tiny model, and the adaptive batcher on a simulated queue (simulated clock; no timing is asserted).

use benchgate_metrics::batch::{
    BatchError, Binding, Constraints, Curve, Hardware, Latency, LatencyScope, Point,
};
use inference::{
    AdaptiveBatcher, BatchInferenceEngine, BatchRunner, BatchSizing, BatchTiming, EngineRunner,
    InferenceError, ModelConfig, PromptSource, Request, SweepSpec, WeightFormat,
};

const MS: f64 = 1e-3;

fn tiny() -> (PromptSource, BatchInferenceEngine) {
    let prompts = PromptSource::committed().expect("the committed tokenizer loads");
    let config = ModelConfig::tiny(prompts.vocab_size());
    let engine = BatchInferenceEngine::new(&config, WeightFormat::F32, prompts.pad_id())
        .expect("engine builds");
    (prompts, engine)
}

fn small_spec() -> SweepSpec {
    SweepSpec {
        batch_sizes: vec![1, 2, 4],
        prompt_tokens: 8,
        new_tokens: 3,
        repetitions: 2,
    }
}

#[test]
fn the_calibration_sweep_measures_every_size_and_suggests_within_it() {
    let (prompts, engine) = tiny();
    let sizing = BatchSizing::new(&engine, &prompts, small_spec(), 0).unwrap();
    let curve = sizing.calibrate().unwrap();
    let sizes: Vec<u32> = curve.points().iter().map(|p| p.batch).collect();
    assert_eq!(sizes, [1, 2, 4]);
    for point in curve.points() {
        assert_eq!(
            point.items,
            f64::from(point.batch) * 3.0,
            "tokens generated"
        );
        let ttft = point.request_latency.unwrap();
        assert!(ttft.typical_s > 0.0 && ttft.typical_s <= point.latency.typical_s);
        assert!(point.latency.high_s >= point.latency.typical_s);
    }
    // Memory is the weights plus the KV cache, exactly linear in the batch.
    let kv_per_sequence = engine.kv_cache_bytes_for(1, 8 + 3 - 1) as f64;
    let memory = curve.fit().memory.unwrap();
    assert!((memory.slope - kv_per_sequence).abs() < 1e-6);
    assert!((memory.intercept - engine.weight_bytes() as f64).abs() < 1e-3);

    // A memory limit between batch 2 and 3 binds at 2, whatever the timings.
    let limit = sizing.memory_bytes(2) + kv_per_sequence / 2.0;
    let constraints = Constraints::default().with_memory_limit(limit);
    let suggestion =
        benchgate_metrics::batch::suggest(&curve, &constraints, &Hardware::unlimited(2)).unwrap();
    assert_eq!(suggestion.batch, 2);
    assert!(matches!(suggestion.binding, Binding::Memory { .. }));
    assert_eq!(
        suggestion.predicted.memory_bytes,
        Some(sizing.memory_bytes(2))
    );
}

#[test]
fn an_impossible_time_to_first_token_is_refused_naming_it() {
    let (prompts, engine) = tiny();
    let sizing = BatchSizing::new(&engine, &prompts, small_spec(), 0).unwrap();
    let curve = sizing.calibrate().unwrap();
    let constraints = Constraints::latency_budget(1e-9).with_scope(LatencyScope::Request);
    let err = benchgate_metrics::batch::suggest(&curve, &constraints, &Hardware::unlimited(2))
        .map_err(InferenceError::from)
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("the latency budget (1.00 ns per request) cannot be met"),
        "{message}"
    );
    assert!(matches!(
        err,
        InferenceError::BatchSizing(BatchError::Infeasible {
            binding: Binding::Latency { .. },
            ..
        })
    ));
}

/// A runner whose batch of b takes 4 ms + 1.5 ms·b (time to first token
/// half of it), on the batcher's simulated clock, recording the sizes.
struct Simulated {
    sizes: Vec<usize>,
    slowdown_from: usize,
}

impl BatchRunner for Simulated {
    fn run(&mut self, prompts: &[&[u32]]) -> Result<BatchTiming, InferenceError> {
        let slow = if self.sizes.len() >= self.slowdown_from {
            2.0
        } else {
            1.0
        };
        self.sizes.push(prompts.len());
        let latency_s = slow * (4.0 + 1.5 * prompts.len() as f64) * MS;
        Ok(BatchTiming {
            latency_s,
            time_to_first_token_s: latency_s / 2.0,
        })
    }
}

/// A calibration that matches the simulated runner before its slowdown.
fn simulated_curve() -> Curve {
    let points = [1u32, 2, 4, 8, 16]
        .iter()
        .map(|&b| {
            let latency = (4.0 + 1.5 * f64::from(b)) * MS;
            Point {
                batch: b,
                latency: Latency::exact(latency),
                request_latency: Some(Latency::exact(latency / 2.0)),
                items: f64::from(b),
                memory_bytes: None,
            }
        })
        .collect();
    Curve::new("simulated", "requests", points).unwrap()
}

/// 600 requests, one every 0.5 ms: more than any allowed batch can keep up
/// with, so the queue is never the limit.
fn queue() -> Vec<Request> {
    (0..600)
        .map(|i| Request {
            arrival_s: i as f64 * 0.5 * MS,
            prompt: vec![1, 2, 3],
        })
        .collect()
}

#[test]
fn the_adaptive_batcher_keeps_a_time_to_first_token_budget_on_a_simulated_queue() {
    // TTFT = (4 + 1.5 b) / 2 ms ≤ 10 ms  ⇔  b ≤ 10.7; after the runner
    // slows down 2× at its 20th batch, b ≤ 4.
    let constraints = Constraints::latency_budget(10.0 * MS).with_scope(LatencyScope::Request);
    let mut batcher = AdaptiveBatcher::new(simulated_curve(), constraints, Hardware::unlimited(2));
    let mut runner = Simulated {
        sizes: Vec::new(),
        slowdown_from: 20,
    };
    let served = batcher.serve(&queue(), &mut runner).unwrap();
    let mut seen: Vec<usize> = served.iter().flat_map(|b| b.requests.clone()).collect();
    seen.sort_unstable();
    assert_eq!(
        seen,
        (0..600).collect::<Vec<_>>(),
        "every request served once"
    );
    assert!(
        served
            .windows(2)
            .all(|w| w[1].started_s >= w[0].finished_s - 1e-12)
    );
    let over: Vec<usize> = (0..served.len())
        .filter(|&i| served[i].timing.time_to_first_token_s > 10.0 * MS)
        .collect();
    // Only the batches served while the median of the last
    // OBSERVATION_WINDOW (8) batches catches up with the slowdown (5 of
    // them) exceed the budget.
    assert!(
        over.iter().all(|&i| (20..25).contains(&i)),
        "over budget: {over:?}"
    );
    // The first batch is the one request there at time 0.
    assert_eq!(runner.sizes[0], 1);
    assert!(
        runner.sizes[1..20].iter().all(|&b| b == 10),
        "{:?}",
        runner.sizes
    );
    // The last batch takes what is left of the queue.
    let last = runner.sizes.len() - 1;
    assert!(
        runner.sizes[30..last].iter().all(|&b| b == 4),
        "{:?}",
        runner.sizes
    );
    assert!(runner.sizes[last] <= 4);
    assert_eq!(batcher.sizer().suggestion().unwrap().batch, 4);
}

#[test]
fn the_adaptive_batcher_serves_real_requests_with_the_engine() {
    let (prompts, engine) = tiny();
    let sizing = BatchSizing::new(&engine, &prompts, small_spec(), 0).unwrap();
    let curve = sizing.calibrate().unwrap();
    let requests: Vec<Request> = prompts
        .mixed(7)
        .into_iter()
        .enumerate()
        .map(|(i, prompt)| Request {
            arrival_s: i as f64 * 1e-3,
            prompt: prompt.into_iter().take(16).collect(),
        })
        .collect();
    let mut batcher = AdaptiveBatcher::new(curve, Constraints::default(), Hardware::unlimited(2));
    let mut runner = EngineRunner {
        engine: &engine,
        new_tokens: 2,
    };
    let served = batcher.serve(&requests, &mut runner).unwrap();
    let mut seen: Vec<usize> = served.iter().flat_map(|b| b.requests.clone()).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..7).collect::<Vec<_>>());
    assert!(
        served
            .iter()
            .all(|b| b.timing.latency_s > 0.0 && !b.requests.is_empty())
    );
    // A bad prompt is the engine's error, not a panic.
    let bad = [Request {
        arrival_s: 0.0,
        prompt: vec![u32::MAX],
    }];
    assert!(matches!(
        batcher.serve(&bad, &mut runner),
        Err(InferenceError::TokenOutOfVocabulary { .. })
    ));
}

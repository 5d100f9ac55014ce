//! Batch sizing of the tokenizer: the calibration sweep and its suggestions (no timing is asserted).

use benchgate_metrics::batch::{BatchError, Binding, Constraints, Hardware, LatencyScope, suggest};
use tokenization::{BatchSweep, BatchTokenizer, TokenizationError};

fn sweep() -> BatchSweep {
    BatchSweep {
        batch_sizes: vec![1, 4, 8],
        repetitions: 3,
        ..BatchSweep::default()
    }
}

#[test]
fn the_sweep_measures_tokens_and_memory_and_a_memory_limit_binds_exactly() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    let sweep = sweep();
    let curve = sweep.calibrate(&tokenizer).unwrap();
    let texts: Vec<&str> = sweep.texts.iter().take(8).map(String::as_str).collect();
    let tokens: usize = tokenizer
        .encode_batch(&texts)
        .unwrap()
        .iter()
        .map(Vec::len)
        .sum();
    let last = curve.points().last().unwrap();
    assert_eq!((last.batch, last.items), (8, tokens as f64));
    let bytes: usize = texts.iter().map(|t| t.len()).sum();
    assert_eq!(last.memory_bytes, Some((bytes + 4 * tokens) as f64));

    // A limit just above batch 4's memory: the suggestion stays within
    // it, and is bound by it unless throughput peaked earlier (timings
    // decide that, so both are accepted).
    let four = curve.points()[1].memory_bytes.unwrap();
    let constraints = Constraints::default().with_memory_limit(four + 1.0);
    let s = suggest(&curve, &constraints, &Hardware::unlimited(2)).unwrap();
    assert!(
        s.batch <= 7 && s.predicted.memory_bytes.unwrap() <= four + 1.0,
        "{s}"
    );
    match s.binding {
        Binding::Memory { .. } => {
            assert!(curve.predict(s.batch + 1).memory_bytes.unwrap() > four + 1.0)
        }
        binding => assert_eq!(binding, Binding::ThroughputPeak, "{s}"),
    }
    // Below batch 1's memory nothing fits, and the error says which limit.
    let one = curve.points()[0].memory_bytes.unwrap();
    let err = suggest(
        &curve,
        &Constraints::default().with_memory_limit(one / 2.0),
        &Hardware::unlimited(2),
    )
    .unwrap_err();
    assert!(err.to_string().contains("the memory limit"), "{err}");
}

#[test]
fn an_impossible_budget_is_refused_naming_it() {
    let tokenizer = BatchTokenizer::committed().unwrap();
    let err = tokenizer
        .suggest_batch_size(&Constraints::latency_budget(1e-9))
        .unwrap_err();
    assert!(matches!(
        err,
        TokenizationError::BatchSizing(BatchError::Infeasible {
            binding: Binding::Latency { .. },
            ..
        })
    ));
    assert!(
        err.to_string()
            .contains("latency budget (1.00 ns per batch) cannot be met"),
        "{err}"
    );
    // The tokenizer has no separate per-request latency.
    let curve = sweep().calibrate(&tokenizer).unwrap();
    let per_request = Constraints::latency_budget(1.0).with_scope(LatencyScope::Request);
    let err = suggest(&curve, &per_request, &Hardware::unlimited(2)).unwrap_err();
    assert!(
        err.to_string().contains("per-request latency budget needs"),
        "{err}"
    );
}

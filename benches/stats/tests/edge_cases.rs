//! Degenerate and invalid input: empty, single, all-equal, NaN, infinite, negative, too large.

use stats::{
    MAX_LATENCY_US, StreamingSummary, Summary, SummaryError, summarize, summarize_parallel,
};

/// Every way of summarizing `samples`: one-shot, streaming and parallel.
fn all_summaries(samples: &[f64]) -> [Result<Summary, SummaryError>; 3] {
    let mut streaming = StreamingSummary::new();
    let streamed = streaming
        .record_all(samples)
        .and_then(|()| streaming.summary());
    [summarize(samples), streamed, summarize_parallel(samples, 4)]
}

#[test]
fn empty_input_is_an_error_not_a_panic() {
    for result in all_summaries(&[]) {
        assert_eq!(result, Err(SummaryError::Empty));
    }
    assert!(StreamingSummary::new().is_empty());
    assert_eq!(
        StreamingSummary::default().summary(),
        Err(SummaryError::Empty)
    );
}

#[test]
fn single_sample_has_no_standard_deviation() {
    for result in all_summaries(&[1_500.0]) {
        let summary = result.unwrap();
        assert_eq!(
            (summary.count, summary.mean, summary.std_dev),
            (1, 1_500.0, None)
        );
        assert_eq!((summary.min, summary.max), (1_500.0, 1_500.0));
        assert_eq!(summary.quantiles(), [1_500.0; 4]);
    }
}

#[test]
fn all_equal_values_have_zero_spread_and_equal_quantiles() {
    // 0.1 is not representable exactly, so the mean carries rounding error;
    // the corrected two-pass sum and Welford's update must still give 0.
    for value in [0.1, 2_000.0, 0.0] {
        let samples = vec![value; 1_001];
        for result in all_summaries(&samples) {
            let summary = result.unwrap();
            assert!(
                (summary.mean - value).abs() <= 1e-12 * value,
                "mean of {value}"
            );
            let std_dev = summary.std_dev.unwrap();
            assert!(std_dev <= 1e-15 * value, "std_dev of {value}: {std_dev}");
            assert_eq!((summary.min, summary.max), (value, value));
            assert_eq!(summary.quantiles(), [value; 4], "quantiles of {value}");
            assert_eq!(summary.histogram.total(), 1_001);
        }
    }
}

#[test]
fn nan_is_rejected_with_its_position() {
    let samples = [1.0, 2.0, f64::NAN, 3.0, f64::NAN];
    for result in all_summaries(&samples) {
        match result {
            Err(SummaryError::InvalidSample { index, value }) => {
                assert_eq!(index, 2);
                assert!(value.is_nan());
            }
            other => panic!("NaN accepted: {other:?}"),
        }
    }
}

#[test]
fn out_of_range_values_are_rejected() {
    let too_large = MAX_LATENCY_US * 1.000_001;
    for bad in [f64::INFINITY, f64::NEG_INFINITY, -1e-9, too_large] {
        for result in all_summaries(&[10.0, bad]) {
            assert_eq!(
                result,
                Err(SummaryError::InvalidSample {
                    index: 1,
                    value: bad
                }),
                "{bad}"
            );
        }
    }
    // The bounds themselves are accepted.
    for result in all_summaries(&[0.0, MAX_LATENCY_US]) {
        let summary = result.unwrap();
        assert_eq!((summary.min, summary.max), (0.0, MAX_LATENCY_US));
    }
}

#[test]
fn rejected_records_leave_the_streaming_summary_unchanged() {
    let mut summary = StreamingSummary::new();
    summary.record(5.0).unwrap();
    summary.record(7.0).unwrap();
    let before = summary.summary().unwrap();

    assert_eq!(
        summary.record(-3.0),
        Err(SummaryError::InvalidSample {
            index: 2,
            value: -3.0
        })
    );
    // `record_all` is all-or-nothing: the valid 9.0 before the bad value is
    // not kept either.
    assert_eq!(
        summary.record_all(&[9.0, f64::INFINITY]),
        Err(SummaryError::InvalidSample {
            index: 3,
            value: f64::INFINITY
        })
    );
    assert_eq!(summary.count(), 2);
    assert_eq!(summary.summary().unwrap(), before);
}

#[test]
fn errors_explain_themselves() {
    assert_eq!(
        SummaryError::Empty.to_string(),
        "cannot summarize zero samples"
    );
    let message = SummaryError::InvalidSample {
        index: 3,
        value: f64::NAN,
    }
    .to_string();
    assert!(message.contains("sample 3 is NaN"), "{message}");
}

#[test]
fn input_is_not_reordered() {
    let samples = stats::data::latency_samples(1_000, 11);
    let copy = samples.clone();
    summarize(&samples).unwrap();
    assert_eq!(samples, copy);
}

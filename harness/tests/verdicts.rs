//! Verdicts on synthetic samples whose truth is known.

mod common;

use std::path::Path;

use benchgate::compare::{CompareOptions, Verdict, compare};
use benchgate::config::Policy;
use benchgate::run::Direction;
use common::{benchmark, metric, run, samples};

/// Typical run-to-run noise of a quiet machine: 2 % log-normal spread.
const NOISE: f64 = 0.02;
const SAMPLES: usize = 100;
/// Independent repetitions of each scenario, so one lucky seed cannot pass.
const TRIALS: u64 = 20;

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

/// Verdict for a time benchmark whose true typical time moves by `factor`.
fn time_verdict(factor: f64, seed: u64) -> Verdict {
    let base = run(
        "m",
        vec![benchmark(
            "stats",
            "sum/100",
            samples(1_000.0, NOISE, SAMPLES, seed),
        )],
        vec![],
    );
    let cur = run(
        "m",
        vec![benchmark(
            "stats",
            "sum/100",
            samples(1_000.0 * factor, NOISE, SAMPLES, seed + 1_000),
        )],
        vec![],
    );
    let comparison = compare(&base, &cur, &policy(), &CompareOptions::default()).unwrap();
    assert_eq!(comparison.entries.len(), 1);
    comparison.entries[0].verdict
}

#[test]
fn same_distribution_is_unchanged() {
    for seed in 0..TRIALS {
        assert_eq!(time_verdict(1.0, seed), Verdict::Unchanged, "seed {seed}");
    }
}

#[test]
fn ten_percent_slower_is_regressed() {
    for seed in 0..TRIALS {
        assert_eq!(time_verdict(1.10, seed), Verdict::Regressed, "seed {seed}");
    }
}

#[test]
fn ten_percent_faster_is_improved() {
    for seed in 0..TRIALS {
        assert_eq!(time_verdict(0.90, seed), Verdict::Improved, "seed {seed}");
    }
}

#[test]
fn significant_but_below_threshold_is_unchanged() {
    // 2 % slower is real and detectable with 100 samples, but under the 5 %
    // default threshold: the gate stays quiet.
    for seed in 0..TRIALS {
        assert_eq!(time_verdict(1.02, seed), Verdict::Unchanged, "seed {seed}");
    }
}

#[test]
fn noisy_short_runs_need_more_than_the_point_change() {
    // 7 % slower but with 25 % noise and 10 samples: the interval straddles the
    // threshold, so no verdict of regression is claimed.
    let base = run(
        "m",
        vec![benchmark("s", "b", samples(1_000.0, 0.25, 10, 1))],
        vec![],
    );
    let cur = run(
        "m",
        vec![benchmark("s", "b", samples(1_070.0, 0.25, 10, 2))],
        vec![],
    );
    let entry = &compare(&base, &cur, &policy(), &CompareOptions::default())
        .unwrap()
        .entries[0];
    assert_eq!(entry.verdict, Verdict::Unchanged);
    let change = entry.change.unwrap();
    assert!(change.lower < 0.05, "{change:?}");
}

#[test]
fn new_and_missing_benchmarks_are_named_and_do_not_fail_by_default() {
    let base = run(
        "m",
        vec![benchmark("s", "old", samples(10.0, NOISE, 20, 1))],
        vec![],
    );
    let cur = run(
        "m",
        vec![benchmark("s", "new", samples(10.0, NOISE, 20, 2))],
        vec![],
    );
    let comparison = compare(&base, &cur, &policy(), &CompareOptions::default()).unwrap();
    let verdicts: Vec<(String, Verdict)> = comparison
        .entries
        .iter()
        .map(|e| (e.benchmark.clone(), e.verdict))
        .collect();
    assert_eq!(
        verdicts,
        vec![
            ("new".into(), Verdict::New),
            ("old".into(), Verdict::Missing)
        ]
    );
    assert!(comparison.passed());

    let strict =
        Policy::parse("[defaults]\nfail_on_missing = true\n", Path::new("t.toml")).unwrap();
    assert!(
        !compare(&base, &cur, &strict, &CompareOptions::default())
            .unwrap()
            .passed()
    );
}

#[test]
fn custom_metrics_follow_their_direction() {
    let base = run(
        "m",
        vec![],
        vec![
            metric(
                "memstore",
                "search/100000",
                "recall@10",
                0.97,
                Direction::HigherIsBetter,
            ),
            metric(
                "memstore",
                "store",
                "peak_bytes",
                1_000.0,
                Direction::LowerIsBetter,
            ),
            metric(
                "memstore",
                "cache",
                "hit_rate",
                0.80,
                Direction::HigherIsBetter,
            ),
        ],
    );
    let cur = run(
        "m",
        vec![],
        vec![
            metric(
                "memstore",
                "search/100000",
                "recall@10",
                0.90,
                Direction::HigherIsBetter,
            ),
            metric(
                "memstore",
                "store",
                "peak_bytes",
                800.0,
                Direction::LowerIsBetter,
            ),
            metric(
                "memstore",
                "cache",
                "hit_rate",
                0.81,
                Direction::HigherIsBetter,
            ),
        ],
    );
    let comparison = compare(&base, &cur, &policy(), &CompareOptions::default()).unwrap();
    let verdict = |name: &str| {
        comparison
            .entries
            .iter()
            .find(|e| e.metric.as_deref() == Some(name))
            .unwrap()
            .verdict
    };
    assert_eq!(verdict("recall@10"), Verdict::Regressed);
    assert_eq!(verdict("peak_bytes"), Verdict::Improved);
    assert_eq!(verdict("hit_rate"), Verdict::Unchanged);
    assert!(!comparison.passed());
}

#[test]
fn metric_samples_get_the_same_statistics_as_times() {
    let with_samples = |value: f64, seed: u64| {
        let mut m = metric(
            "memstore",
            "read",
            "p99_latency",
            value,
            Direction::LowerIsBetter,
        );
        m.samples = samples(value, NOISE, 30, seed);
        m
    };
    let base = run("m", vec![], vec![with_samples(100.0, 1)]);
    let cur = run("m", vec![], vec![with_samples(120.0, 2)]);
    let entry = &compare(&base, &cur, &policy(), &CompareOptions::default())
        .unwrap()
        .entries[0];
    assert_eq!(entry.verdict, Verdict::Regressed);
    assert!(entry.p_value.unwrap() < 0.001);
    let change = entry.change.unwrap();
    assert!(change.lower < change.upper);
}

#[test]
fn per_benchmark_threshold_from_config_changes_the_verdict() {
    let base = run(
        "m",
        vec![benchmark(
            "stats",
            "sum/100",
            samples(1_000.0, NOISE, SAMPLES, 7),
        )],
        vec![],
    );
    let cur = run(
        "m",
        vec![benchmark(
            "stats",
            "sum/100",
            samples(1_100.0, NOISE, SAMPLES, 8),
        )],
        vec![],
    );
    let lenient = Policy::parse(
        "[[benchmark]]\npattern = \"stats/sum/*\"\ntime_threshold = 0.2\n",
        Path::new("t.toml"),
    )
    .unwrap();
    let entry = &compare(&base, &cur, &lenient, &CompareOptions::default())
        .unwrap()
        .entries[0];
    assert_eq!(entry.threshold, 0.2);
    assert_eq!(entry.verdict, Verdict::Unchanged);
}

#[test]
fn cross_machine_wall_times_are_refused() {
    let base = run(
        "machine-a",
        vec![benchmark("s", "b", samples(10.0, NOISE, 20, 1))],
        vec![],
    );
    let cur = run(
        "machine-b",
        vec![benchmark("s", "b", samples(10.0, NOISE, 20, 2))],
        vec![],
    );
    let message = compare(&base, &cur, &policy(), &CompareOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("machine-a") && message.contains("machine-b"),
        "{message}"
    );
    let allowed = CompareOptions {
        allow_cross_machine: true,
        ..CompareOptions::default()
    };
    assert!(compare(&base, &cur, &policy(), &allowed).is_ok());
}

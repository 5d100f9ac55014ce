//! Paired, interleaved A/B decisions on synthetic rounds whose truth is
//! known, with machine drift that hits both sides of a round alike.

mod common;

use std::path::Path;

use benchgate::compare::Confirmation;
use benchgate::compare::{
    CompareOptions, Comparison, PairedRound, Verdict, compare, compare_paired, paired_confirmations,
};
use benchgate::config::Policy;
use benchgate::export::{CsvExporter, Exporter, JsonExporter, parse_csv};
use benchgate::render;
use benchgate::run::Direction;
use common::{benchmark, metric, run, samples};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const ROUNDS: usize = 10;
const SAMPLES_PER_ROUND: usize = 20;
/// Within-round noise of a quiet moment: 1 % log-normal spread.
const NOISE: f64 = 0.01;
const TRIALS: u64 = 20;

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

/// Ten rounds of three benchmarks; the machine's speed drifts from round to
/// round by up to ±30 % (a neighbour, a clock change), identically for base
/// and head within a round. `slowdown` multiplies the head's cost of
/// benchmark `target` only.
fn rounds(seed: u64, slowdown: f64) -> Vec<PairedRound> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..ROUNDS)
        .map(|round| {
            let drift: f64 = rng.random_range(0.7..1.3);
            let side = |factor_for_target: f64, offset: u64| {
                let benchmarks = ["target", "other_a", "other_b"]
                    .iter()
                    .enumerate()
                    .map(|(i, id)| {
                        let factor = if *id == "target" {
                            factor_for_target
                        } else {
                            1.0
                        };
                        let center = 1_000.0 * (i + 1) as f64 * drift * factor;
                        let sample_seed =
                            seed * 10_000 + round as u64 * 100 + i as u64 * 10 + offset;
                        benchmark(
                            "stats",
                            id,
                            samples(center, NOISE, SAMPLES_PER_ROUND, sample_seed),
                        )
                    })
                    .collect();
                run("m", benchmarks, vec![])
            };
            PairedRound {
                base: side(1.0, 1),
                head: side(slowdown, 2),
            }
        })
        .collect()
}

fn verdicts(rounds: &[PairedRound]) -> Vec<(String, Verdict)> {
    let comparison = compare_paired(rounds, &policy(), &CompareOptions::default()).unwrap();
    comparison
        .entries
        .iter()
        .map(|e| (e.benchmark.clone(), e.verdict))
        .collect()
}

fn expected(target: Verdict) -> Vec<(String, Verdict)> {
    vec![
        ("other_a".to_owned(), Verdict::Unchanged),
        ("other_b".to_owned(), Verdict::Unchanged),
        ("target".to_owned(), target),
    ]
}

#[test]
fn no_change_under_heavy_drift_is_unchanged() {
    for seed in 0..TRIALS {
        assert_eq!(
            verdicts(&rounds(seed, 1.0)),
            expected(Verdict::Unchanged),
            "seed {seed}"
        );
    }
}

#[test]
fn a_three_percent_slowdown_is_flagged_through_drift_and_only_there() {
    for seed in 0..TRIALS {
        assert_eq!(
            verdicts(&rounds(seed, 1.03)),
            expected(Verdict::Regressed),
            "seed {seed}"
        );
    }
}

#[test]
fn a_three_percent_speedup_is_improved() {
    for seed in 0..TRIALS {
        assert_eq!(
            verdicts(&rounds(seed, 0.97)),
            expected(Verdict::Improved),
            "seed {seed}"
        );
    }
}

#[test]
fn the_change_estimate_sees_through_the_drift() {
    let comparison =
        compare_paired(&rounds(7, 1.03), &policy(), &CompareOptions::default()).unwrap();
    let target = comparison
        .entries
        .iter()
        .find(|e| e.benchmark == "target")
        .unwrap();
    let change = target.change.unwrap();
    assert!((change.point - 0.03).abs() < 0.005, "{change:?}");
    assert!(change.lower > 0.01 && change.upper < 0.05, "{change:?}");
    assert_eq!(target.baseline_samples, ROUNDS);
    assert!(benchgate::render::note_text(&comparison.notes[0]).contains("10 interleaved rounds"));
}

#[test]
fn a_benchmark_only_in_head_is_new() {
    let mut rounds = rounds(1, 1.0);
    for round in &mut rounds {
        round.base.benchmarks.retain(|b| b.id != "other_b");
    }
    let verdicts = verdicts(&rounds);
    assert!(
        verdicts.contains(&("other_b".to_owned(), Verdict::New)),
        "{verdicts:?}"
    );
}

/// A gate comparison in which `target` looks 20 % slower than its stored
/// baseline because the machine was slower while the run was measured.
fn gate_flagging_target(seed: u64) -> benchgate::compare::Comparison {
    let side = |factor: f64, offset: u64| {
        let benchmarks = ["target", "other_a", "other_b"]
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let f = if *id == "target" { factor } else { 1.0 };
                let center = 1_000.0 * (i + 1) as f64 * f;
                benchmark(
                    "stats",
                    id,
                    samples(center, NOISE, 90, seed * 10 + offset + i as u64 * 100),
                )
            })
            .collect();
        run("m", benchmarks, vec![])
    };
    let comparison = compare(
        &side(1.0, 1),
        &side(1.2, 2),
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap();
    let target = comparison
        .entries
        .iter()
        .find(|e| e.benchmark == "target")
        .unwrap();
    assert_eq!(
        target.verdict,
        Verdict::Regressed,
        "the gate flags the slowed run"
    );
    comparison
}

const BASE_COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

/// `gate` with the paired run's evidence attached, and the keys of the
/// regressions that evidence cleared.
fn confirm(gate: Comparison, paired: &Comparison) -> (Comparison, Vec<String>) {
    let evidence = paired_confirmations(&gate, paired, BASE_COMMIT);
    let gate = gate.with_confirmations(evidence);
    let cleared = gate.cleared().map(|e| e.key()).collect();
    (gate, cleared)
}

#[test]
fn paired_confirmation_clears_a_regression_the_code_did_not_cause() {
    for seed in 0..TRIALS {
        let gate = gate_flagging_target(seed);
        let paired =
            compare_paired(&rounds(seed, 1.0), &policy(), &CompareOptions::default()).unwrap();
        let (gate, dropped) = confirm(gate, &paired);
        assert_eq!(dropped, vec!["stats/target".to_owned()], "seed {seed}");
        let target = gate
            .entries
            .iter()
            .find(|e| e.benchmark == "target")
            .unwrap();
        assert_eq!(target.first_verdict, Verdict::Regressed, "still visible");
        assert!(
            matches!(target.confirmation, Some(Confirmation::Paired { ref base_commit, rounds: 10, .. }) if base_commit == BASE_COMMIT),
            "{:?}",
            target.confirmation
        );
        assert!(gate.passed(), "seed {seed}");
    }
}

#[test]
fn paired_confirmation_keeps_a_regression_the_code_caused() {
    for seed in 0..TRIALS {
        let gate = gate_flagging_target(seed);
        let paired =
            compare_paired(&rounds(seed, 1.2), &policy(), &CompareOptions::default()).unwrap();
        let (gate, dropped) = confirm(gate, &paired);
        assert!(dropped.is_empty(), "seed {seed}: {dropped:?}");
        assert!(!gate.passed(), "seed {seed}");
    }
}

#[test]
fn paired_confirmation_needs_the_change_beyond_the_gate_threshold() {
    // The code is 3 % slower: real, and the paired run sees it, but the
    // gate's 10 % threshold was crossed only because of the machine.
    for seed in 0..TRIALS {
        let gate = gate_flagging_target(seed);
        let paired =
            compare_paired(&rounds(seed, 1.03), &policy(), &CompareOptions::default()).unwrap();
        let (_, dropped) = confirm(gate, &paired);
        assert_eq!(dropped.len(), 1, "seed {seed}: {dropped:?}");
    }
}

#[test]
fn a_regression_the_paired_run_did_not_measure_is_kept() {
    let gate = gate_flagging_target(0);
    let mut unrelated = rounds(0, 1.0);
    for round in &mut unrelated {
        for side in [&mut round.base, &mut round.head] {
            side.benchmarks.retain(|b| b.id != "target");
        }
    }
    let paired = compare_paired(&unrelated, &policy(), &CompareOptions::default()).unwrap();
    let (gate, dropped) = confirm(gate, &paired);
    assert!(dropped.is_empty());
    assert!(!gate.passed());
    assert!(gate.entries.iter().all(|e| e.confirmation.is_none()));
}

/// `rounds` with two metrics per side: a deterministic `recall@10`
/// (higher is better) and a `p99_ns` latency that drifts with the machine
/// like the times do. `recall` and `latency` scale the head's values.
fn rounds_with_metrics(seed: u64, recall: f64, latency: f64) -> Vec<PairedRound> {
    let mut all = rounds(seed, 1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed + 1_000);
    for round in &mut all {
        let drift: f64 = rng.random_range(0.7..1.3);
        let noise = |rng: &mut ChaCha8Rng| rng.random_range(0.99..1.01);
        for (side, factor) in [
            (&mut round.base, (1.0, 1.0)),
            (&mut round.head, (recall, latency)),
        ] {
            side.metrics.push(metric(
                "memstore",
                "search/hnsw",
                "recall@10",
                0.96 * factor.0,
                Direction::HigherIsBetter,
            ));
            let mut p99 = metric(
                "memstore",
                "search/hnsw",
                "p99_ns",
                5_000.0 * drift * factor.1 * noise(&mut rng),
                Direction::LowerIsBetter,
            );
            p99.unit = "ns".to_owned();
            side.metrics.push(p99);
            side.canonicalize();
        }
    }
    all
}

fn metric_verdict(comparison: &Comparison, name: &str) -> Verdict {
    comparison
        .entries
        .iter()
        .find(|e| e.metric.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no {name} entry"))
        .verdict
}

#[test]
fn custom_metrics_are_paired_in_their_own_direction() {
    for seed in 0..5 {
        let same = compare_paired(
            &rounds_with_metrics(seed, 1.0, 1.0),
            &policy(),
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(metric_verdict(&same, "recall@10"), Verdict::Unchanged);
        assert_eq!(metric_verdict(&same, "p99_ns"), Verdict::Unchanged);
        let recall = same
            .entries
            .iter()
            .find(|e| e.metric.as_deref() == Some("recall@10"))
            .unwrap();
        assert_eq!(recall.p_value, None, "a constant metric is exact");

        let worse = compare_paired(
            &rounds_with_metrics(seed, 0.90, 1.20),
            &policy(),
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(metric_verdict(&worse, "recall@10"), Verdict::Regressed);
        assert_eq!(
            metric_verdict(&worse, "p99_ns"),
            Verdict::Regressed,
            "a 20 % slower p99 shows through ±30 % drift"
        );
        // Higher recall is better, lower latency is better.
        let better = compare_paired(
            &rounds_with_metrics(seed, 1.04, 0.80),
            &policy(),
            &CompareOptions::default(),
        )
        .unwrap();
        assert_eq!(metric_verdict(&better, "p99_ns"), Verdict::Improved);
        assert_ne!(metric_verdict(&better, "recall@10"), Verdict::Regressed);
    }
}

#[test]
fn a_confirmed_away_regression_stays_visible_in_the_exports() {
    let gate = gate_flagging_target(3);
    let paired = compare_paired(&rounds(3, 1.0), &policy(), &CompareOptions::default()).unwrap();
    let (gate, cleared) = confirm(gate, &paired);
    assert_eq!(cleared, vec!["stats/target".to_owned()]);
    assert!(gate.passed());

    let json = JsonExporter.export(&gate).unwrap();
    let document: serde_json::Value = serde_json::from_str(&json).unwrap();
    let target = document["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["benchmark"] == "target")
        .unwrap();
    assert_eq!(target["first_verdict"], "regressed", "{target:#}");
    assert_eq!(target["kind"], "time");
    assert_eq!(target["verdict"], "unchanged");
    let evidence = &target["confirmation"];
    assert_eq!(evidence["method"], "paired");
    assert_eq!(evidence["base_commit"], BASE_COMMIT);
    assert_eq!(evidence["rounds"], ROUNDS);
    let p = evidence["p_value"].as_f64().unwrap();
    let lower = evidence["change"]["lower"].as_f64().unwrap();
    assert!(
        p >= 0.05 || lower <= target["threshold"].as_f64().unwrap(),
        "the evidence explains the clearing: {evidence:#}"
    );
    // Untouched entries carry no confirmation.
    let other = document["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["benchmark"] == "other_a")
        .unwrap();
    assert!(other.get("confirmation").is_none());
    assert_eq!(other["first_verdict"], other["verdict"]);

    // The CSV keeps the same facts in flat columns.
    let rows = parse_csv(&CsvExporter.export(&gate).unwrap()).unwrap();
    let row = rows.iter().find(|r| r.benchmark == "target").unwrap();
    assert_eq!(row.first_verdict, Verdict::Regressed);
    assert_eq!(row.verdict, Verdict::Unchanged);
    assert_eq!(row.confirmed_by.as_deref(), Some("paired"));
    assert_eq!(row.confirmation_p, Some(p));

    // And the Markdown summary says why it does not count.
    let markdown = render::markdown::render(&gate);
    assert!(
        markdown.contains("Not confirmed, so not counted: stats/target"),
        "{markdown}"
    );
}

//! What a verdict could have seen: every wall-time entry carries its
//! detectable change, and a benchmark whose processes settle at two
//! speeds is reported with its modes as not gateable, in gate-style
//! (pooled rounds) and paired comparisons alike.

mod common;

use std::path::Path;

use benchgate::compare::{CompareOptions, PairedRound, compare, compare_paired};
use benchgate::config::Policy;
use benchgate::render;
use common::{benchmark, run, samples};

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

/// Three processes' samples pooled in round order, as `collect` pools
/// them; `centers` gives each process's speed.
fn pooled(id: &str, centers: [f64; 3], seed: u64) -> benchgate::run::Benchmark {
    let samples_ns: Vec<f64> = centers
        .iter()
        .enumerate()
        .flat_map(|(i, c)| samples(*c, 0.01, 30, seed + i as u64))
        .collect();
    let mut b = benchmark("stats", id, samples_ns);
    b.rounds = 3;
    b
}

#[test]
fn pooled_rounds_in_two_speed_modes_are_not_gateable() {
    let baseline = run(
        "m",
        vec![
            pooled("bimodal", [16_000.0, 34_000.0, 16_000.0], 1),
            pooled("steady", [1_000.0, 1_010.0, 995.0], 2),
        ],
        vec![],
    );
    let current = run(
        "m",
        vec![
            pooled("bimodal", [16_000.0, 16_100.0, 34_000.0], 11),
            pooled("steady", [1_000.0, 1_005.0, 1_002.0], 12),
        ],
        vec![],
    );
    let c = compare(&baseline, &current, &policy(), &CompareOptions::default()).unwrap();
    let bimodal = c.entries.iter().find(|e| e.benchmark == "bimodal").unwrap();
    let modes = bimodal.noise.as_ref().unwrap().modes.as_ref().unwrap();
    assert_eq!(modes.len(), 2);
    assert!((modes[0] / 16_000.0 - 1.0).abs() < 0.05 && (modes[1] / 34_000.0 - 1.0).abs() < 0.05);
    assert!(!bimodal.gateable());
    let steady = c.entries.iter().find(|e| e.benchmark == "steady").unwrap();
    let noise = steady.noise.as_ref().unwrap();
    assert!(noise.modes.is_none());
    assert!(noise.detectable_change >= steady.threshold);
    assert!(steady.gateable());
    let summary = render::markdown::render(&c);
    assert!(
        summary.contains("Cannot be gated at their threshold (1)"),
        "{summary}"
    );
    assert!(summary.contains("stats/bimodal"), "{summary}");
}

#[test]
fn paired_rounds_carry_the_detectable_change_and_the_modes() {
    // Per round, the bimodal benchmark's processes land at 16 or 34 µs on
    // either side independently; the steady one drifts with the machine.
    let speed = |round: usize, side: usize| {
        if (round + side) % 3 == 0 {
            34_000.0
        } else {
            16_000.0
        }
    };
    let rounds: Vec<PairedRound> = (0..10)
        .map(|r| {
            let side = |s: usize| {
                run(
                    "m",
                    vec![
                        benchmark(
                            "stats",
                            "bimodal",
                            samples(speed(r, s), 0.01, 20, (r * 10 + s) as u64),
                        ),
                        benchmark(
                            "stats",
                            "steady",
                            samples(1_000.0, 0.005, 20, (r * 10 + s + 500) as u64),
                        ),
                    ],
                    vec![],
                )
            };
            PairedRound {
                base: side(0),
                head: side(1),
            }
        })
        .collect();
    let c = compare_paired(&rounds, &policy(), &CompareOptions::default()).unwrap();
    let bimodal = c.entries.iter().find(|e| e.benchmark == "bimodal").unwrap();
    assert!(bimodal.noise.as_ref().unwrap().modes.is_some());
    assert!(!bimodal.gateable());
    let steady = c.entries.iter().find(|e| e.benchmark == "steady").unwrap();
    let noise = steady.noise.as_ref().unwrap();
    let change = steady.change.unwrap();
    let expected = steady.threshold + (change.upper - change.lower) / 2.0;
    assert!((noise.detectable_change - expected).abs() < 1e-12);
    assert!(steady.gateable());
}

/// One paired round per change, of one benchmark whose head ran
/// `1 + change[r]` times the base's time in round `r`.
fn paired_rounds(id: &str, changes: &[f64]) -> Vec<PairedRound> {
    changes
        .iter()
        .enumerate()
        .map(|(r, change)| {
            let side = |center: f64, s: u64| {
                run(
                    "m",
                    vec![benchmark(
                        "stats",
                        id,
                        samples(center, 0.0005, 20, r as u64 * 10 + s),
                    )],
                    vec![],
                )
            };
            PairedRound {
                base: side(100_000.0, 0),
                head: side(100_000.0 * (1.0 + change), 1),
            }
        })
        .collect()
}

/// The paired comparison of [`paired_rounds`] of a benchmark `scattered`.
fn compare_scattered(changes: &[f64]) -> benchgate::compare::Comparison {
    compare_paired(
        &paired_rounds("scattered", changes),
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap()
}

#[test]
fn an_entry_that_cannot_be_gated_is_judged_at_what_it_could_detect() {
    // Every round reads faster, by 1 % to 10 %: significant, and the whole
    // interval lies below −1 %, yet it is as wide as the change itself.
    let scattered = [
        -0.10, -0.08, -0.01, -0.05, -0.02, -0.06, -0.015, -0.04, -0.09, -0.03,
    ];
    let c = compare_scattered(&scattered);
    let entry = &c.entries[0];
    let change = entry.change.unwrap();
    let noise = entry.noise.as_ref().unwrap();
    assert!(entry.p_adjusted.unwrap() < c.alpha, "{entry:?}");
    assert!(change.upper < -entry.threshold, "{change:?}");
    assert!(!entry.gateable(), "{noise:?}");
    assert_eq!(noise.judged_at, Some(noise.detectable_change));
    assert!(
        change.upper > -noise.detectable_change,
        "{change:?} {noise:?}"
    );
    // Judged at its threshold it would read "improved"; it could not
    // have told a change of this size from its noise.
    assert_eq!(entry.verdict, benchgate::compare::Verdict::Unchanged);
    assert_eq!(entry.decision_threshold(), noise.detectable_change);

    // The same noise around a 40 % slowdown is still a regression.
    let slowed: Vec<f64> = scattered.iter().map(|c| 0.40 - c).collect();
    let c = compare_scattered(&slowed);
    let entry = &c.entries[0];
    assert!(!entry.gateable());
    assert_eq!(entry.verdict, benchgate::compare::Verdict::Regressed);
    assert!(!c.passed());
}

#[test]
fn an_entry_in_two_speed_modes_is_judged_beyond_the_gap_between_them() {
    let noise = benchgate::compare::Noise::new(0.015, Some(vec![16_000.0, 34_000.0]), 0.01);
    assert_eq!(noise.judged_at, Some(34_000.0 / 16_000.0 - 1.0));
    let quiet = benchgate::compare::Noise::new(0.015, None, 0.01);
    assert_eq!(quiet.judged_at, None);
    let noisy = benchgate::compare::Noise::new(0.05, None, 0.01);
    assert_eq!(noisy.judged_at, Some(0.05));
}

/// Ten paired rounds of one benchmark whose processes land at 16 or
/// 34 µs by round (both sides of a round alike, as a round's heap pad or
/// layout seed puts them), the head `1 + change` times the base.
fn shared_mode_rounds(change: f64) -> Vec<PairedRound> {
    (0..10)
        .map(|r| {
            let center = if r % 3 == 0 { 34_000.0 } else { 16_000.0 };
            let side = |center: f64, s: u64| {
                run(
                    "m",
                    vec![benchmark(
                        "stats",
                        "shared",
                        samples(center, 0.002, 20, r as u64 * 10 + s),
                    )],
                    vec![],
                )
            };
            PairedRound {
                base: side(center, 0),
                head: side(center * (1.0 + change), 1),
            }
        })
        .collect()
}

/// The one entry of the paired comparison of [`shared_mode_rounds`].
fn shared_mode_entry(change: f64) -> benchgate::compare::Entry {
    let c = compare_paired(
        &shared_mode_rounds(change),
        &policy(),
        &CompareOptions::default(),
    )
    .unwrap();
    c.entries[0].clone()
}

#[test]
fn speed_modes_both_sides_of_every_round_share_do_not_blur_the_paired_test() {
    let entry = shared_mode_entry(0.0);
    // Each side alone is in two modes, yet every round's ratio is ~1.
    assert!(entry.noise.as_ref().unwrap().modes.is_none(), "{entry:?}");
    assert!(entry.gateable(), "{entry:?}");
    assert_eq!(entry.verdict, benchgate::compare::Verdict::Unchanged);

    // So a 3 % slowdown in both modes is caught at the 1 % threshold,
    // where judging at the modes' gap (113 %) would have hidden it.
    let entry = shared_mode_entry(0.03);
    assert!(entry.gateable(), "{entry:?}");
    assert_eq!(entry.verdict, benchgate::compare::Verdict::Regressed);
}

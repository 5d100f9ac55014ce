//! Change-point accuracy on synthetic histories whose truth is known:
//! steps of 1–20 % at chosen indices, Gaussian noise of 0.2–3 % and
//! one-sided outliers (a neighbour's burst only ever slows a run), series
//! of 20–500 points. Precision, recall and index error are printed and
//! held to the goals of issue 19.

use benchgate_stats::changepoint::{ChangePointOptions, e_divisive};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// A detection this close to a true change (in points) finds it.
const TOLERANCE: usize = 5;

/// Fewest points between two changes, and between a change and an end.
const SPACING: usize = 10;

/// Share of points hit by an outlier.
const OUTLIER_RATE: f64 = 0.03;

struct Series {
    values: Vec<f64>,
    /// (index, step as a fraction of the level, noise as a fraction).
    changes: Vec<(usize, f64)>,
    noise: f64,
}

fn series(rng: &mut ChaCha8Rng) -> Series {
    let n = rng.random_range(20..=500usize);
    let wanted = rng.random_range(0..=(n / 60).min(4));
    let mut indices: Vec<usize> = Vec::new();
    for _ in 0..wanted * 10 {
        if indices.len() == wanted {
            break;
        }
        let i = rng.random_range(SPACING..=n - SPACING);
        if indices.iter().all(|&j| i.abs_diff(j) >= SPACING) {
            indices.push(i);
        }
    }
    indices.sort_unstable();
    // Log-uniform noise between 0.2 % and 3 %.
    let noise = (rng.random_range(0.002f64.ln()..0.03f64.ln())).exp();
    let changes: Vec<(usize, f64)> = indices
        .iter()
        .map(|&i| {
            let step = rng.random_range(0.01..0.20);
            (i, if rng.random_bool(0.5) { step } else { -step })
        })
        .collect();
    let gauss = Normal::new(0.0, noise).unwrap();
    let mut level = 1_000.0;
    let values = (0..n)
        .map(|i| {
            if let Some((_, step)) = changes.iter().find(|(j, _)| *j == i) {
                level *= 1.0 + step;
            }
            let mut x = level * (1.0 + gauss.sample(rng));
            if rng.random_bool(OUTLIER_RATE) {
                x *= 1.0 + rng.random_range(0.05..0.30);
            }
            x
        })
        .collect();
    Series {
        values,
        changes,
        noise,
    }
}

#[test]
fn synthetic_histories_precision_recall_and_index_error() {
    let mut rng = ChaCha8Rng::seed_from_u64(19);
    let options = ChangePointOptions::default();
    let (mut detected, mut true_positives) = (0usize, 0usize);
    let (mut large, mut large_found) = (0usize, 0usize);
    let (mut all_changes, mut all_found) = (0usize, 0usize);
    let mut errors: Vec<usize> = Vec::new();
    let mut lengths = (usize::MAX, 0usize);
    for _ in 0..300 {
        let s = series(&mut rng);
        lengths = (lengths.0.min(s.values.len()), lengths.1.max(s.values.len()));
        let found = e_divisive(&s.values, &options);
        detected += found.len();
        let mut matched = vec![false; s.changes.len()];
        for point in &found {
            let nearest = s
                .changes
                .iter()
                .enumerate()
                .filter(|(k, (i, _))| !matched[*k] && i.abs_diff(point.index) <= TOLERANCE)
                .min_by_key(|(_, (i, _))| i.abs_diff(point.index));
            if let Some((k, (i, _))) = nearest {
                matched[k] = true;
                true_positives += 1;
                errors.push(i.abs_diff(point.index));
            }
        }
        for (k, (_, step)) in s.changes.iter().enumerate() {
            all_changes += 1;
            all_found += usize::from(matched[k]);
            if step.abs() >= 3.0 * s.noise {
                large += 1;
                large_found += usize::from(matched[k]);
            }
        }
    }
    let precision = true_positives as f64 / detected as f64;
    let recall = large_found as f64 / large as f64;
    let mean_error = errors.iter().sum::<usize>() as f64 / errors.len() as f64;
    let exact = errors.iter().filter(|e| **e == 0).count() as f64 / errors.len() as f64;
    println!(
        "300 series of {}–{} points: {detected} detected, precision {precision:.3}; recall {recall:.3} of {large} steps ≥ 3× noise, {:.3} of all {all_changes}; index error mean {mean_error:.2}, exact {:.1} %, max {}",
        lengths.0,
        lengths.1,
        all_found as f64 / all_changes as f64,
        exact * 100.0,
        errors.iter().max().unwrap()
    );
    assert!(large >= 100, "too few large steps to judge: {large}");
    assert!(precision >= 0.95, "precision {precision}");
    assert!(recall >= 0.95, "recall {recall}");
    assert!(mean_error <= 1.0, "mean index error {mean_error}");
}

#[test]
fn quiet_histories_raise_few_false_alarms() {
    let mut rng = ChaCha8Rng::seed_from_u64(20);
    let options = ChangePointOptions::default();
    let mut false_alarms = 0;
    let runs = 200;
    for _ in 0..runs {
        let n = rng.random_range(20..=500usize);
        let gauss = Normal::new(0.0, 0.01).unwrap();
        let values: Vec<f64> = (0..n)
            .map(|_| {
                let x = 1_000.0 * (1.0 + gauss.sample(&mut rng));
                if rng.random_bool(OUTLIER_RATE) {
                    x * 1.2
                } else {
                    x
                }
            })
            .collect();
        false_alarms += e_divisive(&values, &options).len();
    }
    println!("{false_alarms} change points in {runs} series without a change");
    // One test per series at alpha = 0.01: about 2 expected, 8 is far out.
    assert!(false_alarms <= 8, "{false_alarms} false alarms");
}

//! The batch model on synthetic curves whose truth is known.

use super::*;

const MS: f64 = 1e-3;
const MIB: f64 = 1024.0 * 1024.0;

/// latency = 2 ms + 0.5 ms·b, memory = 100 MiB + 10 MiB·b, one item per request.
fn linear_point(batch: u32) -> Point {
    let b = f64::from(batch);
    Point {
        batch,
        latency: Latency::exact((2.0 + 0.5 * b) * MS),
        request_latency: Some(Latency::exact((1.0 + 0.25 * b) * MS)),
        items: b,
        memory_bytes: Some((100.0 + 10.0 * b) * MIB),
    }
}

fn linear_curve(sizes: &[u32]) -> Curve {
    Curve::new(
        "synthetic",
        "items",
        sizes.iter().map(|&b| linear_point(b)).collect(),
    )
    .unwrap()
}

fn no_machine() -> Hardware {
    Hardware::unlimited(2)
}

/// A tiny seeded generator (xorshift64*), so the crate needs no `rand`.
struct Noise(u64);

impl Noise {
    /// Uniform in [-1, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let bits = self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        bits as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    }
}

#[test]
fn the_fit_recovers_a_known_line_and_interpolates_it_exactly() {
    let curve = linear_curve(&[1, 4, 8, 16]);
    let fit = curve.fit();
    assert!((fit.latency.intercept - 2.0 * MS).abs() < 1e-12);
    assert!((fit.latency.slope - 0.5 * MS).abs() < 1e-12);
    assert!((fit.latency.r_squared - 1.0).abs() < 1e-12);
    let memory = fit.memory.unwrap();
    assert!((memory.intercept - 100.0 * MIB).abs() < 1e-3);
    assert!((memory.slope - 10.0 * MIB).abs() < 1e-3);
    for batch in [2, 3, 6, 11, 16, 20, 32] {
        let p = curve.predict(batch);
        let truth = linear_point(batch);
        assert!(
            (p.latency.typical_s - truth.latency.typical_s).abs() < 1e-12,
            "batch {batch}"
        );
        let request = p.request_latency.unwrap().typical_s;
        assert!((request - truth.request_latency.unwrap().typical_s).abs() < 1e-12);
        assert!((p.memory_bytes.unwrap() - truth.memory_bytes.unwrap()).abs() < 1e-3);
        let throughput = f64::from(batch) / truth.latency.typical_s;
        assert!(
            (p.throughput - throughput).abs() / throughput < 1e-9,
            "batch {batch}"
        );
    }
}

#[test]
fn the_fit_of_a_noisy_line_is_close_and_says_how_close() {
    let mut noise = Noise(0x5EED);
    let points: Vec<Point> = [1u32, 2, 4, 8, 12, 16, 24, 32]
        .iter()
        .map(|&batch| {
            let mut p = linear_point(batch);
            let wobble = 1.0 + 0.03 * noise.next();
            p.latency = Latency::exact(p.latency.typical_s * wobble);
            p
        })
        .collect();
    let curve = Curve::new("noisy", "items", points).unwrap();
    let fit = curve.fit().latency;
    assert!((fit.slope / (0.5 * MS) - 1.0).abs() < 0.05, "{fit:?}");
    assert!((fit.intercept / (2.0 * MS) - 1.0).abs() < 0.25, "{fit:?}");
    assert!(fit.r_squared > 0.99 && fit.r_squared < 1.0, "{fit:?}");
    assert!(fit.max_relative_residual > 0.0 && fit.max_relative_residual < 0.06);
}

#[test]
fn max_throughput_takes_the_largest_batch_within_the_latency_budget() {
    let curve = linear_curve(&[1, 4, 8, 16]);
    // 2 + 0.5 b ≤ 7.2 ms  ⇔  b ≤ 10.4: the truth is 10.
    let s = suggest(
        &curve,
        &Constraints::latency_budget(7.2 * MS),
        &no_machine(),
    )
    .unwrap();
    assert_eq!(s.batch, 10);
    assert!(matches!(
        s.binding,
        Binding::Latency {
            scope: LatencyScope::Batch,
            ..
        }
    ));
    assert!(!s.extrapolated);
    assert!(s.to_string().contains("batch size 10"), "{s}");
    // Per request: 1 + 0.25 b ≤ 4.1 ms  ⇔  b ≤ 12.4.
    let per_request = Constraints::latency_budget(4.1 * MS).with_scope(LatencyScope::Request);
    assert_eq!(
        suggest(&curve, &per_request, &no_machine()).unwrap().batch,
        12
    );
}

#[test]
fn the_budget_is_judged_on_the_high_latency() {
    let points = [1u32, 8, 16]
        .iter()
        .map(|&batch| {
            let mut p = linear_point(batch);
            // Repetitions spread 10 % above the median.
            p.latency.high_s = p.latency.typical_s * 1.1;
            p
        })
        .collect();
    let curve = Curve::new("spread", "items", points).unwrap();
    // typical fits up to b = 10, high (1.1 × (2 + 0.5 b) ≤ 7.2) only up to 9.
    let s = suggest(
        &curve,
        &Constraints::latency_budget(7.2 * MS),
        &no_machine(),
    )
    .unwrap();
    assert_eq!(s.batch, 9);
}

#[test]
fn the_memory_limit_binds_when_it_is_tighter() {
    let curve = linear_curve(&[1, 4, 8, 16]);
    // 100 + 10 b ≤ 170 MiB  ⇔  b ≤ 7.
    let constraints = Constraints::latency_budget(100.0 * MS).with_memory_limit(170.0 * MIB);
    let s = suggest(&curve, &constraints, &no_machine()).unwrap();
    assert_eq!(s.batch, 7);
    assert_eq!(
        s.binding,
        Binding::Memory {
            limit: MemoryLimit::Given(170.0 * MIB)
        }
    );
    // The machine's memory counts when it is smaller than the limit given.
    let small = Hardware {
        cores: 2,
        memory_bytes: Some((150.0 * MIB) as u64),
    };
    let s = suggest(&curve, &constraints, &small).unwrap();
    assert_eq!(s.batch, 5);
    assert!(matches!(
        s.binding,
        Binding::Memory {
            limit: MemoryLimit::Machine(_)
        }
    ));
    assert!(
        s.binding.to_string().contains("machine's memory"),
        "{}",
        s.binding
    );
}

#[test]
fn no_farther_than_twice_the_measured_range_and_saying_so() {
    let curve = linear_curve(&[1, 2, 4, 8]);
    let s = suggest(&curve, &Constraints::default(), &no_machine()).unwrap();
    assert_eq!(s.batch, 16);
    assert!(s.extrapolated);
    assert_eq!(
        s.binding,
        Binding::MeasuredRange {
            largest_measured: 8,
            limit: 16
        }
    );
    assert!(
        s.binding.to_string().contains("measure larger batches"),
        "{}",
        s.binding
    );
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("beyond the largest measured size 8"))
    );
    // A caller that cannot form more than 12 is bound by that instead.
    let capped = suggest(
        &curve,
        &Constraints::default().with_max_batch(12),
        &no_machine(),
    )
    .unwrap();
    assert_eq!(
        (capped.batch, capped.binding),
        (12, Binding::MaxBatch { max_batch: 12 })
    );
}

#[test]
fn a_throughput_peak_is_found_where_larger_batches_get_slower_per_item() {
    // Per-item time falls to batch 8, then rises (cache overflow).
    let per_item_ms = [(1, 4.0), (2, 2.5), (4, 1.5), (8, 1.0), (12, 1.3), (16, 1.6)];
    let points = per_item_ms
        .iter()
        .map(|&(batch, ms)| Point {
            batch,
            latency: Latency::exact(f64::from(batch) * ms * MS),
            request_latency: None,
            items: f64::from(batch),
            memory_bytes: None,
        })
        .collect();
    let curve = Curve::new("peaked", "items", points).unwrap();
    let s = suggest(&curve, &Constraints::default(), &no_machine()).unwrap();
    assert_eq!(s.batch, 8);
    assert_eq!(s.binding, Binding::ThroughputPeak);
    assert!(s.notes.is_empty() || s.notes.iter().all(|n| !n.contains("beyond")));
}

#[test]
fn min_latency_takes_the_smallest_batch_reaching_the_floor() {
    let curve = linear_curve(&[1, 4, 8, 16]);
    // b / (2 + 0.5 b) ms ≥ 1.1 items/ms  ⇔  b ≥ 2.2 / 0.45 = 4.9: the truth is 5.
    let constraints = Constraints::default().with_objective(Objective::MinLatency {
        throughput_floor: 1100.0,
    });
    let s = suggest(&curve, &constraints, &no_machine()).unwrap();
    assert_eq!(s.batch, 5);
    assert_eq!(s.binding, Binding::ThroughputFloor { floor: 1100.0 });
}

#[test]
fn infeasible_constraints_name_the_binding_one() {
    let curve = linear_curve(&[1, 4, 8, 16]);
    let err = suggest(
        &curve,
        &Constraints::latency_budget(2.0 * MS),
        &no_machine(),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        BatchError::Infeasible {
            binding: Binding::Latency { .. },
            ..
        }
    ));
    let message = err.to_string();
    assert!(
        message.contains("latency budget (2.00 ms per batch) cannot be met"),
        "{message}"
    );
    assert!(message.contains("batch 1 takes 2.50 ms"), "{message}");

    let err = suggest(
        &curve,
        &Constraints::latency_budget(20.0 * MS).with_memory_limit(64.0 * MIB),
        &no_machine(),
    )
    .unwrap_err();
    assert!(matches!(
        err,
        BatchError::Infeasible {
            binding: Binding::Memory { .. },
            ..
        }
    ));
    assert!(
        err.to_string()
            .contains("memory limit (64.0 MiB) cannot be met"),
        "{err}"
    );
    assert!(err.to_string().contains("batch 1 needs 110 MiB"), "{err}");

    // Within 4.5 ms only b ≤ 5 fits: at most 5 / 4.5 ms = 1111 items/s.
    let floor = Constraints::latency_budget(4.5 * MS).with_objective(Objective::MinLatency {
        throughput_floor: 1500.0,
    });
    let err = suggest(&curve, &floor, &no_machine()).unwrap_err();
    assert!(matches!(
        err,
        BatchError::Infeasible {
            binding: Binding::ThroughputFloor { .. },
            ..
        }
    ));
    assert!(
        err.to_string()
            .contains("1111.1 items/s, below the floor of 1500.0"),
        "{err}"
    );
}

#[test]
fn unusable_curves_and_constraints_are_refused_with_the_reason() {
    let one = Curve::new("one", "items", vec![linear_point(4)]).unwrap_err();
    assert!(
        one.to_string().contains("a curve needs at least two"),
        "{one}"
    );
    let twice = Curve::new("twice", "items", vec![linear_point(4), linear_point(4)]).unwrap_err();
    assert!(twice.to_string().contains("measured twice"), "{twice}");
    let mut nan = linear_point(2);
    nan.latency.typical_s = f64::NAN;
    let err = Curve::new("nan", "items", vec![linear_point(1), nan]).unwrap_err();
    assert!(err.to_string().contains("batch size 2"), "{err}");
    let mut partial = linear_point(2);
    partial.memory_bytes = None;
    let err = Curve::new("partial", "items", vec![linear_point(1), partial]).unwrap_err();
    assert!(
        err.to_string().contains("memory is measured at 1 of 2"),
        "{err}"
    );

    let no_request = Curve::new(
        "batch only",
        "items",
        [1, 8]
            .iter()
            .map(|&b| Point {
                request_latency: None,
                ..linear_point(b)
            })
            .collect(),
    )
    .unwrap();
    let err = suggest(
        &no_request,
        &Constraints::latency_budget(0.01).with_scope(LatencyScope::Request),
        &no_machine(),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("per-request latency budget needs"),
        "{err}"
    );
    let err = suggest(
        &no_request,
        &Constraints::latency_budget(-1.0),
        &no_machine(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("latency budget (s) = -1"), "{err}");
}

/// A simulated server: requests arrive every `gap_s`, the sizer picks each
/// batch from the queue, a batch of b takes `truth(b)` (with ±3 % seeded
/// noise) on a simulated clock. Returns each batch's (size, latency).
fn serve(
    sizer: &mut AdaptiveSizer,
    batches: usize,
    gap_s: f64,
    truth: impl Fn(usize, usize) -> f64,
) -> Vec<(usize, f64)> {
    let mut noise = Noise(0xBA7C4);
    let mut clock = 0.0;
    let mut arrived = 0usize;
    let mut served = 0usize;
    let mut log = Vec::new();
    for index in 0..batches {
        arrived = arrived.max((clock / gap_s).floor() as usize);
        if arrived == served {
            // Idle until the next request arrives.
            clock = (served + 1) as f64 * gap_s;
            arrived = served + 1;
        }
        let size = sizer.next_batch(arrived - served);
        assert!(size >= 1 && size <= arrived - served);
        let latency = truth(index, size) * (1.0 + 0.03 * noise.next());
        clock += latency;
        served += size;
        log.push((size, latency));
        sizer
            .observe(Observation {
                batch: size as u32,
                latency_s: latency,
                request_latency_s: None,
            })
            .unwrap();
    }
    log
}

fn batch_only_curve(scale: f64) -> Curve {
    let points = [1u32, 4, 8, 16]
        .iter()
        .map(|&b| Point {
            batch: b,
            latency: Latency::exact(scale * (5.0 + 2.0 * f64::from(b)) * MS),
            request_latency: None,
            items: f64::from(b),
            memory_bytes: None,
        })
        .collect();
    Curve::new("calibration", "requests", points).unwrap()
}

/// True latency 5 ms + 2 ms·b: a 30 ms budget allows b ≤ 12 (12.5 without noise).
fn truth(_: usize, b: usize) -> f64 {
    (5.0 + 2.0 * b as f64) * MS
}

#[test]
fn the_adaptive_sizer_keeps_the_budget_on_a_simulated_queue() {
    let budget = Constraints::latency_budget(30.0 * MS);
    // Calibrated on the same machine: no batch is ever over budget.
    let mut sizer = AdaptiveSizer::new(batch_only_curve(1.0), budget, no_machine());
    let log = serve(&mut sizer, 300, 0.5 * MS, truth);
    assert!(
        log.iter().all(|&(_, latency)| latency <= 30.0 * MS),
        "{log:?}"
    );
    assert!(
        log[10..].iter().all(|&(size, _)| (11..=12).contains(&size)),
        "{log:?}"
    );

    // Calibrated on a machine twice as fast: the first suggestion (batch
    // 25 at a predicted 27.5 ms) is over budget here; observing it
    // corrects the curve within a few batches, and every later batch fits.
    let mut sizer = AdaptiveSizer::new(batch_only_curve(0.5), budget, no_machine());
    assert!(sizer.next_batch(1000) > 20);
    let log = serve(&mut sizer, 300, 0.5 * MS, truth);
    let over: Vec<usize> = (0..log.len()).filter(|&i| log[i].1 > 30.0 * MS).collect();
    assert!(
        over.len() <= 3 && over.iter().all(|&i| i < 5),
        "over budget: {over:?} in {log:?}"
    );
    assert!(
        log[20..].iter().all(|&(size, _)| (11..=12).contains(&size)),
        "{log:?}"
    );
}

#[test]
fn the_adaptive_sizer_follows_a_machine_that_slows_down() {
    let budget = Constraints::latency_budget(30.0 * MS);
    let mut sizer = AdaptiveSizer::new(batch_only_curve(1.0), budget, no_machine());
    // From batch 100 on, everything takes 1.5× as long: 7.5 + 3 b ≤ 30 ⇔ b ≤ 7.
    let slowing = |index: usize, b: usize| truth(index, b) * if index >= 100 { 1.5 } else { 1.0 };
    let log = serve(&mut sizer, 300, 0.5 * MS, slowing);
    let over: Vec<usize> = (0..log.len()).filter(|&i| log[i].1 > 30.0 * MS).collect();
    assert!(
        over.iter().all(|&i| (100..110).contains(&i)),
        "over budget: {over:?}"
    );
    assert!(
        log[150..].iter().all(|&(size, _)| (6..=7).contains(&size)),
        "{:?}",
        &log[150..]
    );
    // An empty-ish queue is served whole.
    assert_eq!(sizer.next_batch(3), 3);
    assert_eq!(sizer.next_batch(0), 0);
}

#[test]
fn latency_from_repetitions_is_the_median_and_upper_quartile() {
    let l = Latency::from_samples(&[5.0, 1.0, 3.0, 2.0, 4.0]).unwrap();
    assert_eq!((l.typical_s, l.high_s), (3.0, 4.0));
    assert_eq!(Latency::from_samples(&[]), None);
}

#[test]
fn interleaved_rounds_alternate_direction_and_take_the_median_of_each_size() {
    // A machine that slows down by 10 % with every measurement: sizes
    // measured late in one round are measured early in the next.
    let mut order = Vec::new();
    let mut clock = 0u32;
    let measured = accuracy::measure_interleaved(3, &[1, 4], 4, |b| {
        order.push(b);
        clock += 1;
        let mut p = linear_point(b);
        let slow = 1.1f64.powi(clock as i32);
        p.latency = Latency::exact(p.latency.typical_s * slow);
        p.request_latency = None;
        Ok::<_, BatchError>(p)
    })
    .unwrap();
    assert_eq!(
        order,
        [1, 4, 1, 2, 3, 4, 4, 3, 2, 1, 1, 4, 1, 4, 1, 2, 3, 4],
        "calibration first then upwards, then downwards and calibration last"
    );
    let batches = |points: &[Point]| points.iter().map(|p| p.batch).collect::<Vec<_>>();
    assert_eq!(batches(&measured.calibration), [1, 4]);
    assert_eq!(batches(&measured.live), [1, 2, 3, 4]);
    // Live size 1 ran at the 3rd, 10th and 15th measurement: the median
    // round is the 10th.
    let expected = linear_point(1).latency.typical_s * 1.1f64.powi(10);
    assert!((measured.live[0].latency.typical_s - expected).abs() < 1e-12);
    assert!(measured.live.iter().all(|p| p.request_latency.is_none()));
    assert_eq!(measured.live[3].memory_bytes, linear_point(4).memory_bytes);
}

#[test]
fn interleaved_measurement_stops_at_the_first_error() {
    let mut calls = 0;
    let result = accuracy::measure_interleaved(3, &[1, 2], 4, |b| {
        calls += 1;
        if b == 3 {
            Err("batch 3 failed")
        } else {
            Ok(linear_point(b))
        }
    });
    assert_eq!(result, Err("batch 3 failed"));
    assert_eq!(calls, 5);
}

#[test]
fn the_best_size_is_measured_again_beside_the_suggestion_so_neither_luck_nor_drift_decides() {
    let calibration = linear_curve(&[1, 2, 4, 8, 16]);
    // Live, size 10 had a lucky sweep (three times faster than it is), so
    // it is the best feasible size; measured again it is its true self.
    let live: Vec<Point> = (1..=16)
        .map(|b| {
            let mut p = linear_point(b);
            if b == 10 {
                p.latency = Latency::exact(p.latency.typical_s / 3.0);
            }
            p
        })
        .collect();
    // Every re-measurement runs 5 % slower than the one before it.
    let mut calls = 0;
    let constraints = Constraints::latency_budget(6.5 * MS).with_max_batch(16);
    let case = accuracy::check(&constraints, &calibration, &live, &no_machine(), |b| {
        calls += 1;
        let mut p = linear_point(b);
        p.latency = Latency::exact(p.latency.typical_s * 1.05f64.powi(calls));
        Ok::<_, BatchError>(p)
    })
    .unwrap();
    assert_eq!(case.best, Some(10), "{case:?}");
    let suggested = case.suggested.expect("a suggestion");
    assert_ne!(suggested, 10);
    assert_eq!(
        calls,
        4 * accuracy::REMEASURE_BLOCKS as i32,
        "blocks of suggested, best, best, suggested"
    );
    let truth =
        accuracy::throughput(&linear_point(suggested)) / accuracy::throughput(&linear_point(10));
    let ratio = case.ratio.unwrap();
    assert!((ratio - truth).abs() < 1e-9, "{ratio} vs {truth}");
    // Its sweep measurement met the budget; measured again after the
    // suggestion the machine had slowed by 5 % and more with every call,
    // and the suggestion is judged as it is used: by that.
    assert!(case.met_in_sweep, "its sweep latency is within the budget");
    assert_eq!(suggested, 9, "6.5 ms exactly");
    assert!(!case.met, "{case:?}");
}

#[test]
fn the_second_stage_measures_between_the_calibration_sizes_around_the_suggestion() {
    let tokenizer_sizes = [1, 8, 16, 32, 64];
    assert_eq!(
        second_stage_sizes(&tokenizer_sizes, 2, Some(64)),
        [2, 3, 4, 5, 6, 7]
    );
    let around_eight: Vec<u32> = (2..=7).chain(9..=15).collect();
    assert_eq!(second_stage_sizes(&tokenizer_sizes, 8, None), around_eight);
    // Beyond the largest calibration size: up to the suggestion.
    assert_eq!(
        second_stage_sizes(&[1, 2, 4, 8, 16], 20, Some(24)),
        [17, 18, 19, 20]
    );
    // Never above the constraints' largest batch.
    assert_eq!(second_stage_sizes(&[1, 2, 4, 8, 16], 3, Some(3)), [3]);
    // Neighbours already measured: nothing to do.
    assert!(second_stage_sizes(&[1, 2, 3], 2, None).is_empty());
}

#[test]
fn the_second_stage_finds_a_fast_size_the_line_between_calibration_sizes_misses() {
    // The truth: 10 ms + 10 ms per request up to 4, then a batch of 6 that
    // runs faster than 5 (a shape the kernels like).
    let truth = |batch: u32| {
        let ms = match batch {
            6 => 45.0,
            5 => 60.0,
            7 => 80.0,
            b => 10.0 + 10.0 * f64::from(b),
        };
        Point {
            batch,
            latency: Latency::exact(ms * MS),
            request_latency: None,
            items: f64::from(batch),
            memory_bytes: None,
        }
    };
    let calibration = Curve::new(
        "synthetic",
        "items",
        [1, 2, 4, 8, 16].into_iter().map(truth).collect(),
    )
    .unwrap();
    let constraints = Constraints::latency_budget(55.0 * MS).with_max_batch(16);
    let first = suggest(&calibration, &constraints, &no_machine()).unwrap();
    assert_eq!(
        first.batch, 4,
        "the line from 4 (50 ms) to 8 (90 ms) rules out 5 to 7"
    );
    let mut measured = Vec::new();
    let refined = suggest_refined(&calibration, &constraints, &no_machine(), |b| {
        measured.push(b);
        Ok::<_, BatchError>(truth(b))
    })
    .unwrap()
    .unwrap();
    // The calibration sizes around them with them, in rounds up, down
    // and up again.
    let up = [2, 3, 5, 6, 7, 8];
    let down: Vec<u32> = up.iter().rev().copied().collect();
    assert_eq!(measured, [&up[..], &down[..], &up[..]].concat());
    assert_eq!(SECOND_STAGE_ROUNDS, 3);
    assert_eq!(refined.measured, [3, 5, 6, 7]);
    assert_eq!(refined.remeasured, [2, 8]);
    assert_eq!(refined.speed, 1.0);
    assert_eq!(refined.suggestion.batch, 6);
    assert_eq!(refined.curve.points().len(), 9);

    // Constraints no size meets are refused as before, measuring nothing.
    let impossible = Constraints::latency_budget(1.0 * MS).with_max_batch(16);
    let refused = suggest_refined(&calibration, &impossible, &no_machine(), |_| {
        Err::<Point, _>("nothing may be measured")
    })
    .unwrap();
    assert!(refused.is_err());
}

#[test]
fn a_second_stage_at_another_speed_decides_with_its_own_measurements_and_says_how_far_it_moved() {
    // The calibration ran at 10 ms + 10 ms per item; during the second
    // stage the machine runs 20 % faster.
    let at = |speed: f64| {
        move |batch: u32| Point {
            batch,
            latency: Latency::exact((10.0 + 10.0 * f64::from(batch)) * speed * MS),
            request_latency: None,
            items: f64::from(batch),
            memory_bytes: None,
        }
    };
    let calibration = Curve::new(
        "synthetic",
        "items",
        [1, 2, 4, 8, 16].into_iter().map(at(1.0)).collect(),
    )
    .unwrap();
    let budget = 100.0 * MS;
    let constraints = Constraints::latency_budget(budget).with_max_batch(16);
    let fast = at(0.8);
    let refined = suggest_refined(&calibration, &constraints, &no_machine(), |b| {
        Ok::<_, BatchError>(fast(b))
    })
    .unwrap()
    .unwrap();
    assert_eq!(refined.measured, (9..=15).collect::<Vec<_>>());
    assert_eq!(refined.remeasured, [8, 16]);
    assert!((refined.speed - 0.8).abs() < 1e-9, "{}", refined.speed);
    assert!((refined.drift() - 0.2).abs() < 1e-9);
    // Around the suggestion the curve is the stage's, bracket included:
    // 11 takes 96 ms now.
    for point in refined.curve.points().iter().filter(|p| p.batch >= 8) {
        assert_eq!(point.latency, fast(point.batch).latency, "{}", point.batch);
    }
    assert_eq!(refined.suggestion.batch, 11);
    assert_eq!(refined.suggestion.constraints, constraints);
    assert!(
        refined
            .suggestion
            .notes
            .iter()
            .any(|n| n.contains("20.0 % faster")),
        "{:?}",
        refined.suggestion.notes
    );
    assert!(
        refined.stage_summary().unwrap().contains("20.0 % faster"),
        "{:?}",
        refined.stage_summary()
    );

    // 25 % slower during the stage: batch 1 now takes 25 ms, within 26 ms;
    // batch 2 (37.5 ms) is not.
    let tight = Constraints::latency_budget(26.0 * MS).with_max_batch(8);
    let calibration = Curve::new(
        "synthetic",
        "items",
        [1, 4, 8].into_iter().map(at(1.0)).collect(),
    )
    .unwrap();
    let refined = suggest_refined(&calibration, &tight, &no_machine(), |b| {
        Ok::<_, BatchError>(at(1.25)(b))
    })
    .unwrap()
    .unwrap();
    assert_eq!(
        (refined.measured.as_slice(), refined.remeasured.as_slice()),
        (&[2, 3][..], &[1, 4][..])
    );
    assert!((refined.speed - 1.25).abs() < 1e-9);
    assert_eq!(refined.suggestion.batch, 1);
    assert!(
        refined
            .suggestion
            .notes
            .iter()
            .any(|n| n.contains("25.0 % slower")),
        "{:?}",
        refined.suggestion.notes
    );

    // Measured in rounds, each size is the median: one round at double
    // latency per size does not move it.
    let mut calls = 0_u32;
    let refined = suggest_refined(&calibration, &tight, &no_machine(), |b| {
        calls += 1;
        let spell = if calls % 5 == 0 { 2.0 } else { 1.0 };
        Ok::<_, BatchError>(at(spell)(b))
    })
    .unwrap()
    .unwrap();
    assert_eq!(refined.speed, 1.0);
    assert_eq!(refined.suggestion.batch, 1);
}

#[test]
fn the_refined_check_measures_the_second_stage_and_scores_it_against_the_truth() {
    // Latency 2 ms + 0.5 ms per item: a budget of 6.2 ms fits 8 exactly
    // (6 ms) and 8 is not a size the second stage has to find.
    let calibration = linear_curve(&[1, 2, 4, 16]);
    let live: Vec<Point> = (1..=16).map(linear_point).collect();
    let constraints = Constraints::latency_budget(6.2 * MS).with_max_batch(16);
    let mut measured = Vec::new();
    let mut stages = Vec::new();
    let case = accuracy::check_refined(
        &calibration,
        &constraints,
        &no_machine(),
        &live,
        |b| {
            measured.push(b);
            Ok::<_, BatchError>(linear_point(b))
        },
        |stage| stages.push(stage.to_owned()),
    )
    .unwrap();
    assert_eq!(case.suggested, Some(8));
    assert_eq!(case.best, Some(8));
    assert!(case.met);
    assert_eq!(case.ratio, Some(1.0));
    // The second stage (4 again, 5..=15, 16 again) before nothing else:
    // the suggestion is the best, so nothing needs measuring beside it.
    assert_eq!(measured[0], 4);
    assert!(measured.contains(&8) && measured.contains(&16));
    assert_eq!(stages.len(), 1);
    assert!(
        stages[0].starts_with("second stage 5..=15"),
        "{}",
        stages[0]
    );
}

#[test]
fn at_a_throughput_peak_the_largest_size_within_the_tolerance_is_suggested() {
    // Items per ms: 1 → 1.0, 2 → 1.6, 4 → 2.0 (the peak), 6 → 1.95 (2.5 %
    // below it), 8 → 1.8 (10 % below).
    let point = |batch: u32, per_ms: f64| Point {
        batch,
        latency: Latency::exact(f64::from(batch) / per_ms * MS),
        request_latency: None,
        items: f64::from(batch),
        memory_bytes: None,
    };
    let curve = Curve::new(
        "synthetic",
        "items",
        vec![
            point(1, 1.0),
            point(2, 1.6),
            point(4, 2.0),
            point(6, 1.95),
            point(8, 1.8),
        ],
    )
    .unwrap();
    let unconstrained = Constraints::default().with_max_batch(8);
    let suggestion = suggest(&curve, &unconstrained, &no_machine()).unwrap();
    // 5 interpolates between 4 and 6 (within 2.5 %), 7 between 6 and 8
    // (about 6 % below the peak): 6 is the largest within 5 %.
    assert_eq!(suggestion.batch, 6, "{suggestion:?}");
    assert_eq!(suggestion.binding, Binding::ThroughputPeak);
    assert!(suggestion.binding.to_string().contains("within 5 %"));
    assert!(
        suggestion.predicted.throughput >= 2000.0 * (1.0 - PEAK_TOLERANCE) * 0.999,
        "{}",
        suggestion.predicted.throughput
    );

    // A budget that 6 breaks: the largest feasible size within the
    // tolerance of the feasible peak, and the budget binds.
    let budget = Constraints::latency_budget(2.9 * MS).with_max_batch(8);
    let suggestion = suggest(&curve, &budget, &no_machine()).unwrap();
    assert_eq!(suggestion.batch, 5, "{suggestion:?}");
    assert!(matches!(suggestion.binding, Binding::Latency { .. }));
}

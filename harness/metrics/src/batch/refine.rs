//! The second calibration stage: every size between the two calibration points around a first suggestion is measured, so that structure a line between two points cannot see decides the suggestion.
//!
//! Measured on a 2-vCPU VM (README, "Batch sizing"): two texts already use
//! both cores, so tokenization latency climbs steeply from 1 to 2 and then
//! slowly to 8 (236 µs at 2, 305 µs at 4, against a line from 190 µs at 1
//! to 835 µs at 8), and the inference engine ran a batch of 6 faster than
//! a batch of 4. A line through the calibration sizes suggested 2 where 5
//! fitted, and 4 where 6 did. The first suggestion says where to look; the
//! second stage measures the sizes there, and the suggestion made from the
//! refined curve interpolates between measured neighbours only.
//!
//! The sizes measured are those strictly between the calibration sizes
//! that bracket the first suggestion (below it and above it), within the
//! constraints' largest batch; for a suggestion beyond the largest
//! calibration size, every size from that one up to the suggestion. The
//! bracketing calibration sizes are measured with them, in
//! [`SECOND_STAGE_ROUNDS`] rounds, each size the median of its rounds.
//!
//! **The stage's own speed.** The fresh measurements of the bracket
//! replace the calibration's, so the refined curve around the suggestion
//! is one moment's measurement: the stage is what the machine does now,
//! seconds before the suggestion is used. How far the bracket moved since
//! the calibration is reported ([`Refined::speed`]) but corrects nothing.
//! Two corrections were tried and measured (README, "Batch sizing"): a
//! margin below the budget as large as the move cost throughput wherever
//! the move was estimated from one noisy pair (budgets of 144 ms applied
//! as 118 ms suggested 2 requests where 3 fitted), and putting the stage
//! on the calibration's speed failed because a "move" of the bracket is
//! often the bracket size's own speed modes, not the machine's: the same
//! run measured 8 texts at 536 µs in the calibration and 712 µs in the
//! sweep beside it, and scaling the stage by such a ratio made its
//! suggestions break the budget.

use super::{BatchError, Constraints, Curve, Hardware, LatencyScope, Point, Suggestion, suggest};

/// Rounds the second stage measures each of its sizes: the median of
/// three, as for the interleaved calibration (`accuracy::INTERLEAVED_ROUNDS`),
/// so that one slow or fast spell of the machine does not decide a size;
/// measured once, neighbouring tokenization sizes on a 2-vCPU VM scattered
/// by more than the gaps between them (1.70 M tokens/s at 34 texts, 1.39 M
/// at 33). Rounds alternate direction (up, down, up), so a steady drift
/// during the stage moves every size's median alike.
pub const SECOND_STAGE_ROUNDS: usize = 3;

/// A suggestion made from a curve refined around a first suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Refined {
    /// The suggestion from the refined curve.
    pub suggestion: Suggestion,
    /// The calibration points, the bracketing ones replaced by their
    /// fresh measurement, plus the second stage's.
    pub curve: Curve,
    /// The sizes the second stage measured, ascending (empty when the
    /// first suggestion's neighbours were all measured already).
    pub measured: Vec<u32>,
    /// The calibration sizes measured again with them, ascending.
    pub remeasured: Vec<u32>,
    /// The machine's speed during the second stage relative to the
    /// calibration: the re-measured sizes' constrained latency, stage ÷
    /// calibration, geometric mean (0.8: the stage ran 20 % faster); 1
    /// when none was re-measured. Reported, not corrected for.
    pub speed: f64,
}

impl Refined {
    /// How far the machine's speed moved between the calibration and the
    /// second stage, as a fraction (0.2: 20 %, either way).
    pub fn drift(&self) -> f64 {
        (self.speed - 1.0).abs()
    }

    /// One line on what the second stage measured and how far the
    /// machine's speed moved; `None` when it measured nothing.
    pub fn stage_summary(&self) -> Option<String> {
        let (first, last) = (self.measured.first()?, self.measured.last()?);
        Some(format!(
            "second stage {first}..={last} ({SECOND_STAGE_ROUNDS} rounds), again {:?}: {}",
            self.remeasured,
            speed_note(self.speed)
                .unwrap_or_else(|| "its bracket ran at the calibration's speed".to_owned())
        ))
    }
}

/// How far the bracket's speed moved, in words; `None` when it did not
/// move by a tenth of a percent (what the note's one decimal shows).
fn speed_note(speed: f64) -> Option<String> {
    ((speed - 1.0).abs() >= 0.0005).then(|| {
        format!(
            "its bracket ran {:.1} % {} than in the calibration; the curve around the suggestion is the stage's",
            (speed - 1.0).abs() * 100.0,
            if speed < 1.0 { "faster" } else { "slower" }
        )
    })
}

/// The sizes a second stage measures for a first suggestion of `batch` on
/// a curve measured at `calibrated` (ascending), at most `max_batch`.
pub fn second_stage_sizes(calibrated: &[u32], batch: u32, max_batch: Option<u32>) -> Vec<u32> {
    let below = calibrated
        .iter()
        .copied()
        .filter(|&b| b < batch)
        .max()
        .unwrap_or(0);
    let upper = calibrated
        .iter()
        .copied()
        .filter(|&b| b > batch)
        .min()
        .map_or(batch, |above| above - 1);
    let upper = max_batch.map_or(upper, |m| upper.min(m));
    (below + 1..=upper)
        .filter(|b| !calibrated.contains(b))
        .collect()
}

/// The calibration sizes around `sizes` (the one just below the first and
/// the one just above the last, where measured and within `max_batch`).
fn bracket(calibrated: &[u32], sizes: &[u32], max_batch: Option<u32>) -> Vec<u32> {
    let (Some(&first), Some(&last)) = (sizes.first(), sizes.last()) else {
        return Vec::new();
    };
    let below = calibrated.iter().copied().filter(|&b| b < first).max();
    let above = calibrated.iter().copied().filter(|&b| b > last).min();
    [below, above]
        .into_iter()
        .flatten()
        .filter(|&b| max_batch.is_none_or(|m| b <= m))
        .collect()
}

/// The high latency a budget in `scope` constrains (the batch's where the
/// point has no request latency).
fn constrained_high_s(point: &Point, scope: LatencyScope) -> f64 {
    match (scope, point.request_latency) {
        (LatencyScope::Request, Some(request)) => request.high_s,
        _ => point.latency.high_s,
    }
}

/// Suggests from `curve`, measures the second stage's sizes around that
/// suggestion with `measure` together with the calibration sizes around
/// them, [`SECOND_STAGE_ROUNDS`] times each, and suggests again from the
/// refined curve (the bracket's fresh measurements replacing the
/// calibration's). The outer error is a failed measurement; the inner one
/// a suggestion the constraints refuse (as [`suggest`]'s).
pub fn suggest_refined<E>(
    curve: &Curve,
    constraints: &Constraints,
    hardware: &Hardware,
    mut measure: impl FnMut(u32) -> Result<Point, E>,
) -> Result<Result<Refined, BatchError>, E> {
    let first = match suggest(curve, constraints, hardware) {
        Ok(first) => first,
        Err(refused) => return Ok(Err(refused)),
    };
    let calibrated: Vec<u32> = curve.points().iter().map(|p| p.batch).collect();
    let sizes = second_stage_sizes(&calibrated, first.batch, constraints.max_batch);
    if sizes.is_empty() {
        return Ok(Ok(Refined {
            suggestion: first,
            curve: curve.clone(),
            measured: sizes,
            remeasured: Vec::new(),
            speed: 1.0,
        }));
    }
    let remeasured = bracket(&calibrated, &sizes, constraints.max_batch);
    let mut upwards: Vec<u32> = remeasured.clone();
    upwards.extend(&sizes);
    upwards.sort_unstable();
    let mut rounds: Vec<Vec<Point>> = vec![Vec::new(); upwards.len()];
    for round in 0..SECOND_STAGE_ROUNDS {
        let order: Box<dyn Iterator<Item = usize>> = if round % 2 == 0 {
            Box::new(0..upwards.len())
        } else {
            Box::new((0..upwards.len()).rev())
        };
        for i in order {
            rounds[i].push(measure(upwards[i])?);
        }
    }
    let fresh: Vec<Point> = rounds
        .iter()
        .filter_map(|r| Point::median_of_rounds(r))
        .collect();
    let scope = constraints.latency_scope;
    let log_ratios: Vec<f64> = fresh
        .iter()
        .filter(|p| remeasured.contains(&p.batch))
        .filter_map(|p| {
            let before = curve.points().iter().find(|c| c.batch == p.batch)?;
            let ratio = constrained_high_s(p, scope) / constrained_high_s(before, scope);
            (ratio.is_finite() && ratio > 0.0).then(|| ratio.ln())
        })
        .collect();
    let speed = if log_ratios.is_empty() {
        1.0
    } else {
        (log_ratios.iter().sum::<f64>() / log_ratios.len() as f64).exp()
    };
    let mut points: Vec<Point> = curve
        .points()
        .iter()
        .filter(|p| !remeasured.contains(&p.batch))
        .copied()
        .collect();
    points.extend(fresh);
    let refined = match Curve::new(
        format!(
            "{} + second stage at {}..={}",
            curve.source,
            sizes[0],
            sizes[sizes.len() - 1]
        ),
        curve.item_unit.clone(),
        points,
    ) {
        Ok(refined) => refined,
        Err(bad) => return Ok(Err(bad)),
    };
    let suggestion = suggest(&refined, constraints, hardware).map(|mut s| {
        s.notes.extend(speed_note(speed));
        s
    });
    Ok(suggestion.map(|suggestion| Refined {
        suggestion,
        curve: refined,
        measured: sizes,
        remeasured,
        speed,
    }))
}

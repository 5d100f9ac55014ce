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
//! bracketing calibration sizes are measured again beside them, and their
//! fresh measurements replace the calibration's: the refined curve around
//! the suggestion is one moment's speed, not two.
//!
//! The same VM ran a batch 20–25 % faster in the second stage than in the
//! calibration minutes before, so the second stage suggested sizes whose
//! latency, measured again, broke the budget. How far the re-measured
//! bracket moved is the machine's speed instability at this time scale;
//! the refined suggestion keeps that much margin below a latency budget
//! (the budget divided by 1 + drift), since a promise closer to the
//! budget than the machine's own wandering is a coin toss.

use super::{BatchError, Constraints, Curve, Hardware, LatencyScope, Point, Suggestion, suggest};

/// The largest margin a drift buys: beyond half the budget the machine is
/// too unsteady for any suggestion to mean much, and a margin larger still
/// would only turn a usable suggestion into a refusal; the drift itself is
/// reported either way.
pub const MAX_LATENCY_GUARD: f64 = 0.5;

/// A suggestion made from a curve refined around a first suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Refined {
    /// The suggestion from the refined curve.
    pub suggestion: Suggestion,
    /// The calibration points, the bracketing ones replaced by their
    /// re-measurement, plus the second stage's.
    pub curve: Curve,
    /// The sizes the second stage measured, ascending (empty when the
    /// first suggestion's neighbours were all measured already).
    pub measured: Vec<u32>,
    /// The calibration sizes measured again around them, ascending.
    pub remeasured: Vec<u32>,
    /// How far the constrained latency (the high one) of a re-measured
    /// calibration size moved, as a fraction (0.2: 20 %), the largest over
    /// the re-measured sizes; 0 when none was re-measured.
    pub drift: f64,
    /// The margin kept below the latency budget: the drift, at most
    /// [`MAX_LATENCY_GUARD`].
    pub guard: f64,
}

impl Refined {
    /// One line on what the second stage measured and the margin it
    /// kept; `None` when it measured nothing.
    pub fn stage_summary(&self) -> Option<String> {
        let (first, last) = (self.measured.first()?, self.measured.last()?);
        Some(format!(
            "second stage {first}..={last}, again {:?}: speed moved {:.1} %, margin {:.1} %",
            self.remeasured,
            self.drift * 100.0,
            self.guard * 100.0
        ))
    }
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
/// suggestion with `measure` (the calibration sizes around them again,
/// first and last), and suggests again from the refined curve with a
/// latency budget reduced by the drift the re-measurement saw. The outer
/// error is a failed measurement; the inner one a suggestion the
/// constraints refuse (as [`suggest`]'s).
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
            drift: 0.0,
            guard: 0.0,
        }));
    }
    let remeasured = bracket(&calibrated, &sizes, constraints.max_batch);
    // Bracket, sizes ascending, bracket: a drift during the stage shows
    // at one end or the other.
    let mut fresh = Vec::with_capacity(sizes.len() + remeasured.len());
    let order = remeasured
        .iter()
        .filter(|&&b| b < sizes[0])
        .chain(&sizes)
        .chain(remeasured.iter().filter(|&&b| b > sizes[sizes.len() - 1]));
    for &b in order {
        fresh.push(measure(b)?);
    }
    let scope = constraints.latency_scope;
    let drift = fresh
        .iter()
        .filter(|p| remeasured.contains(&p.batch))
        .filter_map(|p| {
            let before = curve.points().iter().find(|c| c.batch == p.batch)?;
            let (then, now) = (
                constrained_high_s(before, scope),
                constrained_high_s(p, scope),
            );
            Some((now / then - 1.0).abs())
        })
        .fold(0.0_f64, f64::max);
    let guard = drift.min(MAX_LATENCY_GUARD);
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
    let guarded = Constraints {
        latency_budget_s: constraints.latency_budget_s.map(|b| b / (1.0 + guard)),
        ..*constraints
    };
    let suggestion = match (guard > 0.0).then(|| suggest(&refined, &guarded, hardware)) {
        Some(Ok(mut within_margin)) => {
            if let (Some(budget), Some(applied)) =
                (constraints.latency_budget_s, guarded.latency_budget_s)
            {
                within_margin.notes.push(format!(
                    "the latency budget {} was applied as {}: the machine's speed moved {:.0} % between the calibration and the second stage, and a suggestion is kept that far below the budget",
                    super::format_seconds(budget),
                    super::format_seconds(applied),
                    drift * 100.0
                ));
            }
            within_margin.constraints = *constraints;
            Ok(within_margin)
        }
        Some(Err(_)) | None => suggest(&refined, constraints, hardware).map(|mut s| {
            if guard > 0.0 && constraints.latency_budget_s.is_some() {
                s.notes.push(format!(
                    "no size meets the latency budget with a {:.0} % margin for the machine's drift; this one meets it without",
                    guard * 100.0
                ));
            }
            s
        }),
    };
    Ok(suggestion.map(|suggestion| Refined {
        suggestion,
        curve: refined,
        measured: sizes,
        remeasured,
        drift,
        guard,
    }))
}

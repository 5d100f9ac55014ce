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
//! calibration size, every size from that one up to the suggestion.

use super::{BatchError, Constraints, Curve, Hardware, Point, Suggestion, suggest};

/// A suggestion made from a curve refined around a first suggestion.
#[derive(Debug, Clone, PartialEq)]
pub struct Refined {
    /// The suggestion from the refined curve.
    pub suggestion: Suggestion,
    /// The calibration points plus the second stage's.
    pub curve: Curve,
    /// The sizes the second stage measured, ascending (empty when the
    /// first suggestion's neighbours were all measured already).
    pub measured: Vec<u32>,
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

/// Suggests from `curve`, measures the second stage's sizes around that
/// suggestion with `measure`, and suggests again from the refined curve.
/// The outer error is a failed measurement; the inner one a suggestion
/// the constraints refuse (as [`suggest`]'s).
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
        }));
    }
    let mut points = curve.points().to_vec();
    for &b in &sizes {
        points.push(measure(b)?);
    }
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
    Ok(
        suggest(&refined, constraints, hardware).map(|suggestion| Refined {
            suggestion,
            curve: refined,
            measured: sizes,
        }),
    )
}

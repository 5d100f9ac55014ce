//! What a history says: where each series changed, by how much and since
//! which commit (E-Divisive means over the stored typical values), and
//! the noise thresholds a benchmark's own recent runs justify.

use std::collections::BTreeMap;

use rayon::prelude::*;

use benchgate_core::history::{
    MAX_HISTORY_VERSIONS, MIN_RUNS_FOR_LEARNED_THRESHOLD, learned_threshold,
};
use benchgate_core::trend::change_points;
use benchgate_stats::changepoint::ChangePointOptions;
use benchgate_stats::stats::Change;

use crate::record::TIME_METRIC;
use crate::store::{Point, SeriesInfo, SeriesKey};

/// A change point of one series.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChange {
    /// Index into the series' points of the first point at the new level.
    pub index: usize,
    /// The run that first measured the new level (see `HistoryStore::runs`
    /// for its commit and subject).
    pub run: i64,
    /// Median of the new level over the old, with its (exact) percentile
    /// bootstrap interval.
    pub change: Change,
    pub p_value: f64,
}

/// One series with its change points.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesChanges {
    pub series: SeriesKey,
    pub unit: String,
    pub direction: String,
    pub points: usize,
    pub changes: Vec<SeriesChange>,
}

/// Change points of `points` (in measured order), each with the median
/// change between the levels either side of it (at most
/// [`CHANGE_POINT_WINDOW`](benchgate_stats::changepoint::CHANGE_POINT_WINDOW)
/// points each, stopping at the neighbouring change) and the run that
/// first measured the new level.
pub fn series_changes(points: &[Point], options: &ChangePointOptions) -> Vec<SeriesChange> {
    let values: Vec<f64> = points.iter().map(|p| p.typical).collect();
    change_points(&values, options)
        .into_iter()
        .map(|found| SeriesChange {
            index: found.index,
            run: points[found.index].run,
            change: found.change,
            p_value: found.p_value,
        })
        .collect()
}

/// [`series_changes`] of many series, in parallel (each series' result
/// depends on its own points only, so the thread count changes nothing).
pub fn all_changes(
    series: Vec<(SeriesInfo, Vec<Point>)>,
    options: &ChangePointOptions,
) -> Vec<SeriesChanges> {
    series
        .into_par_iter()
        .map(|(info, points)| SeriesChanges {
            changes: series_changes(&points, options),
            points: points.len(),
            unit: info.unit,
            direction: info.direction,
            series: info.series,
        })
        .collect()
}

/// The learned time threshold of each benchmark (`suite/id`) from its
/// newest [`MAX_HISTORY_VERSIONS`] stored runs, for benchmarks with at
/// least [`MIN_RUNS_FOR_LEARNED_THRESHOLD`] of them.
pub fn learned_thresholds<'a>(
    series: impl IntoIterator<Item = (&'a SeriesKey, &'a [Point])>,
) -> BTreeMap<String, f64> {
    series
        .into_iter()
        .filter(|(key, points)| {
            key.metric == TIME_METRIC && points.len() >= MIN_RUNS_FOR_LEARNED_THRESHOLD
        })
        .filter_map(|(key, points)| {
            let recent = &points[points.len().saturating_sub(MAX_HISTORY_VERSIONS)..];
            let changes: Vec<f64> = recent
                .windows(2)
                .filter(|pair| pair[0].typical > 0.0)
                .map(|pair| pair[1].typical / pair[0].typical - 1.0)
                .collect();
            Some((key.key.clone(), learned_threshold(&changes)?))
        })
        .collect()
}

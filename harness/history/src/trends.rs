//! The trends a report asks for, read from the store as typed evidence
//! (`benchgate_core::trend::Trend`): each requested series of one machine
//! and profile, its newest runs with their commits, and its change points.
//! The report draws them; it never opens the store.

use benchgate_core::trend::{
    MAX_TREND_POINTS, Trend, TrendPoint, TrendRequest, TrendSource, change_points, short_commit,
};
use benchgate_stats::changepoint::ChangePointOptions;

use crate::error::Result;
use crate::record::{TIME_METRIC, higher_is_worse};
use crate::store::{Backend, HistoryStore, SeriesKey};

/// Which trends to read.
#[derive(Debug, Clone, Copy)]
pub struct TrendQuery<'a> {
    /// Machine id of the run being judged: wall times of other machines
    /// are other series.
    pub machine: &'a str,
    /// Its profile (`full`, `ab-head`, …).
    pub profile: &'a str,
    pub requests: &'a [TrendRequest],
    /// The run being judged, when the store may hold it already (it was
    /// ingested before its report was written): its commit and time, so it
    /// is drawn once, as the current run, not also as main's last point.
    pub current: Option<(Option<&'a str>, i64)>,
}

/// The stored trend of each request that has at least one stored run, in
/// request order, its newest [`MAX_TREND_POINTS`] runs with their change
/// points.
pub fn read_trends<B: Backend>(
    store: &mut HistoryStore<B>,
    query: &TrendQuery<'_>,
    options: &ChangePointOptions,
) -> Result<Vec<Trend>> {
    let series = store.series()?;
    let mut trends = Vec::new();
    for request in query.requests {
        let wanted = SeriesKey {
            key: request.benchmark.clone(),
            metric: request
                .metric
                .clone()
                .unwrap_or_else(|| TIME_METRIC.to_owned()),
            machine: query.machine.to_owned(),
            profile: query.profile.to_owned(),
        };
        let Some(info) = series.iter().find(|i| i.series == wanted) else {
            continue;
        };
        let stored = store.points(info)?;
        let runs = store.series_runs(info)?;
        let mut points: Vec<TrendPoint> = stored
            .iter()
            .filter_map(|point| {
                let run = runs.get(&point.run);
                let commit = run.and_then(|r| r.commit.clone());
                let is_current = query.current.is_some_and(|(current_commit, at)| {
                    at == point.measured_at && current_commit == commit.as_deref()
                });
                (!is_current).then(|| TrendPoint {
                    label: commit
                        .as_deref()
                        .map_or_else(|| "(no commit)".to_owned(), short_commit),
                    subject: run.and_then(|r| r.subject.clone()),
                    commit,
                    typical: point.typical,
                    interval: Some((point.low, point.high)),
                })
            })
            .collect();
        points.drain(..points.len().saturating_sub(MAX_TREND_POINTS));
        if points.is_empty() {
            continue;
        }
        let values: Vec<f64> = points.iter().map(|p| p.typical).collect();
        trends.push(Trend {
            benchmark: request.benchmark.clone(),
            metric: request.metric.clone(),
            unit: info.unit.clone(),
            higher_is_better: !higher_is_worse(&info.direction),
            source: TrendSource::Store {
                location: store.location(),
                machine: query.machine.to_owned(),
                profile: query.profile.to_owned(),
            },
            changes: change_points(&values, options),
            points,
        });
    }
    Ok(trends)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{RECORD_VERSION, RunProvenance, RunRecord, Summary};
    use crate::rename::Renames;
    use crate::sqlite::Sqlite;

    fn summary(key: &str, metric: &str, direction: &str, typical: f64) -> Summary {
        Summary {
            key: key.to_owned(),
            metric: metric.to_owned(),
            kind: if metric == TIME_METRIC {
                "time"
            } else {
                "custom"
            }
            .to_owned(),
            unit: if metric == TIME_METRIC { "ns" } else { "ratio" }.to_owned(),
            direction: direction.to_owned(),
            typical,
            lower: typical * 0.99,
            upper: typical * 1.01,
            samples: 100,
            mean: typical,
            std_dev: typical * 0.01,
        }
    }

    /// 30 runs of main on `ci`: the time 12 % slower from run 18 on, the
    /// recall 5 % lower from run 10 on (worse: higher is better), with a
    /// deterministic wobble; one run of another machine.
    fn records() -> Vec<RunRecord> {
        let mut records: Vec<RunRecord> = (0..30)
            .map(|i| {
                let wobble = 1.0 + f64::from(i % 4) * 0.002;
                let time = if i >= 18 { 1_120.0 } else { 1_000.0 } * wobble;
                let recall = if i >= 10 { 0.855 } else { 0.9 } * wobble;
                RunRecord {
                    record_version: RECORD_VERSION,
                    provenance: RunProvenance {
                        commit: Some(format!("{i:02}{}", "ab".repeat(19))),
                        parent: None,
                        subject: Some(format!("Commit {i}")),
                        branch: Some("main".to_owned()),
                        dirty: false,
                        measured_at: 1_000 + i64::from(i),
                        machine: "ci".to_owned(),
                        toolchain: None,
                        profile: "full".to_owned(),
                    },
                    summaries: vec![
                        summary("s/search", "recall", "higher_is_better", recall),
                        summary("s/search", TIME_METRIC, "lower_is_better", time),
                    ],
                }
            })
            .collect();
        let mut other = records[0].clone();
        other.provenance.machine = "laptop".to_owned();
        records.push(other);
        records
    }

    #[test]
    fn a_reports_trends_come_with_commits_and_change_points() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = HistoryStore::new(
            Sqlite::open(&dir.path().join("h.sqlite")).unwrap(),
            Renames::default(),
        )
        .unwrap();
        let records = records();
        store.ingest(&records).unwrap();
        let requests = [
            TrendRequest {
                benchmark: "s/search".to_owned(),
                metric: None,
            },
            TrendRequest {
                benchmark: "s/search".to_owned(),
                metric: Some("recall".to_owned()),
            },
            TrendRequest {
                benchmark: "s/absent".to_owned(),
                metric: None,
            },
        ];
        let last = &records[29].provenance;
        let query = TrendQuery {
            machine: "ci",
            profile: "full",
            requests: &requests,
            // The run being judged was ingested already: drawn once.
            current: Some((last.commit.as_deref(), last.measured_at)),
        };
        let trends = read_trends(&mut store, &query, &ChangePointOptions::default()).unwrap();
        assert_eq!(trends.len(), 2, "nothing for a series never stored");

        let time = &trends[0];
        assert_eq!(time.entry_key(), "s/search");
        assert_eq!(time.points.len(), 29, "the current run left out");
        assert_eq!(time.points[18].label, "18ababa");
        assert_eq!(time.points[18].subject.as_deref(), Some("Commit 18"));
        assert!(time.points[0].interval.is_some());
        assert_eq!(time.changes.len(), 1, "{:?}", time.changes);
        assert_eq!(time.changes[0].index, 18);
        assert!((time.changes[0].change.point - 0.12).abs() < 0.01);
        assert!(time.is_worse(&time.changes[0]));
        assert!(matches!(&time.source, TrendSource::Store { machine, .. } if machine == "ci"));

        let recall = &trends[1];
        assert_eq!(recall.entry_key(), "s/search/recall");
        assert!(recall.higher_is_better);
        assert_eq!(recall.unit, "ratio");
        assert_eq!(recall.changes.len(), 1, "{:?}", recall.changes);
        assert_eq!(recall.changes[0].index, 10);
        assert!(recall.is_worse(&recall.changes[0]), "lower recall is worse");

        // Another machine's series is another trend: one run there.
        let laptop = read_trends(
            &mut store,
            &TrendQuery {
                machine: "laptop",
                current: None,
                ..query
            },
            &ChangePointOptions::default(),
        )
        .unwrap();
        assert_eq!(laptop[0].points.len(), 1);
        assert!(laptop[0].changes.is_empty());
    }
}

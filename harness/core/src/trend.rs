//! A benchmark's trend as typed evidence for a report: its typical value
//! over main's commits (from the history store, or from committed
//! versions of the baseline file where there is no store), with the
//! change points found in it. The history store fills it, the report
//! draws it; neither reaches into the other.

use crate::run::Run;
use crate::stats::{CONFIDENCE_LEVEL, Change, Statistic, relative_change};
use benchgate_stats::changepoint::{CHANGE_POINT_WINDOW, ChangePointOptions, e_divisive};

/// Characters of a commit id shown on charts and in captions: as git's
/// own abbreviation, unique in any repository of this size.
pub const SHORT_COMMIT: usize = 7;

/// Most stored runs a trend holds (the newest). The chart's plot is about
/// 850 px wide, so more points than this would share pixels, and the
/// change-point test looks at most 100 runs either side of a change
/// anyway; older runs describe code long gone.
pub const MAX_TREND_POINTS: usize = 1000;

/// What a report wants the trend of: one comparison entry's benchmark and
/// metric.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TrendRequest {
    /// `suite/id` of the benchmark (`suite/benchmark` of a metric).
    pub benchmark: String,
    /// `None` for the benchmark's wall time; the metric's name otherwise.
    pub metric: Option<String>,
}

/// Where a trend's points come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrendSource {
    /// The history store's runs of one machine and profile.
    Store {
        /// Where the store is (passwords removed), for captions.
        location: String,
        machine: String,
        profile: String,
    },
    /// Committed versions of the baseline file (git history), the fallback
    /// where no history store exists.
    BaselineVersions,
}

/// One stored run's value of the series.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// Full commit id the run measured, when known.
    pub commit: Option<String>,
    /// What the chart writes under the point: the short commit, or the
    /// baseline version's number and short commit (or date).
    pub label: String,
    /// The commit's subject line, when known.
    pub subject: Option<String>,
    /// Typical value (ns for times, the metric's unit otherwise).
    pub typical: f64,
    /// Interval of `typical`, where the store kept one.
    pub interval: Option<(f64, f64)>,
}

/// A change point of the series.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrendChange {
    /// Index into the trend's points of the first point at the new level.
    pub index: usize,
    /// Median of the new level over the old (at most
    /// [`CHANGE_POINT_WINDOW`] points either side, stopping at the
    /// neighbouring change), with its percentile bootstrap interval.
    pub change: Change,
    /// Permutation test's p-value.
    pub p_value: f64,
}

/// A benchmark's (or metric's) trend over main's commits.
#[derive(Debug, Clone, PartialEq)]
pub struct Trend {
    /// `suite/id` of the benchmark (`suite/benchmark` of a metric).
    pub benchmark: String,
    /// `None` for the benchmark's wall time; the metric's name otherwise.
    pub metric: Option<String>,
    /// `ns` for times.
    pub unit: String,
    /// A larger value is better (throughput-like metrics).
    pub higher_is_better: bool,
    pub source: TrendSource,
    /// Stored runs, oldest first; the run being judged is not among them.
    pub points: Vec<TrendPoint>,
    /// Change points of `points`, in index order.
    pub changes: Vec<TrendChange>,
}

impl Trend {
    /// The key of the comparison entry this trend belongs to
    /// (`compare::Entry::key`).
    pub fn entry_key(&self) -> String {
        match &self.metric {
            None => self.benchmark.clone(),
            Some(metric) => format!("{}/{metric}", self.benchmark),
        }
    }

    /// Whether change `change` made the series worse.
    pub fn is_worse(&self, change: &TrendChange) -> bool {
        (change.change.point > 0.0) != self.higher_is_better
    }
}

/// The short form of a commit id.
pub fn short_commit(commit: &str) -> String {
    commit.chars().take(SHORT_COMMIT).collect()
}

/// Change points of `values` (in measured order), each with the median
/// change between the levels either side of it.
pub fn change_points(values: &[f64], options: &ChangePointOptions) -> Vec<TrendChange> {
    let found = e_divisive(values, options);
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(found.iter().map(|c| c.index))
        .chain(std::iter::once(values.len()))
        .collect();
    found
        .iter()
        .enumerate()
        .filter_map(|(k, point)| {
            let (previous, next) = (bounds[k], bounds[k + 2]);
            let start = previous.max(point.index.saturating_sub(CHANGE_POINT_WINDOW));
            let end = next.min(point.index + CHANGE_POINT_WINDOW);
            let change = relative_change(
                Statistic::Quantile(0.5),
                &values[start..point.index],
                &values[point.index..end],
                CONFIDENCE_LEVEL,
            )?;
            Some(TrendChange {
                index: point.index,
                change,
                p_value: point.p_value,
            })
        })
        .collect()
}

/// The trend of benchmark `key` (`suite/id`, wall time) across committed
/// `versions` of the baseline (oldest first), with its change points;
/// `None` when no version holds it.
pub fn from_baseline_versions(versions: &[Run], key: &str) -> Option<Trend> {
    let points: Vec<TrendPoint> = versions
        .iter()
        .enumerate()
        .filter_map(|(i, run)| {
            let typical = run
                .benchmarks
                .iter()
                .find(|b| b.key() == key)
                .and_then(|b| b.typical_ns())?;
            let commit = run.git.as_ref().map(|g| g.commit.clone());
            let label = match &commit {
                Some(commit) => format!("v{} {}", i + 1, short_commit(commit)),
                None => format!("v{} {}", i + 1, run.created_at.date()),
            };
            Some(TrendPoint {
                commit,
                label,
                subject: None,
                typical,
                interval: None,
            })
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    let values: Vec<f64> = points.iter().map(|p| p.typical).collect();
    Some(Trend {
        benchmark: key.to_owned(),
        metric: None,
        unit: "ns".to_owned(),
        higher_is_better: false,
        source: TrendSource::BaselineVersions,
        changes: change_points(&values, &ChangePointOptions::default()),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_found_with_its_size() {
        // 20 quiet points, then 20 points 10 % slower: one change at 20.
        let values: Vec<f64> = (0..40)
            .map(|i| {
                let level = if i < 20 { 100.0 } else { 110.0 };
                level + f64::from(i % 3) * 0.1
            })
            .collect();
        let changes = change_points(&values, &ChangePointOptions::default());
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].index, 20);
        assert!((changes[0].change.point - 0.10).abs() < 0.005);
        assert!(changes[0].p_value < 0.01);
    }
}

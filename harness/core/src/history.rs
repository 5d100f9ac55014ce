//! Baseline history: earlier versions of a committed baseline, read from git
//! history, and the per-benchmark noise thresholds learned from them.
//!
//! rustc-perf's rule: a change is significant when it exceeds Q3 + 3·IQR of
//! the benchmark's own past changes. Each benchmark thereby gets the
//! threshold its noise deserves — tight for the quiet, loose for the
//! rayon-parallel — instead of one number for all.

use std::collections::BTreeMap;
use std::path::Path;

use git2::{Repository, Sort};

use crate::run::Run;
use crate::stats::quantile_of_sorted;

/// Most baseline versions read from history. rustc-perf looks back 30
/// commits; older versions describe code and machines long gone.
pub const MAX_HISTORY_VERSIONS: usize = 30;

/// Fewest past changes of a benchmark before its own noise replaces the
/// configured threshold: with fewer, Q3 and the IQR are guesses.
pub const MIN_HISTORY_CHANGES: usize = 5;

/// Fewest stored runs of a benchmark (on one machine, in one profile)
/// before the threshold learned from the history store replaces the
/// configured one: ten runs give nine run-to-run changes, so each quartile
/// of Q3 + 3·IQR lies between at least two of them and one noisy run cannot
/// set a benchmark's threshold alone. With fewer, the configured threshold
/// (or one learned from committed baseline versions) stays in force.
pub const MIN_RUNS_FOR_LEARNED_THRESHOLD: usize = 10;

/// How many interquartile ranges above Q3 a change must reach (rustc-perf's
/// upper outer fence: Tukey's "far out" values).
pub const IQR_MULTIPLIER: f64 = 3.0;

/// Lowest threshold history may teach. Identical baselines re-committed a
/// few times would otherwise give a zero IQR and a zero threshold, failing
/// on the first honest 0.5 % of noise.
pub const LEARNED_THRESHOLD_FLOOR: f64 = 0.02;

/// Earlier committed versions of `baseline` (a path inside the repository
/// at `root`), oldest first, newest last, at most [`MAX_HISTORY_VERSIONS`].
/// Versions that no longer parse (older schemas) are skipped; outside a
/// repository, or for an uncommitted file, the history is empty.
pub fn baseline_history(root: &Path, baseline: &Path) -> Vec<Run> {
    let Ok(repo) = Repository::discover(root) else {
        return Vec::new();
    };
    let Some(workdir) = repo.workdir().map(Path::to_path_buf) else {
        return Vec::new();
    };
    let absolute = if baseline.is_absolute() {
        baseline.to_path_buf()
    } else {
        root.join(baseline)
    };
    let Some(relative) = absolute.canonicalize().ok().and_then(|path| {
        path.strip_prefix(workdir.canonicalize().ok()?)
            .ok()
            .map(Path::to_path_buf)
    }) else {
        return Vec::new();
    };
    let Ok(mut walk) = repo.revwalk() else {
        return Vec::new();
    };
    if walk.push_head().is_err() || walk.set_sorting(Sort::TOPOLOGICAL | Sort::TIME).is_err() {
        return Vec::new();
    }
    let mut versions = Vec::new();
    // A version recommitted unchanged (or restored by a revert) counts once.
    let mut seen = std::collections::HashSet::new();
    for oid in walk.filter_map(|oid| oid.ok()) {
        let Some(entry) = repo
            .find_commit(oid)
            .ok()
            .and_then(|c| c.tree().ok())
            .and_then(|t| t.get_path(&relative).ok())
        else {
            continue;
        };
        if !seen.insert(entry.id()) {
            continue;
        }
        let Ok(blob) = repo.find_blob(entry.id()) else {
            continue;
        };
        if let Ok(run) = serde_json::from_slice::<Run>(blob.content()) {
            versions.push(run);
        }
        if versions.len() == MAX_HISTORY_VERSIONS {
            break;
        }
    }
    versions.reverse();
    versions
}

/// Per benchmark key (`suite/id`): the relative changes of its typical time
/// between consecutive versions.
pub fn past_changes(versions: &[Run]) -> BTreeMap<String, Vec<f64>> {
    let mut changes: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for pair in versions.windows(2) {
        let before: BTreeMap<String, f64> = pair[0]
            .benchmarks
            .iter()
            .filter_map(|b| Some((b.key(), b.typical_ns()?)))
            .collect();
        for benchmark in &pair[1].benchmarks {
            let key = benchmark.key();
            if let (Some(old), Some(new)) = (before.get(&key), benchmark.typical_ns()) {
                if *old > 0.0 {
                    changes.entry(key).or_default().push(new / old - 1.0);
                }
            }
        }
    }
    changes
}

/// The threshold a benchmark's own past changes justify: Q3 + 3·IQR of
/// their magnitudes, at least [`LEARNED_THRESHOLD_FLOOR`]. `None` with fewer
/// than [`MIN_HISTORY_CHANGES`] changes.
pub fn learned_threshold(changes: &[f64]) -> Option<f64> {
    if changes.len() < MIN_HISTORY_CHANGES {
        return None;
    }
    let mut magnitudes: Vec<f64> = changes
        .iter()
        .map(|c| c.abs())
        .filter(|c| c.is_finite())
        .collect();
    magnitudes.sort_by(f64::total_cmp);
    let q1 = quantile_of_sorted(&magnitudes, 0.25)?;
    let q3 = quantile_of_sorted(&magnitudes, 0.75)?;
    Some((q3 + IQR_MULTIPLIER * (q3 - q1)).max(LEARNED_THRESHOLD_FLOOR))
}

/// Learned thresholds for every benchmark with enough history.
pub fn learned_thresholds(versions: &[Run]) -> BTreeMap<String, f64> {
    past_changes(versions)
        .into_iter()
        .filter_map(|(key, changes)| Some((key, learned_threshold(&changes)?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_outer_fence_of_past_change_magnitudes() {
        // |changes| sorted: 0.01 0.02 0.03 0.04 0.05 → Q1 0.02, Q3 0.04, fence 0.04 + 3·0.02.
        let changes = [0.01, -0.02, 0.03, -0.04, 0.05];
        assert!((learned_threshold(&changes).unwrap() - 0.10).abs() < 1e-12);
        assert_eq!(learned_threshold(&changes[..4]), None, "too little history");
        assert_eq!(learned_threshold(&[0.0; 6]), Some(LEARNED_THRESHOLD_FLOOR));
    }
}

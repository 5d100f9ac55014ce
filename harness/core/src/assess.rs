//! The one path from "a run and its baseline" to a comparison, shared by
//! `gate`, `compare` and `report`: learn thresholds from the baseline's
//! history, restrict both runs to the suites they share, compare.

use std::path::Path;

use crate::compare::{CompareOptions, Comparison, Note, compare};
use crate::config::Policy;
use crate::error::{Error, Result};
use crate::history::{baseline_history, learned_thresholds};
use crate::run::Run;
use crate::store::read_run;

/// A run judged against its baseline.
#[derive(Debug, Clone)]
pub struct Assessment {
    /// The baseline, restricted to the suites the run measured.
    pub baseline: Run,
    /// Committed versions of the baseline file, oldest first.
    pub history: Vec<Run>,
    /// The policy the verdicts used: the configured one with the
    /// thresholds learned from `history`.
    pub policy: Policy,
    pub comparison: Comparison,
}

/// Judge `current` against `baseline`: only the suites both runs have,
/// with each benchmark's threshold learned from `history` where there is
/// enough of it. A comparison that would compare nothing is refused, never
/// a pass: an empty run, or one that shares no suite with its baseline (a
/// typo in `--suite`, the wrong baseline file).
pub fn assess(
    current: &Run,
    baseline: &Run,
    history: Vec<Run>,
    policy: &Policy,
    options: &CompareOptions,
) -> Result<Assessment> {
    let (measured, stored) = (current.suites(), baseline.suites());
    if measured.is_empty() {
        return Err(Error::Refused(
            "nothing to compare: the run holds no benchmarks and no metrics; run the benchmarks first (`benchgate gate`, or `cargo bench` and `benchgate collect`)".into(),
        ));
    }
    if !measured.iter().any(|suite| stored.contains(suite)) {
        return Err(Error::Refused(format!(
            "nothing to compare: the run measured suite(s) {} but the baseline holds {}; check the suite names (--suite) and the baseline (--baseline / --name), or record a baseline for these suites",
            measured.join(", "),
            if stored.is_empty() {
                "none".to_owned()
            } else {
                stored.join(", ")
            }
        )));
    }
    let policy = policy
        .clone()
        .with_learned_time_thresholds(learned_thresholds(&history));
    let compared_baseline = baseline.restricted_to(&current.suites());
    let mut comparison = compare(
        &compared_baseline,
        &current.restricted_to(&baseline.suites()),
        &policy,
        options,
    )?;
    if policy.stored_count() > 0 {
        comparison.notes.push(Note::StoredThresholds {
            benchmarks: policy.stored_count(),
        });
    }
    if policy.learned_count() > policy.stored_count() {
        comparison.notes.push(Note::LearnedThresholds {
            benchmarks: policy.learned_count() - policy.stored_count(),
            versions: history.len(),
        });
    }
    Ok(Assessment {
        baseline: compared_baseline,
        history,
        policy,
        comparison,
    })
}

/// Two run files to judge, as `compare` and `report` take them.
#[derive(Debug, Clone, Copy)]
pub struct FileInputs<'a> {
    pub run: &'a Path,
    pub baseline: &'a Path,
    /// Where the baseline's committed history is looked up (a directory
    /// inside its git repository); `None` for no history.
    pub repository: Option<&'a Path>,
    pub policy: &'a Policy,
    pub compare: &'a CompareOptions,
}

/// Read both files and [`assess`] them; returns the run too.
pub fn assess_files(inputs: &FileInputs<'_>) -> Result<(Run, Assessment)> {
    // Parsing dominates a large comparison's reading: the two files and the
    // baseline's history are read at once. The run's error, if any, still
    // comes first.
    let ((current, baseline), history) = rayon::join(
        || rayon::join(|| read_run(inputs.run), || read_run(inputs.baseline)),
        || {
            inputs
                .repository
                .map(|root| {
                    // `baseline_history` reads a relative path as relative to
                    // `root`; the file was named relative to where the command
                    // runs, so it is made absolute first (a relative
                    // `--baseline` used to find no history at all).
                    let baseline = std::path::absolute(inputs.baseline)
                        .unwrap_or_else(|_| inputs.baseline.to_path_buf());
                    baseline_history(root, &baseline)
                })
                .unwrap_or_default()
        },
    );
    let (current, baseline) = (current?, baseline?);
    let assessment =
        assess(&current, &baseline, history, inputs.policy, inputs.compare).map_err(|error| {
            match error {
                Error::Refused(reason) => Error::Refused(format!(
                    "comparing {} with {}: {reason}",
                    inputs.run.display(),
                    inputs.baseline.display()
                )),
                other => other,
            }
        })?;
    Ok((current, assessment))
}

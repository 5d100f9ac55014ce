//! The gate: run suites, collect, compare with this machine's baseline, and
//! say pass or fail.

use std::path::PathBuf;

use crate::ab::{AbOptions, DEFAULT_AB_ROUNDS, exact_filter, run_ab};
use crate::collect::{CollectOptions, collect};
use crate::compare::{
    CompareOptions, Comparison, Entry, compare, confirm_time_regressions,
    confirm_time_regressions_paired,
};
use crate::config::Policy;
use crate::error::Result;
use crate::history::{baseline_history, learned_thresholds};
use crate::run::{GitState, Run};
use crate::runner::{RunOptions, run_suites};
use crate::store::{BaselineStore, read_run, write_run};
use crate::workspace::{Suite, Workspace};

/// Interleaved rounds of the paired confirmation: as many as `benchgate
/// ab` uses, where 10 rounds detect a 3 % change (measured, README) and
/// Wilcoxon's smallest two-sided p (0.002) is far below alpha.
pub const CONFIRMATION_ROUNDS: u32 = DEFAULT_AB_ROUNDS;

/// Baseline name used by full runs when none is given.
pub const DEFAULT_BASELINE: &str = "main";
/// Baseline name used by `--quick` runs: quick and full runs differ in
/// warm-up and sample count, so each gets its own reference.
pub const DEFAULT_QUICK_BASELINE: &str = "quick";

#[derive(Debug, Clone)]
pub struct GateOptions {
    /// Suites to run; empty means all.
    pub suites: Vec<String>,
    pub run: RunOptions,
    pub baseline_name: Option<String>,
    pub baselines_dir: PathBuf,
    pub config_path: PathBuf,
    pub compare: CompareOptions,
    /// Re-measure when time regressions are flagged and keep only those
    /// the second measurement shows too.
    pub confirm: bool,
}

impl GateOptions {
    pub fn baseline_name(&self) -> &str {
        self.baseline_name.as_deref().unwrap_or(if self.run.quick {
            DEFAULT_QUICK_BASELINE
        } else {
            DEFAULT_BASELINE
        })
    }
}

#[derive(Debug)]
pub struct GateReport {
    pub run: Run,
    pub run_file: PathBuf,
    pub baseline_file: PathBuf,
    /// Suites this run added to the baseline because it had none for them.
    pub recorded_suites: Vec<String>,
    /// The baseline the run was compared with, restricted to the measured
    /// suites; `None` when this run created it.
    pub baseline: Option<Run>,
    /// Committed versions of the baseline file, oldest first.
    pub history: Vec<Run>,
    /// `None` when the baseline was created by this run: nothing to compare.
    pub comparison: Option<Comparison>,
}

impl GateReport {
    pub fn passed(&self) -> bool {
        self.comparison.as_ref().is_none_or(Comparison::passed)
    }
}

pub fn gate(
    workspace: &Workspace,
    options: &GateOptions,
    log: &dyn Fn(&str),
) -> Result<GateReport> {
    // Read the configuration before spending minutes on benchmarks.
    let policy = Policy::load(&options.config_path)?;
    let suites = workspace.select_suites(&options.suites)?;
    let sources = run_suites(workspace, &suites, &options.run, log)?;
    let mut run = collect(&CollectOptions {
        sources,
        metrics_dir: Some(workspace.metrics_dir()),
        iai_root: Some(workspace.iai_root()),
        profile: options.run.profile().to_owned(),
        workspace_root: workspace.root.clone(),
    })?;
    run.features = options.run.features.clone();
    let run_file = workspace.run_file();
    write_run(&run_file, &run)?;

    let store = BaselineStore::new(&options.baselines_dir);
    let baseline_file = store.path(&run.machine.id, options.baseline_name())?;
    let measured_suites = run.suites();
    if !baseline_file.exists() {
        write_run(&baseline_file, &run)?;
        return Ok(GateReport {
            run,
            run_file,
            baseline_file,
            recorded_suites: measured_suites,
            baseline: None,
            history: Vec::new(),
            comparison: None,
        });
    }
    let stored = read_run(&baseline_file)?;
    let stored_suites = stored.suites();
    let recorded_suites: Vec<String> = measured_suites
        .iter()
        .filter(|s| !stored_suites.contains(s))
        .cloned()
        .collect();
    if !recorded_suites.is_empty() {
        write_run(
            &baseline_file,
            &merge_suites(&stored, &run, &recorded_suites),
        )?;
    }
    // Each benchmark's own noise, from the committed versions of this
    // baseline, replaces the configured threshold where there is enough.
    let history = baseline_history(&workspace.root, &baseline_file);
    let policy = policy.with_learned_time_thresholds(learned_thresholds(&history));
    let compared_baseline = restrict_to_suites(&stored, &measured_suites);
    let mut comparison = compare(
        &compared_baseline,
        &restrict_to_suites(&run, &stored_suites),
        &policy,
        &options.compare,
    )?;
    if options.confirm {
        confirm(
            workspace,
            options,
            &suites,
            &stored,
            &policy,
            &mut comparison,
            log,
        )?;
    }
    if policy.learned_count() > 0 {
        comparison.notes.push(format!(
            "Time thresholds of {} benchmarks learned from {} committed versions of the baseline (Q3 + 3·IQR of their past changes).",
            policy.learned_count(),
            history.len()
        ));
    }
    Ok(GateReport {
        run,
        run_file,
        baseline_file,
        recorded_suites,
        baseline: Some(compared_baseline),
        history,
        comparison: Some(comparison),
    })
}

/// Confirm flagged wall-time regressions before they fail the gate.
///
/// Preferred: a paired, interleaved A/B re-run of the baseline's own commit
/// against this code, on this machine, now (`benchgate ab`, only the
/// flagged benchmarks). Whatever slowed the machine since the baseline was
/// recorded — a noisy neighbour for ten minutes, a different host under the
/// same machine id — slows both sides of each round alike and cancels in
/// their ratio, so only a change of the code survives. Where the baseline's
/// commit cannot be rebuilt (recorded from uncommitted changes, or the
/// commit is not in this repository), the suites are measured again instead.
fn confirm(
    workspace: &Workspace,
    options: &GateOptions,
    suites: &[Suite],
    stored: &Run,
    policy: &Policy,
    comparison: &mut Comparison,
    log: &dyn Fn(&str),
) -> Result<()> {
    let flagged = time_failures(comparison);
    if flagged.is_empty() {
        return Ok(());
    }
    match rebuildable_commit(workspace, stored, &flagged) {
        Ok(commit) => confirm_paired(
            workspace, options, stored, &commit, &flagged, comparison, log,
        ),
        Err(reason) => {
            log(&format!(
                "cannot re-run the baseline's code for a paired confirmation ({reason}); measuring again instead"
            ));
            confirm_by_remeasuring(workspace, options, suites, stored, policy, comparison, log)
        }
    }
}

/// The wall-time regressions that would fail the gate.
fn time_failures(comparison: &Comparison) -> Vec<Entry> {
    comparison
        .failures()
        .filter(|e| e.metric.is_none())
        .cloned()
        .collect()
}

/// The commit the flagged benchmarks' baseline numbers measured, if it is
/// one commit and this repository can build it again.
fn rebuildable_commit(
    workspace: &Workspace,
    stored: &Run,
    flagged: &[Entry],
) -> std::result::Result<String, String> {
    let suites: Vec<&str> = flagged.iter().map(|e| e.suite.as_str()).collect();
    let git = measured_commit(stored, &suites)?;
    if git.dirty {
        return Err(format!(
            "the baseline was recorded from uncommitted changes on top of {}",
            short(&git.commit)
        ));
    }
    let repo = git2::Repository::discover(&workspace.root)
        .map_err(|e| format!("no git repository: {}", e.message()))?;
    let found = git2::Oid::from_str(&git.commit)
        .ok()
        .and_then(|oid| repo.find_commit(oid).ok())
        .is_some();
    if found {
        Ok(git.commit.clone())
    } else {
        Err(format!(
            "the baseline's commit {} is not in this repository (a shallow clone? fetch more history)",
            short(&git.commit)
        ))
    }
}

/// The one git state that the baseline numbers of `suites` measured
/// (suites merged into a baseline later can come from other commits).
pub fn measured_commit<'a>(
    stored: &'a Run,
    suites: &[&str],
) -> std::result::Result<&'a GitState, String> {
    let mut states = suites.iter().map(|suite| stored.git_of(suite));
    let first = states
        .next()
        .flatten()
        .ok_or("the baseline was recorded outside git")?;
    if states.any(|state| state != Some(first)) {
        return Err("the flagged suites' baseline numbers come from different commits".to_owned());
    }
    Ok(first)
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

fn confirm_paired(
    workspace: &Workspace,
    options: &GateOptions,
    stored: &Run,
    commit: &str,
    flagged: &[Entry],
    comparison: &mut Comparison,
    log: &dyn Fn(&str),
) -> Result<()> {
    let mut suites: Vec<String> = flagged.iter().map(|e| e.suite.clone()).collect();
    suites.sort();
    suites.dedup();
    log(&format!(
        "time regressions flagged in {}; confirming them with a paired A/B run of the baseline's commit {} against this code ({CONFIRMATION_ROUNDS} interleaved rounds)",
        flagged
            .iter()
            .map(Entry::key)
            .collect::<Vec<_>>()
            .join(", "),
        short(commit),
    ));
    let report = run_ab(
        workspace,
        &AbOptions {
            base: Some(commit.to_owned()),
            suites,
            rounds: CONFIRMATION_ROUNDS,
            features: Vec::new(),
            head_features: options.run.features.clone(),
            base_features: stored.features.clone(),
            filter: Some(exact_filter(flagged.iter().map(|e| e.benchmark.as_str()))),
            config_path: options.config_path.clone(),
            compare: options.compare.clone(),
        },
        log,
    )?;
    let dropped = confirm_time_regressions_paired(comparison, &report.comparison);
    if !dropped.is_empty() {
        comparison.notes.push(format!(
            "Not confirmed by a paired A/B run of the baseline's commit {} against this code ({CONFIRMATION_ROUNDS} interleaved rounds on this machine), so not counted: {}.",
            short(commit),
            dropped.join("; ")
        ));
    }
    let kept: Vec<String> = time_failures(comparison).iter().map(Entry::key).collect();
    if !kept.is_empty() {
        comparison.notes.push(format!(
            "Confirmed by a paired A/B run of the baseline's commit {} against this code: {}.",
            short(commit),
            kept.join(", ")
        ));
    }
    Ok(())
}

/// Re-measure the suites with flagged time regressions and keep only the
/// regressions the second measurement shows too.
fn confirm_by_remeasuring(
    workspace: &Workspace,
    options: &GateOptions,
    suites: &[Suite],
    stored: &Run,
    policy: &Policy,
    comparison: &mut Comparison,
    log: &dyn Fn(&str),
) -> Result<()> {
    let flagged = time_failures(comparison);
    let rerun: Vec<Suite> = suites
        .iter()
        .filter(|s| flagged.iter().any(|e| e.suite == s.name))
        .cloned()
        .collect();
    log(&format!(
        "time regressions flagged in suite(s) {}; measuring again to confirm them",
        rerun
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let run_options = RunOptions {
        instruction_counts: false,
        ..options.run.clone()
    };
    let sources = run_suites(workspace, &rerun, &run_options, log)?;
    let second = collect(&CollectOptions {
        sources,
        metrics_dir: None,
        iai_root: None,
        profile: options.run.profile().to_owned(),
        workspace_root: workspace.root.clone(),
    })?;
    let confirmation = compare(
        &restrict_to_suites(stored, &second.suites()),
        &restrict_to_suites(&second, &stored.suites()),
        policy,
        &options.compare,
    )?;
    let dropped = confirm_time_regressions(comparison, &confirmation);
    if !dropped.is_empty() {
        comparison.notes.push(format!(
            "Not confirmed by a second measurement, so not counted: {}.",
            dropped.join(", ")
        ));
    }
    Ok(())
}

/// `run` with only the benchmarks and metrics of `suites`: a gate over some
/// suites must not report the others as missing.
pub fn restrict_to_suites(run: &Run, suites: &[String]) -> Run {
    let mut restricted = run.clone();
    restricted.benchmarks.retain(|b| suites.contains(&b.suite));
    restricted.metrics.retain(|m| suites.contains(&m.suite));
    restricted
}

/// `baseline` plus the benchmarks and metrics of `suites` taken from `run`.
/// The baseline keeps its own provenance (time, machine, commit), and
/// records the commit each added suite measured where it differs, so that
/// a confirmation re-runs the code a suite's numbers came from.
pub fn merge_suites(baseline: &Run, run: &Run, suites: &[String]) -> Run {
    let mut merged = baseline.clone();
    let added = restrict_to_suites(run, suites);
    merged.benchmarks.retain(|b| !suites.contains(&b.suite));
    merged.metrics.retain(|m| !suites.contains(&m.suite));
    merged.benchmarks.extend(added.benchmarks);
    merged.metrics.extend(added.metrics);
    for suite in suites {
        let measured = run.git_of(suite).cloned();
        if measured.as_ref() == merged.git.as_ref() {
            merged.suite_git.remove(suite);
        } else {
            merged.suite_git.insert(suite.clone(), measured);
        }
    }
    merged.canonicalize();
    merged
}

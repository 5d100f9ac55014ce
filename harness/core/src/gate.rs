//! The gate: run suites, collect, compare with this machine's baseline, and
//! say pass or fail.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::ab::{AbOptions, DEFAULT_AB_ROUNDS, exact_filter, run_ab};
use crate::assess::{Assessment, assess};
use crate::collect::{CollectOptions, collect};
use crate::compare::{
    CompareOptions, Comparison, Confirmation, Entry, Outcome, compare, paired_confirmations,
    remeasured_confirmations,
};
use crate::config::Policy;
use crate::error::Result;
use crate::history::baseline_history;
use crate::progress::Reporter;
use crate::provenance::Provenance;
/// Where it was defined first; the store merges suites too.
pub use crate::run::merge_suites;
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
    /// The configuration, read once by the caller.
    pub policy: Policy,
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
    /// `None` when the baseline was created by this run and no other
    /// machine's baseline holds portable metrics: nothing compared.
    pub assessment: Option<Assessment>,
    /// When this machine had no baseline: the other machine's baseline
    /// whose portable metrics (instruction counts) this run was judged
    /// against.
    pub portable_baseline: Option<PathBuf>,
}

impl GateReport {
    /// The comparison, with any confirmation evidence attached.
    pub fn comparison(&self) -> Option<&Comparison> {
        self.assessment.as_ref().map(|a| &a.comparison)
    }

    /// A gate that only recorded a baseline says so; it is not a pass.
    pub fn outcome(&self) -> Outcome {
        self.comparison()
            .map_or(Outcome::RecordedOnly, Comparison::outcome)
    }

    pub fn passed(&self) -> bool {
        self.outcome() == Outcome::Pass
    }
}

pub fn gate(
    workspace: &Workspace,
    options: &GateOptions,
    log: &dyn Reporter,
) -> Result<GateReport> {
    let suites = workspace.select_suites(&options.suites)?;
    let store = BaselineStore::new(&options.baselines_dir);
    let mut provenance = Provenance::probe(&workspace.root, options.run.profile())
        .with_features(options.run.features.clone());
    provenance.codegen_units = built_like(&store, options, &provenance.machine.id, &suites, log);
    let run_options = RunOptions {
        codegen_units: provenance.codegen_units,
        ..options.run.clone()
    };
    let sources = run_suites(workspace, &suites, &run_options, log)?;
    // The criterion these suites link, rather than the lock's first one;
    // read after the build, which writes the lock of a project that has
    // none committed.
    if let Some(version) = workspace.criterion_version(&suites) {
        provenance.tools.criterion = Some(version);
    }
    let run = collect(
        &CollectOptions {
            sources,
            metrics_dir: Some(workspace.metrics_dir()),
            iai_root: Some(workspace.iai_root()),
        },
        &provenance,
    )?;
    let run_file = workspace.run_file();
    write_run(&run_file, &run)?;

    let Recorded {
        baseline_file,
        stored,
        suites: recorded_suites,
    } = record_new_suites(&store, &run, options.baseline_name(), &|lock| {
        log.log(&format!(
            "waiting for the lock on {} (another benchgate is saving this baseline)",
            lock.display()
        ))
    })?;
    let measured_suites = run.suites();
    let Some(stored) = stored else {
        let portable = portable_assessment(&store, options, &run, log)?;
        return Ok(GateReport {
            run,
            run_file,
            baseline_file,
            recorded_suites,
            portable_baseline: portable.as_ref().map(|(path, _)| path.clone()),
            assessment: portable.map(|(_, assessment)| assessment),
        });
    };
    if recorded_suites.len() == measured_suites.len() {
        // Every suite this run measured is new to the baseline: recorded,
        // nothing to compare yet.
        return Ok(GateReport {
            run,
            run_file,
            baseline_file,
            recorded_suites,
            assessment: None,
            portable_baseline: None,
        });
    }
    // Each benchmark's own noise, from the committed versions of this
    // baseline, replaces the configured threshold where there is enough.
    let history = baseline_history(&workspace.root, &baseline_file);
    let mut assessment = assess(&run, &stored, history, &options.policy, &options.compare)?;
    if options.confirm {
        let evidence = Confirmer {
            workspace,
            options,
            suites: &suites,
            stored: &stored,
            policy: &assessment.policy,
            provenance: &provenance,
            log,
        }
        .evidence(&assessment.comparison)?;
        assessment.comparison = assessment.comparison.with_confirmations(evidence);
    }
    Ok(GateReport {
        run,
        run_file,
        baseline_file,
        recorded_suites,
        assessment: Some(assessment),
        portable_baseline: None,
    })
}

/// On a machine with no baseline of its own: the run judged on its
/// portable metrics (instruction counts) against the same-named baseline
/// of another machine ([`portable_candidate`]). `None` when no stored
/// baseline holds portable metrics of the measured suites.
pub fn portable_assessment(
    store: &BaselineStore,
    options: &GateOptions,
    run: &Run,
    log: &dyn Reporter,
) -> Result<Option<(PathBuf, Assessment)>> {
    if !run.metrics.iter().any(|m| m.portable) {
        return Ok(None);
    }
    let Some((path, other)) =
        portable_candidate(store, options, &run.machine.id, &run.suites(), log)?
    else {
        return Ok(None);
    };
    log.log(&format!(
        "no baseline for this machine yet; judging instruction counts against {} (machine {})",
        path.display(),
        other.machine.id
    ));
    let assessment = assess(run, &other, Vec::new(), &options.policy, &options.compare)?;
    Ok(Some((path, assessment)))
}

/// The same-named baseline of another machine than `machine_id` that
/// holds the most portable metrics of the `measured` suites (ties: the
/// first machine id); unreadable ones are skipped with a line in the log.
fn portable_candidate(
    store: &BaselineStore,
    options: &GateOptions,
    machine_id: &str,
    measured: &[String],
    log: &dyn Reporter,
) -> Result<Option<(PathBuf, Run)>> {
    let candidates = store
        .list()?
        .into_iter()
        .filter(|b| b.name == options.baseline_name() && b.machine_id != machine_id);
    let mut best: Option<(usize, PathBuf, Run)> = None;
    for candidate in candidates {
        let Ok(other) = read_run(&candidate.path) else {
            log.log(&format!(
                "skipping {} for the portable comparison: it cannot be read",
                candidate.path.display()
            ));
            continue;
        };
        let shared = other
            .metrics
            .iter()
            .filter(|m| m.portable && measured.contains(&m.suite))
            .count();
        if shared > 0 && best.as_ref().is_none_or(|(most, _, _)| shared > *most) {
            best = Some((shared, candidate.path, other));
        }
    }
    Ok(best.map(|(_, path, other)| (path, other)))
}

/// The codegen units of the baseline this gate's run will be judged
/// against (this machine's, else the portable candidate), so that the run
/// compiles the workspace's packages as that baseline did: a baseline
/// recorded from a pull-request check's head (`merge --head-run`) was
/// built with one codegen unit, and the same source compiled with the
/// profile's units runs other instructions ([`crate::codegen`]). `None`
/// (the profile's own) when there is no baseline yet or it cannot be read;
/// the comparison then says what is wrong with it.
fn built_like(
    store: &BaselineStore,
    options: &GateOptions,
    machine_id: &str,
    suites: &[Suite],
    log: &dyn Reporter,
) -> Option<u32> {
    let own = store.path(machine_id, options.baseline_name()).ok()?;
    let (path, units) = if own.exists() {
        (own.clone(), read_run(&own).ok()?.codegen_units)
    } else {
        let measured: Vec<String> = suites.iter().map(|s| s.name.clone()).collect();
        // Quiet: the portable comparison after the run logs what it skips.
        let quiet = |_: &str| {};
        let (path, other) =
            portable_candidate(store, options, machine_id, &measured, &quiet).ok()??;
        (path, other.codegen_units)
    };
    if let Some(units) = units {
        log.log(&format!(
            "building the workspace's packages with {units} codegen unit(s), as {} was built",
            path.display()
        ));
    }
    units
}

/// What [`record_new_suites`] did.
#[derive(Debug)]
pub struct Recorded {
    pub baseline_file: PathBuf,
    /// The baseline as it was before this run; `None` when the run created it.
    pub stored: Option<Run>,
    /// The suites of the run that the baseline lacked, now recorded in it.
    pub suites: Vec<String>,
}

/// Record into baseline `name` the suites of `run` it has none of (all of
/// them when it does not exist yet), holding the name's lock from reading
/// to writing: concurrent gates measuring different suites all land.
pub fn record_new_suites(
    store: &BaselineStore,
    run: &Run,
    name: &str,
    on_wait: &dyn Fn(&std::path::Path),
) -> Result<Recorded> {
    let baseline_file = store.path(&run.machine.id, name)?;
    let _lock = store.lock(&run.machine.id, name, on_wait)?;
    if !baseline_file.exists() {
        write_run(&baseline_file, run)?;
        return Ok(Recorded {
            baseline_file,
            stored: None,
            suites: run.suites(),
        });
    }
    let stored = read_run(&baseline_file)?;
    let stored_suites = stored.suites();
    let suites: Vec<String> = run
        .suites()
        .into_iter()
        .filter(|s| !stored_suites.contains(s))
        .collect();
    if !suites.is_empty() {
        write_run(&baseline_file, &merge_suites(&stored, run, &suites))?;
    }
    Ok(Recorded {
        baseline_file,
        stored: Some(stored),
        suites,
    })
}

/// What confirming the gate's flagged wall-time regressions needs: one
/// context instead of a row of parameters.
///
/// Preferred: a paired, interleaved A/B re-run of the baseline's own commit
/// against this code, on this machine, now (`benchgate ab`, only the
/// flagged benchmarks). Whatever slowed the machine since the baseline was
/// recorded — a noisy neighbour for ten minutes, a different host under the
/// same machine id — slows both sides of each round alike and cancels in
/// their ratio, so only a change of the code survives. Where the baseline's
/// commit cannot be rebuilt (recorded from uncommitted changes, or the
/// commit is not in this repository), the suites are measured again instead.
struct Confirmer<'a> {
    workspace: &'a Workspace,
    options: &'a GateOptions,
    suites: &'a [Suite],
    /// The whole stored baseline (its features and per-suite commits).
    stored: &'a Run,
    /// The policy of the first comparison (learned thresholds included).
    policy: &'a Policy,
    /// Who measured the gate's run: a re-measurement is the same code.
    provenance: &'a Provenance,
    log: &'a dyn Reporter,
}

impl Confirmer<'_> {
    /// Evidence for every flagged wall-time regression of `comparison`,
    /// by entry key. Adds to the comparison; never changes it.
    fn evidence(&self, comparison: &Comparison) -> Result<BTreeMap<String, Confirmation>> {
        let flagged: Vec<&Entry> = comparison.time_regressions().collect();
        if flagged.is_empty() {
            return Ok(BTreeMap::new());
        }
        match rebuildable_commit(self.workspace, self.stored, &flagged) {
            Ok(commit) => self.paired(comparison, &commit, &flagged),
            Err(reason) => {
                self.log.log(&format!(
                    "cannot re-run the baseline's code for a paired confirmation ({reason}); measuring again instead"
                ));
                self.remeasured(comparison, &flagged)
            }
        }
    }

    fn paired(
        &self,
        comparison: &Comparison,
        commit: &str,
        flagged: &[&Entry],
    ) -> Result<BTreeMap<String, Confirmation>> {
        let mut suites: Vec<String> = flagged.iter().map(|e| e.suite.clone()).collect();
        suites.sort();
        suites.dedup();
        self.log.log(&format!(
            "time regressions flagged in {}; confirming them with a paired A/B run of the baseline's commit {} against this code ({CONFIRMATION_ROUNDS} interleaved rounds)",
            flagged
                .iter()
                .map(|e| e.key())
                .collect::<Vec<_>>()
                .join(", "),
            short(commit),
        ));
        let report = run_ab(
            self.workspace,
            &AbOptions {
                base: Some(commit.to_owned()),
                suites,
                rounds: CONFIRMATION_ROUNDS,
                features: Vec::new(),
                head_features: self.options.run.features.clone(),
                base_features: self.stored.features.clone(),
                filter: Some(exact_filter(flagged.iter().map(|e| e.benchmark.as_str()))),
                policy: self.options.policy.clone(),
                compare: self.options.compare.clone(),
            },
            self.log,
        )?;
        Ok(paired_confirmations(comparison, &report.comparison, commit))
    }

    /// Re-measure the suites with flagged time regressions against the
    /// same baseline.
    fn remeasured(
        &self,
        comparison: &Comparison,
        flagged: &[&Entry],
    ) -> Result<BTreeMap<String, Confirmation>> {
        let rerun: Vec<Suite> = self
            .suites
            .iter()
            .filter(|s| flagged.iter().any(|e| e.suite == s.name))
            .cloned()
            .collect();
        self.log.log(&format!(
            "time regressions flagged in suite(s) {}; measuring again to confirm them",
            rerun
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
        let run_options = RunOptions {
            instruction_counts: false,
            codegen_units: self.provenance.codegen_units,
            ..self.options.run.clone()
        };
        let sources = run_suites(self.workspace, &rerun, &run_options, self.log)?;
        let second = collect(
            &CollectOptions {
                sources,
                metrics_dir: None,
                iai_root: None,
            },
            self.provenance,
        )?;
        let confirmation = compare(
            &self.stored.restricted_to(&second.suites()),
            &second.restricted_to(&self.stored.suites()),
            self.policy,
            &self.options.compare,
        )?;
        Ok(remeasured_confirmations(comparison, &confirmation))
    }
}

/// The commit the flagged benchmarks' baseline numbers measured, if it is
/// one commit and this repository can build it again.
fn rebuildable_commit(
    workspace: &Workspace,
    stored: &Run,
    flagged: &[&Entry],
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

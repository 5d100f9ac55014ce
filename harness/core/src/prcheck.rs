//! `benchgate pr-check` and `benchgate merge`: the pull-request check.
//!
//! The base is the merge-base of HEAD with the target branch, built in its
//! own tree and target directory; the head is the work tree. For the
//! suites the change can affect ([`crate::select`]), and of those the ones
//! in this shard ([`crate::shard`]), both sides are measured on this
//! machine: instruction counts (iai-callgrind) once per side, judged
//! exactly; wall times and custom metrics in interleaved rounds (base,
//! head, head, base, …), judged paired. No stored baseline is involved, so
//! a runner model nobody has seen before is compared like any other.
//!
//! A shard writes a [`ShardResult`] holding its raw rounds, not verdicts;
//! [`judge`] turns one or many of them into one comparison, so the
//! multiple-testing adjustment covers the whole set as if unsharded.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::ab::{Side, build_side, export_revision, resolve_base, run_side};
use crate::codegen::AB_CODEGEN_UNITS;
use crate::collect::collect_instruction_counts;
use crate::compare::{CompareOptions, Comparison, PairedRound, compare, compare_paired};
use crate::config::Policy;
use crate::error::{Error, Result};
use crate::layout::{LayoutRequest, build_layouts};
use crate::progress::{Reporter, Step, StepPlan};
use crate::provenance::{Provenance, exported_commit};
use crate::run::{Profile, Run};
use crate::select::{Change, Selection, select};
use crate::shard::{ExpectedCost, ShardSpec, expected_costs, plan};
use crate::store::write_atomic;
use crate::workspace::{Suite, Workspace};

/// Version of the shard result file; readers refuse other versions.
pub const SHARD_SCHEMA_VERSION: u32 = 1;

/// Fewest interleaved rounds a time budget may cut a check down to: with
/// six pairs the signed-rank test's smallest two-sided p is 2/64, still
/// below the default alpha for a single benchmark.
pub const MIN_PR_ROUNDS: u32 = 6;

/// The environment variable GitHub Actions sets to a pull request's target
/// branch; the default branch to take the merge-base with.
pub const TARGET_BRANCH_ENV: &str = "GITHUB_BASE_REF";

/// What to check and how.
#[derive(Debug, Clone)]
pub struct PrCheckOptions {
    /// Base revision; default: the merge-base of HEAD with `target_branch`.
    pub base: Option<String>,
    /// Branch the pull request merges into (default: `$GITHUB_BASE_REF`,
    /// else main/master).
    pub target_branch: Option<String>,
    /// Run every suite, whatever the change touched.
    pub all: bool,
    /// Restrict to these suites (empty: every suite).
    pub suites: Vec<String>,
    pub shard: ShardSpec,
    /// Interleaved rounds of wall-time measurement (at most).
    pub rounds: u32,
    /// Per suite, stop adding rounds (after [`MIN_PR_ROUNDS`]) once this
    /// many seconds of its measurement have passed; `None`: each suite's
    /// budget from the configuration (`pr_budget_minutes`).
    pub budget_secs: Option<f64>,
    pub instruction_counts: bool,
    /// The benchgate executable through which cargo runs both sides'
    /// iai-callgrind executables (`benchgate exec-at`), from paths of one
    /// length ([`crate::exec_path`]); `None` runs them where cargo built
    /// them, and the executable path's length can move the counts.
    pub exec_launcher: Option<PathBuf>,
    /// Layout-randomised builds per side (1: the ordinary build only).
    pub layouts: u32,
    /// Cargo features for both sides / the head only / the base only.
    pub features: Vec<String>,
    pub head_features: Vec<String>,
    pub base_features: Vec<String>,
    /// Seconds each suite took in earlier checks (for balancing shards).
    pub recorded_seconds: BTreeMap<String, f64>,
    /// What each suite holds (e.g. benchmarks in a stored baseline), the
    /// stand-in for durations nobody recorded.
    pub fallback_counts: BTreeMap<String, usize>,
    /// The configuration file, whose change selects every suite.
    pub config_path: Option<PathBuf>,
    pub policy: Policy,
    pub compare: CompareOptions,
}

/// Which suites the change selects and how they are split into shards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub base_commit: String,
    /// How the base was chosen, for people.
    pub base_label: String,
    pub selection: Selection,
    pub costs: Vec<ExpectedCost>,
    /// Suites per shard; `shards.len()` is the shard count.
    pub shards: Vec<Vec<String>>,
}

/// Instruction counts of both sides: one run each, metrics only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CountedSides {
    pub base: Run,
    pub head: Run,
}

/// What one shard measured: raw rounds, not verdicts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardResult {
    pub schema_version: u32,
    pub shard: ShardSpec,
    pub base_commit: String,
    /// The whole check's selection (the same in every shard).
    pub selection: Selection,
    /// The suites this shard measured.
    pub suites: Vec<String>,
    /// Interleaved rounds, in order.
    pub rounds: Vec<RoundFile>,
    pub instruction_counts: Option<CountedSides>,
    /// Seconds of measurement per suite (both sides, all rounds, counts
    /// included; builds excluded): what the next plan balances on.
    pub seconds: BTreeMap<String, f64>,
    /// Seconds spent building both sides.
    pub build_seconds: f64,
    /// Section-shuffle seeds of the layouts the rounds cycled through
    /// (empty: the ordinary build only).
    #[serde(default)]
    pub layout_seeds: Vec<u64>,
}

/// One interleaved round as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundFile {
    pub base: Run,
    pub head: Run,
}

/// The check's verdict over all shards.
#[derive(Debug, Clone)]
pub struct PrVerdict {
    pub base_commit: String,
    pub selection: Selection,
    /// `None` when the change selected no suite.
    pub comparison: Option<Comparison>,
    /// The last round's head run, for the report's charts.
    pub head: Option<Run>,
    /// Per-suite seconds over all shards.
    pub seconds: BTreeMap<String, f64>,
    pub shard_count: u32,
}

/// Decide which suites run and split them into `shard_count` shards.
pub fn plan_check(
    workspace: &Workspace,
    options: &PrCheckOptions,
    shard_count: u32,
) -> Result<Plan> {
    let target_branch = options.target_branch.clone().or_else(|| {
        std::env::var(TARGET_BRANCH_ENV)
            .ok()
            .filter(|b| !b.is_empty())
    });
    let (base_oid, base_label) = resolve_base(
        &workspace.root,
        options.base.as_deref(),
        target_branch.as_deref(),
    )?;
    let suites = workspace.select_suites(&options.suites)?;
    let selection = if options.all {
        Selection::all(&suites)
    } else {
        let changed = crate::git::changed_paths(&workspace.root, base_oid).map_err(|e| {
            Error::Refused(format!(
                "cannot diff {} against the base {base_oid}: {e}; pass --all to run every suite",
                workspace.root.display()
            ))
        })?;
        let config = options
            .config_path
            .as_deref()
            .and_then(|c| c.strip_prefix(&workspace.root).ok());
        select(
            &suites,
            Change {
                paths: &changed,
                config,
                harness_dirs: &workspace.harness_dirs,
            },
        )
    };
    let costs = expected_costs(
        &selection.selected_names(),
        &options.recorded_seconds,
        &options.fallback_counts,
    );
    let shards = plan(&costs, shard_count);
    Ok(Plan {
        base_commit: base_oid.to_string(),
        base_label,
        selection,
        costs,
        shards,
    })
}

/// Measure this shard's suites on both sides and return its result.
pub fn run_shard(
    workspace: &Workspace,
    options: &PrCheckOptions,
    log: &dyn Reporter,
) -> Result<ShardResult> {
    let plan = plan_check(workspace, options, options.shard.count)?;
    log.log(&format!(
        "base: {} ({})",
        plan.base_label,
        &plan.base_commit[..plan.base_commit.len().min(12)]
    ));
    for choice in &plan.selection.selected {
        log.log(&format!(
            "suite `{}` selected: {}",
            choice.suite,
            choice.reason.describe()
        ));
    }
    for choice in &plan.selection.skipped {
        log.log(&format!(
            "suite `{}` skipped: {}",
            choice.suite,
            choice.reason.describe()
        ));
    }
    let mine = &plan.shards[(options.shard.index - 1) as usize];
    let suites: Vec<Suite> = workspace
        .suites
        .iter()
        .filter(|s| mine.contains(&s.name))
        .cloned()
        .collect();
    let mut result = ShardResult {
        schema_version: SHARD_SCHEMA_VERSION,
        shard: options.shard,
        base_commit: plan.base_commit.clone(),
        selection: plan.selection.clone(),
        suites: mine.clone(),
        rounds: Vec::new(),
        instruction_counts: None,
        seconds: BTreeMap::new(),
        build_seconds: 0.0,
        layout_seeds: Vec::new(),
    };
    if suites.is_empty() {
        log.log(&format!("shard {}: no suite to measure", options.shard));
        return Ok(result);
    }
    log.log(&format!("shard {}: {}", options.shard, mine.join(", ")));

    let work = workspace.work_dir().join("pr-check");
    let base_tree = work.join("base-tree");
    let base_oid = git2::Oid::from_str(&plan.base_commit)
        .map_err(|e| Error::Refused(format!("internal: bad base commit: {e}")))?;
    export_revision(&workspace.root, base_oid, &base_tree)?;
    let both = |extra: &[String]| -> Vec<String> {
        options.features.iter().chain(extra).cloned().collect()
    };
    let head_provenance =
        Provenance::probe(&workspace.root, Profile::AbHead).with_codegen_units(AB_CODEGEN_UNITS);
    let base_provenance = head_provenance
        .for_code(
            Some(exported_commit(plan.base_commit.clone())),
            &base_tree,
            Profile::AbBase,
        )
        .with_features(both(&options.base_features));
    let head_provenance = head_provenance.with_features(both(&options.head_features));

    let started = Instant::now();
    let base_target = work.join("base-target");
    let mut base = build_side(
        ("base", &base_tree),
        &base_target,
        (&suites, &workspace.members),
        base_provenance,
        log,
    )?;
    let mut head = build_side(
        ("head", &workspace.root),
        &workspace.target_dir,
        (&suites, &workspace.members),
        head_provenance,
        log,
    )?;
    if options.layouts > 1 {
        let seeds: Vec<u64> = (1..=u64::from(options.layouts)).collect();
        let mut all_built = true;
        for (side, target_dir) in [
            (&mut base, &base_target),
            (&mut head, &workspace.target_dir),
        ] {
            let request = LayoutRequest {
                side: side.name,
                tree: &side.tree,
                target_dir,
                features: &side.provenance.features,
                cargo_config: &side.cargo_config,
            };
            match build_layouts(request, &suites, &seeds, log)? {
                Some(layouts) => side.layouts = layouts,
                None => all_built = false,
            }
        }
        if all_built {
            result.layout_seeds = seeds;
        } else {
            // Both sides the same way, or a layout would differ by side.
            base.layouts.clear();
            head.layouts.clear();
        }
    }
    result.build_seconds = started.elapsed().as_secs_f64();
    log.log(&format!(
        "built both sides in {:.0} s",
        result.build_seconds
    ));

    let iai_suites = if options.instruction_counts && crate::runner::valgrind_available() {
        suites.iter().filter(|s| !s.iai_targets.is_empty()).count()
    } else {
        0
    };
    let rounds = options.rounds.max(1);
    log.plan(&measurement_plan(
        &format!("pr-check shard {}", options.shard),
        &suites,
        iai_suites,
        rounds,
        &options.recorded_seconds,
    ));
    if options.instruction_counts {
        result.instruction_counts = count_instructions(
            workspace,
            &suites,
            [(&base, &base_target), (&head, &workspace.target_dir)],
            &work,
            options.exec_launcher.as_deref(),
            &mut result.seconds,
            log,
        )?;
    }

    let mut active: BTreeSet<String> = suites.iter().map(|s| s.name.clone()).collect();
    let mut spent: BTreeMap<String, f64> = BTreeMap::new();
    let measuring = Instant::now();
    for round in 1..=rounds {
        if active.is_empty() {
            break;
        }
        log.log(&progress(measuring.elapsed().as_secs_f64(), round, rounds));
        let order = if round % 2 == 1 {
            [&base, &head]
        } else {
            [&head, &base]
        };
        let mut runs: Vec<Run> = Vec::new();
        let mut this_round: BTreeMap<String, f64> = BTreeMap::new();
        for (i, side) in order.into_iter().enumerate() {
            log.log(&format!("round {round} of {rounds}: {}", side.name));
            let label = format!("{} round {round}/{rounds}", side.name);
            let step = Step {
                index: 2 * iai_suites + 2 * (round as usize - 1) + i + 1,
                label: &label,
            };
            let (run, seconds) = run_side(side, &work, round, None, Some(&active), (log, &step))?;
            for (suite, s) in seconds {
                *this_round.entry(suite).or_default() += s;
            }
            runs.push(run);
        }
        let (first, second) = (runs.remove(0), runs.remove(0));
        let (base_run, head_run) = if round % 2 == 1 {
            (first, second)
        } else {
            (second, first)
        };
        result.rounds.push(RoundFile {
            base: base_run,
            head: head_run,
        });
        // A suite starts no further round once its budget would be passed:
        // every round costs about what the last one did.
        for (suite, seconds) in this_round {
            *result.seconds.entry(suite.clone()).or_default() += seconds;
            let total = spent.entry(suite.clone()).or_default();
            *total += seconds;
            let budget = options
                .budget_secs
                .unwrap_or_else(|| options.policy.pr_budget_secs(&suite));
            if round >= MIN_PR_ROUNDS && round < rounds && *total + seconds > budget {
                log.log(&format!(
                    "suite `{suite}`: time budget of {budget:.0} s reached after {round} rounds ({total:.0} s); no more rounds of it"
                ));
                active.remove(&suite);
            }
        }
    }
    for (suite, seconds) in &result.seconds {
        log.log(&format!("suite `{suite}`: {seconds:.0} s of measurement"));
    }
    Ok(result)
}

/// The measurement steps of a shard: each suite's instruction counts on
/// either side, then the rounds, base and head each a step. A round's
/// step is expected to take the recorded seconds of its suites shared out
/// over both sides and every round (the recorded figure holds the whole
/// check of the suite, instruction counts included, so this errs long).
fn measurement_plan(
    title: &str,
    suites: &[Suite],
    iai_suites: usize,
    rounds: u32,
    recorded: &BTreeMap<String, f64>,
) -> StepPlan {
    let per_side_round: Option<f64> = suites
        .iter()
        .map(|s| {
            recorded
                .get(&s.name)
                .map(|secs| secs / f64::from(2 * rounds))
        })
        .sum();
    let mut expected_secs = vec![None; 2 * iai_suites];
    expected_secs.extend(std::iter::repeat_n(per_side_round, 2 * rounds as usize));
    StepPlan {
        title: title.to_owned(),
        expected_secs,
    }
}

/// One progress line before round `round` of `rounds`: the time spent
/// measuring so far and, from the rounds done, about how much is left (an
/// upper bound: a suite's budget may end it sooner).
fn progress(elapsed_secs: f64, round: u32, rounds: u32) -> String {
    let done = round.saturating_sub(1);
    let minutes = |secs: f64| {
        if secs < 90.0 {
            format!("{secs:.0} s")
        } else {
            format!("{:.1} min", secs / 60.0)
        }
    };
    if done == 0 {
        return format!("round {round} of {rounds} starting");
    }
    let left = elapsed_secs / f64::from(done) * f64::from(rounds - done);
    format!(
        "round {round} of {rounds} starting: {} measured so far, at most about {} left",
        minutes(elapsed_secs),
        minutes(left)
    )
}

/// Run every iai-callgrind target of `suites` once per side, each side in
/// its own tree and target directory, and collect the counts.
fn count_instructions(
    workspace: &Workspace,
    suites: &[Suite],
    sides: [(&Side, &PathBuf); 2],
    work: &Path,
    exec_launcher: Option<&Path>,
    seconds: &mut BTreeMap<String, f64>,
    log: &dyn Reporter,
) -> Result<Option<CountedSides>> {
    let with_iai: Vec<&Suite> = suites
        .iter()
        .filter(|s| !s.iai_targets.is_empty())
        .collect();
    if with_iai.is_empty() {
        return Ok(None);
    }
    if !crate::runner::valgrind_available() {
        log.log(
            "valgrind is not installed: instruction counts skipped (install it, e.g. `apt-get install valgrind`)",
        );
        return Ok(None);
    }
    let runner = crate::runner::ensure_iai_runner(workspace, log)?;
    let mut runs = Vec::new();
    let mut step = 0;
    for (side, target_dir) in sides {
        let iai_root = work.join("iai").join(side.name);
        if iai_root.exists() {
            fs::remove_dir_all(&iai_root).map_err(|e| Error::write(&iai_root, e))?;
        }
        for suite in &with_iai {
            let started = Instant::now();
            log.log(&format!(
                "suite `{}`: instruction counts, {} side",
                suite.name, side.name
            ));
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let mut command = Command::new(cargo);
            command
                .current_dir(&side.tree)
                .env("CARGO_TARGET_DIR", target_dir)
                .args(["bench", "-p", &suite.name]);
            for target in &suite.iai_targets {
                command.args(["--bench", target]);
            }
            if !side.provenance.features.is_empty() {
                command.args(["--features", &side.provenance.features.join(",")]);
            }
            command.args(&side.cargo_config);
            if let Some(launcher) = exec_launcher {
                let dir = crate::exec_path::exec_dir(work, side.name);
                command.args([
                    "--config".to_owned(),
                    crate::exec_path::runner_config(launcher, &dir),
                ]);
            }
            command
                .args(["--", "--save-summary=json"])
                .env(benchgate_metrics::SUITE_ENV, &suite.name)
                .env("IAI_CALLGRIND_RUNNER", &runner)
                .env("IAI_CALLGRIND_HOME", iai_root.join(&suite.name));
            step += 1;
            let label = format!("{} instruction counts, {} side", suite.name, side.name);
            let status = log
                .run(
                    &Step {
                        index: step,
                        label: &label,
                    },
                    &mut command,
                )
                .map_err(|e| Error::Refused(format!("cannot start cargo bench: {e}")))?;
            if !status.success() {
                return Err(Error::Refused(format!(
                    "instruction counts of suite `{}` on the {} side failed ({status}); cargo's output above says why",
                    suite.name, side.name
                )));
            }
            *seconds.entry(suite.name.clone()).or_default() += started.elapsed().as_secs_f64();
        }
        let names: Vec<String> = with_iai.iter().map(|s| s.name.clone()).collect();
        runs.push(collect_instruction_counts(
            &iai_root,
            &names,
            &side.provenance,
        )?);
    }
    let head = runs.pop();
    let base = runs.pop();
    Ok(base
        .zip(head)
        .map(|(base, head)| CountedSides { base, head }))
}

/// Write a shard's result atomically.
pub fn write_shard_result(path: &Path, result: &ShardResult) -> Result<()> {
    let mut json = serde_json::to_string(result).map_err(|e| {
        Error::Refused(format!(
            "cannot serialize the shard result for {}: {e}",
            path.display()
        ))
    })?;
    json.push('\n');
    write_atomic(path, json.as_bytes())
}

/// Read a shard result, refusing other schema versions and invalid runs.
pub fn read_shard_result(path: &Path) -> Result<ShardResult> {
    let text = crate::input::read_text(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_owned(),
                fix: "pass the files `benchgate pr-check --shard K/N --output FILE` wrote".into(),
            }
        } else {
            Error::read(path, e)
        }
    })?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::malformed(path, format!("invalid JSON ({e})"), "run that shard again")
    })?;
    match value
        .get("schema_version")
        .and_then(serde_json::Value::as_u64)
    {
        Some(v) if v == u64::from(SHARD_SCHEMA_VERSION) => {}
        Some(v) => {
            return Err(Error::malformed(
                path,
                format!("shard result schema {v}, this benchgate reads {SHARD_SCHEMA_VERSION}"),
                "merge with the benchgate version that ran the shards",
            ));
        }
        None => {
            return Err(Error::malformed(
                path,
                "not a shard result (no `schema_version`)",
                "pass the files `benchgate pr-check --output FILE` wrote",
            ));
        }
    }
    let result: ShardResult = serde_json::from_value(value).map_err(|e| {
        Error::malformed(
            path,
            format!("unexpected shard result layout ({e})"),
            "run that shard again",
        )
    })?;
    let runs = result.rounds.iter().flat_map(|r| [&r.base, &r.head]).chain(
        result
            .instruction_counts
            .iter()
            .flat_map(|c| [&c.base, &c.head]),
    );
    for run in runs {
        if let Some(problem) = run.first_invalid() {
            return Err(Error::malformed(path, problem, "run that shard again"));
        }
    }
    Ok(result)
}

/// Check that `results` are exactly shards 1..=N of one check: one count,
/// one base, one selection, each index once. Errors name the files.
pub fn check_shard_set(results: &[(PathBuf, ShardResult)]) -> Result<()> {
    let Some((first_path, first)) = results.first() else {
        return Err(Error::Refused(
            "nothing to merge: pass the shard result files (`benchgate merge FILE…`)".into(),
        ));
    };
    let count = first.shard.count;
    let mut seen: BTreeMap<u32, &Path> = BTreeMap::new();
    for (path, result) in results {
        if result.shard.count != count {
            return Err(Error::Refused(format!(
                "{} is shard {} but {} is shard {}: merge the shards of one check",
                path.display(),
                result.shard,
                first_path.display(),
                first.shard
            )));
        }
        if result.base_commit != first.base_commit || result.selection != first.selection {
            return Err(Error::Refused(format!(
                "{} measured against base {} but {} against {} (or they selected different suites): merge the shards of one check",
                path.display(),
                short(&result.base_commit),
                first_path.display(),
                short(&first.base_commit)
            )));
        }
        if let Some(other) = seen.insert(result.shard.index, path) {
            return Err(Error::Refused(format!(
                "shard {} is given twice: {} and {}; pass each shard's file once",
                result.shard,
                other.display(),
                path.display()
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(Error::Refused(format!(
            "shard {} missing: pass every shard's result file (a failed shard job must be re-run, not left out)",
            missing.join(", ")
        )));
    }
    let mut measured: BTreeSet<&str> = BTreeSet::new();
    for (path, result) in results {
        if let Some(twice) = result.suites.iter().find(|s| !measured.insert(s.as_str())) {
            return Err(Error::Refused(format!(
                "suite `{twice}` is measured by two shards (again in {}): the shards were planned differently; re-run them from one plan",
                path.display()
            )));
        }
    }
    Ok(())
}

/// The verdict over a complete set of shards (see [`check_shard_set`]):
/// the rounds of all shards joined round by round (their suites are
/// disjoint) and compared paired in one go, the instruction counts of all
/// shards compared exactly, so every p-value is adjusted over the whole
/// check, as if it had run unsharded.
pub fn judge(
    results: &[ShardResult],
    policy: &Policy,
    options: &CompareOptions,
) -> Result<PrVerdict> {
    let first = results
        .first()
        .ok_or_else(|| Error::Refused("nothing to judge: no shard results".into()))?;
    let mut seconds = BTreeMap::new();
    for result in results {
        for (suite, s) in &result.seconds {
            *seconds.entry(suite.clone()).or_insert(0.0) += s;
        }
    }
    let most_rounds = results.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
    let rounds: Vec<PairedRound> = (0..most_rounds)
        .filter_map(|i| {
            let present: Vec<&RoundFile> = results.iter().filter_map(|r| r.rounds.get(i)).collect();
            Some(PairedRound {
                base: union(present.iter().map(|r| &r.base))?,
                head: union(present.iter().map(|r| &r.head))?,
            })
        })
        .collect();
    let counted: Vec<&CountedSides> = results
        .iter()
        .filter_map(|r| r.instruction_counts.as_ref())
        .collect();
    let mut comparison = if rounds.is_empty() {
        None
    } else {
        Some(compare_paired(&rounds, policy, options)?)
    };
    if let (Some(base), Some(head)) = (
        union(counted.iter().map(|c| &c.base)),
        union(counted.iter().map(|c| &c.head)),
    ) {
        let exact = compare(&base, &head, policy, options)?;
        comparison = Some(match comparison {
            None => exact,
            Some(mut paired) => {
                paired.entries.extend(exact.entries);
                paired.entries.sort_by(|a, b| {
                    (&a.suite, &a.benchmark, &a.metric).cmp(&(&b.suite, &b.benchmark, &b.metric))
                });
                paired
            }
        });
    }
    Ok(PrVerdict {
        base_commit: first.base_commit.clone(),
        selection: first.selection.clone(),
        comparison,
        head: rounds.last().map(|r| r.head.clone()),
        seconds,
        shard_count: first.shard.count,
    })
}

/// The head side of a complete set of shards as one run, as `gate` would
/// have recorded it: each benchmark's samples pooled over the rounds, each
/// metric's rounds pooled into samples, the instruction counts added. What
/// a push to the main branch records as the baseline; `None` when nothing
/// was measured.
pub fn pooled_head(results: &[ShardResult]) -> Option<Run> {
    let most_rounds = results.iter().map(|r| r.rounds.len()).max().unwrap_or(0);
    let rounds: Vec<Run> = (0..most_rounds)
        .filter_map(|i| {
            union(
                results
                    .iter()
                    .filter_map(|r| r.rounds.get(i).map(|r| &r.head)),
            )
        })
        .collect();
    let counted = union(
        results
            .iter()
            .filter_map(|r| r.instruction_counts.as_ref().map(|c| &c.head)),
    );
    let mut pooled = rounds.first().cloned().or_else(|| counted.clone())?;
    let mut benchmarks: BTreeMap<String, crate::run::Benchmark> = BTreeMap::new();
    let mut metrics: BTreeMap<String, Vec<crate::run::MetricRecord>> = BTreeMap::new();
    for run in &rounds {
        for benchmark in &run.benchmarks {
            match benchmarks.get_mut(&benchmark.key()) {
                Some(first) => {
                    first.samples_ns.extend(&benchmark.samples_ns);
                    first.rounds += benchmark.rounds;
                }
                None => {
                    benchmarks.insert(benchmark.key(), benchmark.clone());
                }
            }
        }
        for metric in &run.metrics {
            metrics
                .entry(crate::run::metric_key(metric))
                .or_default()
                .push(metric.clone());
        }
    }
    pooled.benchmarks = benchmarks.into_values().collect();
    pooled.metrics = metrics
        .into_values()
        .filter_map(crate::collect::pool_metric)
        .chain(counted.into_iter().flat_map(|c| c.metrics))
        .collect();
    pooled.canonicalize();
    Some(pooled)
}

/// Runs of disjoint suites as one: the first run's provenance, everyone's
/// benchmarks and metrics; `None` of no runs.
fn union<'a>(mut runs: impl Iterator<Item = &'a Run>) -> Option<Run> {
    let mut joined = runs.next()?.clone();
    for run in runs {
        joined.benchmarks.extend(run.benchmarks.iter().cloned());
        joined.metrics.extend(run.metrics.iter().cloned());
        joined
            .suite_git
            .extend(run.suite_git.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    joined.canonicalize();
    Some(joined)
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

impl Plan {
    /// The plan as pretty JSON, for a CI planning job to read.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Seconds per suite from an earlier check; an absent file is an empty
/// record unless `required` (the user named it).
pub fn read_durations(path: &Path, required: bool) -> Result<BTreeMap<String, f64>> {
    let text = match crate::input::read_text(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
            return Ok(BTreeMap::new());
        }
        Err(e) => return Err(Error::read(path, e)),
    };
    let durations: BTreeMap<String, f64> = serde_json::from_str(&text).map_err(|e| {
        Error::malformed(
            path,
            format!("not a JSON object of seconds per suite ({e})"),
            "replace it with the durations.json `benchgate merge` writes, or delete it",
        )
    })?;
    if let Some((suite, _)) = durations
        .iter()
        .find(|(_, s)| !(s.is_finite() && **s >= 0.0))
    {
        return Err(Error::malformed(
            path,
            format!("suite `{suite}` has no finite, non-negative number of seconds"),
            "replace it with the durations.json `benchgate merge` writes, or delete it",
        ));
    }
    Ok(durations)
}

/// Write seconds per suite (what [`read_durations`] reads) atomically.
pub fn write_durations(path: &Path, seconds: &BTreeMap<String, f64>) -> Result<()> {
    let mut json = serde_json::to_string_pretty(seconds)
        .map_err(|e| Error::Refused(format!("cannot serialize durations: {e}")))?;
    json.push('\n');
    write_atomic(path, json.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::progress;

    #[test]
    fn progress_estimates_what_is_left_from_the_rounds_done() {
        assert_eq!(progress(0.0, 1, 6), "round 1 of 6 starting");
        assert_eq!(
            progress(120.0, 3, 6),
            "round 3 of 6 starting: 2.0 min measured so far, at most about 4.0 min left"
        );
        assert_eq!(
            progress(50.0, 6, 6),
            "round 6 of 6 starting: 50 s measured so far, at most about 10 s left"
        );
    }
}

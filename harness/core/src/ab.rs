//! `benchgate ab`: paired, interleaved A/B runs of a base revision and the
//! working tree on one machine.
//!
//! The base revision is checked out into `target/benchgate/ab/base-tree`
//! (git2, without touching the repository's index or work tree) and built
//! into its own target directory; the head is built in place. The two bench
//! executables then run alternately, A B, B A, A B, … for K rounds with
//! short measurement times, and [`compare_paired`] decides on the per-round
//! ratios, so drift of the machine during the run cancels.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use cargo_metadata::Message;
use git2::{Oid, Repository, build::CheckoutBuilder};

use crate::codegen::{AB_CODEGEN_UNITS, cargo_config_args};
use crate::collect::{CollectOptions, SuiteSource, collect};
use crate::compare::{CompareOptions, Comparison, PairedRound, compare_paired};
use crate::config::Policy;
use crate::error::{Error, Result};
use crate::fixture;
use crate::layout::{
    ALLOCATOR_TUNABLES_ENV, LayoutBuild, STACK_PAD_ENV, allocator_tunables, stack_pad,
};
use crate::progress::{Reporter, Step, StepPlan};
use crate::provenance::{Provenance, exported_commit};
use crate::run::{Profile, Run};
use crate::workspace::{Suite, Workspace};

/// Interleaved rounds unless told otherwise. Ten paired ratios give the
/// signed-rank test a smallest two-sided p of 2/1024, room for the
/// multiple-testing adjustment over a suite, and a Hodges–Lehmann interval
/// narrow enough to separate a 3 % change from the 1 % bar.
pub const DEFAULT_AB_ROUNDS: u32 = 10;

/// criterion warm-up per benchmark and side in each round, seconds: the
/// two binaries alternate, so caches and clocks must settle each time.
pub const AB_WARM_UP_SECS: f64 = 0.3;

/// criterion measurement per benchmark and side in each round, seconds.
/// Short on purpose: pairing, not long runs, is what removes the noise.
pub const AB_MEASUREMENT_SECS: f64 = 0.7;

/// criterion samples per benchmark and side in each round.
pub const AB_SAMPLE_SIZE: u32 = 20;

/// Branches, in order, whose merge-base with HEAD is the default base.
const MAIN_BRANCHES: &[&str] = &[
    "refs/remotes/origin/main",
    "refs/heads/main",
    "refs/remotes/origin/master",
    "refs/heads/master",
];

#[derive(Debug, Clone)]
pub struct AbOptions {
    /// Base revision (anything `git rev-parse` understands); default: the
    /// merge-base of HEAD with the main branch.
    pub base: Option<String>,
    /// Suites to compare; empty means all.
    pub suites: Vec<String>,
    pub rounds: u32,
    /// Cargo features for both sides.
    pub features: Vec<String>,
    /// Cargo features for the head only (e.g. to measure what a feature costs).
    pub head_features: Vec<String>,
    /// Cargo features for the base only (e.g. those a baseline was recorded with).
    pub base_features: Vec<String>,
    /// criterion filter (a regex over benchmark ids) passed to every bench
    /// executable: only matching benchmarks run. `None` runs them all.
    pub filter: Option<String>,
    /// The configuration, read once by the caller.
    pub policy: Policy,
    pub compare: CompareOptions,
}

/// What `ab` compared and concluded.
#[derive(Debug)]
pub struct AbReport {
    /// The base revision's commit; every base-side run records it.
    pub base_commit: String,
    pub comparison: Comparison,
    /// The last round's head run (for the report's per-suite charts).
    pub head: Run,
}

/// One side of the comparison: a source tree, its built bench executables
/// and who measures with them.
pub(crate) struct Side {
    pub(crate) name: &'static str,
    pub(crate) tree: PathBuf,
    /// Per suite: the suite and its criterion executables.
    pub(crate) executables: Vec<(Suite, Vec<PathBuf>)>,
    /// Layout-randomised builds of the same executables; when present,
    /// round N runs layout N mod their count instead of `executables`.
    pub(crate) layouts: Vec<LayoutBuild>,
    pub(crate) provenance: Provenance,
    /// Cargo arguments every build of this side takes
    /// ([`crate::codegen::cargo_config_args`]).
    pub(crate) cargo_config: Vec<String>,
    /// Per suite: the environment under which its bench processes reuse
    /// expensive fixtures built by this side's code (see [`crate::fixture`]).
    pub(crate) fixture_env: BTreeMap<String, [(&'static str, String); 2]>,
}

pub fn run_ab(workspace: &Workspace, options: &AbOptions, log: &dyn Reporter) -> Result<AbReport> {
    let suites = workspace.select_suites(&options.suites)?;
    let (base_oid, base_label) = resolve_base(&workspace.root, options.base.as_deref(), None)?;
    log.log(&format!(
        "base: {base_label} ({base_oid}); head: the working tree"
    ));

    let ab_dir = workspace.work_dir().join("ab");
    let base_tree = ab_dir.join("base-tree");
    export_revision(&workspace.root, base_oid, &base_tree)?;

    let base_features: Vec<String> = options
        .features
        .iter()
        .chain(&options.base_features)
        .cloned()
        .collect();
    let head_provenance =
        Provenance::probe(&workspace.root, Profile::AbHead).with_codegen_units(AB_CODEGEN_UNITS);
    let base_provenance = head_provenance
        .for_code(
            Some(exported_commit(base_oid.to_string())),
            &base_tree,
            Profile::AbBase,
        )
        .with_features(base_features.clone());
    let base = build_side(
        ("base", &base_tree),
        &ab_dir.join("base-target"),
        (&suites, &workspace.members),
        base_provenance,
        log,
    )?;
    let head_features: Vec<String> = options
        .features
        .iter()
        .chain(&options.head_features)
        .cloned()
        .collect();
    let head = build_side(
        ("head", &workspace.root),
        &workspace.target_dir,
        (&suites, &workspace.members),
        head_provenance.with_features(head_features),
        log,
    )?;

    let rounds = options.rounds.max(1);
    log.plan(&StepPlan::unknown("A/B rounds", 2 * rounds as usize));
    let mut paired = Vec::new();
    for round in 1..=rounds {
        // Alternate the order so neither side always runs second, when the
        // caches are warmer or the clock has settled.
        let order = if round % 2 == 1 {
            [&base, &head]
        } else {
            [&head, &base]
        };
        let (mut base_run, mut head_run) = (None, None);
        for (i, side) in order.into_iter().enumerate() {
            log.log(&format!("round {round} of {rounds}: {}", side.name));
            let label = format!("{} round {round}/{rounds}", side.name);
            let step = Step {
                index: 2 * (round as usize - 1) + i + 1,
                label: &label,
            };
            let (run, _) = run_side(
                side,
                &ab_dir,
                round,
                options.filter.as_deref(),
                None,
                (log, &step),
            )?;
            if std::ptr::eq(side, &base) {
                base_run = Some(run);
            } else {
                head_run = Some(run);
            }
        }
        let (Some(base_run), Some(head_run)) = (base_run, head_run) else {
            return Err(Error::Refused(
                "internal: a round lost one of its sides".into(),
            ));
        };
        paired.push(PairedRound {
            base: base_run,
            head: head_run,
        });
    }
    let comparison = compare_paired(&paired, &options.policy, &options.compare)?;
    let head = paired
        .pop()
        .map(|round| round.head)
        .ok_or_else(|| Error::Refused("an A/B comparison needs at least one round".into()))?;
    Ok(AbReport {
        base_commit: base_oid.to_string(),
        comparison,
        head,
    })
}

/// A criterion filter matching exactly the benchmark ids given: criterion
/// takes one regex, so the ids are escaped and joined as alternatives.
pub fn exact_filter<'a>(ids: impl IntoIterator<Item = &'a str>) -> String {
    let alternatives: Vec<String> = ids
        .into_iter()
        .map(|id| {
            id.chars()
                .flat_map(|c| {
                    let special = "\\.+*?()|[]{}^$#&-~".contains(c);
                    special
                        .then_some('\\')
                        .into_iter()
                        .chain(std::iter::once(c))
                })
                .collect()
        })
        .collect();
    format!("^(?:{})$", alternatives.join("|"))
}

/// The base commit and a label for it: `rev` when given, otherwise the
/// merge-base of HEAD with `target_branch` (its remote-tracking branch
/// first, as CI checkouts have only that), otherwise with main or master.
pub(crate) fn resolve_base(
    root: &Path,
    rev: Option<&str>,
    target_branch: Option<&str>,
) -> Result<(Oid, String)> {
    let repo = Repository::discover(root).map_err(|e| {
        Error::Refused(format!(
            "`benchgate ab` needs a git repository at {} ({e})",
            root.display()
        ))
    })?;
    if let Some(rev) = rev {
        let commit = repo
            .revparse_single(rev)
            .and_then(|object| object.peel_to_commit())
            .map_err(|e| Error::Refused(format!("cannot resolve base revision `{rev}`: {e}")))?;
        return Ok((commit.id(), rev.to_owned()));
    }
    let head = repo
        .head()
        .and_then(|h| h.peel_to_commit())
        .map_err(|e| Error::Refused(format!("cannot read HEAD: {e}; pass --base REV")))?;
    let target_refs: Vec<String> = match target_branch {
        Some(branch) => vec![
            format!("refs/remotes/origin/{branch}"),
            format!("refs/heads/{branch}"),
        ],
        None => MAIN_BRANCHES.iter().map(|b| (*b).to_owned()).collect(),
    };
    for branch in &target_refs {
        if let Ok(reference) = repo.find_reference(branch) {
            if let Ok(main) = reference.peel_to_commit() {
                let base = repo.merge_base(head.id(), main.id()).map_err(|e| {
                    Error::Refused(format!(
                        "no merge-base of HEAD and {branch}: {e}; pass --base REV"
                    ))
                })?;
                return Ok((base, format!("merge-base of HEAD and {branch}")));
            }
        }
    }
    Err(Error::Refused(format!(
        "no branch {} to take the merge-base with; fetch it (`git fetch origin BRANCH`) or pass --base REV",
        target_refs.join(" or ")
    )))
}

/// Write the tree of commit `oid` into `dest` (replacing what was there),
/// leaving the repository's index and work tree alone.
pub(crate) fn export_revision(root: &Path, oid: Oid, dest: &Path) -> Result<()> {
    let repo = Repository::discover(root)
        .map_err(|e| Error::Refused(format!("cannot open the git repository: {e}")))?;
    let tree = repo
        .find_commit(oid)
        .and_then(|c| c.tree())
        .map_err(|e| Error::Refused(format!("cannot read commit {oid}: {e}")))?;
    if dest.exists() {
        fs::remove_dir_all(dest).map_err(|e| Error::write(dest, e))?;
    }
    fs::create_dir_all(dest).map_err(|e| Error::write(dest, e))?;
    let mut checkout = CheckoutBuilder::new();
    checkout.target_dir(dest).force().update_index(false);
    repo.checkout_tree(tree.as_object(), Some(&mut checkout))
        .map_err(|e| {
            Error::Refused(format!(
                "cannot check out {oid} into {}: {e}",
                dest.display()
            ))
        })?;
    Ok(())
}

/// Build every suite's criterion executables in `tree`, with the features
/// its provenance names.
pub(crate) fn build_side(
    (name, tree): (&'static str, &Path),
    target_dir: &Path,
    (suites, members): (&[Suite], &[String]),
    provenance: Provenance,
    log: &dyn Reporter,
) -> Result<Side> {
    let features = &provenance.features;
    let cargo_config = cargo_config_args(members, provenance.codegen_units);
    let mut executables = Vec::new();
    let mut fixture_env = BTreeMap::new();
    for suite in suites.iter().filter(|s| !s.criterion_targets.is_empty()) {
        log.log(&format!("building {name}: suite `{}`", suite.name));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut command = Command::new(cargo);
        command
            .current_dir(tree)
            .env("CARGO_TARGET_DIR", target_dir)
            .args([
                "bench",
                "--no-run",
                "--message-format=json-render-diagnostics",
                "-p",
                &suite.name,
            ]);
        for target in &suite.criterion_targets {
            command.args(["--bench", target]);
        }
        if !features.is_empty() {
            command.args(["--features", &features.join(",")]);
        }
        command.args(&cargo_config);
        let mut child = command.stdout(Stdio::piped()).spawn().map_err(|e| {
            Error::Refused(format!("cannot start cargo to build the {name} side: {e}"))
        })?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| Error::Refused("cargo's output was not captured".into()))?;
        let built: Vec<PathBuf> = Message::parse_stream(BufReader::new(stdout))
            .filter_map(|message| match message {
                Ok(Message::CompilerArtifact(artifact)) if artifact.target.is_bench() => {
                    artifact.executable.map(|exe| exe.into_std_path_buf())
                }
                _ => None,
            })
            .collect();
        let status = child.wait().map_err(|e| {
            Error::Refused(format!(
                "cargo did not finish building the {name} side: {e}"
            ))
        })?;
        if !status.success() || built.is_empty() {
            return Err(Error::Refused(format!(
                "building suite `{}` on the {name} side ({}) failed ({status}); cargo's messages above say why \
                 (a suite or bench target missing at the base revision cannot be compared)",
                suite.name,
                tree.display()
            )));
        }
        let key = fixture::code_key(tree, suite)?;
        fixture_env.insert(
            suite.name.clone(),
            fixture::fixture_env(target_dir, suite, &key),
        );
        executables.push((suite.clone(), built));
    }
    Ok(Side {
        name,
        tree: tree.to_owned(),
        executables,
        layouts: Vec::new(),
        provenance,
        cargo_config,
        fixture_env,
    })
}

/// Run one side's executables once and collect them, times and custom
/// metrics, into a run labelled with the side's provenance; with the
/// seconds each suite's executables took.
pub(crate) fn run_side(
    side: &Side,
    ab_dir: &Path,
    round: u32,
    filter: Option<&str>,
    only: Option<&BTreeSet<String>>,
    (log, step): (&dyn Reporter, &Step<'_>),
) -> Result<(Run, BTreeMap<String, f64>)> {
    // A fresh directory per side and round: metrics files are appended to,
    // so a reused one would pool rounds (and sides) into one record.
    let round_dir = ab_dir.join(side.name).join(format!("round-{round}"));
    if round_dir.exists() {
        fs::remove_dir_all(&round_dir).map_err(|e| Error::write(&round_dir, e))?;
    }
    let metrics_dir = round_dir.join("metrics");
    let mut sources = Vec::new();
    let mut seconds = BTreeMap::new();
    let executables = match side.layouts.len() {
        0 => &side.executables,
        n => &side.layouts[(round as usize).saturating_sub(1) % n].executables,
    };
    for (suite, executables) in executables {
        if only.is_some_and(|only| !only.contains(&suite.name)) {
            continue;
        }
        let started = Instant::now();
        let criterion_home = round_dir.join("criterion").join(&suite.name);
        // Bench binaries run from their package directory, as under cargo.
        let package_dir = side.tree.join(&suite.relative_dir);
        for executable in executables {
            let mut command = Command::new(executable);
            if let Some(filter) = filter {
                command.arg(filter);
            }
            command
                .current_dir(&package_dir)
                .args(["--bench", "--noplot", "--warm-up-time"])
                .arg(AB_WARM_UP_SECS.to_string())
                .arg("--measurement-time")
                .arg(AB_MEASUREMENT_SECS.to_string())
                .arg("--sample-size")
                .arg(AB_SAMPLE_SIZE.to_string())
                .env("CRITERION_HOME", &criterion_home)
                .env(benchgate_metrics::METRICS_DIR_ENV, &metrics_dir)
                .env(benchgate_metrics::SUITE_ENV, &suite.name)
                // Each process is one paired round: its metric phases
                // need not repeat themselves as a lone run's do.
                .env(benchgate_metrics::PAIRED_ENV, "1")
                .env(STACK_PAD_ENV, stack_pad(round))
                .env(
                    ALLOCATOR_TUNABLES_ENV,
                    allocator_tunables(
                        round,
                        std::env::var(ALLOCATOR_TUNABLES_ENV).ok().as_deref(),
                    ),
                )
                .envs(
                    side.fixture_env
                        .get(&suite.name)
                        .into_iter()
                        .flatten()
                        .cloned(),
                )
                .stdout(Stdio::null());
            let status = log
                .run(step, &mut command)
                .map_err(|e| Error::Refused(format!("cannot run {}: {e}", executable.display())))?;
            if !status.success() {
                return Err(Error::Refused(format!(
                    "{} ({} side) failed ({status})",
                    executable.display(),
                    side.name
                )));
            }
        }
        seconds.insert(suite.name.clone(), started.elapsed().as_secs_f64());
        if !criterion_home.exists() {
            // The filter matched nothing in this suite.
            continue;
        }
        sources.push(SuiteSource {
            suite: suite.name.clone(),
            criterion_dirs: vec![criterion_home],
        });
    }
    let run = collect(
        &CollectOptions {
            sources,
            metrics_dir: Some(metrics_dir),
            iai_root: None,
        },
        &side.provenance,
    )?;
    Ok((run, seconds))
}

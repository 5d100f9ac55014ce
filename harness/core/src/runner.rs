//! Running suites: `cargo bench` per suite, each into its own criterion home.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::codegen::cargo_config_args;
use crate::collect::{ROUND_DIR_PREFIX, SuiteSource};
use crate::error::{Error, Result};
use crate::progress::{Reporter, Step, StepPlan};
use crate::run::Profile;
use crate::workspace::{Suite, Workspace};

/// criterion's warm-up time in `--quick` mode, seconds. Long enough for the
/// CPU to leave its idle clock and caches to fill on the sub-millisecond
/// benchmarks benchgate targets; short enough for a smoke test.
pub const QUICK_WARM_UP_SECS: f64 = 0.5;

/// criterion's measurement time in `--quick` mode, seconds.
pub const QUICK_MEASUREMENT_SECS: f64 = 1.5;

/// Samples per benchmark in `--quick` mode. 30 keeps the t-test's normal
/// approximation reasonable (central limit theorem rule of thumb) while the
/// full profile uses criterion's default of 100.
pub const QUICK_SAMPLE_SIZE: u32 = 30;

/// Rounds per suite unless told otherwise. Interference on a shared
/// machine comes in bursts lasting seconds; three passes over the suite,
/// one after another, make it unlikely that a burst covers every round of a
/// benchmark, and the pooled samples' fast end then shows the real cost.
pub const DEFAULT_ROUNDS: u32 = 3;

/// How to run the suites.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub quick: bool,
    /// Passes over every suite; samples are pooled per benchmark.
    pub rounds: u32,
    /// Also run the suites' iai-callgrind targets (instruction counts).
    pub instruction_counts: bool,
    /// Cargo features to enable, e.g. `stats/inject-regression`.
    pub features: Vec<String>,
    /// Codegen units of the workspace's own packages
    /// ([`crate::codegen::cargo_config_args`]); `None`: the bench
    /// profile's own. `gate` sets it to what its baseline was built with.
    pub codegen_units: Option<u32>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            quick: false,
            rounds: DEFAULT_ROUNDS,
            instruction_counts: true,
            features: Vec::new(),
            codegen_units: None,
        }
    }
}

impl RunOptions {
    /// The profile recorded in the run file.
    pub fn profile(&self) -> Profile {
        if self.quick {
            Profile::Quick
        } else {
            Profile::Full
        }
    }

    fn criterion_args(&self) -> Vec<String> {
        // Plots take longer than the quick measurements and benchgate draws
        // its own. (Not `--discard-baseline`: it stops criterion writing the
        // `new/` files benchgate reads.)
        let mut args = vec!["--noplot".to_owned()];
        if self.quick {
            args.extend([
                "--warm-up-time".to_owned(),
                QUICK_WARM_UP_SECS.to_string(),
                "--measurement-time".to_owned(),
                QUICK_MEASUREMENT_SECS.to_string(),
                "--sample-size".to_owned(),
                QUICK_SAMPLE_SIZE.to_string(),
            ]);
        }
        args
    }
}

/// Run each suite's criterion targets, `rounds` times over. Each round of
/// each suite writes into a fresh criterion home, so a deleted benchmark
/// cannot linger into the run; rounds go suite after suite, so one suite's
/// rounds are spread out in time. Cargo's output goes straight to the
/// terminal.
pub fn run_suites(
    workspace: &Workspace,
    suites: &[Suite],
    options: &RunOptions,
    log: &dyn Reporter,
) -> Result<Vec<SuiteSource>> {
    let metrics_dir = workspace.metrics_dir();
    let runnable: Vec<&Suite> = suites
        .iter()
        .filter(|suite| {
            let runnable = !suite.criterion_targets.is_empty();
            if !runnable {
                log.log(&format!(
                    "suite `{}` has no criterion bench targets; skipped",
                    suite.name
                ));
            }
            runnable
        })
        .collect();
    let mut sources: Vec<SuiteSource> = Vec::new();
    for suite in &runnable {
        remove_dir(&workspace.criterion_root().join(&suite.name))?;
        remove_file(&metrics_dir.join(format!("{}.jsonl", suite.name)))?;
        sources.push(SuiteSource {
            suite: suite.name.clone(),
            criterion_dirs: Vec::new(),
        });
    }
    let rounds = options.rounds.max(1);
    let iai_steps = if options.instruction_counts && valgrind_available() {
        runnable
            .iter()
            .filter(|s| !s.iai_targets.is_empty())
            .count()
    } else {
        0
    };
    log.plan(&StepPlan::unknown(
        "benchmarks",
        iai_steps + runnable.len() * rounds as usize,
    ));
    let mut step = 0;
    if options.instruction_counts {
        run_instruction_counts(workspace, &runnable, options, log, &mut step)?;
    }
    for round in 1..=rounds {
        for (suite, source) in runnable.iter().zip(&mut sources) {
            let criterion_home = workspace
                .criterion_root()
                .join(&suite.name)
                .join(format!("{ROUND_DIR_PREFIX}{round}"));
            log.log(&format!(
                "suite `{}`: round {round} of {rounds} ({} profile)",
                suite.name,
                options.profile()
            ));
            step += 1;
            let label = format!("{} round {round}/{rounds}", suite.name);
            let step = Step {
                index: step,
                label: &label,
            };
            run_suite_once(
                workspace,
                suite,
                options,
                &criterion_home,
                &metrics_dir,
                log,
                &step,
            )?;
            source.criterion_dirs.push(criterion_home);
        }
    }
    Ok(sources)
}

/// Run every iai-callgrind target once: instruction counts are
/// deterministic, so one pass is the measurement. Skipped, with a message,
/// where valgrind is missing; the runner binary is installed on first use.
fn run_instruction_counts(
    workspace: &Workspace,
    suites: &[&Suite],
    options: &RunOptions,
    log: &dyn Reporter,
    step: &mut usize,
) -> Result<()> {
    let with_iai: Vec<&&Suite> = suites
        .iter()
        .filter(|s| !s.iai_targets.is_empty())
        .collect();
    if with_iai.is_empty() {
        return Ok(());
    }
    if !valgrind_available() {
        log.log(
            "valgrind is not installed: instruction counts skipped (install it, e.g. `apt-get install valgrind`)",
        );
        return Ok(());
    }
    let runner = ensure_iai_runner(workspace, log)?;
    for suite in with_iai {
        log.log(&format!(
            "suite `{}`: instruction counts (iai-callgrind)",
            suite.name
        ));
        let mut command = cargo_bench(workspace, suite, &suite.iai_targets, options);
        command
            .arg("--save-summary=json")
            .env("IAI_CALLGRIND_RUNNER", &runner)
            .env("IAI_CALLGRIND_HOME", workspace.iai_root().join(&suite.name));
        *step += 1;
        let label = format!("{} instruction counts", suite.name);
        let step = Step {
            index: *step,
            label: &label,
        };
        run_cargo(command, suite, log, &step)?;
    }
    Ok(())
}

pub(crate) fn valgrind_available() -> bool {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The `iai-callgrind-runner` of exactly the version of the iai-callgrind
/// library in `Cargo.lock` (a mismatch yields zero counts), installed under
/// `target/benchgate/tools` when it is not there yet.
pub fn ensure_iai_runner(workspace: &Workspace, log: &dyn Reporter) -> Result<PathBuf> {
    let version = workspace.locked_version("iai-callgrind").ok_or_else(|| {
        Error::Refused("a suite has iai-callgrind targets but Cargo.lock pins no iai-callgrind version; run `cargo update -p iai-callgrind`".into())
    })?;
    let root = workspace.tools_dir();
    let binary = root.join("bin").join("iai-callgrind-runner");
    let installed = fs::read_to_string(root.join(".crates2.json"))
        .is_ok_and(|index| index.contains(&format!("\"iai-callgrind-runner {version} ")));
    if binary.is_file() && installed {
        return Ok(binary);
    }
    log.log(&format!(
        "installing iai-callgrind-runner {version} into {} (once)",
        root.display()
    ));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["install", "iai-callgrind-runner", "--locked", "--version"])
        .arg(format!("={version}"))
        .arg("--root")
        .arg(&root)
        .status()
        .map_err(|e| {
            Error::Refused(format!(
                "cannot start `cargo install iai-callgrind-runner`: {e}"
            ))
        })?;
    if status.success() && binary.is_file() {
        Ok(binary)
    } else {
        Err(Error::Refused(format!(
            "`cargo install iai-callgrind-runner --version ={version}` failed ({status}); its output above says why"
        )))
    }
}

fn cargo_bench(
    workspace: &Workspace,
    suite: &Suite,
    targets: &[String],
    options: &RunOptions,
) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace.root)
        .args(["bench", "-p", &suite.name]);
    for target in targets {
        command.args(["--bench", target]);
    }
    if !options.features.is_empty() {
        command.args(["--features", &options.features.join(",")]);
    }
    command.args(cargo_config_args(&workspace.members, options.codegen_units));
    command
        .arg("--")
        .env(benchgate_metrics::SUITE_ENV, &suite.name);
    command
}

fn run_cargo(
    mut command: Command,
    suite: &Suite,
    log: &dyn Reporter,
    step: &Step<'_>,
) -> Result<()> {
    let status = log.run(step, &mut command).map_err(|e| {
        Error::Refused(format!(
            "cannot start `cargo bench` for suite `{}`: {e}",
            suite.name
        ))
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "`cargo bench -p {}` failed ({status}); its output above says why",
            suite.name
        )))
    }
}

fn run_suite_once(
    workspace: &Workspace,
    suite: &Suite,
    options: &RunOptions,
    criterion_home: &Path,
    metrics_dir: &Path,
    log: &dyn Reporter,
    step: &Step<'_>,
) -> Result<()> {
    let key = crate::fixture::code_key(&workspace.root, suite)?;
    let mut command = cargo_bench(workspace, suite, &suite.criterion_targets, options);
    command
        .args(options.criterion_args())
        .env("CRITERION_HOME", criterion_home)
        .env(benchgate_metrics::METRICS_DIR_ENV, metrics_dir)
        .envs(crate::fixture::fixture_env(
            &workspace.target_dir,
            suite,
            &key,
        ));
    run_cargo(command, suite, log, step)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(dir, e)),
    }
}

fn remove_file(file: &Path) -> Result<()> {
    match fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(file, e)),
    }
}

//! Running suites: `cargo bench` per suite, each into its own criterion home.

use std::fs;
use std::path::Path;
use std::process::Command;

use crate::collect::{ROUND_DIR_PREFIX, SuiteSource};
use crate::error::{Error, Result};
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
    /// Cargo features to enable, e.g. `stats/inject-regression`.
    pub features: Vec<String>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            quick: false,
            rounds: DEFAULT_ROUNDS,
            features: Vec::new(),
        }
    }
}

impl RunOptions {
    /// The label recorded in the run file.
    pub fn profile(&self) -> &'static str {
        if self.quick { "quick" } else { "full" }
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
    log: &dyn Fn(&str),
) -> Result<Vec<SuiteSource>> {
    let metrics_dir = workspace.metrics_dir();
    let runnable: Vec<&Suite> = suites
        .iter()
        .filter(|suite| {
            let runnable = !suite.criterion_targets.is_empty();
            if !runnable {
                log(&format!(
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
    for round in 1..=rounds {
        for (suite, source) in runnable.iter().zip(&mut sources) {
            let criterion_home = workspace
                .criterion_root()
                .join(&suite.name)
                .join(format!("{ROUND_DIR_PREFIX}{round}"));
            log(&format!(
                "suite `{}`: round {round} of {rounds} ({} profile)",
                suite.name,
                options.profile()
            ));
            run_suite_once(workspace, suite, options, &criterion_home, &metrics_dir)?;
            source.criterion_dirs.push(criterion_home);
        }
    }
    Ok(sources)
}

fn run_suite_once(
    workspace: &Workspace,
    suite: &Suite,
    options: &RunOptions,
    criterion_home: &Path,
    metrics_dir: &Path,
) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&workspace.root)
        .args(["bench", "-p", &suite.name]);
    for target in &suite.criterion_targets {
        command.args(["--bench", target]);
    }
    if !options.features.is_empty() {
        command.args(["--features", &options.features.join(",")]);
    }
    command
        .arg("--")
        .args(options.criterion_args())
        .env("CRITERION_HOME", criterion_home)
        .env(benchgate_metrics::METRICS_DIR_ENV, metrics_dir)
        .env(benchgate_metrics::SUITE_ENV, &suite.name);
    let status = command.status().map_err(|e| {
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

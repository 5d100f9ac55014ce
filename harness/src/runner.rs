//! Running suites: `cargo bench` per suite, each into its own criterion home.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::collect::SuiteSource;
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

/// How to run the suites.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub quick: bool,
    /// Cargo features to enable, e.g. `stats/inject-regression`.
    pub features: Vec<String>,
}

impl RunOptions {
    /// The label recorded in the run file.
    pub fn profile(&self) -> &'static str {
        if self.quick { "quick" } else { "full" }
    }

    fn criterion_args(&self) -> Vec<String> {
        // Plots take longer than the quick measurements and benchgate draws its own.
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

/// Run each suite's criterion targets. Each suite writes into a fresh
/// criterion home, so a deleted benchmark cannot linger into the run, and a
/// fresh metrics file. Cargo's output goes straight to the terminal.
pub fn run_suites(
    workspace: &Workspace,
    suites: &[Suite],
    options: &RunOptions,
    log: &dyn Fn(&str),
) -> Result<Vec<SuiteSource>> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let metrics_dir = workspace.metrics_dir();
    let mut sources = Vec::new();
    for suite in suites {
        if suite.criterion_targets.is_empty() {
            log(&format!(
                "suite `{}` has no criterion bench targets; skipped",
                suite.name
            ));
            continue;
        }
        let criterion_home = workspace.criterion_root().join(&suite.name);
        remove_dir(&criterion_home)?;
        let metrics_file = metrics_dir.join(format!("{}.jsonl", suite.name));
        remove_file(&metrics_file)?;

        let mut command = Command::new(&cargo);
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
            .env("CRITERION_HOME", &criterion_home)
            .env(benchgate_metrics::METRICS_DIR_ENV, &metrics_dir)
            .env(benchgate_metrics::SUITE_ENV, &suite.name);
        log(&format!(
            "running suite `{}` ({} profile)",
            suite.name,
            options.profile()
        ));
        let status = command.status().map_err(|e| {
            Error::Refused(format!(
                "cannot start `cargo bench` for suite `{}`: {e}",
                suite.name
            ))
        })?;
        if !status.success() {
            return Err(Error::Refused(format!(
                "`cargo bench -p {}` failed ({status}); its output above says why",
                suite.name
            )));
        }
        sources.push(SuiteSource {
            suite: suite.name.clone(),
            criterion_dir: criterion_home,
        });
    }
    Ok(sources)
}

fn remove_dir(dir: &PathBuf) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(dir, e)),
    }
}

fn remove_file(file: &PathBuf) -> Result<()> {
    match fs::remove_file(file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::write(file, e)),
    }
}

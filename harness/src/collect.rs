//! Collecting: criterion output trees plus custom-metric files become one run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use time::OffsetDateTime;

use crate::criterion::read_criterion_tree;
use crate::error::{Error, Result};
use crate::git::git_state;
use crate::machine::Machine;
use crate::run::{MetricRecord, Run, SCHEMA_VERSION, ToolVersions, metric_key};

/// One suite's criterion home (`CRITERION_HOME`), e.g.
/// `target/benchgate/criterion/stats`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteSource {
    pub suite: String,
    pub criterion_dir: PathBuf,
}

/// What to collect and how to label it.
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub sources: Vec<SuiteSource>,
    /// Directory of `<suite>.jsonl` custom-metric files; absent files are fine.
    pub metrics_dir: Option<PathBuf>,
    /// `full`, `quick` or `external`.
    pub profile: String,
    /// Where git state and `Cargo.lock` are looked up.
    pub workspace_root: PathBuf,
}

/// List the suites of a per-suite layout: each subdirectory of `root` is one
/// suite's criterion home (the layout `benchgate gate` writes).
pub fn per_suite_sources(root: &Path) -> Result<Vec<SuiteSource>> {
    let entries = fs::read_dir(root).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: root.to_owned(),
                fix: "run `benchgate gate` first, or point --criterion-dir at a criterion directory and name its suite with --suite".into(),
            }
        } else {
            Error::read(root, e)
        }
    })?;
    let mut sources: Vec<SuiteSource> = entries
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_dir()))
        .map(|entry| SuiteSource {
            suite: entry.file_name().to_string_lossy().into_owned(),
            criterion_dir: entry.path(),
        })
        .collect();
    sources.sort_by(|a, b| a.suite.cmp(&b.suite));
    Ok(sources)
}

/// Read every source and metrics file into one canonical run.
pub fn collect(options: &CollectOptions) -> Result<Run> {
    let mut benchmarks = Vec::new();
    for source in &options.sources {
        benchmarks.extend(
            read_criterion_tree(&source.criterion_dir, &source.suite)?
                .into_iter()
                .map(|found| found.benchmark),
        );
    }
    if benchmarks.is_empty() {
        let dirs: Vec<String> = options
            .sources
            .iter()
            .map(|s| s.criterion_dir.display().to_string())
            .collect();
        return Err(Error::Refused(format!(
            "no criterion results found in {}; run the benchmarks first (`benchgate gate` or `cargo bench`)",
            if dirs.is_empty() {
                "(no suite directories)".to_owned()
            } else {
                dirs.join(", ")
            }
        )));
    }
    let metrics = match &options.metrics_dir {
        Some(dir) => read_suite_metrics(dir, &options.sources)?,
        None => Vec::new(),
    };
    let mut run = Run {
        schema_version: SCHEMA_VERSION,
        created_at: OffsetDateTime::now_utc(),
        git: git_state(&options.workspace_root),
        machine: Machine::detect(),
        tools: ToolVersions {
            benchgate: env!("CARGO_PKG_VERSION").to_owned(),
            criterion: locked_version(&options.workspace_root.join("Cargo.lock"), "criterion"),
            rustc: rustc_version(),
        },
        profile: options.profile.clone(),
        benchmarks,
        metrics,
    };
    run.canonicalize();
    Ok(run)
}

/// Read `<dir>/<suite>.jsonl` for each suite. A metric recorded more than
/// once (the file is append-only, so re-running a bench by hand appends
/// again) keeps its latest record.
fn read_suite_metrics(dir: &Path, sources: &[SuiteSource]) -> Result<Vec<MetricRecord>> {
    let mut latest: BTreeMap<String, MetricRecord> = BTreeMap::new();
    for source in sources {
        let path = dir.join(format!("{}.jsonl", source.suite));
        if !path.is_file() {
            continue;
        }
        let records = benchgate_metrics::read_metrics_file(&path).map_err(|e| match e {
            benchgate_metrics::ReadError::Io { path, source } => Error::read(path, source),
            parse @ benchgate_metrics::ReadError::Parse { .. } => Error::malformed(
                path.clone(),
                parse.to_string(),
                "delete the file and re-run the suite's benchmarks",
            ),
        })?;
        for mut record in records {
            // The file name is authoritative: a bench run outside the gate
            // may have guessed its suite from the package name.
            record.suite = source.suite.clone();
            latest.insert(metric_key(&record), record);
        }
    }
    Ok(latest.into_values().collect())
}

/// The version of `package` pinned in a `Cargo.lock`, if any.
fn locked_version(lock_path: &Path, package: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Lock {
        #[serde(default)]
        package: Vec<Locked>,
    }
    #[derive(serde::Deserialize)]
    struct Locked {
        name: String,
        version: String,
    }
    let lock: Lock = toml::from_str(&fs::read_to_string(lock_path).ok()?).ok()?;
    lock.package
        .into_iter()
        .find(|p| p.name == package)
        .map(|p| p.version)
}

/// `rustc --version` of the toolchain cargo would use (`$RUSTC` or `rustc`).
fn rustc_version() -> Option<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

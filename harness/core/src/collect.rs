//! Collecting: criterion output trees plus custom-metric files become one run.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::criterion::{read_cargo_criterion_messages, read_criterion_tree};
use crate::error::{Error, Result};
use crate::iai::read_iai_tree;
use crate::provenance::Provenance;
use crate::run::Benchmark;
use crate::run::{METRIC_TYPICAL, MetricRecord, Run, SCHEMA_VERSION, ToolVersions, metric_key};

/// Prefix of the per-round criterion homes inside a suite's directory.
pub const ROUND_DIR_PREFIX: &str = "round-";

/// One suite's criterion output: one criterion home (`CRITERION_HOME`) per
/// round, e.g. `target/benchgate/criterion/stats/round-1`, or one file of
/// `cargo criterion --message-format=json` output per round. Samples of the
/// same benchmark are pooled across rounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteSource {
    pub suite: String,
    pub criterion_dirs: Vec<PathBuf>,
}

/// What to collect. Who measured it is the caller's [`Provenance`].
#[derive(Debug, Clone)]
pub struct CollectOptions {
    pub sources: Vec<SuiteSource>,
    /// Directory of `<suite>.jsonl` custom-metric files; absent files are fine.
    pub metrics_dir: Option<PathBuf>,
    /// Directory of per-suite iai-callgrind homes (`<root>/<suite>/…/summary.json`);
    /// absent suites are fine.
    pub iai_root: Option<PathBuf>,
}

/// List the suites of a per-suite layout (the one `benchgate gate` writes):
/// each subdirectory of `root` is a suite holding `round-N` criterion
/// homes. A plain criterion home (`target/criterion` after `cargo bench`)
/// is refused, saying to name its suite: its group directories are not
/// suites.
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
    let mut sources = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::read(root, e))?;
        // A symlinked suite directory is a suite like any other (it used
        // to be skipped without a word); a dangling link is an error.
        if crate::input::entry_kind(&entry)? != crate::input::EntryKind::Dir {
            continue;
        }
        let dir = entry.path();
        let Some(rounds) = round_dirs(&dir)? else {
            return Err(Error::Refused(format!(
                "{} holds {}, which has no `{ROUND_DIR_PREFIX}N` directories: this looks like a plain criterion home (as `cargo bench` writes target/criterion), whose directories are benchmark groups, not suites; name its suite: `benchgate collect --criterion-dir {} --suite <package>`",
                root.display(),
                dir.display(),
                root.display()
            )));
        };
        sources.push(SuiteSource {
            suite: entry.file_name().to_string_lossy().into_owned(),
            criterion_dirs: rounds,
        });
    }
    sources.sort_by(|a, b| a.suite.cmp(&b.suite));
    Ok(sources)
}

/// Whether `dir` is the gate's per-suite layout (`<suite>/round-N/…`)
/// rather than a plain criterion home.
pub fn is_per_suite_layout(dir: &Path) -> bool {
    fs::read_dir(dir).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|suite| round_dirs(&suite.path()).is_ok_and(|rounds| rounds.is_some()))
    })
}

/// The `round-N` subdirectories of `dir` in round order, or `None` if it has none.
fn round_dirs(dir: &Path) -> Result<Option<Vec<PathBuf>>> {
    let mut rounds: Vec<(u32, PathBuf)> = fs::read_dir(dir)
        .map_err(|e| Error::read(dir, e))?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let round = name.strip_prefix(ROUND_DIR_PREFIX)?.parse().ok()?;
            Some((round, entry.path()))
        })
        .collect();
    rounds.sort();
    Ok((!rounds.is_empty()).then(|| rounds.into_iter().map(|(_, dir)| dir).collect()))
}

/// Read every round of a suite and pool each benchmark's samples.
fn read_suite(source: &SuiteSource) -> Result<Vec<Benchmark>> {
    let mut pooled: BTreeMap<String, Benchmark> = BTreeMap::new();
    for dir in &source.criterion_dirs {
        // A criterion home is a directory; cargo criterion's messages are a
        // file (named `.json` so that a missing one is named as such).
        let read = if dir.is_file() || dir.extension().is_some_and(|e| e == "json") {
            read_cargo_criterion_messages(dir, &source.suite)?
        } else {
            read_criterion_tree(dir, &source.suite)?
        };
        for found in read {
            let benchmark = found.benchmark;
            match pooled.get_mut(&benchmark.id) {
                Some(first) => {
                    first.samples_ns.extend(benchmark.samples_ns);
                    first.rounds += 1;
                }
                None => {
                    pooled.insert(benchmark.id.clone(), benchmark);
                }
            }
        }
    }
    Ok(pooled.into_values().collect())
}

/// Read every source and metrics file into one canonical run, labelled
/// with `provenance`. Reads files only: nothing about the machine or the
/// code is probed here.
pub fn collect(options: &CollectOptions, provenance: &Provenance) -> Result<Run> {
    let mut benchmarks = Vec::new();
    for source in &options.sources {
        benchmarks.extend(read_suite(source)?);
    }
    if benchmarks.is_empty() {
        let dirs: Vec<String> = options
            .sources
            .iter()
            .flat_map(|s| &s.criterion_dirs)
            .map(|dir| dir.display().to_string())
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
    let mut iai_metrics = Vec::new();
    if let Some(root) = &options.iai_root {
        for source in &options.sources {
            iai_metrics.extend(read_iai_tree(&root.join(&source.suite), &source.suite)?);
        }
    }
    Ok(assemble(benchmarks, metrics, iai_metrics, provenance))
}

/// Only the instruction counts of `suites` under a per-suite
/// iai-callgrind root (`<root>/<suite>/…/summary.json`), as one run: what
/// each side of a pull-request check counted. A suite that wrote no
/// summary is an error, not an empty comparison.
pub fn collect_instruction_counts(
    iai_root: &Path,
    suites: &[String],
    provenance: &Provenance,
) -> Result<Run> {
    let mut counts = Vec::new();
    for suite in suites {
        let found = read_iai_tree(&iai_root.join(suite), suite)?;
        if found.is_empty() {
            return Err(Error::Missing {
                path: iai_root.join(suite),
                fix: format!(
                    "suite `{suite}`'s iai-callgrind targets wrote no summary.json; check their output above, or pass --no-instruction-counts"
                ),
            });
        }
        counts.extend(found);
    }
    Ok(assemble(Vec::new(), Vec::new(), counts, provenance))
}

/// One canonical run of what was read, labelled with `provenance`.
fn assemble(
    benchmarks: Vec<Benchmark>,
    metrics: Vec<MetricRecord>,
    mut iai_metrics: Vec<MetricRecord>,
    provenance: &Provenance,
) -> Run {
    let mut run = Run {
        schema_version: SCHEMA_VERSION,
        created_at: OffsetDateTime::now_utc(),
        git: provenance.git.clone(),
        suite_git: Default::default(),
        machine: provenance.machine.clone(),
        tools: ToolVersions {
            // A run without instruction counts did not use iai-callgrind.
            iai_callgrind: provenance
                .tools
                .iai_callgrind
                .clone()
                .filter(|_| !iai_metrics.is_empty()),
            ..provenance.tools.clone()
        },
        profile: provenance.profile,
        features: provenance.features.clone(),
        codegen_units: provenance.codegen_units,
        benchmarks,
        metrics,
    };
    run.metrics.append(&mut iai_metrics);
    run.canonicalize();
    run
}

/// Read `<dir>/<suite>.jsonl` for each suite. A metric recorded more than
/// once (once per round, as the gate runs suites) is pooled: its
/// observations become samples and its value their median.
fn read_suite_metrics(dir: &Path, sources: &[SuiteSource]) -> Result<Vec<MetricRecord>> {
    let mut recorded: BTreeMap<String, Vec<MetricRecord>> = BTreeMap::new();
    for source in sources {
        let path = dir.join(format!("{}.jsonl", source.suite));
        // Absent is fine; a dangling link is not (`exists` would say
        // absent and skip it), so it goes on to the checked read.
        if fs::symlink_metadata(&path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound) {
            continue;
        }
        crate::input::check_input(&path).map_err(|e| Error::read(&path, e))?;
        let records = benchgate_metrics::read_metrics_file(&path).map_err(|e| match e {
            benchgate_metrics::ReadError::Io { path, source } => Error::read(path, source),
            benchgate_metrics::ReadError::Parse { path, line, source } => Error::malformed(
                path,
                format!("line {line} is not a benchgate metric record ({source})"),
                "delete the file and re-run the suite's benchmarks",
            ),
        })?;
        for mut record in records {
            // The file name is authoritative: a bench run outside the gate
            // may have guessed its suite from the package name.
            record.suite = source.suite.clone();
            recorded
                .entry(metric_key(&record))
                .or_default()
                .push(record);
        }
    }
    Ok(recorded.into_values().filter_map(pool_metric).collect())
}

/// One metric from its records: a single record stays as it is; several
/// become one whose samples are all their observations (each record's
/// samples, or its value when it has none) and whose value is their median.
pub(crate) fn pool_metric(records: Vec<MetricRecord>) -> Option<MetricRecord> {
    if records.len() <= 1 {
        return records.into_iter().next();
    }
    let samples: Vec<f64> = records
        .iter()
        .flat_map(|r| {
            if r.samples.is_empty() {
                vec![r.value]
            } else {
                r.samples.clone()
            }
        })
        .collect();
    let value = METRIC_TYPICAL.of(&samples)?;
    let latest = records.into_iter().last()?;
    // A deterministic metric recorded once per round is still one value.
    let samples = if samples.iter().all(|s| *s == value) {
        Vec::new()
    } else {
        samples
    };
    Some(MetricRecord {
        value,
        samples,
        ..latest
    })
}

//! `benchgate history …`: arguments and printing of the history commands;
//! the work is `benchgate-history`'s.

use std::path::PathBuf;

use anyhow::Result;
use clap::{Args, Subcommand};

use benchgate::compare::{Comparison, Outcome};
use benchgate::config::Policy;
use benchgate::history_store::analysis::{SeriesChanges, all_changes, learned_thresholds};
use benchgate::history_store::data_branch::{self, Appended, DEFAULT_DATA_BRANCH, DataBranch};
use benchgate::history_store::ingest::record_of_file;
use benchgate::history_store::record::TIME_METRIC;
use benchgate::history_store::rename::Renames;
use benchgate::history_store::trends::{TrendQuery, read_trends};
use benchgate::report::trend_requests;
use benchgate::run::Profile;
use benchgate::run::Run;
use benchgate::trend::Trend;
use std::collections::HashMap;

use benchgate::history_store::changepoint::{CHANGE_POINT_ALPHA, ChangePointOptions};
use benchgate::history_store::store::{Ingested, RunInfo};
use benchgate::history_store::{self, SeriesFilter, with_store};
use benchgate::render;
use benchgate::stats::percent;

use crate::{Here, load_policy, log};

#[derive(Debug, Subcommand)]
pub(crate) enum HistoryCommand {
    /// Record run files in the history store (a run already stored counts once).
    Ingest {
        /// Run files, e.g. target/benchgate/run.json of each commit of main.
        #[arg(value_name = "RUN", required = true)]
        runs: Vec<PathBuf>,
        #[command(flatten)]
        store: StoreArgs,
        /// Repository to look up each run's commit subject and parent in (default: the current directory's).
        #[arg(long, value_name = "DIR")]
        repo: Option<PathBuf>,
    },
    /// List the stored series (benchmark or metric, machine, profile) matching PATTERN; one series' points with --points.
    Show {
        /// `suite/id` glob (`stats/*`) or substring; all series when absent.
        pattern: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
        /// Only this machine id.
        #[arg(long, value_name = "ID")]
        machine: Option<String>,
        /// Also print the newest N points of each series.
        #[arg(long, value_name = "N")]
        points: Option<usize>,
    },
    /// Change points of every series (E-Divisive means, permutation test), each machine separately: "slower since commit X".
    Changes {
        /// `suite/id` glob or substring; all series when absent.
        pattern: Option<String>,
        #[command(flatten)]
        store: StoreArgs,
        /// Only this machine id.
        #[arg(long, value_name = "ID")]
        machine: Option<String>,
    },
    /// Append run files to the data branch (one JSON file per run, committed with git2; retried when another job pushed first).
    PushData {
        #[arg(value_name = "RUN", required = true)]
        runs: Vec<PathBuf>,
        #[command(flatten)]
        branch: BranchArgs,
    },
    /// Bring the history store up to date with the data branch (rebuilds it when the store is new).
    Sync {
        #[command(flatten)]
        store: StoreArgs,
        #[command(flatten)]
        branch: BranchArgs,
    },
}

#[derive(Debug, Args)]
pub(crate) struct StoreArgs {
    /// History store: a SQLite file (default: <target>/benchgate/history.sqlite) or a postgres://user:password@host/db URL.
    #[arg(long, value_name = "PATH|URL")]
    history: Option<String>,
    /// Configuration with `[[rename]]` entries (default: <workspace>/benchgate.toml).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(crate) struct BranchArgs {
    /// The repository holding the data branch (default: the current directory's).
    #[arg(long, value_name = "DIR")]
    repo: Option<PathBuf>,
    /// The data branch.
    #[arg(long, value_name = "NAME", default_value = DEFAULT_DATA_BRANCH)]
    branch: String,
    /// Remote to fetch the branch from and push it to (a remote name, path or URL git2 can reach); local only when absent.
    #[arg(long, value_name = "REMOTE")]
    remote: Option<String>,
}

/// Where the store is: `--history`, else the workspace's default file.
pub(crate) fn store_location(here: &Here, given: Option<String>) -> Result<String> {
    match given {
        Some(location) => Ok(location),
        None => Ok(here
            .path_or_default(None, "--history", |w| w.work_dir().join("history.sqlite"))?
            .display()
            .to_string()),
    }
}

fn open_store(here: &Here, args: StoreArgs) -> Result<history_store::AnyStore> {
    let policy = load_policy(here, args.config)?;
    let renames = Renames::new(&policy.renames)?;
    Ok(history_store::open(
        &store_location(here, args.history)?,
        renames,
    )?)
}

pub(crate) fn run_history(here: &Here, command: HistoryCommand) -> Result<Outcome> {
    match command {
        HistoryCommand::Ingest { runs, store, repo } => {
            let repository = repo.unwrap_or_else(|| here.cwd.clone());
            let records = runs
                .iter()
                .map(|path| record_of_file(path, Some(&repository)))
                .collect::<Result<Vec<_>, _>>()?;
            let mut store = open_store(here, store)?;
            let outcomes = with_store!(&mut store, s => s.ingest(&records))?;
            let new = outcomes
                .iter()
                .filter(|o| matches!(o, Ingested::New(_)))
                .count();
            let location = with_store!(&store, s => s.location());
            outln!(
                "ingested {new} new run(s) into {location} ({} already stored)",
                outcomes.len() - new
            );
        }
        HistoryCommand::Show {
            pattern,
            store,
            machine,
            points,
        } => {
            let filter = SeriesFilter::new(pattern.as_deref(), machine)?;
            let mut store = open_store(here, store)?;
            let series = with_store!(&mut store, s => s.series())?;
            let mut shown = 0;
            for info in series.iter().filter(|i| filter.matches(&i.series)) {
                let stored = with_store!(&mut store, s => s.points(info))?;
                let Some(last) = stored.last() else { continue };
                let shown_runs: Vec<i64> = stored
                    [stored.len().saturating_sub(points.unwrap_or(0).max(1))..]
                    .iter()
                    .map(|p| p.run)
                    .collect();
                let runs = with_store!(&mut store, s => s.runs(&shown_runs))?;
                shown += 1;
                outln!(
                    "{} on {} ({}): {} runs, latest {} [{}, {}] at {}",
                    render::printable(&info.series.label()),
                    render::printable(&info.series.machine),
                    info.series.profile,
                    stored.len(),
                    render::format_value(Some(last.typical), &info.unit),
                    render::format_value(Some(last.low), &info.unit),
                    render::format_value(Some(last.high), &info.unit),
                    commit_text(runs.get(&last.run))
                );
                if let Some(n) = points {
                    for point in &stored[stored.len().saturating_sub(n)..] {
                        outln!(
                            "  {}  {}",
                            render::format_value(Some(point.typical), &info.unit),
                            commit_text(runs.get(&point.run))
                        );
                    }
                }
            }
            if shown == 0 {
                let location = with_store!(&store, s => s.location());
                outln!("no stored series matches in {location}");
            }
        }
        HistoryCommand::Changes {
            pattern,
            store,
            machine,
        } => {
            let filter = SeriesFilter::new(pattern.as_deref(), machine)?;
            let mut store = open_store(here, store)?;
            let series = with_store!(&mut store, s => s.series())?;
            let mut loaded = Vec::new();
            for info in series.into_iter().filter(|i| filter.matches(&i.series)) {
                let points = with_store!(&mut store, s => s.points(&info))?;
                loaded.push((info, points));
            }
            let total = loaded.len();
            let changes = all_changes(loaded, &ChangePointOptions::default());
            let runs: Vec<i64> = changes
                .iter()
                .flat_map(|s| s.changes.iter().map(|c| c.run))
                .collect();
            let runs = with_store!(&mut store, s => s.runs(&runs))?;
            print_changes(&changes, &runs, total);
        }
        HistoryCommand::PushData { runs, branch } => {
            let repository = branch.repo.clone().unwrap_or_else(|| here.cwd.clone());
            let data = DataBranch {
                repository: &repository,
                branch: &branch.branch,
                remote: branch.remote.as_deref(),
            };
            for path in &runs {
                let record = record_of_file(path, Some(&repository))?;
                match data_branch::append(&data, &record)? {
                    Appended::Committed {
                        path: file,
                        commit,
                        attempts,
                    } => log(&format!(
                        "{} appended to `{}` as {file} (commit {}{})",
                        path.display(),
                        branch.branch,
                        &commit[..12],
                        if attempts > 1 {
                            format!(", after {attempts} attempts")
                        } else {
                            String::new()
                        }
                    )),
                    Appended::AlreadyThere { path: file } => log(&format!(
                        "{} is already on `{}` as {file}",
                        path.display(),
                        branch.branch
                    )),
                }
            }
        }
        HistoryCommand::Sync { store, branch } => {
            let repository = branch.repo.clone().unwrap_or_else(|| here.cwd.clone());
            let records: Vec<_> = data_branch::read_all(&DataBranch {
                repository: &repository,
                branch: &branch.branch,
                remote: branch.remote.as_deref(),
            })?
            .into_iter()
            .map(|(_, record)| record)
            .collect();
            let mut store = open_store(here, store)?;
            let outcomes = with_store!(&mut store, s => s.ingest(&records))?;
            let new = outcomes
                .iter()
                .filter(|o| matches!(o, Ingested::New(_)))
                .count();
            let location = with_store!(&store, s => s.location());
            outln!(
                "synced {location} with `{}`: {} run(s) on the branch, {new} new",
                branch.branch,
                records.len()
            );
        }
    }
    Ok(Outcome::Pass)
}

fn commit_text(run: Option<&RunInfo>) -> String {
    let commit = run
        .and_then(|r| r.commit.as_deref())
        .map_or_else(|| "(no commit)".to_owned(), |c| c.chars().take(7).collect());
    match run.and_then(|r| r.subject.as_ref()) {
        Some(subject) => format!("{commit} ({})", render::printable(subject)),
        None => commit,
    }
}

fn signed_percent(fraction: f64) -> String {
    format!("{:+.1}", fraction * 100.0)
}

fn print_changes(changes: &[SeriesChanges], runs: &HashMap<i64, RunInfo>, total: usize) {
    let mut found = 0;
    let mut group: Option<(&str, &str)> = None;
    let groups: std::collections::BTreeSet<(&str, &str)> = changes
        .iter()
        .map(|c| (c.series.machine.as_str(), c.series.profile.as_str()))
        .collect();
    let mut sorted: Vec<&SeriesChanges> = changes.iter().collect();
    sorted.sort_by(|a, b| {
        (
            &a.series.machine,
            &a.series.profile,
            &a.series.key,
            &a.series.metric,
        )
            .cmp(&(
                &b.series.machine,
                &b.series.profile,
                &b.series.key,
                &b.series.metric,
            ))
    });
    for series in sorted.iter().filter(|s| !s.changes.is_empty()) {
        let here = (
            series.series.machine.as_str(),
            series.series.profile.as_str(),
        );
        if groups.len() > 1 && group != Some(here) {
            outln!("machine {} ({}):", render::printable(here.0), here.1);
            group = Some(here);
        }
        for change in &series.changes {
            found += 1;
            outln!(
                "{}: {} % [{}, {}] since {}, p = {}",
                render::printable(&series.series.label()),
                signed_percent(change.change.point),
                signed_percent(change.change.lower),
                signed_percent(change.change.upper),
                commit_text(runs.get(&change.run)),
                format_p(change.p_value)
            );
        }
    }
    outln!(
        "{found} change point(s) in {} of {total} series (E-Divisive means, permutation test at {}).",
        changes.iter().filter(|s| !s.changes.is_empty()).count(),
        percent(CHANGE_POINT_ALPHA)
    );
}

fn format_p(p: f64) -> String {
    let text = format!("{p:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// `policy` with the time thresholds the history store's runs of `machine`
/// and `profile` justify (`benchgate_history::analysis::learned_thresholds`),
/// when there is a store: `--history`, or the workspace's default file
/// where it exists. Without one, `policy` as it is.
pub(crate) fn with_stored_thresholds(
    here: &Here,
    policy: Policy,
    history: Option<String>,
    machine: &str,
    profile: Profile,
) -> Result<Policy> {
    let Some(location) = existing_store(here, history) else {
        return Ok(policy);
    };
    let mut store = history_store::open(&location, Renames::new(&policy.renames)?)?;
    let series = with_store!(&mut store, s => s.series())?;
    let mut loaded = Vec::new();
    for info in series.into_iter().filter(|i| {
        i.series.machine == machine
            && i.series.profile == profile.label()
            && i.series.metric == TIME_METRIC
    }) {
        let points = with_store!(&mut store, s => s.points(&info))?;
        loaded.push((info.series, points));
    }
    let learned = learned_thresholds(loaded.iter().map(|(k, p)| (k, p.as_slice())));
    Ok(policy.with_stored_time_thresholds(learned))
}

/// The history store a command reads without being asked to create one:
/// `--history`, else the workspace's default file where it exists.
fn existing_store(here: &Here, history: Option<String>) -> Option<String> {
    history.or_else(|| {
        let file = here.try_workspace().ok()?.work_dir().join("history.sqlite");
        file.is_file().then(|| file.display().to_string())
    })
}

/// The stored trends of the entries a report of `comparison` charts
/// (`report::trend_requests`: regressions and improvements, never the
/// unchanged), for `current`'s machine and profile, with their change
/// points, when there is a store (see [`existing_store`]); none without
/// one, and the report falls back to committed baseline versions.
pub(crate) fn stored_trends(
    here: &Here,
    history: Option<String>,
    policy: &Policy,
    current: &Run,
    comparison: Option<&Comparison>,
) -> Result<Vec<Trend>> {
    let requests = comparison.map(trend_requests).unwrap_or_default();
    if requests.is_empty() {
        return Ok(Vec::new());
    }
    let Some(location) = existing_store(here, history) else {
        return Ok(Vec::new());
    };
    let mut store = history_store::open(&location, Renames::new(&policy.renames)?)?;
    let query = TrendQuery {
        machine: &current.machine.id,
        profile: current.profile.label(),
        requests: &requests,
        current: Some((
            current.git.as_ref().map(|g| g.commit.as_str()),
            current.created_at.unix_timestamp(),
        )),
    };
    Ok(with_store!(&mut store, s => read_trends(s, &query, &ChangePointOptions::default()))?)
}

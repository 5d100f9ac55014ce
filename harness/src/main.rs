//! The `benchgate` command line: argument parsing, printing and exit codes.
//!
//! Exit codes: 0 = no regression, 1 = regression, 2 = error (printed once,
//! with its context, on stderr).

use std::cell::OnceCell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Parser, Subcommand};

use benchgate::ab::{AbOptions, run_ab};
use benchgate::assess::{Assessment, FileInputs, assess_files};
use benchgate::batch_fit::report_suggestions;
use benchgate::calibrate::{CalibrateOptions, run_calibration, write_suggestions};
use benchgate::collect::{
    CollectOptions, SuiteSource, collect, is_per_suite_layout, per_suite_sources,
};
use benchgate::compare::{CompareOptions, ERROR_EXIT_CODE, Outcome};
use benchgate::config::{CONFIG_FILE_NAME, Policy};
use benchgate::export::ExportFormat;
use benchgate::gate::{DEFAULT_BASELINE, GateOptions, gate};
use benchgate::prcheck::{
    PrCheckOptions, PrVerdict, check_shard_set, judge, plan_check, pooled_head, read_durations,
    read_shard_result, run_shard, write_durations, write_shard_result,
};
use benchgate::provenance::Provenance;
use benchgate::render;
use benchgate::render::annotations::AnnotationInput;
use benchgate::render::comment::CommentInput;
use benchgate::render::markdown::RecordedBaseline;
use benchgate::render::table::TableOptions;
use benchgate::report::{
    ReportInput, ReportOptions, WrittenReport, check_report_dir, write_report,
};
use benchgate::run::{Profile, Run};
use benchgate::runner::RunOptions;
use benchgate::shard::ShardSpec;
use benchgate::source::locate_benchmarks;
use benchgate::store::{BaselineStore, SaveMode, read_run, write_atomic, write_run};
use benchgate::workspace::Workspace;

#[macro_use]
mod output;
mod history_command;
mod progress;

#[derive(Debug, Parser)]
#[command(name = "benchgate", version, about = "Gate pull requests on benchmark regressions", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the suites, compare with this machine's baseline, write reports/summary.md; exit 0 (pass), 1 (regression) or 2 (error).
    Gate(GateArgs),
    /// Paired, interleaved A/B runs of a base revision and the working tree on this machine; exit 0, 1 or 2 like `gate`.
    Ab(AbArgs),
    /// A/A runs of unchanged code: the false-alarm rate and minimum detectable effect per benchmark, and suggested thresholds.
    Calibrate(CalibrateArgs),
    /// Read criterion output (and custom metrics) into one run file.
    Collect(CollectArgs),
    /// Compare a run file with a baseline; print a table, or export JSON, CSV or Markdown.
    Compare(CompareArgs),
    /// Write the HTML report (reports/index.html, charts, CSV/JSON exports) for a run file and its baseline.
    Report(ReportArgs),
    /// Save or list baselines.
    #[command(subcommand)]
    Baseline(BaselineCommand),
    /// The pull-request check: the merge-base and the work tree built and measured side by side on this machine (instruction counts exactly, wall times paired), only the suites the change can affect; exit 0, 1 or 2.
    PrCheck(PrCheckArgs),
    /// Combine the result files of `pr-check --shard K/N` into one verdict, summary, report and exit code.
    Merge(MergeArgs),
    /// Suggest a batch size from a run's batch-size sweep under a latency budget and memory limit; prints the curve and the binding constraint.
    SuggestBatch(SuggestBatchArgs),
    /// The history of main: record runs, list series, change points ("slower since commit X"), the data branch.
    #[command(subcommand)]
    History(history_command::HistoryCommand),
    /// Internal: run a bench executable from a link in DIR (cargo's runner for `pr-check`'s instruction counts).
    #[command(hide = true)]
    ExecAt(ExecAtArgs),
}

#[derive(Debug, Args)]
struct ExecAtArgs {
    /// Directory the executable is linked into and run from.
    dir: PathBuf,
    /// The executable cargo built.
    exe: PathBuf,
    /// Its arguments.
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<std::ffi::OsString>,
}

#[derive(Debug, Args)]
struct SuggestBatchArgs {
    /// Suite whose batch-size sweep is fitted.
    #[arg(long, value_name = "NAME")]
    suite: String,
    /// Benchmark group of the sweep (default: [batch.<suite>] group, else the first [charts.<suite>] batch group).
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,
    /// Latency budget, e.g. 40ms (default: [batch.<suite>] latency_budget; none: unbounded).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    latency_budget: Option<f64>,
    /// What the budget applies to: one batch call, or one request (per item of a request: per token for decode).
    #[arg(long, value_name = "SCOPE", value_parser = ["batch", "request"])]
    latency_scope: Option<String>,
    /// Memory limit, e.g. 2GiB (default: [batch.<suite>] memory, else the machine's available memory).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    memory: Option<f64>,
    /// Minimise latency at this throughput floor (items/s) instead of maximising throughput.
    #[arg(long, value_name = "ITEMS_PER_S")]
    min_latency_at: Option<f64>,
    /// Run file with the sweep (default: <target>/benchgate/run.json, else the committed baseline holding the suite).
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
    #[command(flatten)]
    paths: CommonPaths,
}

fn parse_duration(text: &str) -> std::result::Result<f64, String> {
    benchgate_metrics::batch::parse_seconds(text)
        .ok_or_else(|| format!("{text:?} is not a positive duration such as 40ms or 1.5s"))
}

fn parse_size(text: &str) -> std::result::Result<f64, String> {
    benchgate_metrics::batch::parse_bytes(text)
        .ok_or_else(|| format!("{text:?} is not a positive size such as 2GiB or 512MiB"))
}

#[derive(Debug, Args)]
struct PrCheckArgs {
    /// Base revision (default: the merge-base of HEAD with --target-branch).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Branch the change merges into (default: $GITHUB_BASE_REF, else main/master).
    #[arg(long, value_name = "BRANCH")]
    target_branch: Option<String>,
    /// Run every suite, whatever the change touched.
    #[arg(long)]
    all: bool,
    /// Only these suites (repeat for several); the change still decides which of them run unless --all.
    #[arg(long = "suite", value_name = "NAME")]
    suites: Vec<String>,
    /// Run part K of N of the selected suites and write its result file (see `benchgate merge`).
    #[arg(long, value_name = "K/N", default_value = "1/1")]
    shard: ShardSpec,
    /// Print the plan (selected and skipped suites, and the suites of each of N shards) as JSON, measure nothing.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    plan: Option<u32>,
    /// Interleaved rounds of wall-time measurement (at most; see --budget-minutes).
    #[arg(long, value_name = "N", default_value_t = benchgate::ab::DEFAULT_AB_ROUNDS, value_parser = clap::value_parser!(u32).range(6..))]
    rounds: u32,
    /// Per suite: start no more rounds (after the minimum of 6) once this many minutes of its measurement have passed (default: pr_budget_minutes in benchgate.toml, 6).
    #[arg(long, value_name = "MINUTES")]
    budget_minutes: Option<f64>,
    /// Skip instruction counts (iai-callgrind under valgrind).
    #[arg(long)]
    no_instruction_counts: bool,
    /// Builds per side with differently shuffled code and data sections, cycled through the rounds, so that layout effects become noise instead of a constant offset (1 = the ordinary build only).
    #[arg(long, value_name = "N", default_value_t = benchgate::layout::DEFAULT_LAYOUTS, value_parser = clap::value_parser!(u32).range(1..=16))]
    layouts: u32,
    /// Cargo features for both sides.
    #[arg(long = "features", value_name = "FEATURES")]
    features: Vec<String>,
    /// Cargo features for the head side only.
    #[arg(long = "head-features", value_name = "FEATURES")]
    head_features: Vec<String>,
    /// Seconds per suite from earlier checks, a JSON object (default: <baselines>/pr-check-durations.json when present); balances the shards.
    #[arg(long, value_name = "FILE")]
    durations: Option<PathBuf>,
    /// Shard result file to write (default: <target>/benchgate/pr-check/shard-K-of-N.json).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Where summary.md and the report go when the check is not sharded (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    #[command(flatten)]
    paths: CommonPaths,
    #[command(flatten)]
    ci: CiArgs,
}

#[derive(Debug, Args)]
struct MergeArgs {
    /// The result file of every shard of one check.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
    /// Directory for summary.md, the report and durations.json (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Also write the head side as one run file (samples pooled over the rounds), e.g. to record it as a baseline.
    #[arg(long, value_name = "FILE")]
    head_run: Option<PathBuf>,
    /// Thresholds configuration (default: <workspace>/benchgate.toml; embedded defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// History store whose runs of main on this machine give the report's trend charts (default: <target>/benchgate/history.sqlite where it exists); a SQLite file or a postgres:// URL.
    #[arg(long, value_name = "PATH|URL")]
    history: Option<String>,
    #[command(flatten)]
    ci: CiArgs,
}

/// What a verdict of the pull-request check writes for CI besides the summary.
#[derive(Debug, Args)]
struct CiArgs {
    /// Print GitHub Actions annotations (::error per regression, ::warning per unconfirmed, ungateable or skipped item) at the bench source line; on by default when GITHUB_ACTIONS=true.
    #[arg(long)]
    annotations: bool,
    /// Also write this export into the report directory as <format>.<ext> (repeat for several), e.g. bmf, gab, gab-bigger.
    #[arg(long = "format", value_enum, value_name = "FORMAT")]
    formats: Vec<ExportFormat>,
}

impl CiArgs {
    fn annotations(&self) -> bool {
        self.annotations || in_actions()
    }
}

#[derive(Debug, Args)]
struct CommonPaths {
    /// Directory of versioned baselines (default: <workspace>/baselines).
    #[arg(long, value_name = "DIR")]
    baselines_dir: Option<PathBuf>,
    /// Thresholds configuration (default: <workspace>/benchgate.toml; embedded defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// History store whose runs of this machine teach per-benchmark time thresholds (default: <target>/benchgate/history.sqlite where it exists); a SQLite file or a postgres:// URL.
    #[arg(long, value_name = "PATH|URL")]
    history: Option<String>,
}

/// How the terminal table is printed.
#[derive(Debug, Args)]
struct TableArgs {
    /// Print only regressed, improved, new and missing entries in the table (unchanged ones are counted).
    #[arg(long)]
    only_changed: bool,
    /// Also print GitHub Actions annotations (::error per regression, ::warning per unconfirmed, ungateable or missing entry) at the bench source line; on by default when GITHUB_ACTIONS=true.
    #[arg(long)]
    annotations: bool,
}

impl TableArgs {
    fn annotations(&self) -> bool {
        self.annotations || in_actions()
    }

    fn options(&self) -> TableOptions {
        TableOptions::for_stdout(use_color(), self.only_changed)
    }
}

#[derive(Debug, Args)]
struct GateArgs {
    /// Suite to run (a crate under benches/); repeat for several. Default: all suites.
    #[arg(long = "suite", value_name = "NAME")]
    suites: Vec<String>,
    /// Short warm-up and measurement times, for smoke tests; compares against the `quick` baseline.
    #[arg(long)]
    quick: bool,
    /// Passes over every suite; samples are pooled per benchmark, so a burst of interference must hit every round to matter.
    #[arg(long, value_name = "N", default_value_t = benchgate::runner::DEFAULT_ROUNDS, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Skip the suites' iai-callgrind targets (instruction counts under valgrind).
    #[arg(long)]
    no_instruction_counts: bool,
    /// Do not re-measure to confirm flagged time regressions (by default a regression must show in a second measurement too).
    #[arg(long)]
    no_confirm: bool,
    /// Baseline name under baselines/<machine>/ (default: `main`, or `quick` with --quick).
    #[arg(long, value_name = "NAME")]
    baseline: Option<String>,
    /// Cargo features to enable while benchmarking, e.g. `stats/inject-regression`.
    #[arg(long = "features", value_name = "FEATURES")]
    features: Vec<String>,
    /// Where summary.md is written (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Compare even if the baseline comes from a different machine fingerprint.
    #[arg(long)]
    allow_cross_machine: bool,
    /// Exit 2 when this machine has no baseline (a run that could only record one is an error, not a pass).
    #[arg(long)]
    require_baseline: bool,
    #[command(flatten)]
    table: TableArgs,
    #[command(flatten)]
    paths: CommonPaths,
}

#[derive(Debug, Args)]
struct AbArgs {
    /// Base revision (default: the merge-base of HEAD with main/master).
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// Suite to compare (a crate under benches/); repeat for several. Default: all suites.
    #[arg(long = "suite", value_name = "NAME")]
    suites: Vec<String>,
    /// Interleaved rounds (A B, B A, ...), at least 6: each gives one paired ratio per benchmark, and fewer than 6 ratios can never reach p < 0.05.
    #[arg(long, value_name = "N", default_value_t = benchgate::ab::DEFAULT_AB_ROUNDS, value_parser = clap::value_parser!(u32).range(6..))]
    rounds: u32,
    /// Cargo features for both sides.
    #[arg(long = "features", value_name = "FEATURES")]
    features: Vec<String>,
    /// Cargo features for the head side only, e.g. to measure what a feature costs.
    #[arg(long = "head-features", value_name = "FEATURES")]
    head_features: Vec<String>,
    /// Where summary.md is written (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
    /// Thresholds configuration (default: <workspace>/benchgate.toml; embedded defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    table: TableArgs,
}

#[derive(Debug, Args)]
struct CalibrateArgs {
    /// Suite to calibrate (a crate under benches/); repeat for several. Default: all suites.
    #[arg(long = "suite", value_name = "NAME")]
    suites: Vec<String>,
    /// A/A runs of the suites (each of --rounds rounds); every ordered pair of runs is compared.
    #[arg(long, value_name = "N", default_value_t = benchgate::calibrate::DEFAULT_CALIBRATION_RUNS, value_parser = clap::value_parser!(u32).range(2..))]
    runs: u32,
    /// Short warm-up and measurement times, as `gate --quick` uses.
    #[arg(long)]
    quick: bool,
    /// Rounds per run, as for `gate`.
    #[arg(long, value_name = "N", default_value_t = benchgate::runner::DEFAULT_ROUNDS, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Write the suggested per-benchmark thresholds into the config file (a generated block, replaced on the next --write).
    #[arg(long)]
    write: bool,
    /// Thresholds configuration (default: <workspace>/benchgate.toml; embedded defaults when absent).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct CollectArgs {
    /// Criterion output to read. Without --suite: a per-suite layout (one criterion home per
    /// suite, as `gate` writes: default <target>/benchgate/criterion). With --suite: one
    /// criterion home such as target/criterion.
    #[arg(long, value_name = "DIR")]
    criterion_dir: Option<PathBuf>,
    /// Treat --criterion-dir as a single criterion home and label its benchmarks with this suite.
    #[arg(long, value_name = "NAME")]
    suite: Option<String>,
    /// Read this output of `cargo criterion --message-format=json` (its stdout) instead of criterion's files; repeat for rounds. Needs --suite.
    #[arg(
        long = "cargo-criterion-json",
        value_name = "FILE",
        requires = "suite",
        conflicts_with = "criterion_dir"
    )]
    cargo_criterion_json: Vec<PathBuf>,
    /// Directory of <suite>.jsonl custom-metric files (default: <target>/benchgate/metrics).
    #[arg(long, value_name = "DIR")]
    metrics_dir: Option<PathBuf>,
    /// Directory of per-suite iai-callgrind homes, <dir>/<suite>/**/summary.json (default: <target>/benchgate/iai).
    #[arg(long, value_name = "DIR")]
    iai_dir: Option<PathBuf>,
    /// Run file to write (default: <target>/benchgate/run.json).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

/// The two files `compare` and `report` judge, and how.
#[derive(Debug, Args)]
struct JudgedFiles {
    /// Run file to judge (default: <target>/benchgate/run.json).
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
    /// Baseline file to compare against.
    #[arg(long, value_name = "FILE", conflicts_with = "name")]
    baseline: Option<PathBuf>,
    /// Baseline name for the run's machine (default: `main`).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Compare even if the baseline comes from a different machine fingerprint.
    #[arg(long)]
    allow_cross_machine: bool,
    #[command(flatten)]
    paths: CommonPaths,
}

#[derive(Debug, Args)]
struct CompareArgs {
    #[command(flatten)]
    files: JudgedFiles,
    #[command(flatten)]
    table: TableArgs,
    /// Also write the Markdown summary to this file.
    #[arg(long, value_name = "FILE")]
    summary: Option<PathBuf>,
    /// Print the results in this format instead of the table.
    #[arg(long, value_enum, value_name = "FORMAT")]
    format: Option<ExportFormat>,
    /// Write the --format output to this file (atomically) instead of stdout.
    #[arg(long, short, value_name = "FILE", requires = "format")]
    output: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ReportArgs {
    #[command(flatten)]
    files: JudgedFiles,
    /// Directory to write the report into (default: <workspace>/reports).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum BaselineCommand {
    /// Store a run as baselines/<machine>/<NAME>.json (atomically; concurrent saves to one name wait for each other).
    Save {
        /// Baseline name, e.g. `main`.
        name: String,
        /// Keep the baseline's other suites: the run's suites replace only their own.
        #[arg(long)]
        merge: bool,
        /// Run file to store (default: <target>/benchgate/run.json).
        #[arg(long, value_name = "FILE")]
        run: Option<PathBuf>,
        /// Directory of versioned baselines (default: <workspace>/baselines).
        #[arg(long, value_name = "DIR")]
        baselines_dir: Option<PathBuf>,
    },
    /// List stored baselines.
    List {
        /// Directory of versioned baselines (default: <workspace>/baselines).
        #[arg(long, value_name = "DIR")]
        baselines_dir: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(outcome) => ExitCode::from(outcome.exit_code()),
        Err(error) => {
            eprintln!(
                "benchgate: error: {}",
                render::printable(&format!("{error:#}"))
            );
            ExitCode::from(ERROR_EXIT_CODE)
        }
    }
}

fn run(cli: Cli) -> Result<Outcome> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let here = Here::new(cwd);
    match cli.command {
        Command::Gate(args) => run_gate(&here, args),
        Command::Ab(args) => run_ab_command(&here, args),
        Command::Calibrate(args) => run_calibrate_command(&here, args),
        Command::Collect(args) => run_collect(&here, args),
        Command::Compare(args) => run_compare(&here, args),
        Command::Report(args) => run_report(&here, args),
        Command::Baseline(command) => run_baseline(&here, command),
        Command::PrCheck(args) => run_pr_check(&here, args),
        Command::Merge(args) => run_merge(&here, args),
        Command::SuggestBatch(args) => run_suggest_batch(&here, args),
        Command::History(command) => history_command::run_history(&here, command),
        Command::ExecAt(args) => Err(anyhow::Error::from(benchgate::exec_path::exec_at(
            &args.dir, &args.exe, &args.args,
        ))),
    }
}

/// Where a command runs: the current directory, and the Cargo workspace
/// around it, asked of cargo only when something needs it. Commands on
/// files given by path need neither a workspace nor cargo.
struct Here {
    cwd: PathBuf,
    workspace: OnceCell<std::result::Result<Workspace, String>>,
}

impl Here {
    fn new(cwd: PathBuf) -> Self {
        Self {
            cwd,
            workspace: OnceCell::new(),
        }
    }

    fn try_workspace(&self) -> std::result::Result<&Workspace, &str> {
        self.workspace
            .get_or_init(|| Workspace::locate(&self.cwd).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(String::as_str)
    }

    /// The workspace, for a command that runs benchmarks.
    fn workspace(&self) -> Result<&Workspace> {
        self.try_workspace().map_err(|e| anyhow!("{e}"))
    }

    /// The workspace with the suites the configuration's `[discovery]`
    /// lets in, for a command that runs them.
    fn suites(&self, policy: &Policy, config: Option<PathBuf>) -> Result<Workspace> {
        let origin = self
            .config_file(config)
            .unwrap_or_else(|| CONFIG_FILE_NAME.into());
        Ok(self
            .workspace()?
            .clone()
            .discovered(&policy.discovery, &origin)?)
    }

    /// `given`, or the workspace default that `flag` would otherwise take;
    /// outside a workspace, an error saying to pass `flag`.
    fn path_or_default(
        &self,
        given: Option<PathBuf>,
        flag: &str,
        default: impl FnOnce(&Workspace) -> PathBuf,
    ) -> Result<PathBuf> {
        match given {
            Some(path) => Ok(path),
            None => match self.try_workspace() {
                Ok(workspace) => Ok(default(workspace)),
                Err(e) => bail!(
                    "{flag} was not given, and its default lies in the Cargo workspace, which cannot be read here ({e}); pass {flag}"
                ),
            },
        }
    }

    /// The configuration file to read: `--config`, else the workspace's
    /// `benchgate.toml`, else the nearest `benchgate.toml` above the current
    /// directory; `None` means the embedded defaults.
    fn config_file(&self, given: Option<PathBuf>) -> Option<PathBuf> {
        given.or_else(|| match self.try_workspace() {
            Ok(workspace) => Some(workspace.root.join(CONFIG_FILE_NAME)),
            Err(_) => self
                .cwd
                .ancestors()
                .map(|dir| dir.join(CONFIG_FILE_NAME))
                .find(|file| file.is_file()),
        })
    }
}

fn log(message: &str) {
    eprintln!("benchgate: {}", render::printable(message));
}

fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

/// What shows a long run's progress; [`progress::TerminalReporter::finish`]
/// clears it before the results are printed.
fn reporter() -> progress::TerminalReporter {
    progress::TerminalReporter::new(progress::ProgressOptions::detect())
}

fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// The configuration, read once per command.
fn load_policy(here: &Here, config: Option<PathBuf>) -> Result<Policy> {
    Ok(match here.config_file(config) {
        Some(path) => Policy::load(&path)?,
        None => Policy::embedded()?,
    })
}

fn baselines_dir(here: &Here, dir: Option<PathBuf>) -> Result<PathBuf> {
    here.path_or_default(dir, "--baselines-dir", |w| w.root.join("baselines"))
}

fn report_dir(here: &Here, dir: Option<PathBuf>) -> Result<PathBuf> {
    here.path_or_default(dir, "--report-dir", |w| w.root.join("reports"))
}

fn run_gate(here: &Here, args: GateArgs) -> Result<Outcome> {
    let policy = history_command::with_stored_thresholds(
        here,
        load_policy(here, args.paths.config.clone())?,
        args.paths.history.clone(),
        &benchgate::machine::Machine::detect().id,
        if args.quick {
            Profile::Quick
        } else {
            Profile::Full
        },
    )?;
    let workspace = &here.suites(&policy, args.paths.config.clone())?;
    let table = args.table.options();
    let options = GateOptions {
        suites: args.suites,
        run: RunOptions {
            quick: args.quick,
            rounds: args.rounds,
            instruction_counts: !args.no_instruction_counts,
            features: args.features,
            codegen_units: None,
        },
        baseline_name: args.baseline,
        baselines_dir: baselines_dir(here, args.paths.baselines_dir.clone())?,
        policy,
        compare: CompareOptions {
            allow_cross_machine: args.allow_cross_machine,
            ..CompareOptions::default()
        },
        confirm: !args.no_confirm,
    };
    let report_dir = report_dir(here, args.report_dir)?;
    check_report_dir(&report_dir)?;
    let reporter = reporter();
    let report = gate(workspace, &options, &reporter)?;
    reporter.finish();
    let summary_path = report_dir.join("summary.md");
    let baseline_shown = report
        .baseline_file
        .strip_prefix(&workspace.root)
        .unwrap_or(&report.baseline_file)
        .display()
        .to_string();
    log(&format!("run written to {}", report.run_file.display()));
    if !report.recorded_suites.is_empty() {
        log(&format!(
            "no baseline for suite(s) {} on this machine ({}): recorded this run in {baseline_shown}; commit it so later runs are gated against it",
            report.recorded_suites.join(", "),
            report.run.machine.id,
        ));
    }
    let recorded_note = (!report.recorded_suites.is_empty()).then(|| {
        render::markdown::render_recorded(&RecordedBaseline {
            name: options.baseline_name(),
            machine: &report.run.machine,
            shown: &baseline_shown,
            benchmarks: report.run.benchmarks.len(),
            metrics: report.run.metrics.len(),
        })
    });
    let markdown = match (report.comparison(), &report.portable_baseline) {
        (Some(comparison), portable) => {
            out!("{}", render::table::render(comparison, &table));
            if args.table.annotations() {
                out!("{}", annotations(here, Some(comparison), None));
            }
            if let Some(other) = portable {
                outln!(
                    "No baseline existed for this machine: recorded {baseline_shown}; instruction counts were judged against {}, wall times not compared.",
                    other.display()
                );
            }
            let mut text = render::markdown::render(comparison);
            if portable.is_some() {
                text.push('\n');
                text.push_str(recorded_note.as_deref().unwrap_or_default());
            }
            text
        }
        (None, _) => {
            outln!(
                "No baseline existed for this machine; recorded {baseline_shown}. RECORDED, NOTHING COMPARED (not a pass: run again to be gated)."
            );
            recorded_note.unwrap_or_default()
        }
    };
    write_atomic(&summary_path, markdown.as_bytes())?;
    log(&format!("summary written to {}", summary_path.display()));
    let assessment = report.assessment.as_ref();
    let trends = history_command::stored_trends(
        here,
        args.paths.history.clone(),
        &options.policy,
        &report.run,
        report.comparison(),
    )?;
    let written = write_report(
        &ReportInput {
            current: &report.run,
            baseline: assessment.map(|a| &a.baseline),
            comparison: report.comparison(),
            history: assessment.map_or(&[], |a| &a.history),
            trends: &trends,
        },
        &ReportOptions {
            dir: report_dir,
            charts: options.policy.charts.clone(),
            batch_suggestions: report_suggestions(&report.run, &options.policy),
        },
    )?;
    log_report(&written);
    if args.require_baseline && !report.recorded_suites.is_empty() {
        bail!(
            "--require-baseline: machine `{}` had no `{}` baseline for suite(s) {}; this run was recorded in {baseline_shown}: commit it (or record one on this machine kind) so later runs are gated",
            report.run.machine.id,
            options.baseline_name(),
            report.recorded_suites.join(", ")
        );
    }
    Ok(report.outcome())
}

fn run_ab_command(here: &Here, args: AbArgs) -> Result<Outcome> {
    let policy = load_policy(here, args.config.clone())?;
    let workspace = &here.suites(&policy, args.config)?;
    let options = AbOptions {
        base: args.base,
        suites: args.suites,
        rounds: args.rounds,
        features: args.features,
        head_features: args.head_features,
        base_features: Vec::new(),
        filter: None,
        policy,
        compare: CompareOptions::default(),
    };
    let report_dir = report_dir(here, args.report_dir)?;
    check_report_dir(&report_dir)?;
    let reporter = reporter();
    let report = run_ab(workspace, &options, &reporter)?;
    reporter.finish();
    out!(
        "{}",
        render::table::render(&report.comparison, &args.table.options())
    );
    if args.table.annotations() {
        out!("{}", annotations(here, Some(&report.comparison), None));
    }
    let summary_path = report_dir.join("summary.md");
    write_atomic(
        &summary_path,
        render::markdown::render(&report.comparison).as_bytes(),
    )?;
    log(&format!("summary written to {}", summary_path.display()));
    let written = write_report(
        &ReportInput {
            current: &report.head,
            baseline: None,
            comparison: Some(&report.comparison),
            history: &[],
            trends: &history_command::stored_trends(
                here,
                None,
                &options.policy,
                &report.head,
                Some(&report.comparison),
            )?,
        },
        &ReportOptions {
            dir: report_dir,
            charts: options.policy.charts.clone(),
            batch_suggestions: report_suggestions(&report.head, &options.policy),
        },
    )?;
    log_report(&written);
    Ok(report.comparison.outcome())
}

fn run_calibrate_command(here: &Here, args: CalibrateArgs) -> Result<Outcome> {
    let config_path = args.config.unwrap_or_else(|| {
        here.workspace().map_or_else(
            |_| CONFIG_FILE_NAME.into(),
            |w| w.root.join(CONFIG_FILE_NAME),
        )
    });
    let policy = Policy::load(&config_path)?;
    let workspace = &here.suites(&policy, Some(config_path.clone()))?;
    let options = CalibrateOptions {
        suites: args.suites,
        runs: args.runs,
        run: RunOptions {
            quick: args.quick,
            rounds: args.rounds,
            instruction_counts: false,
            features: Vec::new(),
            codegen_units: None,
        },
        policy,
    };
    let reporter = reporter();
    let (calibration, machine) = run_calibration(workspace, &options, &reporter)?;
    reporter.finish();
    outln!(
        "{} A/A runs on {machine}: {} of {} ordered run pairs had a false alarm under the current thresholds.",
        calibration.runs,
        calibration.pairs_with_false_alarm,
        calibration.pairs
    );
    outln!("benchmark\tfalse alarms\tquiet above\tsuggested threshold\tminimum detectable effect");
    for noise in &calibration.benchmarks {
        outln!(
            "{}\t{}/{}\t{:.1} %\t{:.1} %\t{:.1} %",
            noise.key,
            noise.false_alarms,
            noise.pairs,
            noise.quiet_threshold * 100.0,
            noise.suggested_threshold * 100.0,
            noise.minimum_detectable_effect * 100.0
        );
    }
    if args.write {
        write_suggestions(&config_path, &calibration, &machine)?;
        log(&format!(
            "suggested thresholds written to {}",
            config_path.display()
        ));
    }
    Ok(Outcome::Pass)
}

fn run_collect(here: &Here, args: CollectArgs) -> Result<Outcome> {
    // A plain `cargo bench` tree of a workspace with one suite is that
    // suite's; with several, `--suite` must say which.
    let only_suite = here
        .try_workspace()
        .ok()
        .and_then(|w| match w.suites.as_slice() {
            [suite] => Some(suite.name.clone()),
            _ => None,
        });
    let sources = match (args.suite, &args.criterion_dir, only_suite) {
        (Some(suite), None, _) if !args.cargo_criterion_json.is_empty() => vec![SuiteSource {
            suite,
            criterion_dirs: args.cargo_criterion_json,
        }],
        (Some(suite), _, _) => vec![SuiteSource {
            suite,
            criterion_dirs: vec![here.path_or_default(
                args.criterion_dir,
                "--criterion-dir",
                |w| w.target_dir.join("criterion"),
            )?],
        }],
        (None, Some(dir), Some(suite)) if !is_per_suite_layout(dir) => vec![SuiteSource {
            suite,
            criterion_dirs: vec![dir.clone()],
        }],
        (None, dir, _) => per_suite_sources(&here.path_or_default(
            dir.clone(),
            "--criterion-dir",
            Workspace::criterion_root,
        )?)?,
    };
    // Metrics and instruction counts are optional inputs: outside a
    // workspace, only the directories given are read.
    let workspace = here.try_workspace().ok();
    let run = collect(
        &CollectOptions {
            sources,
            metrics_dir: args
                .metrics_dir
                .or_else(|| workspace.map(Workspace::metrics_dir)),
            iai_root: args.iai_dir.or_else(|| workspace.map(Workspace::iai_root)),
        },
        &Provenance::probe(workspace.map_or(&here.cwd, |w| &w.root), Profile::External),
    )?;
    let output = here.path_or_default(args.output, "--output", Workspace::run_file)?;
    write_run(&output, &run)?;
    outln!(
        "collected {} benchmarks and {} metrics from suite(s) {} into {}",
        run.benchmarks.len(),
        run.metrics.len(),
        run.suites().join(", "),
        output.display()
    );
    Ok(Outcome::Pass)
}

/// Judge the files `compare` and `report` were given: `--run` (default:
/// the latest run) against `--baseline`, or the run machine's baseline
/// `--name`, through the library's one assessment path.
fn assess_judged(here: &Here, files: JudgedFiles) -> Result<(Run, Assessment)> {
    let run = here.path_or_default(files.run, "--run", Workspace::run_file)?;
    let measured = read_run(&run)?;
    let baseline = match files.baseline {
        Some(path) => path,
        None => BaselineStore::new(baselines_dir(here, files.paths.baselines_dir)?).path(
            &measured.machine.id,
            files.name.as_deref().unwrap_or(DEFAULT_BASELINE),
        )?,
    };
    // The baseline's committed history lives in the repository that holds
    // the baseline file, wherever the command runs.
    let repository = baseline
        .canonicalize()
        .ok()
        .and_then(|path| path.parent().map(Path::to_path_buf));
    Ok(assess_files(&FileInputs {
        run: &run,
        baseline: &baseline,
        repository: repository.as_deref(),
        policy: &history_command::with_stored_thresholds(
            here,
            load_policy(here, files.paths.config)?,
            files.paths.history,
            &measured.machine.id,
            measured.profile,
        )?,
        compare: &CompareOptions {
            allow_cross_machine: files.allow_cross_machine,
            ..CompareOptions::default()
        },
    })?)
}

fn run_compare(here: &Here, args: CompareArgs) -> Result<Outcome> {
    let (_, Assessment { comparison, .. }) = assess_judged(here, args.files)?;
    // Not into an export on standard output: it would no longer parse.
    if args.table.annotations() && (args.format.is_none() || args.output.is_some()) {
        out!("{}", annotations(here, Some(&comparison), None));
    }
    match args.format {
        None => out!(
            "{}",
            render::table::render(&comparison, &args.table.options())
        ),
        Some(format) => {
            let text = format.exporter().export(&comparison)?;
            match &args.output {
                Some(path) => write_atomic(path, text.as_bytes())?,
                None => out!("{text}"),
            }
        }
    }
    if let Some(summary) = args.summary {
        write_atomic(&summary, render::markdown::render(&comparison).as_bytes())?;
    }
    Ok(comparison.outcome())
}

fn run_report(here: &Here, args: ReportArgs) -> Result<Outcome> {
    let dir = report_dir(here, args.report_dir)?;
    check_report_dir(&dir)?;
    let history = args.files.paths.history.clone();
    let (current, assessment) = assess_judged(here, args.files)?;
    write_atomic(
        &dir.join("summary.md"),
        render::markdown::render(&assessment.comparison).as_bytes(),
    )?;
    let written = write_report(
        &ReportInput {
            current: &current,
            baseline: Some(&assessment.baseline),
            comparison: Some(&assessment.comparison),
            history: &assessment.history,
            trends: &history_command::stored_trends(
                here,
                history,
                &assessment.policy,
                &current,
                Some(&assessment.comparison),
            )?,
        },
        &ReportOptions {
            dir,
            charts: assessment.policy.charts.clone(),
            batch_suggestions: report_suggestions(&current, &assessment.policy),
        },
    )?;
    outln!("{}", render::headline(&assessment.comparison));
    log_report(&written);
    // A report describes; it does not gate. `compare` and `gate` give the verdict's exit code.
    Ok(Outcome::Pass)
}

fn log_report(written: &WrittenReport) {
    log(&format!(
        "report written to {} ({} charts, {} exports)",
        written.index.display(),
        written.charts.len(),
        written.exports.len()
    ));
}

fn run_baseline(here: &Here, command: BaselineCommand) -> Result<Outcome> {
    match command {
        BaselineCommand::Save {
            name,
            merge,
            run,
            baselines_dir: dir,
        } => {
            let run_path = here.path_or_default(run, "--run", Workspace::run_file)?;
            let run = read_run(&run_path)?;
            let mode = if merge {
                SaveMode::MergeSuites
            } else {
                SaveMode::Replace
            };
            let path = BaselineStore::new(baselines_dir(here, dir)?).save_with(
                &run,
                &name,
                mode,
                &|lock| {
                    log(&format!(
                        "waiting for the lock on {} (another benchgate is saving this baseline)",
                        lock.display()
                    ))
                },
            )?;
            outln!(
                "saved {} benchmarks and {} metrics as {}",
                run.benchmarks.len(),
                run.metrics.len(),
                path.display()
            );
        }
        BaselineCommand::List { baselines_dir: dir } => {
            let store = BaselineStore::new(baselines_dir(here, dir)?);
            let baselines = store.list()?;
            if baselines.is_empty() {
                outln!("no baselines under {}", store.root().display());
            }
            for baseline in baselines {
                outln!(
                    "{}\t{}\t{}",
                    baseline.machine_id,
                    baseline.name,
                    baseline.path.display()
                );
            }
        }
    }
    Ok(Outcome::Pass)
}

/// The file of per-suite seconds a check balances its shards on, kept
/// beside the baselines so a push to main can commit the merged figures.
const DURATIONS_FILE: &str = "pr-check-durations.json";

fn run_pr_check(here: &Here, args: PrCheckArgs) -> Result<Outcome> {
    let config_path = here.config_file(args.paths.config.clone());
    let policy = load_policy(here, args.paths.config.clone())?;
    let workspace = &here.suites(&policy, args.paths.config.clone())?;
    let baselines = baselines_dir(here, args.paths.baselines_dir)?;
    let durations_file = args
        .durations
        .clone()
        .unwrap_or_else(|| baselines.join(DURATIONS_FILE));
    let recorded_seconds = read_durations(&durations_file, args.durations.is_some())?;
    let options = PrCheckOptions {
        base: args.base,
        target_branch: args.target_branch,
        all: args.all,
        suites: args.suites,
        shard: args.shard,
        rounds: args.rounds,
        budget_secs: args.budget_minutes.map(|m| m * 60.0),
        instruction_counts: !args.no_instruction_counts,
        exec_launcher: std::env::current_exe().ok(),
        layouts: args.layouts,
        features: args.features,
        head_features: args.head_features,
        base_features: Vec::new(),
        recorded_seconds,
        fallback_counts: stored_counts(&baselines),
        config_path,
        policy,
        compare: CompareOptions::default(),
    };
    if let Some(count) = args.plan {
        let plan = plan_check(workspace, &options, count)?;
        outln!("{}", plan.to_json());
        return Ok(Outcome::Pass);
    }
    let report_dir = report_dir(here, args.report_dir)?;
    if args.shard.count == 1 {
        check_report_dir(&report_dir)?;
    }
    let reporter = reporter();
    let result = run_shard(workspace, &options, &reporter)?;
    reporter.finish();
    let output = args.output.unwrap_or_else(|| {
        workspace.work_dir().join("pr-check").join(format!(
            "shard-{}-of-{}.json",
            args.shard.index, args.shard.count
        ))
    });
    write_shard_result(&output, &result)?;
    log(&format!(
        "shard {} result written to {}",
        args.shard,
        output.display()
    ));
    if args.shard.count > 1 {
        outln!(
            "shard {} measured {}; combine every shard's file with `benchgate merge`",
            args.shard,
            if result.suites.is_empty() {
                "nothing".to_owned()
            } else {
                result.suites.join(", ")
            }
        );
        return Ok(Outcome::Pass);
    }
    let verdict = judge(&[result], &options.policy, &options.compare)?;
    let history = args.paths.history.clone();
    finish_pr(
        here,
        &verdict,
        &report_dir,
        &options.policy,
        &args.ci,
        history,
    )
}

fn run_merge(here: &Here, args: MergeArgs) -> Result<Outcome> {
    let report_dir = report_dir(here, args.report_dir)?;
    check_report_dir(&report_dir)?;
    let policy = load_policy(here, args.config)?;
    let results = args
        .files
        .iter()
        .map(|path| Ok((path.clone(), read_shard_result(path)?)))
        .collect::<Result<Vec<_>>>()?;
    check_shard_set(&results)?;
    let results: Vec<_> = results.into_iter().map(|(_, r)| r).collect();
    let verdict = judge(&results, &policy, &CompareOptions::default())?;
    if let Some(path) = &args.head_run {
        let head = pooled_head(&results).ok_or_else(|| {
            anyhow!(
                "the shards measured nothing, so there is no head run to write to {}",
                path.display()
            )
        })?;
        write_run(path, &head)?;
        log(&format!("head run written to {}", path.display()));
    }
    let durations = report_dir.join("durations.json");
    write_durations(&durations, &verdict.seconds)?;
    log(&format!(
        "seconds per suite written to {} (commit it as baselines/{DURATIONS_FILE} to balance later shards)",
        durations.display()
    ));
    finish_pr(here, &verdict, &report_dir, &policy, &args.ci, args.history)
}

/// Print, summarise and report a pull-request check's verdict: the
/// terminal table, summary.md, comment.md (the pull-request comment), the
/// report, requested exports and, in Actions, the annotations.
fn finish_pr(
    here: &Here,
    verdict: &PrVerdict,
    report_dir: &Path,
    policy: &Policy,
    ci: &CiArgs,
    history: Option<String>,
) -> Result<Outcome> {
    let selection = render::selection::render_selection(&verdict.selection, &verdict.seconds);
    let summary_path = report_dir.join("summary.md");
    let run_url = github_run_url();
    write_atomic(
        &report_dir.join("comment.md"),
        render::comment::render_comment(&CommentInput {
            comparison: verdict.comparison.as_ref(),
            selection: &verdict.selection,
            run_url: run_url.as_deref(),
        })
        .as_bytes(),
    )?;
    if ci.annotations() {
        out!(
            "{}",
            annotations(here, verdict.comparison.as_ref(), Some(&verdict.selection))
        );
    }
    let Some(comparison) = &verdict.comparison else {
        outln!("No suite can be affected by this change; nothing measured: PASS.");
        write_atomic(
            &summary_path,
            format!("## ✅ benchgate: no suite affected by this change\n\n{selection}").as_bytes(),
        )?;
        return Ok(Outcome::Pass);
    };
    out!(
        "{}",
        render::table::render(comparison, &TableOptions::for_stdout(use_color(), false))
    );
    for choice in &verdict.selection.skipped {
        log(&format!(
            "suite `{}` skipped: {}",
            choice.suite,
            choice.reason.describe()
        ));
    }
    write_atomic(
        &summary_path,
        render::markdown::render_with_suites(comparison, &selection).as_bytes(),
    )?;
    log(&format!("summary written to {}", summary_path.display()));
    for format in &ci.formats {
        let exporter = format.exporter();
        let path = report_dir.join(format!("{}.{}", format.name(), exporter.extension()));
        write_atomic(&path, exporter.export(comparison)?.as_bytes())?;
        log(&format!(
            "{} export written to {}",
            format.name(),
            path.display()
        ));
    }
    if let Some(head) = &verdict.head {
        let written = write_report(
            &ReportInput {
                current: head,
                baseline: None,
                comparison: Some(comparison),
                history: &[],
                trends: &history_command::stored_trends(
                    here,
                    history,
                    policy,
                    head,
                    Some(comparison),
                )?,
            },
            &ReportOptions {
                dir: report_dir.to_owned(),
                charts: policy.charts.clone(),
                batch_suggestions: report_suggestions(head, policy),
            },
        )?;
        log_report(&written);
    }
    Ok(comparison.outcome())
}

/// The workflow run's page, from the variables GitHub Actions sets.
fn github_run_url() -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

/// The annotations of a verdict, located in the workspace's bench sources
/// when there is a workspace here (outside one they carry no file).
fn annotations(
    here: &Here,
    comparison: Option<&benchgate::compare::Comparison>,
    selection: Option<&benchgate::select::Selection>,
) -> String {
    let workspace = here.try_workspace().ok();
    let locations = match (workspace, comparison) {
        (Some(workspace), Some(comparison)) => locate_benchmarks(
            workspace,
            comparison
                .entries
                .iter()
                .map(|e| (e.suite.as_str(), e.benchmark.as_str())),
        ),
        _ => Default::default(),
    };
    let manifests = workspace
        .map(|w| {
            w.suites
                .iter()
                .map(|s| {
                    let dir = s.relative_dir.to_string_lossy().replace('\\', "/");
                    let file = if dir.is_empty() {
                        "Cargo.toml".to_owned()
                    } else {
                        format!("{dir}/Cargo.toml")
                    };
                    (s.name.clone(), file)
                })
                .collect()
        })
        .unwrap_or_default();
    render::annotations::render_annotations(&AnnotationInput {
        comparison,
        selection,
        locations: &locations,
        manifests: &manifests,
    })
}

/// Benchmarks and metrics per suite in the stored baselines: what stands
/// in for durations no check has recorded yet.
fn stored_counts(baselines: &Path) -> std::collections::BTreeMap<String, usize> {
    let mut counts = std::collections::BTreeMap::new();
    let Ok(stored) = BaselineStore::new(baselines).list() else {
        return counts;
    };
    let Some(run) = stored.iter().find_map(|b| read_run(&b.path).ok()) else {
        return counts;
    };
    for suite in run
        .benchmarks
        .iter()
        .map(|b| &b.suite)
        .chain(run.metrics.iter().map(|m| &m.suite))
    {
        *counts.entry(suite.clone()).or_insert(0) += 1;
    }
    counts
}

/// The run `suggest-batch` fits: `--run`, else the latest run, else a
/// stored baseline (this machine's first) holding the suite.
fn batch_run(here: &Here, args: &SuggestBatchArgs) -> Result<(PathBuf, Run)> {
    if let Some(path) = &args.run {
        return Ok((path.clone(), read_run(path)?));
    }
    let has_suite = |run: &Run| run.benchmarks.iter().any(|b| b.suite == args.suite);
    let mut looked = Vec::new();
    if let Ok(workspace) = here.try_workspace() {
        let latest = workspace.run_file();
        if latest.is_file() {
            let run = read_run(&latest)?;
            if has_suite(&run) {
                return Ok((latest, run));
            }
        }
        looked.push(latest.display().to_string());
    }
    if let Ok(dir) = baselines_dir(here, args.paths.baselines_dir.clone()) {
        let machine = benchgate::machine::Machine::detect().id;
        let mut stored = BaselineStore::new(&dir).list().unwrap_or_default();
        stored.sort_by_key(|b| b.machine_id != machine);
        for baseline in stored {
            if let Ok(run) = read_run(&baseline.path) {
                if has_suite(&run) {
                    return Ok((baseline.path, run));
                }
            }
        }
        looked.push(format!("the baselines under {}", dir.display()));
    }
    bail!(
        "no run holds suite `{suite}` (looked in {}); run `benchgate gate --suite {suite}` (or `cargo bench -p {suite}` and `benchgate collect`), or pass --run FILE",
        if looked.is_empty() {
            "nothing: no workspace here".to_owned()
        } else {
            looked.join(" and ")
        },
        suite = args.suite
    )
}

fn run_suggest_batch(here: &Here, args: SuggestBatchArgs) -> Result<Outcome> {
    use benchgate::batch_fit::{constraints_for, curve_from_run, sweep_group};
    use benchgate_metrics::batch::{
        Hardware, LatencyScope, Objective, format_bytes, format_seconds, suggest,
    };

    let policy = load_policy(here, args.paths.config.clone())?;
    let (path, run) = batch_run(here, &args)?;
    let group =
        sweep_group(&run, &args.suite, args.group.as_deref(), &policy).map_err(|e| anyhow!(e))?;
    let curve = curve_from_run(&run, &args.suite, &group, &path.display().to_string())?;
    let scope = args.latency_scope.as_deref().map(|s| match s {
        "request" => LatencyScope::Request,
        _ => LatencyScope::Batch,
    });
    let objective = args
        .min_latency_at
        .map_or(Objective::MaxThroughput, |floor| Objective::MinLatency {
            throughput_floor: floor,
        });
    let constraints = constraints_for(
        policy.batch.get(&args.suite),
        args.latency_budget,
        scope,
        args.memory,
        objective,
    )
    .map_err(|e| anyhow!(e))?;
    outln!("curve: {} ({} per call)", curve.source, curve.item_unit);
    outln!("  batch  latency median / p75      per request   throughput/s  memory");
    for p in curve.points() {
        outln!(
            "  {:>5}  {:>10} / {:>10}  {:>11}  {:>12.1}  {}",
            p.batch,
            format_seconds(p.latency.typical_s),
            format_seconds(p.latency.high_s),
            p.request_latency
                .map_or("-".to_owned(), |l| format_seconds(l.typical_s)),
            p.items / p.latency.typical_s,
            p.memory_bytes.map_or("-".to_owned(), format_bytes),
        );
    }
    let fit = curve.fit();
    outln!(
        "model: latency = {} + {} x batch (R² {:.3}, largest residual {:.1} %); interpolated between measured sizes, extrapolated at most to batch {}",
        format_seconds(fit.latency.intercept),
        format_seconds(fit.latency.slope),
        fit.latency.r_squared,
        fit.latency.max_relative_residual * 100.0,
        curve.extrapolation_limit()
    );
    if let Some(memory) = fit.memory {
        outln!(
            "       memory = {} + {} x batch (R² {:.3})",
            format_bytes(memory.intercept.max(0.0)),
            format_bytes(memory.slope.max(0.0)),
            memory.r_squared
        );
    }
    let suggestion = suggest(&curve, &constraints, &Hardware::detect())?;
    outln!("suggested {suggestion}");
    for note in &suggestion.notes {
        outln!("note: {note}");
    }
    Ok(Outcome::Pass)
}

#[cfg(test)]
mod tests {
    /// clap checks a command's arguments only when that command is parsed:
    /// two flattened argument groups both defining `--history` made
    /// `pr-check` panic at start while every other command worked.
    #[test]
    fn every_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}

//! `benchgate calibrate`: A/A runs of unchanged code on this machine, the
//! empirical false-alarm rate they show, the smallest threshold per
//! benchmark that would have kept them quiet, and writing those thresholds
//! into `benchgate.toml`.

use std::collections::BTreeMap;
use std::path::Path;

use crate::collect::{CollectOptions, collect};
use crate::compare::{CompareOptions, Verdict, compare};
use crate::config::Policy;
use crate::error::{Error, Result};
use crate::progress::Reporter;
use crate::provenance::Provenance;
use crate::run::Run;
use crate::runner::{RunOptions, run_suites};
use crate::store::write_atomic;
use crate::workspace::Workspace;

/// A/A runs unless told otherwise: 4 runs give 12 ordered pairs, enough to
/// see a machine's typical noise in a quarter of an hour of `--quick` runs.
pub const DEFAULT_CALIBRATION_RUNS: u32 = 4;

#[derive(Debug, Clone)]
pub struct CalibrateOptions {
    pub suites: Vec<String>,
    pub runs: u32,
    pub run: RunOptions,
    /// The configuration, read once by the caller.
    pub policy: Policy,
}

/// Run the suites `options.runs` times (unchanged code), then calibrate.
pub fn run_calibration(
    workspace: &Workspace,
    options: &CalibrateOptions,
    log: &dyn Reporter,
) -> Result<(Calibration, String)> {
    let suites = workspace.select_suites(&options.suites)?;
    let provenance = Provenance::probe(&workspace.root, options.run.profile());
    let mut runs = Vec::new();
    for i in 1..=options.runs.max(2) {
        log.log(&format!("A/A run {i} of {}", options.runs.max(2)));
        let sources = run_suites(workspace, &suites, &options.run, log)?;
        runs.push(collect(
            &CollectOptions {
                sources,
                metrics_dir: None,
                iai_root: None,
            },
            &provenance,
        )?);
    }
    let machine = runs[0].machine.id.clone();
    Ok((
        calibrate(&runs, &options.policy, &CompareOptions::default())?,
        machine,
    ))
}

/// A suggested threshold is the largest quiet-keeping threshold seen,
/// times this margin: a handful of A/A pairs sees typical noise, not the
/// worst the machine will produce.
pub const SAFETY_MARGIN: f64 = 1.5;

/// Suggestions are rounded up to this step (0.5 %) so the config stays
/// readable and re-calibrating does not churn it.
pub const SUGGESTION_STEP: f64 = 0.005;

/// No suggestion below 1 %: under that, wall-time gating on a shared
/// machine is a promise the next noisy neighbour breaks.
pub const SUGGESTION_FLOOR: f64 = 0.01;

/// Markers of the block `calibrate --write` owns in `benchgate.toml`.
const BLOCK_BEGIN: &str =
    "# >>> benchgate calibrate: generated, replaced by the next `benchgate calibrate --write`";
const BLOCK_END: &str = "# <<< benchgate calibrate";

/// What the A/A runs showed for one benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkNoise {
    pub key: String,
    /// Ordered run pairs compared, and how many gave a verdict other than
    /// `unchanged` under the current policy.
    pub pairs: usize,
    pub false_alarms: usize,
    /// The smallest threshold under which every pair would have been quiet.
    pub quiet_threshold: f64,
    /// [`Self::quiet_threshold`] with margin, rounding and floor.
    pub suggested_threshold: f64,
    /// Smallest true change the suggested threshold still catches reliably:
    /// the threshold plus the widest half-interval seen.
    pub minimum_detectable_effect: f64,
}

/// The calibration of a set of A/A runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub runs: usize,
    /// Run pairs in which at least one benchmark gave a false alarm.
    pub pairs_with_false_alarm: usize,
    pub pairs: usize,
    pub benchmarks: Vec<BenchmarkNoise>,
}

/// Compare every ordered pair of `runs` (unchanged code) under `policy`.
pub fn calibrate(runs: &[Run], policy: &Policy, options: &CompareOptions) -> Result<Calibration> {
    if runs.len() < 2 {
        return Err(Error::Refused("calibration needs at least two runs".into()));
    }
    let mut per_benchmark: BTreeMap<String, (usize, usize, f64, f64)> = BTreeMap::new();
    let (mut pairs, mut pairs_with_false_alarm) = (0, 0);
    for (i, base) in runs.iter().enumerate() {
        for (j, current) in runs.iter().enumerate() {
            if i == j {
                continue;
            }
            pairs += 1;
            let comparison = compare(base, current, policy, options)?;
            let mut alarm = false;
            for entry in comparison.entries.iter().filter(|e| e.is_time()) {
                let Some(change) = entry.change else { continue };
                let slot = per_benchmark.entry(entry.key()).or_insert((0, 0, 0.0, 0.0));
                slot.0 += 1;
                if matches!(entry.verdict, Verdict::Regressed | Verdict::Improved) {
                    slot.1 += 1;
                    alarm = true;
                }
                // Quiet needs the threshold above the interval bound nearest zero.
                let nearest = change.lower.max(-change.upper).max(0.0);
                slot.2 = slot.2.max(nearest);
                slot.3 = slot.3.max((change.upper - change.lower) / 2.0);
            }
            pairs_with_false_alarm += usize::from(alarm);
        }
    }
    let benchmarks = per_benchmark
        .into_iter()
        .map(|(key, (pairs, false_alarms, quiet, half_width))| {
            let suggested = suggest(quiet);
            BenchmarkNoise {
                key,
                pairs,
                false_alarms,
                quiet_threshold: quiet,
                suggested_threshold: suggested,
                minimum_detectable_effect: suggested + half_width,
            }
        })
        .collect();
    Ok(Calibration {
        runs: runs.len(),
        pairs_with_false_alarm,
        pairs,
        benchmarks,
    })
}

fn suggest(quiet: f64) -> f64 {
    let raw = (quiet * SAFETY_MARGIN).max(SUGGESTION_FLOOR);
    // Round up to the step; the small epsilon keeps exact multiples put.
    ((raw / SUGGESTION_STEP) - 1e-9).ceil() * SUGGESTION_STEP
}

/// The `[[benchmark]]` block for `calibration`, between its markers.
pub fn config_block(calibration: &Calibration, machine: &str) -> String {
    let mut block = format!(
        "{BLOCK_BEGIN}\n# {} A/A runs on `{machine}`: {} of {} run pairs had a false alarm under the previous thresholds.\n",
        calibration.runs, calibration.pairs_with_false_alarm, calibration.pairs
    );
    for noise in &calibration.benchmarks {
        block.push_str(&format!(
            "[[benchmark]]\npattern = \"{}\"\ntime_threshold = {:.3}\n",
            glob_escape(&noise.key),
            noise.suggested_threshold
        ));
    }
    block.push_str(BLOCK_END);
    block.push('\n');
    block
}

/// Put `block` into the config text: replace the previous generated block,
/// or append it. Everything else in the file is kept as written.
pub fn with_block(config: &str, block: &str) -> String {
    match (config.find(BLOCK_BEGIN), config.find(BLOCK_END)) {
        (Some(start), Some(end)) if end > start => {
            let after = config[end..]
                .find('\n')
                .map_or(config.len(), |i| end + i + 1);
            format!("{}{}{}", &config[..start], block, &config[after..])
        }
        _ => {
            let separator = if config.is_empty() || config.ends_with("\n\n") {
                ""
            } else if config.ends_with('\n') {
                "\n"
            } else {
                "\n\n"
            };
            format!("{config}{separator}{block}")
        }
    }
}

/// Write the suggestions into the config file at `path` (atomically),
/// checking first that the result still parses.
pub fn write_suggestions(path: &Path, calibration: &Calibration, machine: &str) -> Result<()> {
    let current = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(Error::read(path, e)),
    };
    let updated = with_block(&current, &config_block(calibration, machine));
    Policy::parse(&updated, path)?;
    write_atomic(path, updated.as_bytes())
}

/// Glob metacharacters in a benchmark id would make the pattern match
/// other benchmarks, so they are bracketed to match themselves only; `"`
/// and `\` are escaped for the TOML string.
fn glob_escape(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '*' | '?' | '[' | ']' | '{' | '}' => format!("[{c}]"),
            '"' => "\\\"".to_owned(),
            '\\' => "\\\\".to_owned(),
            _ => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_have_margin_step_and_floor() {
        assert_eq!(suggest(0.0), SUGGESTION_FLOOR);
        assert!((suggest(0.04) - 0.06).abs() < 1e-12, "{}", suggest(0.04));
        assert!((suggest(0.041) - 0.065).abs() < 1e-12, "{}", suggest(0.041));
    }

    #[test]
    fn the_generated_block_is_replaced_not_duplicated() {
        let user = "[defaults]\ntime_threshold = 0.1\n";
        let first = with_block(user, &format!("{BLOCK_BEGIN}\nA\n{BLOCK_END}\n"));
        assert!(first.starts_with(user));
        let second = with_block(&first, &format!("{BLOCK_BEGIN}\nB\n{BLOCK_END}\n"));
        assert_eq!(second.matches(BLOCK_BEGIN).count(), 1);
        assert!(second.contains("\nB\n") && !second.contains("\nA\n"));
        assert!(second.starts_with(user));
    }

    #[test]
    fn ids_with_glob_characters_match_only_themselves() {
        let escaped = glob_escape("s/encode?fast/[x]");
        let glob = globset::Glob::new(&escaped).unwrap().compile_matcher();
        assert!(glob.is_match("s/encode?fast/[x]"));
        assert!(!glob.is_match("s/encodeXfast/[x]"));
    }
}

//! Rendering comparisons for people: the terminal table, the GitHub
//! job-summary Markdown and the HTML report page, sharing one set of cell
//! formatters.

pub mod annotations;
pub mod batch;
pub mod comment;
pub mod html;
pub mod markdown;
pub mod noise;
pub mod selection;
pub mod table;

use crate::compare::{Comparison, Confirmation, Entry, Note, Verdict};
use crate::stats::{CONFIDENCE_LEVEL, percent};
use benchgate_core::history::{MAX_HISTORY_VERSIONS, MIN_RUNS_FOR_LEARNED_THRESHOLD};

/// A value with its unit (`—` when absent); times in any unit spelling
/// are scaled to a readable unit (see [`crate::format`]).
pub fn format_value(value: Option<f64>, unit: &str) -> String {
    match value {
        Some(v) => crate::format::value(v, unit),
        None => "—".to_owned(),
    }
}

/// `+12.3 %` with its interval when it has one: `+12.3 % [+10.1 %, +14.5 %]`.
pub fn format_change(entry: &Entry) -> String {
    match entry.change {
        Some(change) => format_relative(change),
        None => "—".to_owned(),
    }
}

/// A relative change with its interval when it has one.
fn format_relative(change: crate::stats::Change) -> String {
    let pct = crate::format::change;
    if change.lower == change.upper {
        pct(change.point)
    } else {
        format!(
            "{} [{}, {}]",
            pct(change.point),
            pct(change.lower),
            pct(change.upper)
        )
    }
}

/// The test's evidence: the p-value adjusted for multiple testing (the one
/// the verdict uses) and the sample counts, then what a confirmation found.
pub fn format_evidence(entry: &Entry) -> String {
    let n = format!("n={}/{}", entry.baseline_samples, entry.current_samples);
    let test = match entry.p_adjusted {
        Some(p) if p < 1e-4 => format!("p_adj<0.0001, {n}"),
        Some(p) => format!("p_adj={}, {n}", crate::format::significant(p, 2)),
        None if entry.verdict == Verdict::New || entry.verdict == Verdict::Missing => String::new(),
        None => "exact value".to_owned(),
    };
    match format_confirmation(entry) {
        Some(confirmation) => format!("{test}; {confirmation}"),
        None => test,
    }
}

/// What the confirmation of a flagged regression found, and whether it
/// upheld it: `None` without one.
pub fn format_confirmation(entry: &Entry) -> Option<String> {
    let evidence = entry.confirmation.as_ref()?;
    let outcome = if entry.cleared_by_confirmation() {
        "not confirmed"
    } else {
        "confirmed"
    };
    Some(match evidence {
        Confirmation::Paired {
            base_commit,
            rounds,
            change,
            p_value,
            ..
        } => format!(
            "{outcome} by a paired A/B run of {} against this code: {}, p = {p_value:.3}, {rounds} rounds",
            short_commit(base_commit),
            format_relative(*change),
        ),
        Confirmation::Remeasured {
            verdict, change, ..
        } => format!(
            "{outcome} by a second measurement: {}{}",
            verdict.label(),
            change
                .map(|c| format!(" ({})", format_relative(c)))
                .unwrap_or_default()
        ),
        Confirmation::Placement {
            baseline_allocator_ir,
            current_allocator_ir,
            baseline_string_ir,
            current_string_ir,
        } => {
            let strings = if baseline_string_ir == current_string_ir {
                String::new()
            } else {
                format!(
                    ", the string routines {baseline_string_ir} → {current_string_ir} (within one loop trip per call, as their buffers' alignment decides)"
                )
            };
            format!(
                "{outcome}: not a code change, both sides ran the same instructions outside the heap allocator and the C string routines; the allocator ran {baseline_allocator_ir} → {current_allocator_ir} instructions{strings} and the cache simulation saw different addresses"
            )
        }
    })
}

fn short_commit(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

/// Sentences about the comparison's confirmations: which flagged
/// regressions were not confirmed (and so do not count), which were.
pub fn confirmation_lines(comparison: &Comparison) -> Vec<String> {
    let describe = |entry: &Entry| {
        format_confirmation(entry)
            .map(|text| format!("{} ({text})", entry.key()))
            .unwrap_or_else(|| entry.key())
    };
    let cleared: Vec<String> = comparison.cleared().map(describe).collect();
    let upheld: Vec<String> = comparison
        .entries
        .iter()
        .filter(|e| e.confirmation.is_some() && !e.cleared_by_confirmation())
        .map(describe)
        .collect();
    let mut lines = Vec::new();
    if !cleared.is_empty() {
        lines.push(format!(
            "Not confirmed, so not counted: {}.",
            cleared.join("; ")
        ));
    }
    if !upheld.is_empty() {
        lines.push(format!("Confirmed: {}.", upheld.join("; ")));
    }
    lines
}

/// A note in words.
pub fn note_text(note: &Note) -> String {
    match note {
        Note::PortableOnly {
            baseline_machine,
            current_machine,
        } => format!(
            "Wall times not compared: the baseline was measured on `{baseline_machine}`, this run on `{current_machine}`. Only machine-independent metrics (instruction counts and metrics marked portable) are judged. Use `benchgate ab` to compare wall times on one machine."
        ),
        Note::PairedRounds { rounds, fewest } => {
            let how_many = if fewest < rounds {
                format!(
                    "{fewest} to {rounds} interleaved rounds of base and head (a suite adds no round once its time budget is spent; an entry's rounds are its sample count)"
                )
            } else {
                format!("{rounds} interleaved rounds of base and head")
            };
            format!(
                "Paired A/B: {how_many} on this machine; each benchmark's change is the Hodges–Lehmann estimate of its per-round ratios, tested with Wilcoxon's signed-rank test."
            )
        }
        Note::LearnedThresholds {
            benchmarks,
            versions,
        } => format!(
            "Time thresholds of {benchmarks} benchmarks learned from {versions} committed versions of the baseline (Q3 + 3·IQR of their past changes)."
        ),
        Note::StoredThresholds { benchmarks } => format!(
            "Time thresholds of {benchmarks} benchmarks learned from the history store (Q3 + 3·IQR of the changes between their last {MAX_HISTORY_VERSIONS} runs on this machine; a benchmark needs {MIN_RUNS_FOR_LEARNED_THRESHOLD} runs)."
        ),
    }
}

/// Every note of the comparison in words: its typed notes, then its
/// confirmations.
pub fn note_lines(comparison: &Comparison) -> Vec<String> {
    comparison
        .notes
        .iter()
        .map(note_text)
        .chain(confirmation_lines(comparison))
        .collect()
}

/// The decision rule in one sentence, written from the constants.
pub fn rule_sentence(alpha: f64) -> String {
    format!(
        "Times compare the {} quantile of per-iteration samples (interference only slows). A change fails the gate when the Mann–Whitney U test gives p < {alpha} after adjustment for the number of tests and its whole {} bootstrap interval lies beyond the threshold. Custom metrics are judged the same way on their median, in their own direction.",
        percent(crate::stats::TYPICAL_QUANTILE),
        percent(CONFIDENCE_LEVEL),
    )
}

/// The change column's header, e.g. `change [95 % CI]`.
pub fn change_header() -> String {
    format!("change [{} CI]", percent(CONFIDENCE_LEVEL))
}

/// What is compared: `time` or the metric name.
pub fn format_quantity(entry: &Entry) -> String {
    match &entry.metric {
        None => "time".to_owned(),
        Some(name) => {
            let arrow = match entry.direction {
                crate::run::Direction::LowerIsBetter => "↓",
                crate::run::Direction::HigherIsBetter => "↑",
            };
            format!("{name} ({arrow} better)")
        }
    }
}

/// `text` safe to print on a terminal: control characters (escape
/// sequences, carriage returns, backspaces) shown as `\u{1b}` and the like
/// instead of being obeyed, so an id cannot clear the screen or overwrite
/// a FAIL line with PASS. Newlines too: one id is one line.
pub fn printable(text: &str) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Where rows of a verdict go when a table is sorted for reading:
/// regressions first, then improvements, missing and new benchmarks,
/// unchanged last.
pub fn verdict_rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Regressed => 0,
        Verdict::Improved => 1,
        Verdict::Missing => 2,
        Verdict::New => 3,
        Verdict::Unchanged => 4,
    }
}

/// One-line overall outcome.
pub fn headline(comparison: &Comparison) -> String {
    let failures: Vec<String> = comparison.failures().map(|e| printable(&e.key())).collect();
    let counts = format!(
        "{} regressed, {} improved, {} unchanged, {} new, {} missing",
        comparison.count(Verdict::Regressed),
        comparison.count(Verdict::Improved),
        comparison.count(Verdict::Unchanged),
        comparison.count(Verdict::New),
        comparison.count(Verdict::Missing),
    );
    if failures.is_empty() {
        format!("PASS: no regression ({counts})")
    } else {
        format!("FAIL: {} ({counts})", failures.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_cut_check_says_how_few_rounds_some_suites_ran() {
        let cut = note_text(&Note::PairedRounds {
            rounds: 10,
            fewest: 6,
        });
        assert!(cut.contains("6 to 10 interleaved rounds"), "{cut}");
        let whole = note_text(&Note::PairedRounds {
            rounds: 10,
            fewest: 10,
        });
        assert!(
            whole.starts_with("Paired A/B: 10 interleaved rounds of base and head on"),
            "{whole}"
        );
    }
}

//! GitHub-flavoured Markdown summary (`reports/summary.md`), written for
//! `$GITHUB_STEP_SUMMARY`: the verdict line first, then the regressions
//! with their change, interval and evidence, then the improvements, and
//! every other entry folded per suite, so that the page reads at a glance
//! and stays small (GitHub shows at most 1 MiB of summaries per job).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{
    change_header, format_change, format_evidence, format_quantity, format_value, headline,
    note_lines, rule_sentence,
};
use crate::compare::{Comparison, Entry, Verdict};
use crate::machine::Machine;

/// Render `comparison` as a Markdown document.
pub fn render(comparison: &Comparison) -> String {
    render_with_suites(comparison, "")
}

/// Render `comparison`, with `suites` (Markdown: which suites ran and
/// which were skipped, and why) after the changes and before the folded
/// rest, where a reader still sees it without scrolling past every row.
pub fn render_with_suites(comparison: &Comparison, suites: &str) -> String {
    let mut out = String::new();
    let icon = if comparison.passed() { "✅" } else { "❌" };
    let _ = writeln!(
        out,
        "## {icon} benchgate: {}\n",
        escape(&headline(comparison))
    );
    let _ = writeln!(
        out,
        "Baseline `{}` ({}, {}) vs current `{}` ({}, {}) on `{}`: {}.\n",
        comparison.baseline.short_commit(),
        escape(&comparison.baseline.created_at),
        comparison.baseline.profile,
        comparison.current.short_commit(),
        escape(&comparison.current.created_at),
        comparison.current.profile,
        escape(&comparison.current.machine_id),
        escape(&comparison.current.machine),
    );
    let failures: Vec<&Entry> = comparison.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "### Regressions ({})\n", failures.len());
        changes_table(&mut out, &failures);
    }
    let improvements: Vec<&Entry> = comparison
        .entries
        .iter()
        .filter(|e| e.verdict == Verdict::Improved)
        .collect();
    if !improvements.is_empty() {
        let _ = writeln!(out, "### Improvements ({})\n", improvements.len());
        changes_table(&mut out, &improvements);
    }
    for note in note_lines(comparison) {
        let _ = writeln!(out, "> **Note:** {}\n", escape(&note));
    }
    out.push_str(suites);
    out.push_str(&super::noise::render_ungateable(comparison));
    folded_per_suite(&mut out, comparison);
    let _ = writeln!(
        out,
        "<sub>{}</sub>",
        escape(&rule_sentence(comparison.alpha))
    );
    out
}

/// The rows of changed entries, with everything that decided them.
fn changes_table(out: &mut String, entries: &[&Entry]) {
    let _ = writeln!(
        out,
        "| benchmark | measure | baseline | current | {} | threshold | evidence |\n|---|---|--:|--:|--:|--:|---|",
        change_header()
    );
    for entry in entries {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            escape(&format!("{}/{}", entry.suite, entry.benchmark)),
            escape(&format_quantity(entry)),
            escape(&format_value(entry.baseline, &entry.unit)),
            escape(&format_value(entry.current, &entry.unit)),
            escape(&format_change(entry)),
            crate::format::threshold(entry.threshold),
            escape(&format_evidence(entry)),
        );
    }
    out.push('\n');
}

/// The icon a folded row carries: the rows are read by scanning.
fn verdict_icon(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Regressed => "🔴",
        Verdict::Improved => "🟢",
        // Most rows: left blank, so the others stand out.
        Verdict::Unchanged => "",
        Verdict::New => "🆕",
        Verdict::Missing => "⚠️",
    }
}

/// Every entry, one `<details>` per suite, with the counts in its title,
/// and one row per benchmark: its time, then its other measures on the
/// same line. Rows are short (no suite prefix, no baseline value, no
/// interval, no evidence): the changed ones are shown in full above, the
/// report has everything. A row per measure made the summary of this
/// workspace's 97 benchmarks and 370 measures 22.8 KB, over GitHub's
/// comfortable size for a job summary (the 20 KB).
fn folded_per_suite(out: &mut String, comparison: &Comparison) {
    let mut suites: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for entry in &comparison.entries {
        suites.entry(&entry.suite).or_default().push(entry);
    }
    if suites.is_empty() {
        return;
    }
    let _ = writeln!(out, "### All results\n");
    for (suite, entries) in suites {
        let mut counts: BTreeMap<Verdict, usize> = BTreeMap::new();
        for entry in &entries {
            *counts.entry(entry.verdict).or_default() += 1;
        }
        let counted: Vec<String> = counts
            .iter()
            .map(|(verdict, n)| format!("{n} {}", verdict.label()))
            .collect();
        let _ = writeln!(
            out,
            "<details><summary><b>{}</b>: {}</summary>\n\n| benchmark | time | change | other measures |\n|---|--:|--:|---|",
            escape(suite),
            counted.join(", ")
        );
        // A benchmark's measures together, in id order; the benchmarks
        // with a changed measure first.
        let mut benchmarks: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
        for entry in entries {
            benchmarks.entry(&entry.benchmark).or_default().push(entry);
        }
        let mut rows: Vec<(&str, Vec<&Entry>)> = benchmarks.into_iter().collect();
        rows.sort_by_key(|(_, measures)| {
            measures
                .iter()
                .map(|e| super::verdict_rank(e.verdict))
                .min()
        });
        for (benchmark, measures) in rows {
            let (times, others): (Vec<&Entry>, Vec<&Entry>) =
                measures.into_iter().partition(|e| e.metric.is_none());
            let (time, change) = match times.first() {
                Some(time) => (value_of(time), marked_change(time)),
                None => ("—".to_owned(), String::new()),
            };
            let others: Vec<String> = others
                .iter()
                .map(|e| {
                    format!(
                        "{} {} ({})",
                        escape(e.metric.as_deref().unwrap_or_default()),
                        value_of(e),
                        marked_change(e)
                    )
                })
                .collect();
            let _ = writeln!(
                out,
                "| {} | {time} | {change} | {} |",
                escape(benchmark),
                others.join(" · ")
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
}

/// The current value in its unit (a time in its readable one).
fn value_of(entry: &Entry) -> String {
    escape(&format_value(entry.current, &entry.unit))
}

/// The change, after the verdict's mark where it is not "unchanged".
fn marked_change(entry: &Entry) -> String {
    let change = entry
        .change
        .map_or_else(|| "—".to_owned(), |c| crate::format::change(c.point));
    match verdict_icon(entry.verdict) {
        "" => change,
        icon => format!("{icon} {change}"),
    }
}

/// What a gate run that found no baseline to compare with did: it recorded
/// one (`shown` is the baseline file as people should read its path).
#[derive(Debug, Clone, Copy)]
pub struct RecordedBaseline<'a> {
    pub name: &'a str,
    pub machine: &'a Machine,
    pub shown: &'a str,
    pub benchmarks: usize,
    pub metrics: usize,
}

/// The summary of a gate run that recorded a new baseline.
pub fn render_recorded(recorded: &RecordedBaseline<'_>) -> String {
    format!(
        "## ⚪ benchgate: baseline recorded, nothing compared\n\nNo `{}` baseline existed for machine `{}` ({}). This run was recorded as `{}` with {} benchmarks and {} metrics; later runs on this machine are gated against it. Wall times of this run were not judged: this is not a pass.\n",
        escape(recorded.name),
        escape(&recorded.machine.id),
        escape(&recorded.machine.describe()),
        escape(recorded.shown),
        recorded.benchmarks,
        recorded.metrics,
    )
}

/// Benchmark ids are user text: keep them from breaking the table or
/// injecting markup. `_` stays as is: GitHub does not emphasise inside
/// words, and ids like `summary_one_shot` stay greppable.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_table_breaking_and_markup_characters() {
        assert_eq!(escape("a|b<script>*x*"), "a\\|b\\<script\\>\\*x\\*");
        assert_eq!(escape("two\nlines"), "two lines");
    }
}

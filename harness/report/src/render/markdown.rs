//! GitHub-flavoured Markdown summary (`reports/summary.md`), written for
//! `$GITHUB_STEP_SUMMARY` and pull-request comments.

use std::fmt::Write;

use super::{
    change_header, format_change, format_evidence, format_quantity, format_value, headline,
    note_lines, rule_sentence,
};
use crate::compare::{Comparison, Verdict};
use crate::machine::Machine;

/// Render `comparison` as a Markdown document.
pub fn render(comparison: &Comparison) -> String {
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
    let _ = writeln!(out, "{}\n", escape(&rule_sentence(comparison.alpha)));
    for note in note_lines(comparison) {
        let _ = writeln!(out, "> **Note:** {}\n", escape(&note));
    }
    let failures: Vec<_> = comparison.failures().collect();
    if !failures.is_empty() {
        let _ = writeln!(out, "### Regressions\n");
        for entry in failures {
            let _ = writeln!(
                out,
                "- **{}** ({}): {} → {}, {}",
                escape(&format!("{}/{}", entry.suite, entry.benchmark)),
                escape(&format_quantity(entry)),
                escape(&format_value(entry.baseline, &entry.unit)),
                escape(&format_value(entry.current, &entry.unit)),
                escape(&format_change(entry)),
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "| benchmark | measure | baseline | current | {} | evidence | threshold | verdict |\n|---|---|--:|--:|--:|---|--:|---|",
        change_header()
    );
    // Regressions first: a reviewer reads the top of the table.
    let mut entries: Vec<_> = comparison.entries.iter().collect();
    entries.sort_by_key(|e| super::verdict_rank(e.verdict));
    for entry in entries {
        let verdict = match entry.verdict {
            Verdict::Regressed => "🔴 regressed",
            Verdict::Improved => "🟢 improved",
            Verdict::Unchanged => "⚪ unchanged",
            Verdict::New => "🆕 new",
            Verdict::Missing => "⚠️ missing",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {verdict} |",
            escape(&format!("{}/{}", entry.suite, entry.benchmark)),
            escape(&format_quantity(entry)),
            escape(&format_value(entry.baseline, &entry.unit)),
            escape(&format_value(entry.current, &entry.unit)),
            escape(&format_change(entry)),
            escape(&format_evidence(entry)),
            crate::format::threshold(entry.threshold),
        );
    }
    out.push('\n');
    out.push_str(&super::noise::render_ungateable(comparison));
    out
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

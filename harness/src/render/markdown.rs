//! GitHub-flavoured Markdown summary (`reports/summary.md`), written for
//! `$GITHUB_STEP_SUMMARY` and pull-request comments.

use std::fmt::Write;

use super::{format_change, format_evidence, format_quantity, format_value, headline};
use crate::compare::{Comparison, Verdict};

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
        escape(&comparison.baseline.profile),
        comparison.current.short_commit(),
        escape(&comparison.current.created_at),
        escape(&comparison.current.profile),
        escape(&comparison.current.machine_id),
        escape(&comparison.current.machine),
    );
    let _ = writeln!(
        out,
        "Times compare the {} % quantile of per-iteration samples (interference only slows). A change fails the gate when the Mann–Whitney U test gives p < {} (adjusted for the number of tests) and its whole 95 % bootstrap interval is beyond the threshold.\n",
        crate::stats::TYPICAL_QUANTILE * 100.0,
        comparison.alpha
    );
    for note in &comparison.notes {
        let _ = writeln!(out, "> **Note:** {}\n", escape(note));
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
        "| benchmark | measure | baseline | current | change [95 % CI] | evidence | threshold | verdict |\n|---|---|--:|--:|--:|---|--:|---|"
    );
    for entry in &comparison.entries {
        let verdict = match entry.verdict {
            Verdict::Regressed => "🔴 regressed",
            Verdict::Improved => "🟢 improved",
            Verdict::Unchanged => "⚪ unchanged",
            Verdict::New => "🆕 new",
            Verdict::Missing => "⚠️ missing",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | ±{:.1} % | {verdict} |",
            escape(&format!("{}/{}", entry.suite, entry.benchmark)),
            escape(&format_quantity(entry)),
            escape(&format_value(entry.baseline, &entry.unit)),
            escape(&format_value(entry.current, &entry.unit)),
            escape(&format_change(entry)),
            escape(&format_evidence(entry)),
            entry.threshold * 100.0,
        );
    }
    out
}

/// Benchmark ids are user text: keep them from breaking the table or
/// injecting markup. `_` stays as is: GitHub does not emphasise inside
/// words, and ids like `summary_one_shot` stay greppable.
fn escape(text: &str) -> String {
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

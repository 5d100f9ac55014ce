//! The pull-request comment (`comment.md`): the verdict, the regressions
//! with their change and interval, and a link to the run, under a hidden
//! marker by which the commenting workflow finds and updates its one
//! comment instead of adding another on every push.

use std::fmt::Write;

use super::markdown::escape;
use super::{format_change, format_quantity, headline};
use crate::compare::{Comparison, Entry, Verdict};
use crate::select::Selection;

/// The first line of every comment benchgate writes; the commenting
/// workflow updates the comment that holds it.
pub const COMMENT_MARKER: &str = "<!-- benchgate -->";

/// Rows listed per kind of change; a comment is read on the pull request's
/// page, and the run's summary lists everything.
pub const MAX_COMMENT_ROWS: usize = 15;

/// What a comment is written from.
#[derive(Debug, Clone, Copy)]
pub struct CommentInput<'a> {
    /// `None` when the change selected no suite.
    pub comparison: Option<&'a Comparison>,
    pub selection: &'a Selection,
    /// The workflow run that measured, when known.
    pub run_url: Option<&'a str>,
}

/// The comment's Markdown, starting with [`COMMENT_MARKER`].
pub fn render_comment(input: &CommentInput<'_>) -> String {
    let mut out = format!("{COMMENT_MARKER}\n");
    match input.comparison {
        None => {
            let _ = writeln!(
                out,
                "### ✅ benchgate: no suite can be affected by this change; nothing measured\n"
            );
        }
        Some(comparison) => {
            let icon = if comparison.passed() { "✅" } else { "❌" };
            let _ = writeln!(
                out,
                "### {icon} benchgate: {}\n",
                escape(&headline(comparison))
            );
            let _ = writeln!(
                out,
                "Base `{}` vs head `{}`, measured side by side on one runner.\n",
                comparison.baseline.short_commit(),
                comparison.current.short_commit()
            );
            let failures: Vec<&Entry> = comparison.failures().collect();
            rows(&mut out, "Regressions", &failures);
            let improvements: Vec<&Entry> = comparison
                .entries
                .iter()
                .filter(|e| e.verdict == Verdict::Improved)
                .collect();
            rows(&mut out, "Improvements", &improvements);
            let cleared = comparison.cleared().count();
            if cleared > 0 {
                let _ = writeln!(
                    out,
                    "{cleared} flagged change(s) were not confirmed and do not count.\n"
                );
            }
        }
    }
    let ran: Vec<String> = input
        .selection
        .selected
        .iter()
        .map(|c| escape(&c.suite))
        .collect();
    let skipped: Vec<String> = input
        .selection
        .skipped
        .iter()
        .map(|c| escape(&c.suite))
        .collect();
    let _ = write!(
        out,
        "Suites run: {}",
        if ran.is_empty() {
            "none".to_owned()
        } else {
            ran.join(", ")
        }
    );
    if !skipped.is_empty() {
        let _ = write!(
            out,
            "; skipped (nothing they are built from changed): {}",
            skipped.join(", ")
        );
    }
    out.push_str(".\n");
    if let Some(url) = input.run_url {
        let _ = writeln!(
            out,
            "\n[Job summary, report and every result]({url}) (the `benchgate` artifact holds the HTML report)."
        );
    }
    out
}

/// A heading and a table of at most [`MAX_COMMENT_ROWS`] entries.
fn rows(out: &mut String, title: &str, entries: &[&Entry]) {
    if entries.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "**{title} ({})**\n\n| benchmark | measure | {} |\n|---|---|--:|",
        entries.len(),
        super::change_header()
    );
    for entry in entries.iter().take(MAX_COMMENT_ROWS) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            escape(&format!("{}/{}", entry.suite, entry.benchmark)),
            escape(&format_quantity(entry)),
            escape(&format_change(entry)),
        );
    }
    if entries.len() > MAX_COMMENT_ROWS {
        let _ = writeln!(
            out,
            "\n… and {} more in the run's summary.",
            entries.len() - MAX_COMMENT_ROWS
        );
    }
    out.push('\n');
}

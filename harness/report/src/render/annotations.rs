//! GitHub Actions workflow commands (`::error` / `::warning`) for a
//! verdict: one error per regression and one warning per flagged-but-
//! unconfirmed regression, per entry that cannot be gated at its
//! threshold, per missing benchmark and per skipped suite, each pointing
//! at the bench source line that defines the benchmark, so that they show
//! in the pull request's diff view.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{format_change, format_evidence, format_quantity, format_value};
use crate::compare::{Comparison, Entry, Verdict};
use crate::select::Selection;
use crate::source::SourceLocation;

/// What the annotations are written from.
#[derive(Debug, Clone, Copy)]
pub struct AnnotationInput<'a> {
    pub comparison: Option<&'a Comparison>,
    pub selection: Option<&'a Selection>,
    /// Where each `(suite, benchmark id)` is defined.
    pub locations: &'a BTreeMap<(String, String), SourceLocation>,
    /// Each suite's manifest (`Cargo.toml`), relative to the repository
    /// root: where a skipped suite's warning points.
    pub manifests: &'a BTreeMap<String, String>,
}

/// A workflow command's message: `%`, CR and LF escaped as the runner
/// reads them, so that text from a run can never start a command of its
/// own on a new line.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value: as [`escape_data`], and `:` and
/// `,`, which end a property.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(
    out: &mut String,
    level: &str,
    location: Option<&SourceLocation>,
    title: &str,
    message: &str,
) {
    let mut properties = Vec::new();
    if let Some(location) = location {
        properties.push(format!("file={}", escape_property(&location.file)));
        if let Some(line) = location.line {
            properties.push(format!("line={line}"));
        }
    }
    properties.push(format!("title={}", escape_property(title)));
    let _ = writeln!(
        out,
        "::{level} {}::{}",
        properties.join(","),
        escape_data(message)
    );
}

fn describe(entry: &Entry) -> String {
    format!(
        "{} of {}: {} → {}, {} (threshold {}; {})",
        format_quantity(entry),
        entry.key(),
        format_value(entry.baseline, &entry.unit),
        format_value(entry.current, &entry.unit),
        format_change(entry),
        crate::format::threshold(entry.threshold),
        format_evidence(entry)
    )
}

/// The workflow commands for `input`, one per line, errors first.
pub fn render_annotations(input: &AnnotationInput<'_>) -> String {
    let mut out = String::new();
    let location = |entry: &Entry| {
        input
            .locations
            .get(&(entry.suite.clone(), entry.benchmark.clone()))
    };
    if let Some(comparison) = input.comparison {
        for entry in comparison.failures() {
            command(
                &mut out,
                "error",
                location(entry),
                &format!("benchgate: {} {}", entry.key(), entry.verdict.label()),
                &describe(entry),
            );
        }
        for entry in comparison.cleared() {
            command(
                &mut out,
                "warning",
                location(entry),
                &format!("benchgate: {} flagged, not confirmed", entry.key()),
                &format!("{}; not counted", describe(entry)),
            );
        }
        for entry in &comparison.entries {
            if entry.verdict == Verdict::Missing && !comparison.fail_on_missing {
                command(
                    &mut out,
                    "warning",
                    location(entry),
                    &format!("benchgate: {} missing", entry.key()),
                    &format!(
                        "{} was measured on the base but not on the head",
                        entry.key()
                    ),
                );
            }
            if let Some(noise) = entry.noise.as_ref().filter(|_| !entry.gateable()) {
                command(
                    &mut out,
                    "warning",
                    location(entry),
                    &format!("benchgate: {} cannot be gated", entry.key()),
                    &format!(
                        "{}: at this run's noise only changes beyond {:.1} % were detectable (threshold {:.1} %){}; judged at {:.1} %",
                        entry.key(),
                        noise.detectable_change * 100.0,
                        entry.threshold * 100.0,
                        noise.modes.as_ref().map_or_else(String::new, |m| format!(
                            "; its processes ran in {} speed modes",
                            m.len()
                        )),
                        entry.decision_threshold() * 100.0,
                    ),
                );
            }
        }
    }
    for choice in input.selection.map_or(&[][..], |s| &s.skipped) {
        let manifest = input
            .manifests
            .get(&choice.suite)
            .map(|file| SourceLocation {
                file: file.clone(),
                line: None,
            });
        command(
            &mut out,
            "warning",
            manifest.as_ref(),
            &format!("benchgate: suite {} skipped", choice.suite),
            &format!(
                "suite `{}` was not measured: {}",
                choice.suite,
                choice.reason.describe()
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_from_a_run_cannot_start_a_command() {
        assert_eq!(escape_data("50%\n::error::x"), "50%25%0A::error::x");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}

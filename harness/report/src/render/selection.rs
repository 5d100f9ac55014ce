//! Which suites a pull-request check ran and skipped, and why, for the
//! summary: a change that skips a suite must say so, not stay silent.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::markdown::escape;
use crate::select::Selection;

/// The Markdown section listing the selected suites (with the seconds each
/// took, where known) and the skipped ones, each with its reason.
pub fn render_selection(selection: &Selection, seconds: &BTreeMap<String, f64>) -> String {
    let mut out = String::from("### Suites\n\n");
    if selection.selected.is_empty() {
        let _ = writeln!(
            out,
            "No suite can be affected by this change: nothing was measured.\n"
        );
    }
    for choice in &selection.selected {
        let took = seconds
            .get(&choice.suite)
            .map(|s| format!(", {s:.0} s of measurement"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{}** ran: {}{took}",
            escape(&choice.suite),
            escape(&choice.reason.describe())
        );
    }
    for choice in &selection.skipped {
        let _ = writeln!(
            out,
            "- {} skipped: {}",
            escape(&choice.suite),
            escape(&choice.reason.describe())
        );
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::select::{Reason, SuiteChoice};

    #[test]
    fn skipped_suites_are_named_with_their_reason() {
        let selection = Selection {
            selected: vec![SuiteChoice {
                suite: "spiking".into(),
                reason: Reason::OwnChange {
                    path: "benches/spiking/src/lif.rs".into(),
                },
            }],
            skipped: vec![SuiteChoice {
                suite: "stats".into(),
                reason: Reason::Unaffected,
            }],
        };
        let text = render_selection(&selection, &BTreeMap::from([("spiking".into(), 42.0)]));
        assert!(
            text.contains("**spiking** ran: its own file benches/spiking/src/lif.rs changed, 42 s")
        );
        assert!(text.contains("- stats skipped: no file of the suite"));
    }
}

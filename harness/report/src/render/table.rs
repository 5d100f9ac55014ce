//! The terminal table printed by `compare` and `gate`.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};

use super::{
    change_header, format_change, format_evidence, format_quantity, format_value, headline,
    note_lines, printable,
};
use crate::compare::{Comparison, Verdict};

/// Render `comparison` as a table plus a headline, for a terminal.
pub fn render(comparison: &Comparison, color: bool) -> String {
    let change = change_header();
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            "benchmark",
            "measure",
            "baseline",
            "current",
            change.as_str(),
            "evidence",
            "threshold",
            "verdict",
        ]);
    if !color {
        table.force_no_tty();
    }
    for entry in &comparison.entries {
        let mut verdict = Cell::new(entry.verdict.label());
        if color {
            verdict = verdict.fg(match entry.verdict {
                Verdict::Regressed => Color::Red,
                Verdict::Improved => Color::Green,
                Verdict::New | Verdict::Missing => Color::Yellow,
                Verdict::Unchanged => Color::Reset,
            });
        }
        table.add_row(vec![
            Cell::new(printable(&format!("{}/{}", entry.suite, entry.benchmark))),
            Cell::new(printable(&format_quantity(entry))),
            Cell::new(printable(&format_value(entry.baseline, &entry.unit)))
                .set_alignment(CellAlignment::Right),
            Cell::new(printable(&format_value(entry.current, &entry.unit)))
                .set_alignment(CellAlignment::Right),
            Cell::new(format_change(entry)).set_alignment(CellAlignment::Right),
            Cell::new(printable(&format_evidence(entry))),
            Cell::new(format!("±{:.1} %", entry.threshold * 100.0))
                .set_alignment(CellAlignment::Right),
            verdict,
        ]);
    }
    let notes: String = note_lines(comparison)
        .iter()
        .map(|n| format!("note: {}\n", printable(n)))
        .collect();
    format!(
        "baseline: {} on {} ({})\ncurrent:  {} on {} ({})\n{notes}{table}\n{}\n",
        comparison.baseline.short_commit(),
        printable(&comparison.baseline.machine_id),
        comparison.baseline.profile,
        comparison.current.short_commit(),
        printable(&comparison.current.machine_id),
        comparison.current.profile,
        headline(comparison)
    )
}

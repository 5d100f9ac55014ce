//! The terminal table printed by `compare`, `gate` and `ab`: as wide as
//! the terminal, regressions first, ids wrapped between their `/`-parts.

use std::io::IsTerminal;

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table};

use super::{
    change_header, format_change, format_evidence, format_quantity, format_value, headline,
    note_lines, printable, verdict_rank,
};
use crate::compare::{Comparison, Entry, Verdict};

/// Width assumed when output goes to a pipe or file and `COLUMNS` is not
/// set: what a code review or CI log shows without wrapping.
pub const DEFAULT_WIDTH: u16 = 100;
/// Narrowest width honoured: below it even the stacked layout (one block
/// per entry, used when the table's columns cannot fit) wraps every word.
pub const MIN_WIDTH: u16 = 30;

/// How the table is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableOptions {
    /// Total width in characters.
    pub width: u16,
    /// ANSI colours for verdicts.
    pub color: bool,
    /// Leave unchanged entries out (they are counted below the table).
    pub only_changed: bool,
}

impl TableOptions {
    /// Options for standard output: the terminal's width, else `COLUMNS`,
    /// else [`DEFAULT_WIDTH`].
    pub fn for_stdout(color: bool, only_changed: bool) -> Self {
        let terminal = std::io::stdout()
            .is_terminal()
            .then(|| Table::new().width())
            .flatten();
        let columns = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.trim().parse::<u16>().ok());
        Self {
            width: terminal.or(columns).unwrap_or(DEFAULT_WIDTH),
            color,
            only_changed,
        }
    }
}

/// `id` broken into lines of at most `width` characters after a `/`
/// where it can be; a part longer than a line is broken inside.
pub fn wrap_id(id: &str, width: usize) -> String {
    let width = width.max(1);
    let mut lines: Vec<String> = vec![String::new()];
    for part in id.split_inclusive('/') {
        let line = lines.last_mut().expect("one line at least");
        if line.chars().count() + part.chars().count() <= width {
            line.push_str(part);
            continue;
        }
        let mut rest: Vec<char> = part.chars().collect();
        if !line.is_empty() {
            lines.push(String::new());
        }
        while rest.len() > width {
            let tail = rest.split_off(width);
            lines.last_mut().expect("a line").extend(rest);
            lines.push(String::new());
            rest = tail;
        }
        lines.last_mut().expect("a line").extend(rest);
    }
    lines.join("\n")
}

/// Columns of the table; the benchmark, measure and evidence columns
/// wrap, the numeric ones keep their natural width.
const HEADERS: [&str; 8] = [
    "benchmark",
    "measure",
    "baseline",
    "current",
    "change",
    "evidence",
    "threshold",
    "verdict",
];
const BENCHMARK: usize = 0;
const MEASURE: usize = 1;
const BASELINE: usize = 2;
const CURRENT: usize = 3;
const CHANGE: usize = 4;
const EVIDENCE: usize = 5;
const THRESHOLD: usize = 6;
const VERDICT: usize = 7;
/// Narrowest width of each column (content, without padding) before it
/// would wrap inside most of its words; columns not listed never wrap.
const MIN_WIDTHS: [(usize, usize); 6] = [
    (BENCHMARK, 16),
    (MEASURE, 10),
    (BASELINE, 8),
    (CURRENT, 8),
    (CHANGE, 8),
    (EVIDENCE, 14),
];
/// Widest baseline and current columns: a value with a long unit
/// ("12345678 instructions") wraps at its space instead.
const MAX_VALUE_WIDTH: usize = 12;
/// Columns left out, in this order, while the table is wider than the
/// terminal: the Markdown summary and the HTML page keep them.
const DROPPED_FIRST: [usize; 2] = [EVIDENCE, THRESHOLD];
/// Who gets the width left over after every column has its minimum, and
/// up to how much (`None`: its natural width): the change whole, ids and
/// measure names to a comfortable width, then the rest.
const GROWS_FIRST: [(usize, Option<usize>); 8] = [
    (CHANGE, None),
    (BENCHMARK, Some(28)),
    (MEASURE, Some(16)),
    (BASELINE, None),
    (CURRENT, None),
    (MEASURE, None),
    (BENCHMARK, None),
    (EVIDENCE, None),
];

fn chars(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

/// Widths (without padding) of the columns kept, as `(column, width)`:
/// each column at least its minimum, the rest of `width` handed out in
/// [`GROWS_FIRST`] order up to each column's natural width; columns are
/// dropped in [`DROPPED_FIRST`] order while the minimums do not fit.
fn column_widths(rows: &[[String; 8]], headers: &[String; 8], width: usize) -> Vec<(usize, usize)> {
    let natural: Vec<usize> = (0..HEADERS.len())
        .map(|c| {
            let header = headers[c]
                .split_whitespace()
                .map(|w| w.chars().count())
                .max()
                .unwrap_or(0);
            let widest = rows.iter().map(|r| chars(&r[c])).fold(header, usize::max);
            if c == BASELINE || c == CURRENT {
                widest.min(MAX_VALUE_WIDTH)
            } else {
                widest
            }
        })
        .collect();
    let min = |c: usize| {
        MIN_WIDTHS
            .iter()
            .find(|(column, _)| *column == c)
            .map_or(natural[c], |(_, m)| (*m).min(natural[c]))
    };
    // One border per column plus one, and one space of padding each side.
    let chrome = |n: usize| n + 1 + 2 * n;
    let mut columns: Vec<usize> = (0..HEADERS.len()).collect();
    // Ids and measure names read badly at their minimum: a column is
    // dropped unless they can have a comfortable width beside it.
    let comfortable = |c: usize| match c {
        BENCHMARK => natural[c].min(28),
        MEASURE => natural[c].min(18),
        _ => min(c),
    };
    for dropped in DROPPED_FIRST {
        let needed: usize =
            columns.iter().map(|&c| comfortable(c)).sum::<usize>() + chrome(columns.len());
        if needed <= width {
            break;
        }
        columns.retain(|&c| c != dropped);
    }
    let mut widths: Vec<usize> = columns.iter().map(|&c| min(c)).collect();
    let mut left = width.saturating_sub(widths.iter().sum::<usize>() + chrome(columns.len()));
    for (grower, cap) in GROWS_FIRST {
        if let Some(i) = columns.iter().position(|&c| c == grower) {
            let target = cap.map_or(natural[grower], |cap| cap.min(natural[grower]));
            let more = target.saturating_sub(widths[i]).min(left);
            widths[i] += more;
            left -= more;
        }
    }
    columns.into_iter().zip(widths).collect()
}

/// `text` broken into lines of at most `width` characters at spaces; a
/// word longer than a line is broken inside.
pub fn wrap_words(text: &str, width: usize) -> String {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    // Only plain spaces break: a no-break space keeps a number with its unit.
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let needed = if line.is_empty() { 0 } else { 1 } + word.chars().count();
        if !line.is_empty() && line.chars().count() + needed > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        let mut rest: Vec<char> = word.chars().collect();
        while line.chars().count() + rest.len() > width {
            let room = width - line.chars().count();
            if room == 0 {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            let tail = rest.split_off(room);
            line.extend(rest);
            lines.push(std::mem::take(&mut line));
            rest = tail;
        }
        line.extend(rest);
    }
    lines.push(line);
    lines.join("\n")
}

/// Render `comparison` as a table plus a headline, for a terminal.
pub fn render(comparison: &Comparison, options: &TableOptions) -> String {
    let width = usize::from(options.width.max(MIN_WIDTH));
    let headers: [String; 8] = HEADERS.map(|h| match h {
        "change" => change_header(),
        other => other.to_owned(),
    });
    let mut entries: Vec<&Entry> = comparison
        .entries
        .iter()
        .filter(|e| !(options.only_changed && e.verdict == Verdict::Unchanged))
        .collect();
    entries.sort_by_key(|e| verdict_rank(e.verdict));
    let rows: Vec<[String; 8]> = entries
        .iter()
        .map(|entry| {
            [
                printable(&format!("{}/{}", entry.suite, entry.benchmark)),
                printable(&format_quantity(entry)),
                printable(&format_value(entry.baseline, &entry.unit)).replacen(' ', "\u{a0}", 1),
                printable(&format_value(entry.current, &entry.unit)).replacen(' ', "\u{a0}", 1),
                format_change(entry).replace(" %", "\u{a0}%"),
                printable(&format_evidence(entry)),
                crate::format::threshold(entry.threshold),
                entry.verdict.label().to_owned(),
            ]
        })
        .collect();
    let columns = column_widths(&rows, &headers, width);
    let table_width = columns.iter().map(|&(_, w)| w).sum::<usize>() + 3 * columns.len() + 1;
    let body = if table_width > width {
        stacked(&entries, &rows, width, options.color)
    } else {
        grid(&entries, rows, &headers, &columns, options.color)
    };
    let hidden = comparison.entries.len() - entries.len();
    let hidden_line = if hidden > 0 {
        format!("{hidden} unchanged entries not shown (--only-changed)\n")
    } else {
        String::new()
    };
    let notes: String = note_lines(comparison)
        .iter()
        .map(|n| format!("note: {}\n", printable(n)))
        .collect();
    let table = if entries.is_empty() {
        String::new()
    } else {
        format!("{body}\n")
    };
    format!(
        "baseline: {} on {} ({})\ncurrent:  {} on {} ({})\n{notes}{table}{hidden_line}{}\n",
        comparison.baseline.short_commit(),
        printable(&comparison.baseline.machine_id),
        comparison.baseline.profile,
        comparison.current.short_commit(),
        printable(&comparison.current.machine_id),
        comparison.current.profile,
        headline(comparison)
    )
}

/// One block per entry, for terminals too narrow for the table's columns:
/// the verdict and id on the first line(s), then the measure with baseline
/// → current, the change, and the evidence with the threshold, each
/// wrapped at `width`.
fn stacked(entries: &[&Entry], rows: &[[String; 8]], width: usize, color: bool) -> String {
    let indent = "  ";
    let inner = width.saturating_sub(indent.len()).max(1);
    let mut blocks = Vec::with_capacity(entries.len());
    for (entry, row) in entries.iter().zip(rows) {
        let verdict = row[VERDICT].to_uppercase();
        let verdict = match (color, entry.verdict) {
            (true, Verdict::Regressed) => format!("\x1b[31m{verdict}\x1b[0m"),
            (true, Verdict::Improved) => format!("\x1b[32m{verdict}\x1b[0m"),
            (true, Verdict::New | Verdict::Missing) => format!("\x1b[33m{verdict}\x1b[0m"),
            _ => verdict,
        };
        let plain_len = row[VERDICT].chars().count() + 1 + row[BENCHMARK].chars().count();
        let mut lines = Vec::new();
        if plain_len <= width {
            lines.push(format!("{verdict} {}", row[BENCHMARK]));
        } else {
            lines.push(verdict);
            lines.extend(wrap_id(&row[BENCHMARK], width).lines().map(str::to_owned));
        }
        let body = [
            format!("{}: {} → {}", row[MEASURE], row[BASELINE], row[CURRENT]),
            format!("change {}", row[CHANGE]),
            format!("{}; threshold {}", row[EVIDENCE], row[THRESHOLD]),
        ];
        for part in body {
            let part = part.replace('\u{a0}', " ");
            lines.extend(
                wrap_words(&part, inner)
                    .lines()
                    .map(|l| format!("{indent}{l}")),
            );
        }
        blocks.push(lines.join("\n"));
    }
    blocks.join("\n\n")
}

/// The table proper, its cells wrapped to `columns`' widths.
fn grid(
    entries: &[&Entry],
    rows: Vec<[String; 8]>,
    headers: &[String; 8],
    columns: &[(usize, usize)],
    color: bool,
) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        // Cells arrive wrapped to the widths chosen here.
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(
            columns
                .iter()
                .map(|&(c, w)| wrap_words(&headers[c], w.max(chars(&headers[c]).min(w)))),
        );
    if !color {
        table.force_no_tty();
    }
    for (entry, row) in entries.iter().zip(rows) {
        let cells = columns.iter().map(|&(c, w)| {
            let cell = match c {
                BENCHMARK => Cell::new(wrap_id(&row[c], w)),
                MEASURE | EVIDENCE => Cell::new(wrap_words(&row[c], w)),
                BASELINE | CURRENT | CHANGE => {
                    Cell::new(wrap_words(&row[c], w)).set_alignment(CellAlignment::Right)
                }
                THRESHOLD => Cell::new(&row[c]).set_alignment(CellAlignment::Right),
                _ => Cell::new(&row[c]),
            };
            match (c, color) {
                (VERDICT, true) => cell.fg(match entry.verdict {
                    Verdict::Regressed => Color::Red,
                    Verdict::Improved => Color::Green,
                    Verdict::New | Verdict::Missing => Color::Yellow,
                    Verdict::Unchanged => Color::Reset,
                }),
                _ => cell,
            }
        });
        table.add_row(cells.collect::<Vec<_>>());
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::wrap_id;

    #[test]
    fn ids_wrap_after_slashes() {
        assert_eq!(
            wrap_id("memstore/search_filtered/hnsw/100000", 20),
            "memstore/\nsearch_filtered/\nhnsw/100000"
        );
        assert_eq!(wrap_id("stats/x", 20), "stats/x");
        assert_eq!(wrap_id("abcdefghij/k", 4), "abcd\nefgh\nij/k");
    }
}

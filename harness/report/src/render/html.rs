//! The HTML report page (`reports/index.html`): one self-contained document
//! with inline CSS and no scripts, linking only the charts and exports the
//! report wrote beside it, generated from `maud` templates.
//!
//! Architecture Invariant: every string that comes from a run (benchmark
//! ids, metric names, units, machine and git descriptions) is interpolated
//! by `maud`, which escapes it; `PreEscaped` holds only this module's own
//! constant markup (the style sheet).
//!
//! Layout rule (checked by `harness/tests/report.rs`): the page fits any
//! window of at least [`MIN_WINDOW_PX`] pixels without horizontal
//! scrolling — tables have a fixed layout whose column widths are shares
//! of the content width summing to at most 100 %, every cell may break a
//! long token anywhere, and images scale down to the content width.

use std::collections::BTreeMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{
    change_header, format_change, format_evidence, format_quantity, format_value, note_lines,
    rule_sentence, verdict_rank,
};
use crate::artifact::{ChartFile, ChartKind, file_stem};
use crate::compare::{Comparison, Entry, Verdict};
use crate::format;
use crate::run::{Direction, MetricRecord, Run};
use crate::stats::{CONFIDENCE_LEVEL, TYPICAL_QUANTILE, percent};

/// The `generator` meta tag's content: how `report` recognises a page it
/// may replace.
pub const GENERATOR: &str = "benchgate";

/// The narrowest window the page is laid out for without horizontal
/// scrolling (a laptop browser window; the issue's 1400 px with room).
pub const MIN_WINDOW_PX: u32 = 1000;

/// What the page shows.
#[derive(Debug, Clone, Copy)]
pub struct HtmlPage<'a> {
    pub current: &'a Run,
    pub comparison: Option<&'a Comparison>,
    pub charts: &'a [ChartFile],
    /// Export files beside the page (relative links).
    pub downloads: &'a [String],
    /// Suggested batch sizes by suite, stated beside the speedup charts.
    pub batch_suggestions: &'a BTreeMap<String, benchgate_core::batch_fit::ReportSuggestion>,
}

/// Columns of the comparison tables: header and share of the table's
/// width in percent. One list, so every table of the page (changed rows
/// and folded unchanged rows) lines up.
pub const COMPARISON_COLUMNS: [(&str, u32); 8] = [
    ("benchmark", 24),
    ("measure", 12),
    ("baseline", 8),
    ("current", 8),
    ("change", 15),
    ("threshold", 8),
    ("verdict", 8),
    ("evidence", 17),
];

/// Columns of the table of a run without a comparison.
pub const RUN_COLUMNS: [(&str, u32); 4] = [
    ("benchmark", 45),
    ("measure", 25),
    ("typical value", 15),
    ("samples", 15),
];

pub const STYLE: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1b1b1b;background:#fafafa;overflow-wrap:anywhere}
main{max-width:1320px;margin:0 auto;padding:0 24px 48px}
.banner{padding:16px 24px;color:#fff}
.banner h1{margin:0 0 4px;font-size:1.5rem}
.banner p{margin:2px 0;opacity:.95}
.banner a{color:#fff}
.banner ol{margin:8px 0 0;padding-left:24px;columns:2 560px;column-gap:32px}
.banner li{margin:1px 0;break-inside:avoid}
.pass{background:#2e7d32}.fail{background:#c62828}.recorded{background:#1565c0}
nav{margin:12px 0;font-size:.95rem}
nav a{margin-right:14px;display:inline-block}
h2{margin-top:32px;border-bottom:2px solid #ddd;padding-bottom:4px}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:8px 12px;margin:8px 0}
.rule{color:#555;font-size:.92rem}
table{border-collapse:collapse;table-layout:fixed;width:100%;background:#fff;font-size:.85rem;margin:8px 0}
th,td{border:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f0f0f0}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.v-regressed td{background:#fdecea}tr.v-improved td{background:#e8f5e9}
tr.v-missing td{background:#fff3e0}tr.v-new td{background:#e3f2fd}
tr.v-regressed td.verdict{color:#b71c1c;font-weight:600}tr.v-improved td.verdict{color:#1b5e20;font-weight:600}
tr.v-missing td.verdict{color:#e65100;font-weight:600}
tr:target td{outline:2px solid #1565c0}
figure{margin:12px 0}
figure img{max-width:100%;height:auto;border:1px solid #e0e0e0;background:#fff}
figcaption{color:#555;font-size:.9rem}
details{margin:8px 0}
summary{cursor:pointer;color:#333}
code{overflow-wrap:anywhere}
footer{color:#777;font-size:.85rem;margin-top:40px}
"#;

/// Render the page.
pub fn render(page: &HtmlPage<'_>) -> String {
    let title = match page.comparison {
        Some(c) => page_headline(c),
        None => "Baseline recorded: nothing to compare yet".to_owned(),
    };
    let created = page
        .current
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="generator" content=(GENERATOR);
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "benchgate: " (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (banner(page, &title))
                main {
                    (navigation(page))
                    @if let Some(comparison) = page.comparison {
                        (overview(comparison, page.charts))
                    }
                    @for suite in suites(page) {
                        (suite_section(page, &suite))
                    }
                    footer {
                        "Generated by benchgate " (env!("CARGO_PKG_VERSION"))
                        " from the run of " (created) " (" (page.current.profile.to_string()) ")."
                    }
                }
            }
        }
    }
    .into_string()
}

/// The page's one-line verdict: short, because the regressions follow
/// as a list.
fn page_headline(comparison: &Comparison) -> String {
    let failures = comparison.failures().count();
    match failures {
        0 => "PASS: no regression".to_owned(),
        1 => "FAIL: 1 regression".to_owned(),
        n => format!("FAIL: {n} regressions"),
    }
}

fn counts(comparison: &Comparison) -> String {
    format!(
        "{} regressed, {} improved, {} unchanged, {} new, {} missing",
        comparison.count(Verdict::Regressed),
        comparison.count(Verdict::Improved),
        comparison.count(Verdict::Unchanged),
        comparison.count(Verdict::New),
        comparison.count(Verdict::Missing),
    )
}

fn banner(page: &HtmlPage<'_>, title: &str) -> Markup {
    // Colour carries the verdict; no emoji, which headless browsers and
    // minimal systems often lack a font for.
    let class = match page.comparison {
        Some(c) if c.passed() => "pass",
        Some(_) => "fail",
        None => "recorded",
    };
    html! {
        header class={ "banner " (class) } {
            h1 { (title) }
            @match page.comparison {
                Some(c) => {
                    p { (counts(c)) }
                    p {
                        "Baseline " code { (c.baseline.short_commit()) } " (" (minute(&c.baseline.created_at)) ", "
                        (c.baseline.profile.to_string()) " profile) vs current " code { (c.current.short_commit()) }
                        " (" (minute(&c.current.created_at)) ", " (c.current.profile.to_string()) " profile) on "
                        code { (c.current.machine_id) } ": " (c.current.machine) "."
                    }
                    (regression_list(c, page.charts))
                }
                None => {
                    p {
                        "This run (" (page.current.benchmarks.len()) " benchmarks, "
                        (page.current.metrics.len()) " metrics) on " code { (page.current.machine.id) }
                        " (" (page.current.machine.describe()) ") is the new baseline; later runs on this machine are gated against it."
                    }
                }
            }
        }
    }
}

/// Every failure, each linking to its table row and to its trend chart
/// where the report has one.
fn regression_list(comparison: &Comparison, charts: &[ChartFile]) -> Markup {
    let failures: Vec<&Entry> = comparison.failures().collect();
    html! {
        @if !failures.is_empty() {
            ol class="regressions" {
                @for entry in failures {
                    li {
                        a href={ "#" (row_anchor(entry)) } { (breakable(&format!("{}/{}", entry.suite, entry.benchmark))) }
                        @if let Some(metric) = &entry.metric { " " (metric) }
                        ": " strong { (point_change(entry)) } " ("
                        (format_value(entry.baseline, &entry.unit)) " → "
                        (format_value(entry.current, &entry.unit)) ")"
                        @if trend_of(charts, entry).is_some() {
                            " · " a href={ "#" (trend_anchor(entry)) } { "trend" }
                        }
                    }
                }
            }
        }
    }
}

/// The change's point estimate alone (the table has its interval).
fn point_change(entry: &Entry) -> String {
    entry
        .change
        .map(|c| format::change(c.point))
        .unwrap_or_else(|| "—".to_owned())
}

/// A run's RFC 3339 creation time to the minute: the seconds and their
/// fraction are noise to a reader.
fn minute(created_at: &str) -> String {
    match created_at.get(..16) {
        Some(minute) if created_at.len() > 16 => format!("{} UTC", minute.replace('T', " ")),
        _ => created_at.to_owned(),
    }
}

/// The trend chart of an entry, if the report drew one.
fn trend_of<'c>(charts: &'c [ChartFile], entry: &Entry) -> Option<&'c ChartFile> {
    let key = entry.key();
    charts
        .iter()
        .find(|c| matches!(&c.kind, ChartKind::Trend { key: k, .. } if *k == key))
}

fn navigation(page: &HtmlPage<'_>) -> Markup {
    html! {
        nav {
            @if page.comparison.is_some() {
                a href="#overview" { "Overview" }
            }
            @for suite in suites(page) {
                a href={ "#" (suite_anchor(&suite)) } { (suite) }
            }
            @for file in page.downloads {
                a href=(file) download { (file) }
            }
        }
    }
}

fn overview(comparison: &Comparison, charts: &[ChartFile]) -> Markup {
    html! {
        section id="overview" {
            h2 { "Overview" }
            p class="rule" { (rule_sentence(comparison.alpha)) }
            @for note in note_lines(comparison) {
                p class="note" { (note) }
            }
            @for chart in charts.iter().filter(|c| c.kind == ChartKind::Comparison { suite: None }) {
                (figure(chart, &format!(
                    "Every regression and improvement: the change of one benchmark's typical time or one metric, with its {} confidence interval; grey ticks mark its threshold. Each suite's section charts all of its entries.",
                    percent(CONFIDENCE_LEVEL)
                )))
            }
        }
    }
}

fn suite_section(page: &HtmlPage<'_>, suite: &str) -> Markup {
    let charts_of = |wanted: &dyn Fn(&ChartKind) -> bool| -> Vec<&ChartFile> {
        page.charts.iter().filter(|c| wanted(&c.kind)).collect()
    };
    let speedups = charts_of(&|k| matches!(k, ChartKind::Speedup { suite: s } if s == suite));
    let comparisons =
        charts_of(&|k| matches!(k, ChartKind::Comparison { suite: Some(s) } if s == suite));
    let distributions =
        charts_of(&|k| matches!(k, ChartKind::Distribution { suite: s, .. } if s == suite));
    let trends = charts_of(&|k| matches!(k, ChartKind::Trend { suite: s, .. } if s == suite));
    html! {
        section id=(suite_anchor(suite)) {
            h2 { "Suite " code { (suite) } }
            @for chart in &speedups {
                (figure(chart, &format!(
                    "Per-item speedup of each batch size over batch 1, measured on {}: solid this run, dashed the baseline; grey: ideal parallel speedup for its cores.",
                    page.current.machine.describe()
                )))
            }
            @if !speedups.is_empty() {
                p.batch-suggestion {
                    (super::batch::sentence(suite, page.batch_suggestions.get(suite)))
                }
            }
            @match page.comparison {
                Some(comparison) => (comparison_tables(comparison, suite, page.charts)),
                None => (run_table(page.current, suite)),
            }
            @for chart in &comparisons {
                details {
                    summary { "Chart of every compared entry of " (suite) }
                    (figure(chart, "Grey ticks: each entry's threshold; arrows: changes beyond the axis, labelled with their value."))
                }
            }
            @if !distributions.is_empty() {
                h3 { "Where the changes come from" }
                @for chart in &distributions {
                    (figure(chart, "Share of samples per time bin, baseline vs current; lines mark each side's typical value."))
                }
            }
            @if !trends.is_empty() {
                h3 { "History of the changed entries" }
                @for chart in &trends {
                    @if let ChartKind::Trend { key, .. } = &chart.kind {
                        div id=(trend_anchor_of(key)) {
                            (figure(chart, &chart.alt))
                        }
                    }
                }
            }
        }
    }
}

/// The suite's changed rows (regressions, improvements, missing, new),
/// then its unchanged rows folded away.
fn comparison_tables(comparison: &Comparison, suite: &str, charts: &[ChartFile]) -> Markup {
    let mut entries: Vec<&Entry> = comparison
        .entries
        .iter()
        .filter(|e| e.suite == suite)
        .collect();
    entries.sort_by_key(|e| verdict_rank(e.verdict));
    let split = entries.partition_point(|e| e.verdict != Verdict::Unchanged);
    let (changed, unchanged) = entries.split_at(split);
    html! {
        @if !changed.is_empty() {
            (comparison_table(changed, charts))
        }
        @if !unchanged.is_empty() {
            details {
                summary { (unchanged.len()) " unchanged in " (suite) }
                (comparison_table(unchanged, charts))
            }
        }
    }
}

fn colgroup(columns: &[(&str, u32)]) -> Markup {
    html! {
        colgroup {
            @for (_, share) in columns {
                col style={ "width:" (share) "%" };
            }
        }
    }
}

fn comparison_table(entries: &[&Entry], charts: &[ChartFile]) -> Markup {
    html! {
        table {
            (colgroup(&COMPARISON_COLUMNS))
            thead {
                tr {
                    @for (name, _) in COMPARISON_COLUMNS {
                        th { @if name == "change" { (change_header()) } @else { (name) } }
                    }
                }
            }
            tbody {
                @for entry in entries {
                    tr id=(row_anchor(entry)) class={ "v-" (entry.verdict.label()) } {
                        td {
                            (breakable(&entry.benchmark))
                            @if trend_of(charts, entry).is_some() {
                                " " a class="trend" href={ "#" (trend_anchor(entry)) } { "trend" }
                            }
                        }
                        td { (measure(entry)) }
                        td class="num" { (format_value(entry.baseline, &entry.unit)) }
                        td class="num" { (format_value(entry.current, &entry.unit)) }
                        td class="num" { (format_change(entry)) }
                        td class="num" { (format::threshold(entry.threshold)) }
                        td class="verdict" { (entry.verdict.label()) }
                        td { (format_evidence(entry)) }
                    }
                }
            }
        }
    }
}

/// An id with a line-break opportunity after every `/`, so ids wrap
/// between their parts before they wrap inside a word.
fn breakable(id: &str) -> Markup {
    html! {
        @for (i, part) in id.split_inclusive('/').enumerate() {
            @if i > 0 { wbr; }
            (part)
        }
    }
}

/// Without a comparison: what this run measured, each benchmark's
/// metrics under it (metrics grouped once, not searched per benchmark).
fn run_table(run: &Run, suite: &str) -> Markup {
    let mut by_benchmark: BTreeMap<&str, Vec<&MetricRecord>> = BTreeMap::new();
    for metric in run.metrics.iter().filter(|m| m.suite == suite) {
        by_benchmark
            .entry(metric.benchmark.as_str())
            .or_default()
            .push(metric);
    }
    let benchmarks: Vec<_> = run.benchmarks.iter().filter(|b| b.suite == suite).collect();
    html! {
        table {
            (colgroup(&RUN_COLUMNS))
            thead { tr { @for (name, _) in RUN_COLUMNS { th { (name) } } } }
            tbody {
                @for benchmark in &benchmarks {
                    tr {
                        td { (breakable(&benchmark.id)) }
                        td { "time (↓ better, " (percent(TYPICAL_QUANTILE)) " quantile)" }
                        td class="num" { (format_value(benchmark.typical_ns(), "ns")) }
                        td class="num" { (benchmark.samples_ns.len()) }
                    }
                    @for metric in by_benchmark.remove(benchmark.id.as_str()).unwrap_or_default() {
                        (metric_row(metric))
                    }
                }
                // Metrics of no benchmark in the run.
                @for metric in by_benchmark.into_values().flatten() {
                    (metric_row(metric))
                }
            }
        }
    }
}

fn metric_row(metric: &MetricRecord) -> Markup {
    let arrow = match metric.direction {
        Direction::LowerIsBetter => "↓",
        Direction::HigherIsBetter => "↑",
    };
    html! {
        tr class="metric" {
            td { (breakable(&metric.benchmark)) }
            td { (metric.name) " (" (arrow) " better, " (metric.unit) ")" }
            td class="num" { (format_value(Some(metric.value), &metric.unit)) }
            td class="num" { (metric.samples.len().max(1)) }
        }
    }
}

/// `time` or `metric (↑ better) [unit]`.
fn measure(entry: &Entry) -> String {
    if entry.is_time() {
        "time (↓ better)".to_owned()
    } else {
        format!("{} [{}]", format_quantity(entry), entry.unit)
    }
}

fn figure(chart: &ChartFile, caption: &str) -> Markup {
    html! {
        figure {
            img src=(chart.link) width=(chart.width) height=(chart.height) alt=(chart.alt) loading="lazy";
            @if !caption.is_empty() {
                figcaption { (caption) }
            }
        }
    }
}

/// Suites in the page: the run's, plus any the comparison mentions.
fn suites(page: &HtmlPage<'_>) -> Vec<String> {
    let mut suites = page.current.suites();
    if let Some(c) = page.comparison {
        suites.extend(c.entries.iter().map(|e| e.suite.clone()));
    }
    suites.sort();
    suites.dedup();
    suites
}

/// A fragment identifier for a suite's section.
fn suite_anchor(suite: &str) -> String {
    format!("suite-{}", file_stem(suite))
}

/// A fragment identifier for an entry's table row.
pub fn row_anchor(entry: &Entry) -> String {
    format!("row-{}", file_stem(&entry.key()))
}

/// A fragment identifier for an entry's trend chart.
pub fn trend_anchor(entry: &Entry) -> String {
    trend_anchor_of(&entry.key())
}

/// The trend chart's fragment identifier of the entry with key `key`.
fn trend_anchor_of(key: &str) -> String {
    format!("trend-{}", file_stem(key))
}

/// Text as the page holds it: escaped for element content and
/// double-quoted attribute values, exactly as the templates escape it.
pub fn escape(text: &str) -> String {
    html! { (text) }.into_string()
}

#[cfg(test)]
mod tests {
    use super::{COMPARISON_COLUMNS, RUN_COLUMNS, escape};

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'"
        );
    }

    #[test]
    fn column_shares_fill_at_most_the_table() {
        for columns in [&COMPARISON_COLUMNS[..], &RUN_COLUMNS[..]] {
            assert!(columns.iter().map(|(_, share)| share).sum::<u32>() <= 100);
        }
    }
}

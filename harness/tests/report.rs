//! The HTML report, its charts and exports, over a real recorded run
//! (stats + tokenization, full profile) with changes whose truth is known.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use benchgate::charts::comparison::Scope;
use benchgate::charts::speedup::{BatchGroups, speedup_series};
use benchgate::charts::{comparison as comparison_chart, distribution};
use benchgate::compare::{CompareOptions, Comparison, Verdict, compare};
use benchgate::config::{Policy, SuiteCharts};
use benchgate::export::{CsvRow, ExportFormat, parse_csv};
use benchgate::render::html::escape;
use benchgate::report::{
    ChartKind, ReportInput, ReportOptions, WrittenReport, file_stem, write_report,
};
use benchgate::run::Run;
use benchgate::stats::{Statistic, TYPICAL_QUANTILE};
use benchgate::store::read_run;
use common::with_commit;

/// Made 40 % slower in the current run: must be regressed.
const SLOWED: &str = "tokenization/encode_single/8";
/// Made 40 % faster in the current run: must be improved.
const SPED_UP: &str = "stats/summary_one_shot/1000";
/// A benchmark renamed in both runs to an id that is also markup.
const HOSTILE_ID: &str = "<script>alert(1)</script>/7";
const RENAMED: &str = "stats/summary_streaming/1000";

fn recorded_run() -> Run {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/runs/stats-tokenization-full.json");
    read_run(&path).expect("fixture run reads")
}

fn scale(run: &mut Run, key: &str, factor: f64) {
    let benchmark = run
        .benchmarks
        .iter_mut()
        .find(|b| b.key() == key)
        .unwrap_or_else(|| panic!("{key} is in the fixture"));
    for sample in &mut benchmark.samples_ns {
        *sample *= factor;
    }
}

fn rename(run: &mut Run, key: &str, id: &str) {
    let benchmark = run.benchmarks.iter_mut().find(|b| b.key() == key).unwrap();
    benchmark.id = id.to_owned();
    benchmark.group = id.rsplit_once('/').unwrap().0.to_owned();
}

/// Baseline and current: the same recorded samples, except one benchmark
/// slowed and one sped up in the current run.
fn runs() -> (Run, Run) {
    let mut baseline = recorded_run();
    rename(&mut baseline, RENAMED, HOSTILE_ID);
    let mut current = baseline.clone();
    scale(&mut current, SLOWED, 1.4);
    scale(&mut current, SPED_UP, 1.0 / 1.4);
    (
        with_commit(baseline, "1111111aaaaaaa"),
        with_commit(current, "2222222bbbbbbb"),
    )
}

fn policy() -> Policy {
    Policy::load(Path::new("/nonexistent/benchgate.toml")).unwrap()
}

fn comparison(baseline: &Run, current: &Run) -> Comparison {
    compare(baseline, current, &policy(), &CompareOptions::default()).unwrap()
}

fn chart_settings() -> BTreeMap<String, SuiteCharts> {
    BTreeMap::from([(
        "tokenization".to_owned(),
        SuiteCharts {
            batch_groups: vec!["encode_batch".to_owned(), "encode_batch_hf".to_owned()],
            speedup_chart: Some("batch_size_speedup_chart.png".to_owned()),
        },
    )])
}

struct Written {
    dir: PathBuf,
    report: WrittenReport,
    comparison: Comparison,
    current: Run,
}

/// The full report (comparison, history, chart settings), drawn once for
/// all the tests that only read it: drawing its charts is most of the time.
fn full_report() -> &'static Written {
    static REPORT: OnceLock<Written> = OnceLock::new();
    REPORT.get_or_init(|| write_full_report("full"))
}

/// Write the full report into a fresh directory named `name` under cargo's
/// scratch directory for integration tests.
fn write_full_report(name: &str) -> Written {
    let (baseline, current) = runs();
    let comparison = comparison(&baseline, &current);
    let older = with_commit(recorded_run(), "0000000ccccccc");
    let history = vec![older, baseline.clone()];
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("report-tests")
        .join(name);
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    let report = write_report(
        &ReportInput {
            current: &current,
            baseline: Some(&baseline),
            comparison: Some(&comparison),
            history: &history,
            trends: &[],
        },
        &ReportOptions {
            dir: dir.clone(),
            charts: chart_settings(),
            batch_suggestions: BTreeMap::new(),
        },
    )
    .unwrap();
    Written {
        dir,
        report,
        comparison,
        current,
    }
}

/// Values of `attribute="..."` in `html`.
fn attribute_values(html: &str, attribute: &str) -> Vec<String> {
    let marker = format!(" {attribute}=\"");
    html.match_indices(&marker)
        .map(|(at, _)| {
            let rest = &html[at + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .collect()
}

/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &Path) -> (u32, u32) {
    let file = std::fs::File::open(path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(file));
    let mut reader = decoder
        .read_info()
        .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
    let mut pixels = vec![0; reader.output_buffer_size()];
    reader
        .next_frame(&mut pixels)
        .unwrap_or_else(|e| panic!("{} does not decode: {e}", path.display()));
    assert!(
        pixels.iter().any(|&p| p != 255),
        "{} is blank",
        path.display()
    );
    let info = reader.info();
    (info.width, info.height)
}

#[test]
fn known_changes_get_their_verdicts() {
    let written = full_report();
    let verdict_of = |key: &str| {
        written
            .comparison
            .entries
            .iter()
            .find(|e| e.metric.is_none() && e.key() == key)
            .unwrap()
            .verdict
    };
    assert_eq!(verdict_of(SLOWED), Verdict::Regressed);
    assert_eq!(verdict_of(SPED_UP), Verdict::Improved);
    assert_eq!(
        verdict_of(&format!("stats/{HOSTILE_ID}")),
        Verdict::Unchanged
    );
}

#[test]
fn html_names_every_benchmark_and_escapes_ids() {
    let written = full_report();
    let html = std::fs::read_to_string(&written.report.index).unwrap();
    // Ids in the tables break after each `/` (`<wbr>`).
    let text = html.replace("<wbr>", "");
    for benchmark in &written.current.benchmarks {
        assert!(
            text.contains(&escape(&benchmark.id)),
            "{} is not in the report",
            benchmark.key()
        );
    }
    for metric in &written.current.metrics {
        assert!(html.contains(&escape(&metric.name)), "{}", metric.name);
    }
    assert!(text.contains("&lt;script&gt;alert(1)&lt;/script&gt;/7"));
    assert!(
        !html.contains("<script"),
        "markup from an id reached the page"
    );
    assert!(html.contains("FAIL"), "the banner must say the run failed");
    assert!(html.contains(&escape(SLOWED)));
}

#[test]
fn html_links_only_files_that_exist() {
    let written = full_report();
    let html = std::fs::read_to_string(&written.report.index).unwrap();
    let links: Vec<String> = attribute_values(&html, "src")
        .into_iter()
        .chain(attribute_values(&html, "href"))
        .filter(|link| !link.starts_with('#'))
        .collect();
    assert!(links.len() >= written.report.charts.len());
    for link in links {
        assert!(
            !link.contains("://") && !link.starts_with('/') && !link.contains(".."),
            "{link} is not a relative link inside the report"
        );
        let path = written.dir.join(&link);
        assert!(path.is_file(), "{link} is linked but does not exist");
    }
}

#[test]
fn charts_are_valid_pngs_of_their_intended_size() {
    let written = full_report();
    let charts = &written.report.charts;
    for chart in charts {
        assert!(
            chart.link.starts_with("charts/")
                && chart.link["charts/".len()..]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                && !chart.link.contains(".."),
            "unsafe chart file name {}",
            chart.link
        );
        let size = png_size(&written.dir.join(&chart.link));
        assert_eq!(size, (chart.width, chart.height), "{}", chart.link);
    }
    // The overview holds the two changed entries, regression first; each
    // suite's chart every charted entry of that suite.
    let overview = comparison_chart::scoped_entries(&written.comparison, Scope::Changed);
    assert_eq!(
        overview.iter().map(|e| e.key()).collect::<Vec<_>>(),
        [SLOWED, SPED_UP]
    );
    let chart_of = |suite: Option<&str>| {
        charts
            .iter()
            .find(|c| {
                c.kind
                    == ChartKind::Comparison {
                        suite: suite.map(str::to_owned),
                    }
            })
            .unwrap_or_else(|| panic!("comparison chart of {suite:?}"))
    };
    assert_eq!(
        (chart_of(None).width, chart_of(None).height),
        (comparison_chart::WIDTH, comparison_chart::height(2))
    );
    let mut per_suite = 0;
    for suite in ["stats", "tokenization"] {
        let rows = comparison_chart::scoped_entries(&written.comparison, Scope::Suite(suite)).len();
        assert!(rows > 2, "{suite} has {rows} charted entries");
        assert_eq!(chart_of(Some(suite)).height, comparison_chart::height(rows));
        per_suite += rows;
    }
    assert_eq!(
        per_suite,
        comparison_chart::charted_entries(&written.comparison).len()
    );
    assert!(
        charts
            .iter()
            .any(|c| c.link == "charts/batch_size_speedup_chart.png"),
        "tokenization's speedup chart has the name benchgate.toml gives it"
    );
    let distributions: Vec<&str> = charts
        .iter()
        .filter_map(|c| match &c.kind {
            ChartKind::Distribution { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(distributions.len(), 2, "{distributions:?}");
    assert!(distributions.contains(&SLOWED) && distributions.contains(&SPED_UP));
    // Trends of the regression and the improvement only (from the two
    // committed versions, the fallback without a history store), never of
    // the unchanged benchmarks.
    let mut trends: Vec<&str> = charts
        .iter()
        .filter_map(|c| match &c.kind {
            ChartKind::Trend { key, .. } => Some(key.as_str()),
            _ => None,
        })
        .collect();
    trends.sort_unstable();
    assert_eq!(trends, [SPED_UP, SLOWED]);
}

#[test]
fn csv_parses_back_to_the_comparison() {
    let written = full_report();
    let text = std::fs::read_to_string(written.dir.join("comparison.csv")).unwrap();
    let rows = parse_csv(&text).unwrap();
    let expected: Vec<CsvRow> = written
        .comparison
        .entries
        .iter()
        .map(CsvRow::from)
        .collect();
    assert_eq!(rows, expected);
    assert!(rows.iter().any(|r| r.benchmark == HOSTILE_ID));

    let exported = ExportFormat::Csv
        .exporter()
        .export(&written.comparison)
        .unwrap();
    assert_eq!(exported, text);
}

#[test]
fn json_export_holds_every_entry() {
    let written = full_report();
    let text = std::fs::read_to_string(written.dir.join("comparison.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        value["schema_version"],
        benchgate::export::JSON_SCHEMA_VERSION
    );
    let entries = value["entries"].as_array().unwrap();
    assert_eq!(entries.len(), written.comparison.entries.len());
    let slowed = entries
        .iter()
        .find(|e| {
            format!(
                "{}/{}",
                e["suite"].as_str().unwrap(),
                e["benchmark"].as_str().unwrap()
            ) == SLOWED
                && e["metric"].is_null()
        })
        .unwrap();
    assert_eq!(slowed["verdict"], "regressed");
}

#[test]
fn report_without_a_comparison_lists_the_run() {
    let run = recorded_run();
    let dir = tempfile::tempdir().unwrap();
    let written = write_report(
        &ReportInput {
            current: &run,
            baseline: None,
            comparison: None,
            history: &[],
            trends: &[],
        },
        &ReportOptions {
            dir: dir.path().to_path_buf(),
            charts: BTreeMap::new(),
            batch_suggestions: BTreeMap::new(),
        },
    )
    .unwrap();
    let html = std::fs::read_to_string(&written.index).unwrap();
    assert!(html.contains("Baseline recorded"));
    for benchmark in &run.benchmarks {
        // Ids may break after each `/`.
        let shown = escape(&benchmark.id).replace('/', "/<wbr>");
        assert!(html.contains(&shown), "{}", benchmark.key());
    }
    assert!(written.exports.is_empty());
    // Detected batch groups (names containing "batch") still get a chart.
    assert!(
        written
            .charts
            .iter()
            .any(|c| c.link == "charts/tokenization_speedup_chart.png")
    );
    assert!(!dir.path().join("comparison.csv").exists());
}

#[test]
fn stale_charts_of_an_earlier_report_are_removed() {
    let written = write_full_report("stale");
    // Charts the first report wrote that the second (no comparison) has no
    // use for: they must go. A PNG benchgate never wrote stays.
    let stale: Vec<PathBuf> = written
        .report
        .charts
        .iter()
        .filter(|c| !matches!(c.kind, ChartKind::Speedup { .. }))
        .map(|c| written.dir.join(&c.link))
        .collect();
    assert!(!stale.is_empty() && stale.iter().all(|p| p.is_file()));
    let own: PathBuf = written.dir.join("charts/my-own-diagram.png");
    std::fs::write(&own, b"mine").unwrap();
    let run = recorded_run();
    write_report(
        &ReportInput {
            current: &run,
            baseline: None,
            comparison: None,
            history: &[],
            trends: &[],
        },
        &ReportOptions {
            dir: written.dir.clone(),
            charts: BTreeMap::new(),
            batch_suggestions: BTreeMap::new(),
        },
    )
    .unwrap();
    for path in &stale {
        assert!(!path.exists(), "{} lingers", path.display());
    }
    assert_eq!(std::fs::read(&own).unwrap(), b"mine");
}

#[test]
fn speedup_is_per_item_relative_to_batch_one() {
    let run = recorded_run();
    let series = speedup_series(&run, "tokenization", BatchGroups::Detect);
    let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
    // decode_batch has only batch 32 (no batch-1 point): not a sweep.
    assert_eq!(names, ["encode_batch", "encode_batch_hf"]);
    let typical = |key: &str| {
        let b = run.benchmarks.iter().find(|b| b.key() == key).unwrap();
        Statistic::Quantile(TYPICAL_QUANTILE)
            .of(&b.samples_ns)
            .unwrap()
    };
    let encode = &series[0];
    let batches: Vec<u64> = encode.points.iter().map(|p| p.batch).collect();
    assert_eq!(batches, [1, 8, 16, 32, 64]);
    assert_eq!(encode.points[0].speedup, 1.0);
    // Throughput elements (tokens) of batch 1 and batch 32 in the fixture.
    let per_token_1 = typical("tokenization/encode_batch/1") / 115.0;
    let per_token_32 = typical("tokenization/encode_batch/32") / 3266.0;
    let speedup_32 = encode
        .points
        .iter()
        .find(|p| p.batch == 32)
        .unwrap()
        .speedup;
    assert!((speedup_32 - per_token_1 / per_token_32).abs() < 1e-12);
    assert!(speedup_series(&run, "stats", BatchGroups::Detect).is_empty());
    let named = ["encode_single".to_owned()];
    let single = speedup_series(&run, "tokenization", BatchGroups::Named(&named));
    assert_eq!(single.len(), 1);
    assert_eq!(single[0].name, "encode_single");
}

#[test]
fn histogram_shares_add_up() {
    let run = recorded_run();
    let samples = |key: &str| {
        run.benchmarks
            .iter()
            .find(|b| b.key() == key)
            .unwrap()
            .samples_ns
            .clone()
    };
    let a = samples("stats/summary_one_shot/1000");
    let b: Vec<f64> = a.iter().map(|x| x * 1.1).collect();
    let hist = distribution::histogram(&a, &b).unwrap();
    assert_eq!(hist.baseline.len(), distribution::BINS);
    for (shares, clipped, n) in [
        (&hist.baseline, hist.clipped.0, a.len()),
        (&hist.current, hist.clipped.1, b.len()),
    ] {
        let shown: f64 = shares.iter().sum();
        let expected = 100.0 * (n - clipped) as f64 / n as f64;
        assert!((shown - expected).abs() < 1e-9, "{shown} vs {expected}");
    }
    assert!(distribution::histogram(&a, &[]).is_none());
}

/// The shares of one `<colgroup>`'s columns, in percent.
fn column_shares(colgroup: &str) -> Vec<u32> {
    colgroup
        .split("width:")
        .skip(1)
        .map(|rest| {
            rest.split('%')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a percentage width")
        })
        .collect()
}

/// The layout rule that keeps the page within a 1400 px window (the
/// screenshots of `ci/report-screenshot.sh` show it): fixed table layout
/// with column shares summing to at most the table's width, every long
/// token breakable, images scaled down to the content width, no cell
/// that refuses to wrap.
/// Checks the layout rule on a page: see
/// [`page_layout_cannot_overflow_the_window`].
fn assert_layout_rule(html: &str) {
    let style = benchgate::render::html::STYLE;
    for rule in [
        "table{border-collapse:collapse;table-layout:fixed;width:100%",
        "overflow-wrap:anywhere}",
        "figure img{max-width:100%;height:auto",
        "*{box-sizing:border-box}",
    ] {
        assert!(style.contains(rule), "the style sheet lost {rule:?}");
    }
    assert!(!html.contains("nowrap") && !html.contains("<pre"));
    let max_width: u32 = style
        .split("main{max-width:")
        .nth(1)
        .and_then(|rest| rest.split("px").next())
        .and_then(|n| n.parse().ok())
        .expect("main has a max-width in px");
    assert!(max_width <= 1400 - 48, "main is {max_width} px wide");
    let tables: Vec<&str> = html.split("<table>").skip(1).collect();
    assert!(!tables.is_empty());
    for table in tables {
        let table = table.split("</table>").next().unwrap();
        assert!(
            table.starts_with("<colgroup>"),
            "every table sizes its columns"
        );
        let colgroup = table.split("</colgroup>").next().unwrap();
        let shares = column_shares(colgroup);
        assert!(shares.iter().sum::<u32>() <= 100, "{shares:?}");
        let headers = table
            .split("</thead>")
            .next()
            .unwrap()
            .matches("<th>")
            .count();
        assert_eq!(shares.len(), headers, "one width per column");
    }
    // No inline style but the column shares sizes anything.
    assert_eq!(
        html.matches("style=").count(),
        html.matches("<col style=\"width:").count()
    );
}

/// Checks that the banner comes first and holds the verdict and every
/// regression, each linking to its row, and that every in-page link
/// lands somewhere.
fn assert_first_screen(html: &str, comparison: &Comparison) {
    let body = html.split("<body>").nth(1).unwrap();
    let failures: Vec<_> = comparison.failures().collect();
    assert!(!failures.is_empty());
    let verdict = match failures.len() {
        1 => "FAIL: 1 regression".to_owned(),
        n => format!("FAIL: {n} regressions"),
    };
    assert!(
        body.starts_with(&format!("<header class=\"banner fail\"><h1>{verdict}</h1>")),
        "{}",
        &body[..200]
    );
    let banner = body.split("</header>").next().unwrap();
    for entry in failures {
        let link = format!("href=\"#{}\"", benchgate::render::html::row_anchor(entry));
        assert!(
            banner.contains(&link),
            "{} is not in the banner",
            entry.key()
        );
    }
    // A banner of at most two columns of one line per regression, above
    // the page: at most a screen's third for a dozen regressions.
    assert_eq!(
        banner.matches("<li>").count(),
        comparison.failures().count()
    );
    let ids: std::collections::HashSet<String> = attribute_values(html, "id").into_iter().collect();
    for anchor in attribute_values(html, "href")
        .into_iter()
        .filter_map(|h| h.strip_prefix('#').map(str::to_owned))
    {
        assert!(ids.contains(&anchor), "#{anchor} leads nowhere");
    }
}

/// The layout rule that keeps the page within a 1400 px window (the
/// screenshots of `ci/report-screenshot.sh` show it): fixed table layout
/// with column shares summing to at most the table's width, every long
/// token breakable, images scaled down to the content width, no cell
/// that refuses to wrap.
#[test]
fn page_layout_cannot_overflow_the_window() {
    let written = full_report();
    let html = std::fs::read_to_string(&written.report.index).unwrap();
    assert_layout_rule(&html);
    assert!(
        html.matches("<table>").count() >= 3,
        "changed and folded tables of two suites"
    );
}

/// The banner comes first and holds the verdict and every regression,
/// each linking to its row, and every row link lands on a row.
#[test]
fn first_screen_shows_the_verdict_and_every_regression() {
    let written = full_report();
    let html = std::fs::read_to_string(&written.report.index).unwrap();
    assert_first_screen(&html, &written.comparison);
    // The regression links its trend chart too (the report has history),
    // and so does its row; the link lands on the chart.
    let banner = html.split("</header>").next().unwrap();
    let trend = format!("href=\"#trend-{}\"", file_stem(SLOWED));
    assert!(banner.contains(&trend), "no {trend} in the banner");
    assert_eq!(html.matches(&trend).count(), 2, "banner and row link it");
    assert!(html.contains(&format!("id=\"trend-{}\"", file_stem(SLOWED))));
    // Rows sorted for reading: the regression's row before the
    // improvement's, the unchanged ones folded.
    let tokenization = html.split("id=\"suite-tokenization\"").nth(1).unwrap();
    let first_row = tokenization.split("<tbody>").nth(1).unwrap();
    assert!(first_row.starts_with("<tr id=\"row-tokenization_encode_single_8"));
    assert!(tokenization.contains("<details><summary>"));
    assert!(
        first_row
            .split("</tbody>")
            .next()
            .unwrap()
            .matches("<tr ")
            .count()
            == 1
    );
}

/// The same rules at 1 000 benchmarks (the page alone: its charts are
/// the report's, drawn in the tests above at their own sizes).
#[test]
fn a_thousand_benchmarks_keep_the_layout_and_the_first_screen() {
    let (baseline, current) = common::synthetic_runs(1000);
    let comparison = comparison(&baseline, &current);
    assert_eq!(comparison.entries.len(), 1200);
    // Every 97th benchmark slowed (0, 97, …, 970) and the middle one.
    assert_eq!(comparison.count(Verdict::Regressed), 12);
    let html = benchgate::render::html::render(&benchgate::render::html::HtmlPage {
        current: &current,
        comparison: Some(&comparison),
        charts: &[],
        downloads: &[],
        batch_suggestions: &BTreeMap::new(),
    });
    assert_layout_rule(&html);
    assert_first_screen(&html, &comparison);
    // Unchanged rows are folded: five suites, five <details>.
    assert_eq!(html.matches("unchanged in ").count(), 5);
}

/// The terminal table fits the width it is given, puts the regression
/// first, keeps every short id part whole, spells one time unit, and with
/// `--only-changed` counts the rows it leaves out.
#[test]
fn terminal_table_fits_its_width_with_regressions_first() {
    use benchgate::render::table::{TableOptions, render};
    let written = full_report();
    for width in [80u16, 120, 200] {
        let options = TableOptions {
            width,
            color: false,
            only_changed: false,
        };
        let text = render(&written.comparison, &options);
        for line in text.lines().filter(|l| l.starts_with(['┌', '│', '╞', '└'])) {
            assert!(
                line.chars().count() <= usize::from(width),
                "{} > {width}: {line}",
                line.chars().count()
            );
        }
        assert!(!text.contains(" us ") && !text.contains(" us\n"), "{text}");
        // The first row after the header is the regression's.
        let first_row = text
            .lines()
            .skip_while(|l| !l.starts_with('╞'))
            .nth(1)
            .unwrap();
        assert!(first_row.contains("regressed"), "{first_row}");
        // Ids break only after a slash (see `wrap_id`): no part is cut.
        for entry in &written.comparison.entries {
            for part in entry.benchmark.split('/').filter(|p| p.len() < 16) {
                assert!(text.contains(part), "{part} of {} was cut", entry.key());
            }
        }
    }
    let only = render(
        &written.comparison,
        &TableOptions {
            width: 100,
            color: false,
            only_changed: true,
        },
    );
    let unchanged = written.comparison.count(Verdict::Unchanged);
    assert!(only.contains(&format!("{unchanged} unchanged entries not shown")));
    assert_eq!(
        only.matches("unchanged ┆").count() + only.matches("unchanged │").count(),
        0
    );
}

/// Too narrow for the table's columns, the table becomes one block per
/// entry: every line within the width, regressions first, ids broken only
/// after a slash, every measure's values still there.
#[test]
fn a_narrow_terminal_gets_one_block_per_entry_within_its_width() {
    use benchgate::render::table::{TableOptions, render};
    let written = full_report();
    for width in [40u16, 60, 72] {
        let text = render(
            &written.comparison,
            &TableOptions {
                width,
                color: false,
                only_changed: false,
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        // The two provenance lines and the closing headline are prose.
        let body = &lines[2..lines.len() - 1];
        let body: Vec<&str> = body
            .iter()
            .copied()
            .filter(|l| !l.starts_with("note:"))
            .collect();
        assert!(!body.iter().any(|l| l.starts_with(['┌', '│'])), "{text}");
        for line in &body {
            assert!(
                line.chars().count() <= usize::from(width),
                "{width}: {line}"
            );
        }
        let first_verdict = body.iter().find(|l| !l.is_empty()).unwrap();
        assert!(first_verdict.starts_with("REGRESSED"), "{text}");
        let blocks = text.matches("\n\n").count() + 1;
        assert!(
            blocks >= written.comparison.entries.len(),
            "{blocks}\n{text}"
        );
        for entry in &written.comparison.entries {
            for part in entry.benchmark.split('/').filter(|p| p.len() < 16) {
                assert!(text.contains(part), "{part} of {} was cut", entry.key());
            }
        }
    }
}

fn benchgate_cli(cwd: &Path, args: &[&str]) -> (i32, String) {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_benchgate"))
        .current_dir(cwd)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// With a history store, `benchgate report` draws the regression's trend
/// over main's commits from it: the store (SQLite, written through the
/// benchgate-history API) holds 30 runs of main with a known 15 % step at
/// commit 20; the report's chart exists, the banner and the row link it,
/// and its caption names the step's commit and subject. The unchanged
/// benchmark, stored too, gets no chart.
#[test]
fn report_draws_the_regressions_trend_from_the_history_store() {
    const STEPPED: &str = "stats/summary_one_shot/1000";
    const QUIET: &str = "stats/summary_streaming/1000";
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("history.sqlite");
    let commits = common::stored_history(
        store.to_str().unwrap(),
        "ci-machine",
        &[
            common::StoredSeries {
                key: STEPPED,
                center_ns: 1_000.0,
                factor: 1.15,
            },
            common::StoredSeries {
                key: QUIET,
                center_ns: 5_000.0,
                factor: 1.0,
            },
        ],
        30,
        20,
    );
    // main is at the new level; this run is 30 % slower still.
    let measured = |factor: f64, seed: u64| {
        common::run(
            "ci-machine",
            vec![
                common::benchmark(
                    "stats",
                    "summary_one_shot/1000",
                    common::samples(1_150.0 * factor, 0.01, 60, seed),
                ),
                common::benchmark(
                    "stats",
                    "summary_streaming/1000",
                    common::samples(5_000.0, 0.01, 60, seed + 1),
                ),
            ],
            vec![],
        )
    };
    let baseline = with_commit(measured(1.0, 1), &commits[29]);
    let current = with_commit(measured(1.3, 3), "feedfacefeedfacefeedfacefeedfacefeedface");
    for (name, run) in [("baseline.json", &baseline), ("run.json", &current)] {
        benchgate::store::write_run(&dir.path().join(name), run).unwrap();
    }
    let (code, out) = benchgate_cli(
        dir.path(),
        &[
            "report",
            "--run",
            "run.json",
            "--baseline",
            "baseline.json",
            "--history",
            store.to_str().unwrap(),
            "--report-dir",
            "report",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let report = dir.path().join("report");
    let stem = file_stem(STEPPED);
    let chart = report.join(format!("charts/trend-{stem}.png"));
    assert_eq!(png_size(&chart), (1000, 560));
    let manifest = std::fs::read_to_string(report.join("charts/.benchgate-charts")).unwrap();
    assert!(
        manifest.contains(&format!("trend-{stem}.png")),
        "{manifest}"
    );
    assert!(
        !manifest.contains(&format!("trend-{}", file_stem(QUIET))),
        "{manifest}"
    );

    let html = std::fs::read_to_string(report.join("index.html")).unwrap();
    let banner = html.split("</header>").next().unwrap();
    let link = format!("href=\"#trend-{stem}\"");
    assert!(banner.contains(&link), "the regression links its trend");
    assert_eq!(html.matches(&link).count(), 2, "banner and row link it");
    let figure = html
        .split(&format!("id=\"trend-{stem}\""))
        .nth(1)
        .expect("the trend's anchor")
        .split("</figure>")
        .next()
        .unwrap();
    assert!(figure.contains(&format!("src=\"charts/trend-{stem}.png\"")));
    // The change point: the step's commit and subject, its size, in the
    // alt text and the caption.
    let step = format!("since {} ({})", &commits[20][..7], common::STEP_SUBJECT);
    let alt = attribute_values(figure, "alt").pop().unwrap();
    assert!(alt.contains(&step), "{alt}");
    assert!(alt.contains("30 runs of main on ci-machine (full) from the history store"));
    assert!(figure.contains("<figcaption>") && figure.contains(&step));
    let size: f64 = alt
        .split("change points: +")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{alt}"));
    assert!((12.0..18.0).contains(&size), "{alt}");
}

/// Without a store, the trend comes from committed versions of the
/// baseline, also when `--baseline` is a relative path (it used to be
/// looked up under the baseline's own directory and found no history).
#[test]
fn a_relative_baseline_path_still_finds_its_committed_versions() {
    let dir = tempfile::tempdir().unwrap();
    let repo = git2::Repository::init(dir.path()).unwrap();
    let relative = "baselines/ci-machine/main.json";
    let (baseline, mut current) = runs();
    for version in 0..3 {
        let mut committed = baseline.clone();
        scale(&mut committed, SLOWED, 1.0 + 0.01 * f64::from(version));
        benchgate::store::write_run(&dir.path().join(relative), &committed).unwrap();
        common::commit(&repo, relative, &format!("baseline version {version}"));
    }
    current.machine = baseline.machine.clone();
    benchgate::store::write_run(&dir.path().join("run.json"), &current).unwrap();
    let (code, out) = benchgate_cli(
        dir.path(),
        &[
            "report",
            "--run",
            "run.json",
            "--baseline",
            relative,
            "--report-dir",
            "report",
        ],
    );
    assert_eq!(code, 0, "{out}");
    let html = std::fs::read_to_string(dir.path().join("report/index.html")).unwrap();
    let stem = file_stem(SLOWED);
    assert!(
        dir.path()
            .join(format!("report/charts/trend-{stem}.png"))
            .is_file(),
        "{out}"
    );
    assert!(
        html.contains("3 committed versions of the baseline"),
        "{out}"
    );
}

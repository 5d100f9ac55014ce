//! The report's suggested batch size: a sweep whose latency and memory are known exactly (latency = 1 ms + 0.25 ms · batch, memory = 1 MiB + 64 KiB · batch) gets the marker at the size the model must pick, named in the alt text and the sentence beside the chart; infeasible or absent constraints get no marker and say why.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use benchgate::batch_fit::{Binding, ReportSuggestion, report_suggestions};
use benchgate::config::Policy;
use benchgate::report::{
    CHARTS_MANIFEST, ChartFile, ChartKind, ReportInput, ReportOptions, write_report,
};
use benchgate::run::{Direction, Run, Throughput};

const SUITE: &str = "batchy";
const GROUP: &str = "sweep_batch";
const SIZES: [u64; 5] = [1, 2, 4, 8, 16];
/// Items (declared elements) per request.
const ITEMS_PER_REQUEST: u64 = 10;

/// Every sample of `sweep_batch/N` is exactly 1 ms + 0.25 ms · N, so the
/// median and upper quartile the model reads are that value.
fn known_run() -> Run {
    let benchmarks = SIZES
        .iter()
        .map(|&n| {
            let ns = 1_000_000.0 + 250_000.0 * n as f64;
            let mut b = common::benchmark(SUITE, &format!("{GROUP}/{n}"), vec![ns; 20]);
            b.throughput = Some(Throughput::Elements(n * ITEMS_PER_REQUEST));
            b
        })
        .collect();
    let metrics = SIZES
        .iter()
        .map(|&n| {
            let mut m = common::metric(
                SUITE,
                &format!("{GROUP}/{n}"),
                "peak_heap_bytes",
                f64::from(1u32 << 20) + 65_536.0 * n as f64,
                Direction::LowerIsBetter,
            );
            m.unit = "bytes".to_owned();
            m
        })
        .collect();
    common::run("test-machine", benchmarks, metrics)
}

fn policy_with(batch: &str) -> Policy {
    let text = format!(
        "[charts.{SUITE}]\nbatch_groups = [\"{GROUP}\"]\n\n[batch.{SUITE}]\ngroup = \"{GROUP}\"\n{batch}\n"
    );
    Policy::parse(&text, Path::new("batch-report-test.toml")).unwrap()
}

struct Written {
    chart: ChartFile,
    png: std::path::PathBuf,
    manifest: String,
    html: String,
}

fn report(run: &Run, policy: &Policy, dir: &Path) -> Written {
    let written = write_report(
        &ReportInput {
            current: run,
            baseline: None,
            comparison: None,
            history: &[],
            trends: &[],
        },
        &ReportOptions {
            dir: dir.to_path_buf(),
            charts: policy.charts.clone(),
            batch_suggestions: report_suggestions(run, policy),
        },
    )
    .unwrap();
    let chart = written
        .charts
        .iter()
        .find(|c| {
            c.kind
                == ChartKind::Speedup {
                    suite: SUITE.into(),
                }
        })
        .expect("a speedup chart")
        .clone();
    Written {
        png: dir.join(&chart.link),
        chart,
        manifest: std::fs::read_to_string(dir.join("charts").join(CHARTS_MANIFEST)).unwrap(),
        html: std::fs::read_to_string(&written.index).unwrap(),
    }
}

/// Columns of the PNG in which at least `min` pixels share one coloured
/// (not grey, not white) value: a vertical line. The curves are diagonal
/// and the grid, axes and ideal line grey, so only the marker qualifies.
fn vertical_lines(png: &Path, min: usize) -> Vec<(u32, [u8; 3])> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let channels = frame.color_type.samples();
    assert!(channels >= 3, "{:?}", frame.color_type);
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut found = Vec::new();
    for x in 0..width {
        let mut counts: BTreeMap<[u8; 3], usize> = BTreeMap::new();
        for y in 0..height {
            let at = (y * width + x) * channels;
            let rgb = [pixels[at], pixels[at + 1], pixels[at + 2]];
            if !(rgb[0] == rgb[1] && rgb[1] == rgb[2]) {
                *counts.entry(rgb).or_default() += 1;
            }
        }
        if let Some((rgb, _)) = counts.into_iter().find(|(_, n)| *n >= min) {
            found.push((x as u32, rgb));
        }
    }
    found
}

#[test]
fn a_known_curve_gets_its_suggestion_marked_and_stated() {
    let run = known_run();
    // 4.1 ms per batch: the interpolated latency reaches 4.0 ms at batch
    // 12 (between the measured 8 and 16) and 4.25 ms at 13; throughput
    // rises with the batch, so 12 it must be, bound by the budget.
    let policy = policy_with("latency_budget = \"4.1ms\"\nmemory = \"1GiB\"");
    let suggestions = report_suggestions(&run, &policy);
    let Some(ReportSuggestion::Suggested { group, suggestion }) = suggestions.get(SUITE) else {
        panic!("{suggestions:?}");
    };
    assert_eq!(group, GROUP);
    assert_eq!(suggestion.batch, 12);
    assert!(!suggestion.extrapolated);
    assert!(matches!(suggestion.binding, Binding::Latency { .. }));
    let throughput = 12.0 * ITEMS_PER_REQUEST as f64 / 4e-3;
    assert!((suggestion.predicted.throughput / throughput - 1.0).abs() < 1e-9);

    let dir = tempfile::tempdir().unwrap();
    let written = report(&run, &policy, dir.path());
    assert!(
        written
            .chart
            .alt
            .contains("suggested: 12 for sweep_batch (latency budget binds)"),
        "{}",
        written.chart.alt
    );
    assert!(
        written
            .manifest
            .lines()
            .any(|l| written.chart.link.ends_with(l))
    );
    for part in [
        "Suggested batch size for [batch.batchy] (latency budget 4.10 ms per batch, memory limit 1.00 GiB): 12 on sweep_batch",
        "30.0 k items/s",
        "4.00 ms per batch",
        "memory 1.75 MiB",
        "Bound by the latency budget (4.10 ms per batch)",
    ] {
        assert!(written.html.contains(part), "{part:?} not in the page");
    }
    // The marker is drawn: one vertical line (2 px wide), right of the
    // middle of the log axis from 1 to 20 (batch 12), left of the legend.
    let lines = vertical_lines(&written.png, 150);
    assert!(
        !lines.is_empty() && lines.len() <= 3,
        "vertical lines at {lines:?}"
    );
    let (x, _) = lines[0];
    assert!((400..750).contains(&x), "marker at x = {x}");
}

#[test]
fn infeasible_or_absent_constraints_get_no_marker_and_say_why() {
    let run = known_run();
    let dir = tempfile::tempdir().unwrap();
    // Batch 1 already takes 1.25 ms.
    let policy = policy_with("latency_budget = \"1ms\"");
    let suggestions = report_suggestions(&run, &policy);
    assert!(
        matches!(
            suggestions.get(SUITE),
            Some(ReportSuggestion::Infeasible {
                binding: Binding::Latency { .. },
                ..
            })
        ),
        "{suggestions:?}"
    );
    let written = report(&run, &policy, &dir.path().join("infeasible"));
    assert!(
        written
            .chart
            .alt
            .contains("no suggested batch size is marked")
            && written
                .chart
                .alt
                .contains("the latency budget (1.00 ms per batch) cannot be met"),
        "{}",
        written.chart.alt
    );
    assert!(written.html.contains(
        "No suggested batch size: no size of sweep_batch meets [batch.batchy] (latency budget 1.00 ms per batch); the latency budget (1.00 ms per batch) cannot be met"
    ));
    assert_eq!(vertical_lines(&written.png, 150), []);

    let unconstrained = policy_with("");
    assert_eq!(
        report_suggestions(&run, &unconstrained).get(SUITE),
        Some(&ReportSuggestion::NoConstraints)
    );
    let written = report(&run, &unconstrained, &dir.path().join("none"));
    assert!(written.html.contains(
        "No suggested batch size: [batch.batchy] in benchgate.toml sets no latency budget or memory limit."
    ));
    assert_eq!(vertical_lines(&written.png, 150), []);
}

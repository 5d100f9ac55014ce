//! Speedup vs batch size: each batch size's per-item throughput relative to
//! batch 1, beside the ideal parallel speedup for the machine's cores.
//!
//! Seed 002's `batch_size_speedup_chart.png` and `inference_speedup_chart.png`
//! are this chart for the tokenization and inference suites.

use std::collections::BTreeMap;
use std::path::Path;

use plotters::prelude::*;

use super::style::{
    FONT_FAMILY, HEIGHT, IDEAL_COLOR, LABEL_SIZE, NEUTRAL_COLOR, SERIES_COLORS, TITLE_SIZE, WIDTH,
    chart_error, ensure_font,
};
use crate::error::Result;
use crate::run::{Benchmark, Run, Throughput};
use crate::stats::{TYPICAL_QUANTILE, percent};

/// Fewest batch sizes (batch 1 included) before a detected group is
/// charted: two points make a line, not a curve worth reading.
pub const MIN_BATCH_SIZES: usize = 3;

/// One benchmark group timed at several batch sizes.
#[derive(Debug, Clone, PartialEq)]
pub struct SpeedupSeries {
    /// The benchmark id without its batch-size parameter, e.g. `encode_batch`.
    pub name: String,
    /// Sorted by batch size; the first point is batch 1.
    pub points: Vec<SpeedupPoint>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpeedupPoint {
    pub batch: u64,
    /// Typical time per item: the typical time per iteration divided by the
    /// items it processed (declared throughput elements, else the batch size).
    pub per_item_ns: f64,
    /// Per-item time at batch 1 divided by the per-item time at this size.
    pub speedup: f64,
}

/// Which benchmark groups of a suite are batch-size sweeps.
#[derive(Debug, Clone, Copy)]
pub enum BatchGroups<'a> {
    /// Exactly these (from `[charts.<suite>] batch_groups` in benchgate.toml).
    Named(&'a [String]),
    /// Groups with `batch` in their name whose integer parameters include 1.
    Detect,
}

/// The batch-size sweeps of `suite` in `run`, in name order. A sweep needs
/// a batch-1 point to be relative to.
pub fn speedup_series(run: &Run, suite: &str, groups: BatchGroups<'_>) -> Vec<SpeedupSeries> {
    let mut by_series: BTreeMap<String, Vec<(u64, &Benchmark)>> = BTreeMap::new();
    for benchmark in run.benchmarks.iter().filter(|b| b.suite == suite) {
        let Some((name, parameter)) = benchmark.id.rsplit_once('/') else {
            continue;
        };
        let Ok(batch) = parameter.parse::<u64>() else {
            continue;
        };
        let wanted = match groups {
            BatchGroups::Named(names) => names.iter().any(|n| n == name || *n == benchmark.group),
            BatchGroups::Detect => name.to_ascii_lowercase().contains("batch"),
        };
        if wanted && batch > 0 {
            by_series
                .entry(name.to_owned())
                .or_default()
                .push((batch, benchmark));
        }
    }
    let min_sizes = match groups {
        BatchGroups::Named(_) => 2,
        BatchGroups::Detect => MIN_BATCH_SIZES,
    };
    by_series
        .into_iter()
        .filter_map(|(name, mut members)| {
            members.sort_by_key(|(batch, _)| *batch);
            let per_item: Vec<(u64, f64)> = members
                .iter()
                .filter_map(|(batch, b)| {
                    let typical = b.typical_ns()?;
                    let items = items_per_iteration(b, *batch);
                    (typical > 0.0).then_some((*batch, typical / items))
                })
                .collect();
            let &(first_batch, batch_one) = per_item.first()?;
            if first_batch != 1 || per_item.len() < min_sizes {
                return None;
            }
            Some(SpeedupSeries {
                name,
                points: per_item
                    .into_iter()
                    .map(|(batch, per_item_ns)| SpeedupPoint {
                        batch,
                        per_item_ns,
                        speedup: batch_one / per_item_ns,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Items one iteration processed: the declared element count (tokens,
/// requests) where the benchmark declared one, since batches of unequal
/// items are only comparable per element; the batch size otherwise.
fn items_per_iteration(benchmark: &Benchmark, batch: u64) -> f64 {
    match benchmark.throughput {
        Some(Throughput::Elements(n)) | Some(Throughput::ElementsAndBytes { elements: n, .. })
            if n > 0 =>
        {
            n as f64
        }
        _ => batch as f64,
    }
}

/// Ideal speedup of a batch of `batch` items on `cores` cores when items
/// run in parallel and nothing else changes: linear up to the core count.
pub fn ideal_speedup(batch: u64, cores: usize) -> f64 {
    batch.min(cores.max(1) as u64) as f64
}

/// Per-item speedup vs batch size of one suite.
#[derive(Debug, Clone, Copy)]
pub struct SpeedupChart<'a> {
    pub suite: &'a str,
    pub series: &'a [SpeedupSeries],
    /// Logical cores of the machine that measured (for the ideal line).
    pub cores: usize,
    /// The machine, described.
    pub machine: &'a str,
}

impl super::Chart for SpeedupChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self.suite, self.series, self.cores, self.machine)
    }
}

/// Draw `series` of `suite` into a [`WIDTH`]×[`HEIGHT`] PNG at `path`.
fn draw(
    path: &Path,
    suite: &str,
    series: &[SpeedupSeries],
    cores: usize,
    machine: &str,
) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let max_batch = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.batch))
        .max()
        .unwrap_or(1)
        .max(2);
    let max_speedup = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.speedup))
        .fold(ideal_speedup(max_batch, cores), f64::max)
        .max(1.0);

    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot_area, footer) = root.split_vertically(HEIGHT - 28);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(
            format!("{suite}: per-item speedup vs batch size (relative to batch 1)"),
            (FONT_FAMILY, TITLE_SIZE),
        )
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(
            (0.8f64..max_batch as f64 * 1.25).log_scale().base(2.0),
            0f64..max_speedup * 1.15,
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("batch size (items per call, log scale)")
        .y_desc("speedup per item vs batch 1 (×)")
        .x_label_formatter(&|x| format!("{}", x.round()))
        .y_label_formatter(&|y| format!("{y:.1}"))
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;

    let mut batches: Vec<u64> = std::iter::successors(Some(1u64), |b| Some(b * 2))
        .take_while(|b| *b <= max_batch)
        .chain(series.iter().flat_map(|s| s.points.iter().map(|p| p.batch)))
        .collect();
    batches.sort_unstable();
    batches.dedup();
    chart
        .draw_series(LineSeries::new(
            batches
                .iter()
                .map(|b| (*b as f64, ideal_speedup(*b, cores))),
            ShapeStyle::from(&IDEAL_COLOR).stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label(format!("ideal parallel speedup ({cores} cores)"))
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], IDEAL_COLOR.stroke_width(2)));

    for (i, s) in series.iter().enumerate() {
        let color = SERIES_COLORS[i % SERIES_COLORS.len()];
        chart
            .draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.batch as f64, p.speedup)),
                color.stroke_width(3),
            ))
            .map_err(|e| err(&e))?
            .label(s.name.clone())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 24, y)], color.stroke_width(3))
            });
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p.batch as f64, p.speedup), 5, color.filled())),
            )
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(NEUTRAL_COLOR)
        .label_font((FONT_FAMILY, LABEL_SIZE))
        .draw()
        .map_err(|e| err(&e))?;
    footer
        .draw_text(
            &format!(
                "Measured on {machine}. Per-item time: typical ({} quantile) time per iteration ÷ items (declared elements, e.g. tokens).",
                percent(TYPICAL_QUANTILE)
            ),
            &(FONT_FAMILY, 12).into_font().color(&NEUTRAL_COLOR),
            (16, 6),
        )
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

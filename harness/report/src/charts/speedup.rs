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
use crate::render::batch::marker_label;
use crate::run::{Benchmark, Run, Throughput};
use crate::stats::{TYPICAL_QUANTILE, percent};
use benchgate_core::batch_fit::Suggestion;

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

/// Pixels of the legend panel right of the plot: the legend never covers
/// a curve or the ideal line.
pub const LEGEND_WIDTH: u32 = 250;

/// Per-item speedup vs batch size of one suite, this run's curves solid
/// and the baseline's dashed in the same colour, so a change in batching
/// shows as two curves parting.
#[derive(Debug, Clone, Copy)]
pub struct SpeedupChart<'a> {
    pub suite: &'a str,
    pub series: &'a [SpeedupSeries],
    /// The same sweeps in the baseline (empty without one).
    pub baseline: &'a [SpeedupSeries],
    /// Logical cores of the machine that measured (for the ideal line).
    pub cores: usize,
    /// The machine, described.
    pub machine: &'a str,
    /// The batch size suggested for the suite's `[batch.<suite>]`
    /// constraints, marked by a dashed vertical line; `None`: no marker.
    pub suggested: Option<SuggestedMarker<'a>>,
}

/// The suggested batch size of one sweep of the chart.
#[derive(Debug, Clone, Copy)]
pub struct SuggestedMarker<'a> {
    /// The sweep the suggestion was fitted on, e.g. `decode`.
    pub group: &'a str,
    pub suggestion: &'a Suggestion,
}

/// How a legend entry's sample line is drawn.
#[derive(Debug, Clone, Copy)]
enum Stroke {
    Solid,
    Dashed,
    /// The suggested-batch marker.
    Vertical,
}

/// Pixels above the plot kept free for the suggested-batch label, so the
/// label never sits on a curve (the legend has its own panel).
pub const MARKER_BAND: u32 = 26;

impl super::Chart for SpeedupChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self)
    }
}

/// The suggested batch: a dashed vertical line over the whole plot at the
/// batch size, in the colour of its sweep, and its label in the band above
/// the plot, centred on the line where it fits and kept inside the plot's
/// width, so it covers neither a curve nor the legend.
/// `(x, bottom)` is the marker's foot on the x axis, in canvas pixels.
fn draw_marker<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    band: &DrawingArea<DB, plotters::coord::Shift>,
    (x, bottom): (i32, i32),
    marker: SuggestedMarker<'_>,
    color: RGBColor,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let (band_left, band_top) = band.get_base_pixel();
    let (band_width, band_height) = band.dim_in_pixel();
    let label = marker_label(marker.group, marker.suggestion);
    let size = LABEL_SIZE as f32;
    let width = super::text::layout(&label, size, false)
        .map_or(label.len() as f32 * size * 0.55, |l| l.width)
        .ceil() as i32;
    let left = (x - width / 2)
        .min(band_left + band_width as i32 - width - 16)
        .max(band_left + 4);
    let label_bottom = band_top + band_height as i32 - 6;
    root.draw_text(
        &label,
        &(FONT_FAMILY, LABEL_SIZE).into_font().color(&color).pos(
            plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Left,
                plotters::style::text_anchor::VPos::Bottom,
            ),
        ),
        (left, label_bottom),
    )?;
    // Dashes drawn by hand: plotters' dashed series work in data
    // coordinates, and the line starts in the band above the plot.
    let (dash, gap) = (7, 5);
    let mut y = label_bottom + 3;
    while y < bottom {
        let end = (y + dash).min(bottom);
        root.draw(&PathElement::new(
            vec![(x, y), (x, end)],
            color.stroke_width(2),
        ))?;
        y = end + gap;
    }
    Ok(())
}

/// Draw the chart into a [`WIDTH`]×[`HEIGHT`] PNG at `path`.
fn draw(path: &Path, spec: &SpeedupChart<'_>) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let SpeedupChart {
        suite,
        series,
        baseline,
        cores,
        machine,
        suggested,
    } = *spec;
    let all_points = || series.iter().chain(baseline).flat_map(|s| s.points.iter());
    let max_batch = all_points()
        .map(|p| p.batch)
        .chain(suggested.map(|m| u64::from(m.suggestion.batch)))
        .max()
        .unwrap_or(1)
        .max(2);
    let max_speedup = all_points()
        .map(|p| p.speedup)
        .fold(ideal_speedup(max_batch, cores), f64::max)
        .max(1.0);

    let root = super::style::canvas(path, (WIDTH, HEIGHT));
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (main, footer) = root.split_vertically(HEIGHT - 28);
    let (title_area, main) = main.split_vertically(44);
    title_area
        .draw_text(
            &format!("{suite}: per-item speedup vs batch size (relative to batch 1)"),
            &(FONT_FAMILY, TITLE_SIZE).into_font().color(&BLACK),
            (16, 12),
        )
        .map_err(|e| err(&e))?;
    let (plot_area, legend_area) = main.split_horizontally(WIDTH - LEGEND_WIDTH);
    let (marker_band, plot_area) = if suggested.is_some() {
        plot_area.split_vertically(MARKER_BAND)
    } else {
        plot_area.split_vertically(0)
    };
    let mut chart = ChartBuilder::on(&plot_area)
        .margin(12)
        .x_label_area_size(52)
        .y_label_area_size(64)
        .build_cartesian_2d(
            (0.8f64..max_batch as f64 * 1.25).log_scale().base(2.0),
            0f64..max_speedup * 1.1,
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("batch size (items per call, log scale)")
        .y_desc("speedup per item vs batch 1 (×)")
        .x_label_formatter(&|x| format!("{}", x.round()))
        .y_label_formatter(&|y| crate::format::tick(*y))
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;

    let mut batches: Vec<u64> = std::iter::successors(Some(1u64), |b| Some(b * 2))
        .take_while(|b| *b <= max_batch)
        .chain(all_points().map(|p| p.batch))
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
        .map_err(|e| err(&e))?;

    let color_of = |name: &str| {
        let i = series
            .iter()
            .chain(baseline)
            .position(|s| s.name == name)
            .unwrap_or(0);
        SERIES_COLORS[i % SERIES_COLORS.len()]
    };
    for s in baseline {
        let color = color_of(&s.name);
        chart
            .draw_series(DashedLineSeries::new(
                s.points.iter().map(|p| (p.batch as f64, p.speedup)),
                8,
                6,
                color.mix(0.8).stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(s.points.iter().map(|p| {
                Circle::new(
                    (p.batch as f64, p.speedup),
                    4,
                    color.mix(0.8).stroke_width(2),
                )
            }))
            .map_err(|e| err(&e))?;
    }
    for s in series {
        let color = color_of(&s.name);
        chart
            .draw_series(LineSeries::new(
                s.points.iter().map(|p| (p.batch as f64, p.speedup)),
                color.stroke_width(3),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(
                s.points
                    .iter()
                    .map(|p| Circle::new((p.batch as f64, p.speedup), 5, color.filled())),
            )
            .map_err(|e| err(&e))?;
    }

    if let Some(marker) = suggested {
        let foot = chart.backend_coord(&(f64::from(marker.suggestion.batch), 0.0));
        draw_marker(&root, &marker_band, foot, marker, color_of(marker.group))
            .map_err(|e| err(&e))?;
    }

    // The legend panel: one colour per sweep, then what solid, dashed and
    // grey mean.
    let text_style = (FONT_FAMILY, LABEL_SIZE).into_font();
    let mut names: Vec<&str> = series
        .iter()
        .chain(baseline)
        .map(|s| s.name.as_str())
        .collect();
    names.dedup();
    let mut seen = std::collections::BTreeSet::new();
    names.retain(|n| seen.insert(*n));
    let mut y = 24;
    let max_text = (LEGEND_WIDTH - 48) as f32;
    let line = |y: i32, color: RGBColor, stroke: Stroke| -> Vec<PathElement<(i32, i32)>> {
        match stroke {
            Stroke::Dashed => vec![
                PathElement::new(vec![(8, y), (16, y)], color.stroke_width(2)),
                PathElement::new(vec![(22, y), (30, y)], color.stroke_width(2)),
            ],
            Stroke::Solid => vec![PathElement::new(
                vec![(8, y), (30, y)],
                color.stroke_width(3),
            )],
            Stroke::Vertical => vec![
                PathElement::new(vec![(19, y - 9), (19, y - 3)], color.stroke_width(2)),
                PathElement::new(vec![(19, y + 2), (19, y + 8)], color.stroke_width(2)),
            ],
        }
    };
    let mut entries: Vec<(String, RGBColor, Stroke)> = names
        .iter()
        .map(|n| ((*n).to_owned(), color_of(n), Stroke::Solid))
        .collect();
    entries.push(("solid: this run".to_owned(), NEUTRAL_COLOR, Stroke::Solid));
    if !baseline.is_empty() {
        entries.push(("dashed: baseline".to_owned(), NEUTRAL_COLOR, Stroke::Dashed));
    }
    entries.push((format!("ideal ({cores} cores)"), IDEAL_COLOR, Stroke::Solid));
    if let Some(marker) = suggested {
        entries.push((
            "suggested batch size".to_owned(),
            color_of(marker.group),
            Stroke::Vertical,
        ));
    }
    for (text, color, stroke) in entries {
        for element in line(y, color, stroke) {
            legend_area.draw(&element).map_err(|e| err(&e))?;
        }
        legend_area
            .draw_text(
                &super::comparison::shorten_middle(&text, LABEL_SIZE as f32, max_text),
                &text_style
                    .clone()
                    .color(&BLACK)
                    .pos(plotters::style::text_anchor::Pos::new(
                        plotters::style::text_anchor::HPos::Left,
                        plotters::style::text_anchor::VPos::Center,
                    )),
                (38, y),
            )
            .map_err(|e| err(&e))?;
        y += 24;
    }
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

//! The comparison chart: every compared quantity's relative change with its
//! confidence interval, its threshold marked, regressions and improvements
//! coloured — the whole verdict at a glance.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    FONT_FAMILY, IMPROVED_COLOR, LABEL_SIZE, NEUTRAL_COLOR, REGRESSED_COLOR, TITLE_SIZE,
    chart_error, ensure_font,
};
use crate::compare::{Comparison, Entry, Verdict};
use crate::error::Result;
use crate::stats::{CONFIDENCE_LEVEL, percent};

/// Width of the comparison chart: wider than the others because the row
/// labels (`suite/benchmark metric`) take up to half of it.
pub const WIDTH: u32 = 1280;
/// Pixels per compared quantity.
pub const ROW_HEIGHT: u32 = 24;
/// Pixels for the title, legend, axis and margins around the rows.
pub const CHROME_HEIGHT: u32 = 170;
/// Pixels above the plot for the title and the colour key.
pub const HEADER_HEIGHT: u32 = 72;
/// Changes are drawn within ±this (relative): a +400 % outlier would
/// otherwise squash every interesting ±5 % into one pixel column. Clipped
/// intervals end in an arrow at the edge.
pub const AXIS_LIMIT: f64 = 1.0;
/// Longest row label in characters; longer ones keep their end, which
/// holds the parameter and metric name that tell rows apart.
pub const MAX_LABEL_CHARS: usize = 72;

/// The entries the chart shows: those with a change (new and missing
/// benchmarks have nothing to draw).
pub fn charted_entries(comparison: &Comparison) -> Vec<&Entry> {
    comparison
        .entries
        .iter()
        .filter(|e| e.change.is_some())
        .collect()
}

/// Height of the chart for `rows` charted entries.
pub fn height(rows: usize) -> u32 {
    CHROME_HEIGHT + ROW_HEIGHT * rows.max(1) as u32
}

/// Row label: `suite/benchmark` for times, with the metric name after it.
pub fn row_label(entry: &Entry) -> String {
    let label = match &entry.metric {
        None => format!("{}/{} time", entry.suite, entry.benchmark),
        Some(metric) => format!("{}/{} {metric}", entry.suite, entry.benchmark),
    };
    let chars: Vec<char> = label.chars().collect();
    if chars.len() <= MAX_LABEL_CHARS {
        label
    } else {
        let tail: String = chars[chars.len() - (MAX_LABEL_CHARS - 1)..]
            .iter()
            .collect();
        format!("…{tail}")
    }
}

fn verdict_color(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Regressed => REGRESSED_COLOR,
        Verdict::Improved => IMPROVED_COLOR,
        _ => NEUTRAL_COLOR,
    }
}

/// The change of every compared quantity, one row each.
#[derive(Debug, Clone, Copy)]
pub struct ComparisonChart<'a> {
    pub comparison: &'a Comparison,
}

impl super::Chart for ComparisonChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, height(charted_entries(self.comparison).len()))
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self.comparison)
    }
}

/// Draw the comparison chart at `path`, [`WIDTH`] × [`height`] pixels.
fn draw(path: &Path, comparison: &Comparison) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let entries = charted_entries(comparison);
    let rows = entries.len();
    let height = height(rows);
    let clip = |x: f64| x.clamp(-AXIS_LIMIT, AXIS_LIMIT) * 100.0;
    let extent = entries
        .iter()
        .filter_map(|e| e.change)
        .flat_map(|c| [c.lower, c.upper, c.point])
        .chain(entries.iter().map(|e| e.threshold))
        .filter(|x| x.is_finite() || x.is_infinite())
        .map(|x| clip(x).abs())
        .fold(1.0f64, f64::max)
        * 1.1;

    let root = BitMapBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let label_style = (FONT_FAMILY, LABEL_SIZE - 2).into_font();
    let label_measure = TextStyle::from(label_style.clone());
    let labels: Vec<String> = entries.iter().map(|e| row_label(e)).collect();
    let label_width = labels
        .iter()
        .filter_map(|l| root.estimate_text_size(l, &label_measure).ok())
        .map(|(w, _)| w)
        .max()
        .unwrap_or(0)
        .min(WIDTH / 2)
        + 16;

    let (header, body) = root.split_vertically(HEADER_HEIGHT);
    header
        .draw_text(
            &format!(
                "Change per benchmark and metric, with its {} confidence interval",
                percent(CONFIDENCE_LEVEL)
            ),
            &(FONT_FAMILY, TITLE_SIZE).into_font().color(&BLACK),
            (16, 10),
        )
        .map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&body)
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(label_width)
        .build_cartesian_2d(-extent..extent, -0.5f64..rows.max(1) as f64 - 0.5)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .y_label_formatter(&|_| String::new())
        .x_desc("relative change of the typical value (%); right = larger value")
        .x_label_formatter(&|x| format!("{x:+.0} %"))
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;

    let top = rows.max(1) as f64 - 0.5;
    chart
        .draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, top)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    for (i, entry) in entries.iter().enumerate() {
        let Some(change) = entry.change else { continue };
        let y = (rows - 1 - i) as f64;
        let color = verdict_color(entry.verdict);
        let threshold = clip(entry.threshold);
        for x in [-threshold, threshold] {
            chart
                .draw_series(LineSeries::new(
                    [(x, y - 0.35), (x, y + 0.35)],
                    NEUTRAL_COLOR.mix(0.6).stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
        }
        let (lower, upper, point) = (clip(change.lower), clip(change.upper), clip(change.point));
        chart
            .draw_series(LineSeries::new(
                [(lower, y), (upper, y)],
                color.stroke_width(3),
            ))
            .map_err(|e| err(&e))?;
        chart
            .draw_series(std::iter::once(Circle::new((point, y), 5, color.filled())))
            .map_err(|e| err(&e))?;
        for (end, clipped) in [
            (lower, change.lower < -AXIS_LIMIT),
            (upper, change.upper > AXIS_LIMIT),
        ] {
            if clipped {
                let pixel = chart.backend_coord(&(end, y));
                let dx = if end < 0.0 { -1 } else { 1 };
                root.draw(&Polygon::new(
                    vec![
                        (pixel.0 + 8 * dx, pixel.1),
                        (pixel.0, pixel.1 - 6),
                        (pixel.0, pixel.1 + 6),
                    ],
                    color.filled(),
                ))
                .map_err(|e| err(&e))?;
            }
        }
        let anchor = chart.backend_coord(&(-extent, y));
        root.draw_text(
            &labels[i],
            &label_style
                .clone()
                .color(&color)
                .pos(Pos::new(HPos::Right, VPos::Center)),
            (anchor.0 - 8, anchor.1),
        )
        .map_err(|e| err(&e))?;
    }
    draw_legend(&header, comparison).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The colour key under the title, with the verdict counts.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    comparison: &Comparison,
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = (FONT_FAMILY, LABEL_SIZE).into_font();
    let items = [
        (
            format!("regressed ({})", comparison.count(Verdict::Regressed)),
            REGRESSED_COLOR,
        ),
        (
            format!("improved ({})", comparison.count(Verdict::Improved)),
            IMPROVED_COLOR,
        ),
        (
            format!("unchanged ({})", comparison.count(Verdict::Unchanged)),
            NEUTRAL_COLOR,
        ),
        ("grey ticks: ± threshold".to_owned(), NEUTRAL_COLOR),
    ];
    let mut x = 24;
    let y = 52;
    for (text, color) in items {
        root.draw(&Rectangle::new(
            [(x, y - 6), (x + 12, y + 6)],
            color.filled(),
        ))?;
        root.draw_text(
            &text,
            &style
                .clone()
                .color(&color)
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (x + 18, y),
        )?;
        let width = root
            .estimate_text_size(&text, &TextStyle::from(style.clone()))
            .map(|(w, _)| w as i32)
            .unwrap_or(120);
        x += width + 48;
    }
    Ok(())
}

//! Comparison charts: each compared quantity's relative change with its
//! confidence interval, its threshold marked, regressions and improvements
//! coloured. One chart per suite, and a compact overview of only the
//! entries that changed, so that no chart grows with the whole run.

use std::path::Path;

use plotters::chart::LabelAreaPosition;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    FONT_FAMILY, IMPROVED_COLOR, LABEL_SIZE, NEUTRAL_COLOR, REGRESSED_COLOR, TITLE_SIZE,
    chart_error, ensure_font,
};
use super::text;
use crate::compare::{Comparison, Entry, Verdict};
use crate::error::Result;
use crate::format;
use crate::stats::{CONFIDENCE_LEVEL, percent};

/// Width of a comparison chart: wider than the others because the row
/// labels (`suite/benchmark metric`) take a third of it.
pub const WIDTH: u32 = 1280;
/// Pixels of the row-label column; longer labels are shortened in the
/// middle, keeping the suite in front and the parameter and metric at
/// the end, which tell rows apart.
pub const LABEL_WIDTH: u32 = 430;
/// Pixels per compared quantity.
pub const ROW_HEIGHT: u32 = 22;
/// Pixels above the plot for the title and the colour key.
pub const HEADER_HEIGHT: u32 = 64;
/// Pixels of the axis above the rows (tick labels only).
pub const TOP_AXIS_HEIGHT: u32 = 28;
/// Pixels of the axis below the rows (tick labels and description).
pub const BOTTOM_AXIS_HEIGHT: u32 = 52;
/// Margin around the plot, pixels.
const MARGIN: u32 = 12;
/// Pixels for the title, legend, both axes and margins around the rows.
pub const CHROME_HEIGHT: u32 = HEADER_HEIGHT + TOP_AXIS_HEIGHT + BOTTOM_AXIS_HEIGHT + 2 * MARGIN;
/// Changes are drawn within ±this (relative): a +400 % outlier would
/// otherwise squash every interesting ±5 % into one pixel column. Values
/// beyond it are drawn as an arrow at the edge, labelled with the value.
pub const AXIS_LIMIT: f64 = 1.0;
/// Smallest half-width of the axis (relative): a run of ±0.1 % changes
/// is not magnified into what looks like large ones.
pub const MIN_EXTENT: f64 = 0.01;
/// Point size of row labels.
const ROW_LABEL_SIZE: u32 = LABEL_SIZE - 2;

/// Which entries a chart shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// Every charted entry of one suite.
    Suite(&'a str),
    /// Regressions and improvements of every suite.
    Changed,
}

/// The entries that have a change to draw (new and missing benchmarks
/// have none), in the comparison's order.
pub fn charted_entries(comparison: &Comparison) -> Vec<&Entry> {
    comparison
        .entries
        .iter()
        .filter(|e| e.change.is_some())
        .collect()
}

/// The entries a chart of `scope` shows: within a suite in the
/// comparison's order; the overview with regressions first.
pub fn scoped_entries<'c>(comparison: &'c Comparison, scope: Scope<'_>) -> Vec<&'c Entry> {
    let charted = charted_entries(comparison).into_iter();
    match scope {
        Scope::Suite(suite) => charted.filter(|e| e.suite == suite).collect(),
        Scope::Changed => {
            let mut changed: Vec<&Entry> = charted
                .filter(|e| matches!(e.verdict, Verdict::Regressed | Verdict::Improved))
                .collect();
            changed.sort_by_key(|e| e.verdict != Verdict::Regressed);
            changed
        }
    }
}

/// Height of the chart for `rows` rows.
pub fn height(rows: usize) -> u32 {
    CHROME_HEIGHT + ROW_HEIGHT * rows.max(1) as u32
}

/// Row label: `suite/benchmark` for times, with the metric name after it.
pub fn row_label(entry: &Entry) -> String {
    match &entry.metric {
        None => format!("{}/{} time", entry.suite, entry.benchmark),
        Some(metric) => format!("{}/{} {metric}", entry.suite, entry.benchmark),
    }
}

/// `label` shortened from the middle to at most `max_width` pixels at
/// `size`: the suite (up to the first `/`) stays in front, as much of
/// the end as fits follows an ellipsis.
pub fn shorten_middle(label: &str, size: f32, max_width: f32) -> String {
    let fits = |s: &str| text::layout(s, size, false).is_ok_and(|l| l.width <= max_width);
    if fits(label) {
        return label.to_owned();
    }
    let chars: Vec<char> = label.chars().collect();
    let head = chars
        .iter()
        .position(|&c| c == '/')
        .map_or(0, |i| i + 1)
        .min(chars.len() / 2);
    let head: String = chars[..head].iter().collect();
    // Longest tail that fits: widths only grow with the tail, so bisect.
    let (mut low, mut high) = (0usize, chars.len() - head.chars().count());
    while low < high {
        let mid = (low + high).div_ceil(2);
        let tail: String = chars[chars.len() - mid..].iter().collect();
        if fits(&format!("{head}…{tail}")) {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let tail: String = chars[chars.len() - low..].iter().collect();
    format!("{head}…{tail}")
}

fn verdict_color(verdict: Verdict) -> RGBColor {
    match verdict {
        Verdict::Regressed => REGRESSED_COLOR,
        Verdict::Improved => IMPROVED_COLOR,
        _ => NEUTRAL_COLOR,
    }
}

/// The change of the entries of one [`Scope`], one row each.
#[derive(Debug, Clone, Copy)]
pub struct ComparisonChart<'a> {
    pub comparison: &'a Comparison,
    pub scope: Scope<'a>,
}

impl super::Chart for ComparisonChart<'_> {
    fn size(&self) -> (u32, u32) {
        (
            WIDTH,
            height(scoped_entries(self.comparison, self.scope).len()),
        )
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self.comparison, self.scope)
    }
}

/// Half-width of the axis (percent): the largest drawn value or
/// threshold, within [`MIN_EXTENT`] and [`AXIS_LIMIT`], with room.
fn extent(entries: &[&Entry]) -> f64 {
    entries
        .iter()
        .filter_map(|e| e.change)
        .flat_map(|c| [c.lower, c.upper, c.point])
        .chain(entries.iter().map(|e| e.threshold))
        .filter(|x| !x.is_nan())
        .map(|x| x.abs().min(AXIS_LIMIT))
        .fold(MIN_EXTENT, f64::max)
        * 100.0
        * 1.12
}

/// Draw the chart of `scope` at `path`, [`WIDTH`] × [`height`] pixels.
fn draw(path: &Path, comparison: &Comparison, scope: Scope<'_>) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let entries = scoped_entries(comparison, scope);
    let rows = entries.len();
    let height = height(rows);
    let extent = extent(&entries);
    let limit = AXIS_LIMIT * 100.0;
    let clip = |x: f64| (x * 100.0).clamp(-limit, limit);

    let root = super::style::canvas(path, (WIDTH, height));
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let labels: Vec<String> = entries
        .iter()
        .map(|e| {
            shorten_middle(
                &row_label(e),
                ROW_LABEL_SIZE as f32,
                (LABEL_WIDTH - 16) as f32,
            )
        })
        .collect();

    let (header, body) = root.split_vertically(HEADER_HEIGHT);
    let title = match scope {
        Scope::Suite(suite) => format!(
            "{suite}: change per benchmark and metric, with its {} confidence interval",
            percent(CONFIDENCE_LEVEL)
        ),
        Scope::Changed => format!(
            "Regressions and improvements, with their {} confidence intervals",
            percent(CONFIDENCE_LEVEL)
        ),
    };
    header
        .draw_text(
            &title,
            &(FONT_FAMILY, TITLE_SIZE).into_font().color(&BLACK),
            (16, 10),
        )
        .map_err(|e| err(&e))?;
    let top = rows.max(1) as f64 - 0.5;
    let mut chart = ChartBuilder::on(&body)
        .margin(MARGIN)
        .set_label_area_size(LabelAreaPosition::Top, TOP_AXIS_HEIGHT)
        .set_label_area_size(LabelAreaPosition::Bottom, BOTTOM_AXIS_HEIGHT)
        .set_label_area_size(LabelAreaPosition::Left, LABEL_WIDTH)
        .build_cartesian_2d(-extent..extent, -0.5f64..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .y_label_formatter(&|_| String::new())
        .x_max_light_lines(0)
        .x_label_formatter(&|x| format::change(x / 100.0))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;
    // The axis description once, under the bottom axis (plotters would
    // repeat it over the top axis's tick labels).
    let (left, _) = chart.backend_coord(&(-extent, 0.0));
    let (right, _) = chart.backend_coord(&(extent, 0.0));
    root.draw_text(
        "relative change of the typical value; right = larger value",
        &(FONT_FAMILY, LABEL_SIZE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Bottom)),
        ((left + right) / 2, height as i32 - MARGIN as i32),
    )
    .map_err(|e| err(&e))?;

    // Every other row shaded, so a label is read with its own row.
    let stripes = (0..rows).filter(|i| i % 2 == 1).map(|i| {
        let y = (rows - 1 - i) as f64;
        Rectangle::new(
            [(-extent, y - 0.5), (extent, y + 0.5)],
            RGBColor(0xf3, 0xf3, 0xf3).filled(),
        )
    });
    chart.draw_series(stripes).map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            [(0.0, -0.5), (0.0, top)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    let value_style = (FONT_FAMILY, ROW_LABEL_SIZE).into_font();
    for (i, entry) in entries.iter().enumerate() {
        let Some(change) = entry.change else { continue };
        let y = (rows - 1 - i) as f64;
        let color = verdict_color(entry.verdict);
        let threshold = entry.threshold * 100.0;
        if threshold < extent {
            for x in [-threshold, threshold] {
                chart
                    .draw_series(LineSeries::new(
                        [(x, y - 0.35), (x, y + 0.35)],
                        NEUTRAL_COLOR.mix(0.6).stroke_width(2),
                    ))
                    .map_err(|e| err(&e))?;
            }
        }
        let (lower, upper, point) = (clip(change.lower), clip(change.upper), clip(change.point));
        chart
            .draw_series(LineSeries::new(
                [(lower, y), (upper, y)],
                color.stroke_width(3),
            ))
            .map_err(|e| err(&e))?;
        if point.abs() < limit {
            chart
                .draw_series(std::iter::once(Circle::new((point, y), 5, color.filled())))
                .map_err(|e| err(&e))?;
        }
        // Beyond the axis: one arrow at that edge, labelled with the point
        // estimate when it lies beyond too, else with the interval's end.
        let beyond = [
            (limit, change.upper, change.point > AXIS_LIMIT),
            (-limit, change.lower, change.point < -AXIS_LIMIT),
        ];
        for (edge, end, point_beyond) in beyond {
            if (end * 100.0).abs() <= limit || end.signum() != edge.signum() {
                continue;
            }
            let pixel = chart.backend_coord(&(edge, y));
            let dx = if edge < 0.0 { -1 } else { 1 };
            root.draw(&Polygon::new(
                vec![
                    (pixel.0 + 9 * dx, pixel.1),
                    (pixel.0, pixel.1 - 6),
                    (pixel.0, pixel.1 + 6),
                ],
                color.filled(),
            ))
            .map_err(|e| err(&e))?;
            let anchor = if dx > 0 { HPos::Right } else { HPos::Left };
            let shown = if point_beyond { change.point } else { end };
            root.draw_text(
                &format::change(shown),
                &value_style
                    .clone()
                    .color(&color)
                    .pos(Pos::new(anchor, VPos::Center)),
                (pixel.0 - 8 * dx, pixel.1 - 1),
            )
            .map_err(|e| err(&e))?;
        }
        let anchor = chart.backend_coord(&(-extent, y));
        root.draw_text(
            &labels[i],
            &value_style
                .clone()
                .color(&color)
                .pos(Pos::new(HPos::Right, VPos::Center)),
            (anchor.0 - 8, anchor.1),
        )
        .map_err(|e| err(&e))?;
    }
    draw_legend(&header, &entries).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

/// The colour key under the title, with the counts of the rows shown.
fn draw_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[&Entry],
) -> std::result::Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let style = (FONT_FAMILY, LABEL_SIZE).into_font();
    let count = |verdict| entries.iter().filter(|e| e.verdict == verdict).count();
    let mut items = vec![
        (
            format!("regressed ({})", count(Verdict::Regressed)),
            REGRESSED_COLOR,
            false,
        ),
        (
            format!("improved ({})", count(Verdict::Improved)),
            IMPROVED_COLOR,
            false,
        ),
    ];
    if count(Verdict::Unchanged) > 0 {
        items.push((
            format!("unchanged ({})", count(Verdict::Unchanged)),
            NEUTRAL_COLOR,
            false,
        ));
    }
    items.push(("± threshold".to_owned(), NEUTRAL_COLOR, true));
    let y = 48;
    let mut x = 24;
    for (text, color, is_threshold) in items {
        if is_threshold {
            // The same marks the rows carry: a pair of short grey ticks.
            for tick in [x + 2, x + 12] {
                root.draw(&Rectangle::new(
                    [(tick, y - 7), (tick + 2, y + 7)],
                    NEUTRAL_COLOR.mix(0.6).filled(),
                ))?;
            }
        } else {
            root.draw(&Circle::new((x + 7, y), 5, color.filled()))?;
            root.draw(&Rectangle::new(
                [(x, y - 1), (x + 14, y + 1)],
                color.filled(),
            ))?;
        }
        root.draw_text(
            &text,
            &style
                .clone()
                .color(&color)
                .pos(Pos::new(HPos::Left, VPos::Center)),
            (x + 22, y),
        )?;
        let width = root
            .estimate_text_size(&text, &TextStyle::from(style.clone()))
            .map(|(w, _)| w as i32)
            .unwrap_or(120);
        x += width + 48;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_labels_keep_their_suite_and_end() {
        let label = "tokenization/encode_batch_with_a_very_long_descriptive_name_that_goes_on/parameter_64 peak_heap_bytes";
        let short = shorten_middle(label, 13.0, 300.0);
        assert!(short.starts_with("tokenization/…"), "{short}");
        assert!(short.ends_with("peak_heap_bytes"), "{short}");
        assert!(text::layout(&short, 13.0, false).unwrap().width <= 300.0);
        assert_eq!(shorten_middle("stats/x time", 13.0, 300.0), "stats/x time");
    }
}

//! Trend of one benchmark's (or metric's) typical value over main's
//! commits, from the history store or from committed baseline versions,
//! with its change points marked and the run being judged as the last,
//! distinct point.
//!
//! Text never overlaps at any length of history: the commit labels under
//! the axis are thinned to a step that leaves room for the widest
//! ([`thin_labels`]), and the change-point labels sit in a band above the
//! plot, stacked in rows ([`stack_labels`]); one that fits no row is left
//! to the caption, which lists every change point.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::style::{
    BASELINE_COLOR, CURRENT_COLOR, FONT_FAMILY, HEIGHT, IMPROVED_COLOR, LABEL_SIZE, NEUTRAL_COLOR,
    REGRESSED_COLOR, TITLE_SIZE, WIDTH, chart_error, ensure_font,
};
use super::text;
use crate::error::Result;
use crate::format;
use crate::trend::{Trend, TrendChange, TrendSource, short_commit};

/// Rows of change-point labels above the plot: three fit over the chart
/// without shrinking the plot much; a history with more changes close
/// together than that has the rest in its caption.
pub const CHANGE_LABEL_ROWS: usize = 3;
/// Pixels between neighbouring labels, so two never read as one.
pub const LABEL_GAP: f32 = 12.0;
/// Most stored points drawn with a marker each; beyond, the line alone
/// (at 1 000 points markers would merge into a band).
const MAX_MARKED_POINTS: usize = 80;
/// Height of one row of change-point labels, pixels.
const CHANGE_ROW_HEIGHT: u32 = 20;
/// Point size of commit labels and change-point labels.
const SMALL_SIZE: u32 = LABEL_SIZE - 2;

/// One benchmark's trend with the run being judged.
#[derive(Debug, Clone, Copy)]
pub struct TrendChart<'a> {
    /// The entry shown (`suite/id`, or `suite/benchmark/metric`).
    pub key: &'a str,
    pub trend: &'a Trend,
    /// Typical value of the run being judged (same unit as the trend).
    pub current: Option<f64>,
}

impl super::Chart for TrendChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self)
    }
}

/// What the x axis shows, in words.
fn axis_words(trend: &Trend) -> String {
    match &trend.source {
        TrendSource::Store {
            machine, profile, ..
        } => format!("main's commits on {machine} ({profile}), oldest to newest, then this run"),
        TrendSource::BaselineVersions => {
            "committed baseline versions, oldest to newest, then this run".to_owned()
        }
    }
}

/// The label of a change point on the chart: short commit and change.
pub fn change_label(trend: &Trend, change: &TrendChange) -> String {
    let commit = trend.points.get(change.index).map_or_else(
        || "?".to_owned(),
        |p| {
            p.commit
                .as_deref()
                .map_or_else(|| p.label.clone(), short_commit)
        },
    );
    format!("{commit} {}", format::change(change.change.point))
}

/// The chart in words, for the alternative text and the caption: what it
/// shows, every change point with its commit, subject, change, interval
/// and p, and this run's value.
pub fn describe(key: &str, trend: &Trend, current: Option<f64>) -> String {
    let what = match &trend.metric {
        None => "typical time".to_owned(),
        Some(metric) => metric.clone(),
    };
    let source = match &trend.source {
        TrendSource::Store {
            machine, profile, ..
        } => format!(
            "{} runs of main on {machine} ({profile}) from the history store",
            trend.points.len()
        ),
        TrendSource::BaselineVersions => {
            format!("{} committed versions of the baseline", trend.points.len())
        }
    };
    let mut text = format!("{key}: {what} over {source}");
    if trend.changes.is_empty() {
        text.push_str("; no change point");
    }
    for (i, change) in trend.changes.iter().enumerate() {
        let point = trend.points.get(change.index);
        let commit = point
            .and_then(|p| p.commit.as_deref())
            .map_or_else(|| point.map_or("?", |p| &p.label).to_owned(), short_commit);
        text.push_str(if i == 0 { "; change points: " } else { "; " });
        text.push_str(&format!(
            "{} [{}, {}] since {commit}",
            format::change(change.change.point),
            format::change(change.change.lower),
            format::change(change.change.upper),
        ));
        if let Some(subject) = point.and_then(|p| p.subject.as_deref()) {
            text.push_str(&format!(" ({subject})"));
        }
        text.push_str(&format!(", p = {}", format_p(change.p_value)));
    }
    if let Some(value) = current {
        text.push_str(&format!(
            "; this run: {}",
            format::value(value, &trend.unit)
        ));
    }
    text
}

fn format_p(p: f64) -> String {
    let text = format!("{p:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Which of the labels centred at `centers` (increasing) with `widths`
/// to draw so that no two are closer than `gap`: every `step`-th label
/// from the first, the step the smallest of 1, 2, 5, 10, 20, 50, … that
/// leaves room, and always the last (the run being judged), dropping the
/// regular label next to it where the two would touch.
pub fn thin_labels(centers: &[f32], widths: &[f32], gap: f32) -> Vec<usize> {
    let n = centers.len().min(widths.len());
    if n == 0 {
        return Vec::new();
    }
    let clear =
        |a: usize, b: usize| (centers[b] - centers[a]).abs() >= (widths[a] + widths[b]) / 2.0 + gap;
    let last = n - 1;
    let steps = std::iter::successors(Some(1usize), |s| s.checked_mul(10))
        .flat_map(|s| [s, 2 * s, 5 * s])
        .take_while(|s| *s < 2 * n);
    for step in steps {
        let mut chosen: Vec<usize> = (0..last).step_by(step).collect();
        while chosen.last().is_some_and(|&i| !clear(i, last)) {
            chosen.pop();
        }
        chosen.push(last);
        if chosen.windows(2).all(|pair| clear(pair[0], pair[1])) {
            return chosen;
        }
    }
    vec![last]
}

/// The row (0 = nearest the plot) of each label centred at `centers` with `widths`
/// among `rows` rows, so that labels in one row keep `gap` apart; `None`
/// for a label no row has room for. Labels are placed left to right.
pub fn stack_labels(centers: &[f32], widths: &[f32], gap: f32, rows: usize) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..centers.len().min(widths.len())).collect();
    order.sort_by(|a, b| centers[*a].total_cmp(&centers[*b]));
    let mut right_edges = vec![f32::NEG_INFINITY; rows];
    let mut placed = vec![None; order.len()];
    for i in order {
        let left = centers[i] - widths[i] / 2.0;
        if let Some(row) = right_edges.iter().position(|edge| edge + gap <= left) {
            right_edges[row] = centers[i] + widths[i] / 2.0;
            placed[i] = Some(row);
        }
    }
    placed
}

/// Width of `label` at `size` in pixels, as the chart text draws it.
fn text_width(label: &str, size: u32) -> f32 {
    text::layout(label, size as f32, false)
        .map_or(label.chars().count() as f32 * size as f32, |l| l.width)
}

/// Median of `values` (not empty).
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 0 {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

/// Draw the trend into a [`WIDTH`]×[`HEIGHT`] PNG.
fn draw(path: &Path, spec: &TrendChart<'_>) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let TrendChart {
        key,
        trend,
        current,
    } = *spec;
    let stored = trend.points.len();
    let total = stored + usize::from(current.is_some());
    if total < 2 {
        return Err(err(&"a trend needs at least two points"));
    }

    // Times are scaled to one readable unit; other metrics keep theirs.
    let to_ns = format::time_unit_ns(&trend.unit);
    let all = trend
        .points
        .iter()
        .flat_map(|p| {
            let (low, high) = p.interval.unwrap_or((p.typical, p.typical));
            [p.typical, low, high]
        })
        .chain(current);
    let (smallest, largest) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (divisor, unit) = match to_ns {
        Some(ns) => {
            let (d, u) = format::time_scale(largest * ns);
            (d / ns, u.to_owned())
        }
        None => (1.0, trend.unit.clone()),
    };
    let (low, high) = (smallest / divisor, largest / divisor);
    // A flat history still gets an axis a few percent tall.
    let span = (high - low).max(high.abs() * 0.02).max(f64::MIN_POSITIVE);
    let y_range = (low - 0.08 * span).max(0.0f64.min(low))..high + 0.08 * span;

    let root = super::style::canvas(path, (WIDTH, HEIGHT));
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (title_area, rest) = root.split_vertically(40);
    let band_height = CHANGE_LABEL_ROWS as u32 * CHANGE_ROW_HEIGHT;
    let (_, rest) = rest.split_vertically(if trend.changes.is_empty() {
        8
    } else {
        band_height + 6
    });
    let (plot_area, footer) = rest.split_vertically(rest.dim_in_pixel().1 - 30);
    let what = match &trend.metric {
        None => "typical time".to_owned(),
        Some(metric) => metric.clone(),
    };
    let suffix = match trend.source {
        TrendSource::Store { .. } => format!(": {what} over main's commits"),
        TrendSource::BaselineVersions => format!(": {what} across baseline versions"),
    };
    let title_room = WIDTH as f32 - 32.0 - text_width(&suffix, TITLE_SIZE);
    title_area
        .draw_text(
            &format!(
                "{}{suffix}",
                super::comparison::shorten_middle(key, TITLE_SIZE as f32, title_room)
            ),
            &(FONT_FAMILY, TITLE_SIZE).into_font().color(&BLACK),
            (16, 12),
        )
        .map_err(|e| err(&e))?;

    // The run being judged sits apart from main's runs: a gap of 3 % of
    // the history (at least one point's width), so in a long history it
    // is neither hidden in the last runs nor on the plot's edge.
    let gap = (stored as f64 * 0.03).max(1.0);
    let current_x = stored as f64 - 1.0 + gap;
    let x_of = |i: usize| {
        if i < stored { i as f64 } else { current_x }
    };
    let x_range = -0.5f64..x_of(total - 1) + 0.5 + if current.is_some() { gap / 2.0 } else { 0.0 };
    let mut chart = ChartBuilder::on(&plot_area)
        .margin_left(12)
        .margin_right(24)
        .x_label_area_size(48)
        .y_label_area_size(76)
        .build_cartesian_2d(x_range.clone(), y_range.clone())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .y_labels(8)
        .y_label_formatter(&|y| format::tick(*y))
        .y_desc(match &trend.metric {
            None => format!("typical time per iteration ({unit})"),
            Some(metric) if unit.is_empty() => metric.clone(),
            Some(metric) => format!("{metric} ({unit})"),
        })
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, SMALL_SIZE))
        .draw()
        .map_err(|e| err(&e))?;

    // The 95 % interval of each stored value, as a band.
    if trend.points.iter().all(|p| p.interval.is_some()) {
        let band: Vec<(f64, f64)> = trend
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| Some((i as f64, p.interval?.1 / divisor)))
            .chain(
                trend
                    .points
                    .iter()
                    .enumerate()
                    .rev()
                    .filter_map(|(i, p)| Some((i as f64, p.interval?.0 / divisor))),
            )
            .collect();
        chart
            .draw_series(std::iter::once(Polygon::new(
                band,
                BASELINE_COLOR.mix(0.18).filled(),
            )))
            .map_err(|e| err(&e))?;
    }
    // Each level between change points, at its median: the step a change
    // point names is seen as one even in a noisy history.
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(trend.changes.iter().map(|c| c.index))
        .chain(std::iter::once(stored))
        .collect();
    for pair in bounds.windows(2) {
        let (start, end) = (pair[0], pair[1]);
        if end <= start {
            continue;
        }
        let values: Vec<f64> = trend.points[start..end]
            .iter()
            .map(|p| p.typical / divisor)
            .collect();
        let level = median(&values);
        chart
            .draw_series(DashedLineSeries::new(
                [(start as f64 - 0.5, level), (end as f64 - 0.5, level)],
                6,
                4,
                NEUTRAL_COLOR.stroke_width(1),
            ))
            .map_err(|e| err(&e))?;
    }
    chart
        .draw_series(LineSeries::new(
            trend
                .points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, p.typical / divisor)),
            BASELINE_COLOR.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
    if stored <= MAX_MARKED_POINTS {
        chart
            .draw_series(trend.points.iter().enumerate().map(|(i, p)| {
                Circle::new((i as f64, p.typical / divisor), 4, BASELINE_COLOR.filled())
            }))
            .map_err(|e| err(&e))?;
    }
    if let Some(value) = current {
        let at = (current_x, value / divisor);
        if let Some(last) = trend.points.last() {
            chart
                .draw_series(DashedLineSeries::new(
                    [((stored - 1) as f64, last.typical / divisor), at],
                    5,
                    4,
                    CURRENT_COLOR.stroke_width(2),
                ))
                .map_err(|e| err(&e))?;
        }
        chart
            .draw_series([
                Circle::new(at, 8, CURRENT_COLOR.filled()),
                Circle::new(at, 8, BLACK.stroke_width(2)),
            ])
            .map_err(|e| err(&e))?;
    }

    // Change points: a vertical line between the last run at the old
    // level and the first at the new, its label in the band above.
    let x_range_end = x_range.end;
    let plot_top = chart.backend_coord(&(0.0, y_range.end)).1;
    let plot_bottom = chart.backend_coord(&(0.0, y_range.start)).1;
    let x_px = |x: f64| chart.backend_coord(&(x, y_range.start)).0 as f32;
    let change_x: Vec<f32> = trend
        .changes
        .iter()
        .map(|c| x_px(c.index as f64 - 0.5))
        .collect();
    let change_labels: Vec<String> = trend
        .changes
        .iter()
        .map(|c| change_label(trend, c))
        .collect();
    let change_widths: Vec<f32> = change_labels
        .iter()
        .map(|l| text_width(l, SMALL_SIZE))
        .collect();
    // Labels are centred on their line but kept inside the canvas.
    let clamp =
        |center: f32, width: f32| center.clamp(8.0 + width / 2.0, WIDTH as f32 - 8.0 - width / 2.0);
    let centers: Vec<f32> = change_x
        .iter()
        .zip(&change_widths)
        .map(|(x, w)| clamp(*x, *w))
        .collect();
    let rows = stack_labels(&centers, &change_widths, LABEL_GAP, CHANGE_LABEL_ROWS);
    let band_top = 40 + 2;
    for (i, change) in trend.changes.iter().enumerate() {
        let color = if trend.is_worse(change) {
            REGRESSED_COLOR
        } else {
            IMPROVED_COLOR
        };
        let x = change_x[i] as i32;
        // The line stays in the plot: running up through the band it
        // would cross the labels of other rows. Its label sits above it
        // (row 0 nearest the plot), a short tick at the line's position
        // under the label, inside the label's own span.
        root.draw(&PathElement::new(
            vec![(x, plot_top), (x, plot_bottom)],
            color.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
        if let Some(row) = rows[i] {
            let row_top =
                band_top + ((CHANGE_LABEL_ROWS - 1 - row) as u32 * CHANGE_ROW_HEIGHT) as i32;
            let row_bottom = row_top + CHANGE_ROW_HEIGHT as i32;
            root.draw(&PathElement::new(
                vec![(x, row_bottom - 3), (x, row_bottom)],
                color.stroke_width(2),
            ))
            .map_err(|e| err(&e))?;
            root.draw(&Text::new(
                change_labels[i].clone(),
                (centers[i] as i32, row_top + 1),
                (FONT_FAMILY, SMALL_SIZE)
                    .into_font()
                    .color(&color)
                    .pos(Pos::new(HPos::Center, VPos::Top)),
            ))
            .map_err(|e| err(&e))?;
        }
    }

    // Commit labels under the axis, thinned so none touch.
    let labels: Vec<String> = trend
        .points
        .iter()
        .map(|p| p.label.clone())
        .chain(current.map(|_| "this run".to_owned()))
        .collect();
    let centers: Vec<f32> = (0..total).map(|i| x_px(x_of(i))).collect();
    let widths: Vec<f32> = labels.iter().map(|l| text_width(l, SMALL_SIZE)).collect();
    for i in thin_labels(&centers, &widths, LABEL_GAP) {
        let x = centers[i] as i32;
        root.draw(&PathElement::new(
            vec![(x, plot_bottom), (x, plot_bottom + 5)],
            BLACK.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
        let is_current = current.is_some() && i == total - 1;
        root.draw(&Text::new(
            labels[i].clone(),
            (x, plot_bottom + 8),
            (FONT_FAMILY, SMALL_SIZE)
                .into_font()
                .color(if is_current { &CURRENT_COLOR } else { &BLACK })
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(|e| err(&e))?;
    }
    let plot_left = x_px(-0.5);
    let plot_right = x_px(x_range_end);
    root.draw(&Text::new(
        axis_words(trend),
        (((plot_left + plot_right) / 2.0) as i32, plot_bottom + 28),
        (FONT_FAMILY, LABEL_SIZE)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top)),
    ))
    .map_err(|e| err(&e))?;

    // The legend, in one line under the chart.
    let legend = (FONT_FAMILY, SMALL_SIZE).into_font().color(&NEUTRAL_COLOR);
    let anchor = Pos::new(HPos::Left, VPos::Center);
    let y = 15;
    let mut x = 16;
    let mut entry = |swatch: &dyn Fn(i32) -> Result<()>, words: &str| -> Result<()> {
        swatch(x)?;
        footer
            .draw(&Text::new(
                words.to_owned(),
                (x + 26, y),
                legend.clone().pos(anchor),
            ))
            .map_err(|e| err(&e))?;
        x += 26 + text_width(words, SMALL_SIZE) as i32 + 22;
        Ok(())
    };
    entry(
        &|x| {
            footer
                .draw(&PathElement::new(
                    vec![(x, y), (x + 20, y)],
                    BASELINE_COLOR.stroke_width(2),
                ))
                .map_err(|e| err(&e))
        },
        match trend.source {
            TrendSource::Store { .. } => "main's runs (band: 95 % interval)",
            TrendSource::BaselineVersions => "baseline versions",
        },
    )?;
    entry(
        &|x| {
            footer
                .draw(&Circle::new((x + 10, y), 6, CURRENT_COLOR.filled()))
                .map_err(|e| err(&e))
        },
        "this run",
    )?;
    if !trend.changes.is_empty() {
        entry(
            &|x| {
                footer
                    .draw(&PathElement::new(
                        vec![(x + 10, y - 8), (x + 10, y + 8)],
                        REGRESSED_COLOR.stroke_width(2),
                    ))
                    .map_err(|e| err(&e))
            },
            "change point (commit, change of the median; red worse, green better)",
        )?;
    }
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No two chosen labels touch, at any history length.
    fn assert_clear(centers: &[f32], widths: &[f32], chosen: &[usize]) {
        for pair in chosen.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(
                centers[b] - centers[a] >= (widths[a] + widths[b]) / 2.0 + LABEL_GAP,
                "labels {a} and {b} overlap"
            );
        }
    }

    /// Centres of `n` points spread over a plot `width` pixels wide.
    fn spread(n: usize, width: f32) -> Vec<f32> {
        (0..n)
            .map(|i| 100.0 + width * (i as f32 + 0.5) / n as f32)
            .collect()
    }

    #[test]
    fn commit_labels_are_thinned_at_a_thousand_points() {
        let centers = spread(1001, 870.0);
        let mut widths = vec![text_width("3e5e293", SMALL_SIZE); 1000];
        widths.push(text_width("this run", SMALL_SIZE));
        let chosen = thin_labels(&centers, &widths, LABEL_GAP);
        assert_clear(&centers, &widths, &chosen);
        assert_eq!(chosen.last(), Some(&1000), "this run is always labelled");
        assert_eq!(chosen[0], 0);
        assert!(
            (8..=15).contains(&chosen.len()),
            "{} labels: neither crowded nor bare",
            chosen.len()
        );
        // The regular labels are evenly spaced (one step).
        let steps: Vec<usize> = chosen[..chosen.len() - 1]
            .windows(2)
            .map(|p| p[1] - p[0])
            .collect();
        assert!(steps.windows(2).all(|s| s[0] == s[1]), "{steps:?}");
    }

    #[test]
    fn ten_points_keep_every_label() {
        let centers = spread(11, 870.0);
        let mut widths = vec![text_width("3e5e293", SMALL_SIZE); 10];
        widths.push(text_width("this run", SMALL_SIZE));
        let chosen = thin_labels(&centers, &widths, LABEL_GAP);
        assert_eq!(chosen, (0..11).collect::<Vec<_>>());
        assert_clear(&centers, &widths, &chosen);
        // Baseline versions' longer labels do not fit under every point:
        // every other one, still ending with this run.
        let mut widths = vec![text_width("v10 3e5e293", SMALL_SIZE); 10];
        widths.push(text_width("this run", SMALL_SIZE));
        let chosen = thin_labels(&centers, &widths, LABEL_GAP);
        assert_clear(&centers, &widths, &chosen);
        assert_eq!(chosen, [0, 2, 4, 6, 8, 10]);
    }

    #[test]
    fn labels_wider_than_the_plot_keep_only_this_run() {
        let centers = spread(3, 100.0);
        let widths = vec![400.0; 3];
        assert_eq!(thin_labels(&centers, &widths, LABEL_GAP), vec![2]);
        assert!(thin_labels(&[], &[], LABEL_GAP).is_empty());
    }

    #[test]
    fn change_labels_are_stacked_in_rows_without_overlap() {
        // Four changes within a few pixels, one far away.
        let centers = [300.0, 305.0, 310.0, 315.0, 800.0];
        let widths = [100.0; 5];
        let rows = stack_labels(&centers, &widths, LABEL_GAP, 3);
        assert_eq!(rows, vec![Some(0), Some(1), Some(2), None, Some(0)]);
    }
}

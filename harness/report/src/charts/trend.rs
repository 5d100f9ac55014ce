//! Trend of one benchmark's typical time across the committed versions of
//! its baseline, with this run as the last point.

use std::path::Path;

use plotters::prelude::*;

use super::style::{
    BASELINE_COLOR, CURRENT_COLOR, FONT_FAMILY, HEIGHT, LABEL_SIZE, NEUTRAL_COLOR, TITLE_SIZE,
    WIDTH, chart_error, ensure_font, time_scale,
};
use crate::error::Result;
use crate::run::Run;

/// One point of a trend.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPoint {
    /// What the point is: the baseline version's number and the short
    /// commit it measured (or its creation date), or `this run`.
    pub label: String,
    pub typical_ns: f64,
    /// The run being judged, as opposed to a committed baseline version.
    pub is_current: bool,
}

/// The typical time of benchmark `key` (`suite/id`) in each version of
/// `history` that has it (oldest first), then in `current`.
pub fn trend_points(history: &[Run], current: &Run, key: &str) -> Vec<TrendPoint> {
    let typical_in = |run: &Run| {
        run.benchmarks
            .iter()
            .find(|b| b.key() == key)
            .and_then(|b| b.typical_ns())
    };
    let label_of = |version: usize, run: &Run| match &run.git {
        Some(git) => format!(
            "v{version} {}",
            git.commit.chars().take(7).collect::<String>()
        ),
        None => format!("v{version} {}", run.created_at.date()),
    };
    history
        .iter()
        .enumerate()
        .filter_map(|(i, run)| {
            Some(TrendPoint {
                label: label_of(i + 1, run),
                typical_ns: typical_in(run)?,
                is_current: false,
            })
        })
        .chain(typical_in(current).map(|typical_ns| TrendPoint {
            label: "this run".to_owned(),
            typical_ns,
            is_current: true,
        }))
        .collect()
}

/// Typical time of one benchmark across committed baseline versions.
#[derive(Debug, Clone, Copy)]
pub struct TrendChart<'a> {
    /// `suite/id`.
    pub key: &'a str,
    pub points: &'a [TrendPoint],
}

impl super::Chart for TrendChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self.key, self.points)
    }
}

/// Draw the trend of `key` into a [`WIDTH`]×[`HEIGHT`] PNG.
fn draw(path: &Path, key: &str, points: &[TrendPoint]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    if points.len() < 2 {
        return Err(err(&"a trend needs at least two points"));
    }
    let largest = points.iter().map(|p| p.typical_ns).fold(0.0, f64::max);
    let (divisor, unit) = time_scale(largest);
    let top = largest / divisor * 1.15;
    let labels: Vec<String> = points.iter().map(|p| p.label.clone()).collect();
    let format_x = |x: &i32| {
        usize::try_from(*x)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default()
    };

    let root = super::style::canvas(path, (WIDTH, HEIGHT));
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{key}: typical time across baseline versions"),
            (FONT_FAMILY, TITLE_SIZE),
        )
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(-1i32..points.len() as i32, 0f64..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_labels(points.len() + 2)
        .x_label_formatter(&format_x)
        .x_desc("committed baseline versions, oldest to newest, then this run")
        .y_desc(format!("typical time per iteration ({unit})"))
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (i as i32, p.typical_ns / divisor)),
            NEUTRAL_COLOR.stroke_width(2),
        ))
        .map_err(|e| err(&e))?;
    for (is_current, name, color) in [
        (false, "committed baseline", BASELINE_COLOR),
        (true, "this run", CURRENT_COLOR),
    ] {
        chart
            .draw_series(
                points
                    .iter()
                    .enumerate()
                    .filter(|(_, p)| p.is_current == is_current)
                    .map(|(i, p)| {
                        Circle::new((i as i32, p.typical_ns / divisor), 6, color.filled())
                    }),
            )
            .map_err(|e| err(&e))?
            .label(name)
            .legend(move |(x, y)| Circle::new((x + 8, y), 6, color.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(NEUTRAL_COLOR)
        .label_font((FONT_FAMILY, LABEL_SIZE))
        .draw()
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

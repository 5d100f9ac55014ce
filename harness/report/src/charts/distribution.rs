//! Distribution of one benchmark's per-iteration times, baseline against
//! current: shows whether a change is a shift, a new mode or a longer tail.

use std::path::Path;

use plotters::prelude::*;

use super::style::{
    BASELINE_COLOR, CURRENT_COLOR, FONT_FAMILY, HEIGHT, LABEL_SIZE, NEUTRAL_COLOR, TITLE_SIZE,
    WIDTH, chart_error, ensure_font, time_scale,
};
use crate::error::Result;
use crate::run::Benchmark;
use crate::stats::{TYPICAL_QUANTILE, percent, quantile_of_sorted};

/// Histogram bins: with 100–300 samples a side, 40 bins keep a few samples
/// per bin near the mode while still showing a second mode.
pub const BINS: usize = 40;

/// Samples above this quantile of both sides pooled are left out of the
/// histogram (and counted in the footer): one descheduled sample at 10×
/// would otherwise squash the whole distribution into the first bin.
pub const CLIP_QUANTILE: f64 = 0.99;

/// Share of each side's samples per bin, in percent, over common bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    /// Lower edge of the first bin and the bin width, ns.
    pub start: f64,
    pub width: f64,
    pub baseline: Vec<f64>,
    pub current: Vec<f64>,
    /// Samples above the clip point, per side.
    pub clipped: (usize, usize),
}

/// Common-bin histograms of two samples; `None` when either is empty.
pub fn histogram(baseline: &[f64], current: &[f64]) -> Option<Histogram> {
    if baseline.is_empty() || current.is_empty() {
        return None;
    }
    let mut pooled: Vec<f64> = baseline.iter().chain(current).copied().collect();
    pooled.sort_by(f64::total_cmp);
    let start = pooled[0];
    let end = quantile_of_sorted(&pooled, CLIP_QUANTILE)?;
    let width = ((end - start) / BINS as f64).max(f64::MIN_POSITIVE);
    let shares = |xs: &[f64]| {
        let mut counts = vec![0usize; BINS];
        let mut clipped = 0;
        for &x in xs {
            if x > end {
                clipped += 1;
                continue;
            }
            let bin = (((x - start) / width) as usize).min(BINS - 1);
            counts[bin] += 1;
        }
        let n = xs.len() as f64;
        (
            counts.into_iter().map(|c| c as f64 * 100.0 / n).collect(),
            clipped,
        )
    };
    let (baseline_shares, baseline_clipped) = shares(baseline);
    let (current_shares, current_clipped) = shares(current);
    Some(Histogram {
        start,
        width,
        baseline: baseline_shares,
        current: current_shares,
        clipped: (baseline_clipped, current_clipped),
    })
}

/// Baseline vs current samples of one benchmark.
#[derive(Debug, Clone, Copy)]
pub struct DistributionChart<'a> {
    /// `suite/id`.
    pub key: &'a str,
    pub baseline: &'a [f64],
    pub current: &'a [f64],
}

impl super::Chart for DistributionChart<'_> {
    fn size(&self) -> (u32, u32) {
        (WIDTH, HEIGHT)
    }

    fn draw(&self, path: &Path) -> Result<()> {
        draw(path, self.key, self.baseline, self.current)
    }
}

/// Draw the distributions of `key`'s samples into a [`WIDTH`]×[`HEIGHT`] PNG.
fn draw(path: &Path, key: &str, baseline: &[f64], current: &[f64]) -> Result<()> {
    let err = |e: &dyn std::fmt::Display| chart_error(path, e);
    ensure_font().map_err(|e| err(&e))?;
    let Some(hist) = histogram(baseline, current) else {
        return Err(err(&"a distribution chart needs samples on both sides"));
    };
    let end = hist.start + hist.width * BINS as f64;
    let (divisor, unit) = time_scale(end);
    let top = hist
        .baseline
        .iter()
        .chain(&hist.current)
        .copied()
        .fold(1.0f64, f64::max)
        * 1.4;
    let typical = |xs: &[f64]| Benchmark::TYPICAL.of(xs).unwrap_or(0.0);

    let root = super::style::canvas(path, (WIDTH, HEIGHT));
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let (plot_area, footer) = root.split_vertically(HEIGHT - 28);
    let mut chart = ChartBuilder::on(&plot_area)
        .caption(
            super::comparison::shorten_middle(
                &format!("{key}: time per iteration, baseline vs current"),
                TITLE_SIZE as f32,
                (WIDTH - 40) as f32,
            ),
            (FONT_FAMILY, TITLE_SIZE),
        )
        .margin(16)
        .x_label_area_size(56)
        .y_label_area_size(72)
        .build_cartesian_2d(hist.start / divisor..end / divisor, 0f64..top)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc(format!("time per iteration ({unit})"))
        .y_desc("share of samples (%)")
        .x_label_formatter(&|x| crate::format::tick(*x))
        .y_label_formatter(&|y| crate::format::tick(*y))
        .axis_desc_style((FONT_FAMILY, LABEL_SIZE))
        .label_style((FONT_FAMILY, LABEL_SIZE - 2))
        .draw()
        .map_err(|e| err(&e))?;
    let sides = [
        ("baseline", &hist.baseline, BASELINE_COLOR, baseline),
        ("current", &hist.current, CURRENT_COLOR, current),
    ];
    for (name, shares, color, samples) in sides {
        let bar = |(i, share): (usize, &f64)| {
            let x0 = (hist.start + hist.width * i as f64) / divisor;
            Rectangle::new(
                [(x0, 0.0), (x0 + hist.width / divisor, *share)],
                color.mix(0.35).filled(),
            )
        };
        chart
            .draw_series(shares.iter().enumerate().map(bar))
            .map_err(|e| err(&e))?
            .label(format!(
                "{name}: n = {}, typical ({} quantile) = {}",
                samples.len(),
                percent(TYPICAL_QUANTILE),
                crate::format::time(typical(samples))
            ))
            .legend(move |(x, y)| {
                Rectangle::new([(x, y - 6), (x + 16, y + 6)], color.mix(0.6).filled())
            });
        let t = typical(samples) / divisor;
        chart
            .draw_series(LineSeries::new([(t, 0.0), (t, top)], color.stroke_width(2)))
            .map_err(|e| err(&e))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(NEUTRAL_COLOR)
        .label_font((FONT_FAMILY, LABEL_SIZE))
        .draw()
        .map_err(|e| err(&e))?;
    footer
        .draw_text(
            &format!(
                "Vertical lines: each side's typical value. Samples above the pooled {} % quantile not shown: {} baseline, {} current.",
                CLIP_QUANTILE * 100.0,
                hist.clipped.0,
                hist.clipped.1
            ),
            &(FONT_FAMILY, 12).into_font().color(&NEUTRAL_COLOR),
            (16, 6),
        )
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

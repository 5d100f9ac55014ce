//! What every chart shares: the bundled font, the palette, sizes, and the
//! conversion of plotters' errors into the library's error.

use std::path::Path;
use std::sync::OnceLock;

use plotters::style::{FontStyle, RGBColor, register_font};

use crate::error::Error;

/// Font family every chart draws with. plotters' own defaults (axis labels,
/// legends) ask for `sans-serif`, so the bundled font is registered under
/// that name and nothing falls through to a system font lookup.
pub const FONT_FAMILY: &str = "sans-serif";

/// Width of every chart except where a chart says otherwise, in pixels:
/// readable on a laptop screen and in a GitHub comment without scaling.
pub const WIDTH: u32 = 1000;
/// Height of the fixed-size charts (speedup, distribution, trend), pixels.
pub const HEIGHT: u32 = 560;

/// Point size of chart titles.
pub const TITLE_SIZE: u32 = 22;
/// Point size of axis descriptions, tick labels and legends.
pub const LABEL_SIZE: u32 = 15;

pub const BASELINE_COLOR: RGBColor = RGBColor(0x1f, 0x77, 0xb4);
pub const CURRENT_COLOR: RGBColor = RGBColor(0xe4, 0x6c, 0x0a);
pub const REGRESSED_COLOR: RGBColor = RGBColor(0xc6, 0x28, 0x28);
pub const IMPROVED_COLOR: RGBColor = RGBColor(0x2e, 0x7d, 0x32);
pub const NEUTRAL_COLOR: RGBColor = RGBColor(0x61, 0x61, 0x61);
pub const IDEAL_COLOR: RGBColor = RGBColor(0x9e, 0x9e, 0x9e);
/// Colours of successive series (batch groups), distinguishable in print.
pub const SERIES_COLORS: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xe4, 0x6c, 0x0a),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xd6, 0x27, 0x28),
];

/// Register DejaVu Sans (compiled into the binary by the `dejavu` crate)
/// with plotters once per process. Headless CI machines often have no
/// fonts at all; text drawn through fontconfig would come out empty.
pub fn ensure_font() -> Result<(), String> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let invalid = |_| "the bundled DejaVu Sans font could not be parsed".to_owned();
            register_font(FONT_FAMILY, FontStyle::Normal, dejavu::sans::regular())
                .map_err(invalid)?;
            register_font(FONT_FAMILY, FontStyle::Bold, dejavu::sans::bold()).map_err(invalid)
        })
        .clone()
}

/// A drawing error of the chart at `path`, as the library's error.
pub fn chart_error(path: &Path, problem: impl std::fmt::Display) -> Error {
    Error::Chart {
        path: path.to_path_buf(),
        problem: problem.to_string(),
    }
}

pub use super::text::canvas;
pub use crate::format::time_scale;

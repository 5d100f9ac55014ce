//! PNG charts of runs and comparisons, drawn with plotters: one file per
//! chart kind, each a pure data function (tested) plus a type that holds
//! that data and implements [`Chart`].
//!
//! Architecture Invariant: charts only draw what they are given; choosing
//! which charts a report has, and where they go, is `report`'s job.

use std::path::Path;

use crate::error::Result;

pub mod comparison;
pub mod distribution;
pub mod speedup;
pub mod style;
pub mod text;
pub mod trend;

pub use comparison::ComparisonChart;
pub use distribution::DistributionChart;
pub use speedup::SpeedupChart;
pub use trend::TrendChart;

/// A chart: its data in, one PNG out.
pub trait Chart {
    /// Width and height of the PNG, pixels.
    fn size(&self) -> (u32, u32);
    /// Draw the PNG at `path`.
    fn draw(&self, path: &Path) -> Result<()>;
}

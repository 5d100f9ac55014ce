//! PNG charts of runs and comparisons, drawn with plotters: one file per
//! chart kind, each with a pure data function (tested) and a `draw`.
//!
//! Architecture Invariant: charts only draw what they are given; choosing
//! which charts a report has, and where they go, is `report`'s job.

pub mod comparison;
pub mod distribution;
pub mod speedup;
pub mod style;
pub mod trend;

//! benchgate: turns criterion benchmark runs into versioned baselines,
//! statistically sound verdicts, reports and a CI exit code.
//!
//! This crate is the command line (`src/main.rs`) and one namespace over
//! the crates that do the work, each a role with its own dependencies:
//! `benchgate-stats` (pure statistics), `benchgate-core` (model, formats,
//! comparison, orchestration) and `benchgate-report` (tables, pages,
//! charts, exports). The compiler enforces that data flows one way:
//! statistics know nothing of runs, the core nothing of rendering.

pub use benchgate_core::*;
/// The history store (issue 19): `benchgate-history`.
pub use benchgate_history as history_store;
pub use benchgate_report::{artifact, charts, export, render, report};

//! benchgate's renderers: comparisons and runs in, text and files out —
//! the terminal table, the Markdown summary and the HTML page
//! ([`render`]), one PNG per chart kind ([`charts`]), one export format
//! per file ([`export`]), and the report directory that holds them
//! ([`report`], file names from [`artifact`]).
//!
//! The model is `benchgate-core`'s; its modules are re-exported here under
//! their own names so that renderers read `crate::compare`, `crate::run`.

pub mod artifact;
pub mod charts;
pub mod export;
pub mod format;
pub mod render;
pub mod report;

pub use benchgate_core::{
    Error, Result, compare, config, error, machine, run, select, source, stats, store, trend,
};

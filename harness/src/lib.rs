//! benchgate: turns criterion benchmark runs into versioned baselines,
//! statistically sound verdicts, reports and a CI exit code.
//!
//! The roles are separate, as in rustc-perf: [`runner`] and [`collect`]
//! gather measurements, [`store`] keeps runs and baselines, [`compare`] (with
//! the pure [`stats`]) decides, [`render`], [`charts`], [`export`] and [`report`] show, and [`gate`] strings them
//! together for CI.

pub mod ab;
pub mod artifact;
pub mod assess;
pub mod calibrate;
pub mod charts;
pub mod collect;
pub mod compare;
pub mod config;
pub mod criterion;
pub mod error;
pub mod export;
pub mod gate;
pub mod git;
pub mod history;
pub mod iai;
pub mod machine;
pub mod paired;
pub mod provenance;
pub mod render;
pub mod report;
pub mod run;
pub mod runner;
pub mod stats;
pub mod store;
pub mod verdict;
pub mod workspace;

pub use error::{Error, Result};

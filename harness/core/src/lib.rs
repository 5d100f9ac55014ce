//! benchgate's core: the run model and the foreign formats it is read
//! from, the comparison that reaches verdicts, and the orchestration that
//! runs suites for the gate and for A/B runs.
//!
//! The roles are separate, as in rustc-perf: [`runner`] and [`collect`]
//! gather measurements (labelled with the caller's [`provenance`]),
//! [`store`] and [`history`] keep runs and baselines, [`compare`] and
//! [`assess`] decide (with the pure statistics of `benchgate-stats`,
//! re-exported as [`stats`] and [`paired`]), and [`gate`], [`ab`] and
//! [`calibrate`] string them together. Showing is `benchgate-report`'s.

pub mod ab;
pub mod assess;
pub mod batch_fit;
pub mod calibrate;
pub mod codegen;
pub mod collect;
pub mod compare;
pub mod config;
pub mod criterion;
pub mod error;
pub mod exec_path;
pub mod fixture;
pub mod gate;
pub mod git;
pub mod history;
pub mod iai;
pub mod input;
pub mod layout;
pub mod machine;
pub mod prcheck;
pub mod progress;
pub mod provenance;
pub mod run;
pub mod runner;
pub mod select;
pub mod shard;
pub mod source;
pub mod store;
pub mod trend;
pub mod verdict;
pub mod workspace;

pub use benchgate_stats::{modes, paired, stats};
pub use error::{Error, Result};

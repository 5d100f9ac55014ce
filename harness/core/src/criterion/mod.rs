//! Criterion's on-disk output: its file formats and the reader that turns a
//! criterion directory tree into benchgate benchmark records.

pub mod format;
mod read;

pub use read::{CriterionBenchmark, read_criterion_tree};

//! Criterion's output: its on-disk file formats and the reader that turns a
//! criterion directory tree into benchgate benchmark records, and the JSON
//! messages of `cargo criterion`.

pub mod format;
mod messages;
mod read;

pub use messages::read_cargo_criterion_messages;
pub use read::{CriterionBenchmark, read_criterion_tree};

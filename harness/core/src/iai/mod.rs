//! iai-callgrind's machine-readable summaries: their format and the reader
//! that turns them into instruction-count metrics.

pub mod callgrind_out;
pub mod format;
mod read;

pub use read::{execution_digest, read_iai_tree};

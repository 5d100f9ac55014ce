//! benchgate's statistics, pure: numbers in, numbers out, no I/O and no
//! knowledge of runs or files. [`stats`] compares two samples (typical
//! value, bootstrap interval of the change, Mann–Whitney U, p-value
//! adjustment); [`paired`] judges interleaved A/B rounds (Hodges–Lehmann,
//! Wilcoxon signed-rank); [`modes`] finds processes that settled at
//! different speeds. Every statistical constant is named here with
//! the reason for its value.

pub mod changepoint;
pub mod modes;
pub mod paired;
pub mod stats;

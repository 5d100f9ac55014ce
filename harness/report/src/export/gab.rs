//! github-action-benchmark export (`--format gab` and `--format
//! gab-bigger`): the arrays its `customSmallerIsBetter` and
//! `customBiggerIsBetter` tools read, one direction per file because the
//! action takes one tool per file.
//!
//! Each element is this run's typical value of one benchmark or metric;
//! `extra` carries benchgate's change, interval and verdict so the
//! action's page shows them beside its own chart.

use serde::{Deserialize, Serialize};

use super::Exporter;
use crate::compare::{Comparison, Entry};
use crate::error::{Error, Result};
use crate::run::Direction;

/// One element of a github-action-benchmark custom-tool array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GabEntry {
    pub name: String,
    pub unit: String,
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<String>,
}

/// The element name of an entry: its key, with the metric after a colon
/// so that a metric never reads as part of a benchmark id.
pub fn gab_name(entry: &Entry) -> String {
    match &entry.metric {
        None => format!("{}/{}", entry.suite, entry.benchmark),
        Some(metric) => format!("{}/{}: {metric}", entry.suite, entry.benchmark),
    }
}

/// Exports the entries of one direction: `LowerIsBetter` for the
/// `customSmallerIsBetter` tool (`--format gab`), `HigherIsBetter` for
/// `customBiggerIsBetter` (`--format gab-bigger`).
#[derive(Debug, Clone, Copy)]
pub struct GabExporter {
    pub direction: Direction,
}

impl Exporter for GabExporter {
    fn export(&self, comparison: &Comparison) -> Result<String> {
        let entries: Vec<GabEntry> = comparison
            .entries
            .iter()
            .filter(|e| e.direction == self.direction)
            .filter_map(|entry| {
                Some(GabEntry {
                    name: gab_name(entry),
                    unit: entry.unit.clone(),
                    value: entry.current?,
                    extra: Some(format!(
                        "{} vs base {}: {}",
                        crate::render::format_change(entry),
                        comparison.baseline.short_commit(),
                        entry.verdict.label()
                    )),
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&entries).map_err(|e| Error::Export {
            format: "gab",
            problem: e.to_string(),
        })?;
        text.push('\n');
        Ok(text)
    }

    fn extension(&self) -> &'static str {
        "json"
    }
}

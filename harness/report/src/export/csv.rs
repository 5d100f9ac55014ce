//! CSV export: one row per compared quantity, flat columns for spreadsheets
//! and scripts; [`parse_csv`] reads it back.

use serde::{Deserialize, Serialize};

use super::Exporter;
use crate::compare::{Comparison, Confirmation, Entry, Verdict};
use crate::error::{Error, Result};
use crate::run::Direction;

/// One row of the CSV: an [`Entry`] with its change spelled out in columns.
/// Empty cells are absent values (no baseline, no test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvRow {
    pub suite: String,
    pub benchmark: String,
    /// Empty for the benchmark's time; the metric's name otherwise.
    pub metric: Option<String>,
    pub unit: String,
    pub direction: Direction,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    pub change: Option<f64>,
    pub change_lower: Option<f64>,
    pub change_upper: Option<f64>,
    pub p_value: Option<f64>,
    pub p_adjusted: Option<f64>,
    pub baseline_samples: usize,
    pub current_samples: usize,
    pub threshold: f64,
    /// The comparison's own verdict, before any confirmation.
    pub first_verdict: Verdict,
    /// How a flagged regression was confirmed (`paired`, `remeasured`);
    /// empty when it was not.
    pub confirmed_by: Option<String>,
    /// The confirmation's change (paired: its Hodges–Lehmann estimate).
    pub confirmation_change: Option<f64>,
    /// The confirmation's p-value (paired: Wilcoxon; re-measured: adjusted).
    pub confirmation_p: Option<f64>,
    /// The verdict that counts.
    pub verdict: Verdict,
}

impl From<&Entry> for CsvRow {
    fn from(entry: &Entry) -> Self {
        Self {
            suite: entry.suite.clone(),
            benchmark: entry.benchmark.clone(),
            metric: entry.metric.clone(),
            unit: entry.unit.clone(),
            direction: entry.direction,
            baseline: entry.baseline,
            current: entry.current,
            change: entry.change.map(|c| c.point),
            change_lower: entry.change.map(|c| c.lower),
            change_upper: entry.change.map(|c| c.upper),
            p_value: entry.p_value,
            p_adjusted: entry.p_adjusted,
            baseline_samples: entry.baseline_samples,
            current_samples: entry.current_samples,
            threshold: entry.threshold,
            first_verdict: entry.first_verdict,
            confirmed_by: entry.confirmation.as_ref().map(|c| {
                match c {
                    Confirmation::Paired { .. } => "paired",
                    Confirmation::Remeasured { .. } => "remeasured",
                    Confirmation::Placement { .. } => "placement",
                }
                .to_owned()
            }),
            confirmation_change: entry.confirmation.as_ref().and_then(|c| match c {
                Confirmation::Paired { change, .. } => Some(change.point),
                Confirmation::Remeasured { change, .. } => change.map(|c| c.point),
                Confirmation::Placement { .. } => None,
            }),
            confirmation_p: entry.confirmation.as_ref().and_then(|c| match c {
                Confirmation::Paired { p_value, .. } => Some(*p_value),
                Confirmation::Remeasured { p_adjusted, .. } => *p_adjusted,
                Confirmation::Placement { .. } => None,
            }),
            verdict: entry.verdict,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CsvExporter;

impl Exporter for CsvExporter {
    fn export(&self, comparison: &Comparison) -> Result<String> {
        let failed = |problem: String| Error::Export {
            format: "csv",
            problem,
        };
        let mut writer = ::csv::Writer::from_writer(Vec::new());
        for entry in &comparison.entries {
            writer
                .serialize(CsvRow::from(entry))
                .map_err(|e| failed(e.to_string()))?;
        }
        let bytes = writer.into_inner().map_err(|e| failed(e.to_string()))?;
        String::from_utf8(bytes).map_err(|e| failed(e.to_string()))
    }

    fn extension(&self) -> &'static str {
        "csv"
    }
}

/// Read a CSV written by [`CsvExporter`] back into rows.
pub fn parse_csv(text: &str) -> std::result::Result<Vec<CsvRow>, ::csv::Error> {
    ::csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .collect()
}

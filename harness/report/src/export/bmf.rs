//! Bencher Metric Format export (`--format bmf`): this run's typical value
//! of every benchmark and metric, keyed by benchmark and measure, as
//! `bencher run --adapter json` reads it.
//!
//! Bencher keeps its own history and thresholds, so the document holds the
//! head side's values only, not benchgate's verdicts. Wall times are the
//! `latency` measure in nanoseconds and iai-callgrind's counts map to
//! Bencher's built-in measures; every other metric is a custom measure
//! named as the suite named it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Exporter;
use crate::compare::{Comparison, Entry};
use crate::error::{Error, Result};

/// One measure's value in a BMF document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BmfValue {
    pub value: f64,
}

/// A BMF document: benchmark name → measure slug → value.
pub type BmfDocument = BTreeMap<String, BTreeMap<String, BmfValue>>;

/// iai-callgrind metric names and the Bencher measures they are.
const BUILT_IN_MEASURES: [(&str, &str); 4] = [
    ("callgrind.Ir", "instructions"),
    ("callgrind.EstimatedCycles", "estimated-cycles"),
    ("callgrind.L1misses", "l1-misses"),
    ("callgrind.LLmisses", "ll-misses"),
];

/// The BMF benchmark name and measure of an entry.
pub fn bmf_key(entry: &Entry) -> (String, String) {
    let name = format!("{}/{}", entry.suite, entry.benchmark);
    let measure = match &entry.metric {
        None => "latency".to_owned(),
        Some(metric) => BUILT_IN_MEASURES
            .iter()
            .find(|(from, _)| from == metric)
            .map_or_else(|| metric.clone(), |(_, to)| (*to).to_owned()),
    };
    (name, measure)
}

#[derive(Debug, Clone, Copy, Default)]
pub struct BmfExporter;

impl Exporter for BmfExporter {
    fn export(&self, comparison: &Comparison) -> Result<String> {
        let mut document = BmfDocument::new();
        for entry in &comparison.entries {
            // A benchmark missing from this run has no value to report.
            let Some(value) = entry.current else { continue };
            let (name, measure) = bmf_key(entry);
            if document
                .entry(name.clone())
                .or_default()
                .insert(measure.clone(), BmfValue { value })
                .is_some()
            {
                return Err(Error::Export {
                    format: "bmf",
                    problem: format!("{name} has two values for the measure `{measure}`"),
                });
            }
        }
        let mut text = serde_json::to_string_pretty(&document).map_err(|e| Error::Export {
            format: "bmf",
            problem: e.to_string(),
        })?;
        text.push('\n');
        Ok(text)
    }

    fn extension(&self) -> &'static str {
        "json"
    }
}

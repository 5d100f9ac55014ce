//! JSON export: the comparison as benchgate holds it, with a schema version
//! so that consumers can refuse a layout they do not know.

use serde::Serialize;

use super::Exporter;
use crate::compare::Comparison;
use crate::error::{Error, Result};

/// Version of the exported JSON layout; bumped on incompatible changes.
/// 2: entries carry `kind`, `first_verdict` and `confirmation`; notes are
/// typed objects (`{"kind": ...}`) instead of sentences.
pub const JSON_SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Clone, Copy, Default)]
pub struct JsonExporter;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    #[serde(flatten)]
    comparison: &'a Comparison,
}

impl Exporter for JsonExporter {
    fn export(&self, comparison: &Comparison) -> Result<String> {
        let mut text = serde_json::to_string_pretty(&Document {
            schema_version: JSON_SCHEMA_VERSION,
            comparison,
        })
        .map_err(|e| Error::Export {
            format: "json",
            problem: e.to_string(),
        })?;
        text.push('\n');
        Ok(text)
    }

    fn extension(&self) -> &'static str {
        "json"
    }
}

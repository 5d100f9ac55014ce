//! Markdown export: the same document as `reports/summary.md`.

use super::Exporter;
use crate::compare::Comparison;
use crate::error::Result;
use crate::render;

#[derive(Debug, Clone, Copy, Default)]
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn export(&self, comparison: &Comparison) -> Result<String> {
        Ok(render::markdown::render(comparison))
    }

    fn extension(&self) -> &'static str {
        "md"
    }
}

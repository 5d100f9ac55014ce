//! Comparison results as files for other tools and people: one format per
//! file behind the small [`Exporter`] trait (hyperfine's layout).

mod csv;
mod json;
mod markdown;

pub use self::csv::{CsvExporter, CsvRow, parse_csv};
pub use self::json::{JSON_SCHEMA_VERSION, JsonExporter};
pub use self::markdown::MarkdownExporter;

use crate::compare::Comparison;
use crate::error::Result;

/// Turns a comparison into the bytes of one file format.
pub trait Exporter {
    /// The whole document.
    fn export(&self, comparison: &Comparison) -> Result<String>;
    /// File extension without the dot, e.g. `csv`.
    fn extension(&self) -> &'static str;
}

/// The formats `benchgate compare --format` offers and every report
/// writes beside its page. Adding one: a file here and a variant here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
    Csv,
    #[value(name = "md")]
    Markdown,
}

impl ExportFormat {
    /// Every format, in the order a report lists its downloads.
    pub const ALL: [Self; 3] = [Self::Json, Self::Csv, Self::Markdown];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Markdown => "md",
        }
    }

    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Self::Json => Box::new(JsonExporter),
            Self::Csv => Box::new(CsvExporter),
            Self::Markdown => Box::new(MarkdownExporter),
        }
    }
}

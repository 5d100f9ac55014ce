//! Comparison results as files for other tools and people: one format per
//! file behind the small [`Exporter`] trait (hyperfine's layout).

mod bmf;
mod csv;
mod gab;
mod json;
mod markdown;

pub use self::bmf::{BmfDocument, BmfExporter, BmfValue, bmf_key};
pub use self::csv::{CsvExporter, CsvRow, parse_csv};
pub use self::gab::{GabEntry, GabExporter, gab_name};
pub use self::json::{JSON_SCHEMA_VERSION, JsonExporter};
pub use self::markdown::MarkdownExporter;

use crate::compare::Comparison;
use crate::error::Result;
use crate::run::Direction;

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
    // Bencher Metric Format (`bencher run --adapter json`).
    Bmf,
    // github-action-benchmark, `customSmallerIsBetter` entries.
    Gab,
    // github-action-benchmark, `customBiggerIsBetter` entries.
    #[value(name = "gab-bigger")]
    GabBigger,
}

impl ExportFormat {
    /// The formats every report writes, in the order it lists its
    /// downloads (as `comparison.<extension>`). The other tools' formats
    /// are JSON too and would take the same file name: they are written on
    /// request (`--format`) only.
    pub const ALL: [Self; 3] = [Self::Json, Self::Csv, Self::Markdown];

    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Markdown => "md",
            Self::Bmf => "bmf",
            Self::Gab => "gab",
            Self::GabBigger => "gab-bigger",
        }
    }

    pub fn exporter(self) -> Box<dyn Exporter> {
        match self {
            Self::Json => Box::new(JsonExporter),
            Self::Csv => Box::new(CsvExporter),
            Self::Markdown => Box::new(MarkdownExporter),
            Self::Bmf => Box::new(BmfExporter),
            Self::Gab => Box::new(GabExporter {
                direction: Direction::LowerIsBetter,
            }),
            Self::GabBigger => Box::new(GabExporter {
                direction: Direction::HigherIsBetter,
            }),
        }
    }
}

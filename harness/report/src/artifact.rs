//! What a report's files are, shared by the code that writes them
//! (`report`) and the code that links them (`render::html`): chart
//! descriptions and safe file names. A neutral module, so neither of the
//! two imports the other.

/// Directory under the report directory that holds the charts.
pub const CHARTS_DIR: &str = "charts";
/// The page's file name.
pub const INDEX_FILE: &str = "index.html";
/// Longest file stem made from a benchmark id, before its hash suffix:
/// file systems allow 255 bytes, and people read the start.
const MAX_STEM_CHARS: usize = 80;

/// What a chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChartKind {
    /// Change of the compared quantities of one suite (`Some`), or of
    /// every regression and improvement (`None`, the overview).
    Comparison { suite: Option<String> },
    /// Speedup vs batch size of a suite.
    Speedup { suite: String },
    /// Baseline vs current samples of a regressed or improved benchmark.
    Distribution { suite: String, key: String },
    /// Typical value of a changed entry (`key`: `compare::Entry::key`)
    /// over main's commits, from the history store or the baseline's
    /// committed versions.
    Trend { suite: String, key: String },
}

/// One chart written into the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartFile {
    /// Path relative to the report directory, `/`-separated (a link).
    pub link: String,
    pub width: u32,
    pub height: u32,
    /// Alternative text: what the chart shows.
    pub alt: String,
    pub kind: ChartKind,
}

/// A file-name stem made from a benchmark id or suite name: only ASCII
/// letters, digits, `-` and `_` (so no `/`, no `..`, nothing a shell or a
/// browser reinterprets), plus a hash of the original when anything was
/// changed, so that `a/b` and `a_b` still get different files.
pub fn file_stem(name: &str) -> String {
    let mut stem = String::with_capacity(name.len());
    for c in name.chars() {
        let kept = if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
            c
        } else {
            '_'
        };
        if !(kept == '_' && stem.ends_with('_')) {
            stem.push(kept);
        }
        if stem.len() >= MAX_STEM_CHARS {
            break;
        }
    }
    let stem = stem.trim_matches('_').to_owned();
    if stem == name {
        stem
    } else {
        format!("{stem}-{:08x}", fnv1a(name.as_bytes()))
    }
}

/// 32-bit FNV-1a: a stable (across runs and platforms) hash for file names;
/// std's hasher is randomly seeded per process.
fn fnv1a(bytes: &[u8]) -> u32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    bytes.iter().fold(OFFSET_BASIS, |hash, &b| {
        (hash ^ u32::from(b)).wrapping_mul(PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::file_stem;

    #[test]
    fn file_stems_are_plain_and_distinct() {
        assert_eq!(file_stem("stats"), "stats");
        let slash = file_stem("stats/summary_one_shot/100");
        let underscore = file_stem("stats_summary_one_shot_100");
        assert!(slash.starts_with("stats_summary_one_shot_100-"));
        assert_ne!(slash, underscore);
        for hostile in [
            "../../etc/passwd",
            "<script>alert(1)</script>",
            "a/../b",
            "..",
            "",
        ] {
            let stem = file_stem(hostile);
            assert!(
                !stem.contains('/') && !stem.contains(".."),
                "{hostile:?} -> {stem:?}"
            );
            assert!(
                stem.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{hostile:?} -> {stem:?}"
            );
        }
        assert!(file_stem(&"x/".repeat(500)).len() < 100);
    }
}

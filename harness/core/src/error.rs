//! The library's typed error: every variant names the file involved and,
//! where there is one, the fix.

use std::path::PathBuf;

/// Result alias for the benchgate library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while collecting, storing or comparing runs.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read. The OS error (`cause`) is part
    /// of the message and deliberately not an error `source`, so that a
    /// chain-printing caller does not print it twice.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A file could not be written (baselines and reports are written atomically,
    /// so the previous version is still intact).
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A file exists but its content is not what it should be.
    #[error("{}: {problem}; {fix}", path.display())]
    Malformed {
        path: PathBuf,
        problem: String,
        fix: String,
    },
    /// A file that must exist does not.
    #[error("{} is missing; {fix}", path.display())]
    Missing { path: PathBuf, fix: String },
    /// A chart could not be drawn.
    #[error("cannot draw the chart {}: {problem}", path.display())]
    Chart { path: PathBuf, problem: String },
    /// A comparison could not be written in an export format.
    #[error("cannot export the comparison as {format}: {problem}")]
    Export {
        format: &'static str,
        problem: String,
    },
    /// A request that cannot be served as asked (wrong machine, unknown suite, ...).
    #[error("{0}")]
    Refused(String),
}

impl Error {
    /// A file that could not be used as it is, with the fix.
    pub fn malformed(
        path: impl Into<PathBuf>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::Malformed {
            path: path.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }

    /// A failed read of `path`.
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Read {
            path: path.into(),
            cause: source,
        }
    }

    /// A failed write of `path`.
    pub fn write(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Write {
            path: path.into(),
            cause: source,
        }
    }
}

//! benchgate's history: every recorded run's summaries, kept where a team
//! can ask "when did this get slower, and by which commit".
//!
//! [`record`] is what is kept of a run (provenance and per benchmark and
//! metric the summary the gate uses, never raw samples); [`store`] keeps
//! records in a database through one schema and code path, on
//! [`sqlite`] (embedded, the default) or [`postgres`] (shared);
//! [`data_branch`] keeps them as files on a git branch the store can be
//! rebuilt from; [`analysis`] finds change points (E-Divisive means, from
//! `benchgate-stats`) and learns thresholds; [`rename`] carries a
//! benchmark's history across a change of its id.
//!
//! Architecture Invariant: the database drivers are this crate's alone;
//! `benchgate-stats` and `benchgate-report` never see them.

pub mod analysis;
pub mod data_branch;
pub mod error;
pub mod ingest;
pub mod postgres;
pub mod record;
pub mod rename;
pub mod sqlite;
pub mod store;
pub mod trends;

pub use benchgate_stats::changepoint;
pub use error::{HistoryError, Result};

use std::path::Path;

/// A store on either backend, chosen by its location.
#[derive(Debug)]
pub enum AnyStore {
    Sqlite(store::HistoryStore<sqlite::Sqlite>),
    Postgres(store::HistoryStore<postgres::Postgres>),
}

/// Whether `location` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// Open the store at `location`: a `postgres://` URL, else a SQLite file.
pub fn open(location: &str, renames: rename::Renames) -> Result<AnyStore> {
    Ok(if is_postgres_url(location) {
        AnyStore::Postgres(store::HistoryStore::new(
            postgres::Postgres::connect(location)?,
            renames,
        )?)
    } else {
        AnyStore::Sqlite(store::HistoryStore::new(
            sqlite::Sqlite::open(Path::new(location))?,
            renames,
        )?)
    })
}

/// Run `$body` with `$store` bound to the backend-specific store.
#[macro_export]
macro_rules! with_store {
    ($any:expr, $store:ident => $body:expr) => {
        match $any {
            $crate::AnyStore::Sqlite($store) => $body,
            $crate::AnyStore::Postgres($store) => $body,
        }
    };
}

/// Which series a command looks at: a pattern over `suite/id` (a glob when
/// it holds `*`, `?` or `[`, else a substring) and a machine id.
#[derive(Debug, Clone, Default)]
pub struct SeriesFilter {
    glob: Option<globset::GlobMatcher>,
    substring: Option<String>,
    machine: Option<String>,
}

impl SeriesFilter {
    pub fn new(pattern: Option<&str>, machine: Option<String>) -> Result<Self> {
        let mut filter = Self {
            machine,
            ..Self::default()
        };
        match pattern {
            Some(p) if p.contains(['*', '?', '[']) => {
                filter.glob = Some(
                    globset::Glob::new(p)
                        .map_err(|e| HistoryError::Refused(format!("bad pattern `{p}`: {e}")))?
                        .compile_matcher(),
                );
            }
            Some(p) => filter.substring = Some(p.to_owned()),
            None => {}
        }
        Ok(filter)
    }

    pub fn matches(&self, series: &store::SeriesKey) -> bool {
        let label = series.label();
        self.machine.as_ref().is_none_or(|m| *m == series.machine)
            && self
                .glob
                .as_ref()
                .is_none_or(|g| g.is_match(&series.key) || g.is_match(&label))
            && self
                .substring
                .as_ref()
                .is_none_or(|s| label.contains(s.as_str()))
    }
}

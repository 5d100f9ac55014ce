//! The embedded backend: a SQLite file (rusqlite with SQLite bundled, so no
//! system library and no server).

use std::path::{Path, PathBuf};

use rusqlite::types::ValueRef;
use rusqlite::{Connection, params_from_iter};

use crate::error::{HistoryError, Result};
use crate::store::{Backend, Value};

/// A SQLite database file.
#[derive(Debug)]
pub struct Sqlite {
    connection: Connection,
    path: PathBuf,
}

/// Statements cached per connection: ingesting reuses a handful of them
/// millions of times.
const STATEMENT_CACHE: usize = 32;

impl Sqlite {
    /// Open (or create) the database at `path`, creating its directory.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| benchgate_core::Error::write(parent, e))?;
        }
        let failed = |e: rusqlite::Error| HistoryError::Database {
            location: path.display().to_string(),
            message: format!(
                "{e}; check that it is a benchgate history database (or remove it and run `benchgate history sync`)"
            ),
        };
        let connection = Connection::open(path).map_err(failed)?;
        // WAL lets `history show` read while a CI job ingests; NORMAL sync
        // is durable across a process crash, which is what a rebuildable
        // cache of the data branch needs.
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 10000;")
            .map_err(failed)?;
        connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(Self {
            connection,
            path: path.to_owned(),
        })
    }

    fn failed(&self, e: rusqlite::Error) -> HistoryError {
        HistoryError::Database {
            location: self.location(),
            message: e.to_string(),
        }
    }
}

fn to_sql(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as V;
    match value {
        Value::Int(Some(i)) => V::Integer(*i),
        Value::Real(x) => V::Real(*x),
        Value::Text(Some(t)) => V::Text(t.clone()),
        Value::Int(None) | Value::Text(None) => V::Null,
    }
}

impl Backend for Sqlite {
    fn generated_id(&self) -> &'static str {
        "INTEGER PRIMARY KEY"
    }

    fn batch(&mut self, sql: &str) -> Result<()> {
        self.connection
            .execute_batch(sql)
            .map_err(|e| self.failed(e))
    }

    fn execute(&mut self, sql: &str, rows: &[Vec<Value>]) -> Result<u64> {
        let mut statement =
            self.connection
                .prepare_cached(sql)
                .map_err(|e| HistoryError::Database {
                    location: self.path.display().to_string(),
                    message: e.to_string(),
                })?;
        let mut changed = 0;
        for row in rows {
            changed += statement
                .execute(params_from_iter(row.iter().map(to_sql)))
                .map_err(|e| HistoryError::Database {
                    location: self.path.display().to_string(),
                    message: e.to_string(),
                })? as u64;
        }
        Ok(changed)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let location = self.location();
        let failed = |e: rusqlite::Error| HistoryError::Database {
            location: location.clone(),
            message: e.to_string(),
        };
        let mut statement = self.connection.prepare_cached(sql).map_err(failed)?;
        let columns = statement.column_count();
        let mut rows = statement
            .query(params_from_iter(params.iter().map(to_sql)))
            .map_err(failed)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(failed)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i).map_err(failed)? {
                    ValueRef::Integer(n) => Value::Int(Some(n)),
                    ValueRef::Real(x) => Value::Real(x),
                    ValueRef::Text(t) => Value::Text(Some(String::from_utf8_lossy(t).into_owned())),
                    ValueRef::Null => Value::Text(None),
                    ValueRef::Blob(_) => Value::Text(None),
                });
            }
            out.push(values);
        }
        Ok(out)
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

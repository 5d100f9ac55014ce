//! The history store: one schema and one code path over two databases.
//! [`Backend`] is all a driver provides (run a statement, read rows, open
//! and close a transaction, and the one DDL word for a generated id);
//! everything else — the schema, ingesting, reading series — is written
//! once here, in SQL both SQLite and PostgreSQL accept (`$1` parameters,
//! `ON CONFLICT … DO NOTHING`, `RETURNING`).

use std::collections::HashMap;

use crate::error::{HistoryError, Result};
use crate::record::{RunProvenance, RunRecord, Summary};
use crate::rename::Renames;

/// Version of the store's tables; a newer store is refused, not misread.
pub const STORE_VERSION: i64 = 1;

/// A value crossing the driver boundary.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(Option<i64>),
    Real(f64),
    Text(Option<String>),
}

impl Value {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(Some(s.into()))
    }

    fn as_int(&self) -> Option<i64> {
        match self {
            Self::Int(i) => *i,
            _ => None,
        }
    }

    fn as_real(&self) -> f64 {
        match self {
            Self::Real(x) => *x,
            Self::Int(Some(i)) => *i as f64,
            _ => f64::NAN,
        }
    }

    fn into_text(self) -> Option<String> {
        match self {
            Self::Text(t) => t,
            _ => None,
        }
    }
}

/// What a database driver provides.
pub trait Backend {
    /// The column type of a generated integer primary key.
    fn generated_id(&self) -> &'static str;
    /// Run statements without parameters or results (DDL, BEGIN, COMMIT).
    fn batch(&mut self, sql: &str) -> Result<()>;
    /// Run one statement once per parameter row; returns the rows changed.
    fn execute(&mut self, sql: &str, rows: &[Vec<Value>]) -> Result<u64>;
    /// Run a query; every column is read as a [`Value`].
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>>;
    /// Where the store is, for messages (passwords removed).
    fn location(&self) -> String;
}

/// One series: a benchmark's or metric's values on one machine and profile.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub key: String,
    pub metric: String,
    pub machine: String,
    pub profile: String,
}

impl SeriesKey {
    /// `suite/id` for wall time, `suite/benchmark [metric]` otherwise.
    pub fn label(&self) -> String {
        if self.metric == crate::record::TIME_METRIC {
            self.key.clone()
        } else {
            format!("{} [{}]", self.key, self.metric)
        }
    }
}

/// A stored series and how to read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesInfo {
    pub series: SeriesKey,
    pub kind: String,
    pub unit: String,
    pub direction: String,
    /// The stored series ids that make it up: its own and those of the
    /// names `[[rename]]` carries into it.
    ids: Vec<i64>,
}

/// One run's value in a series (the run's commit is looked up by its id
/// with [`HistoryStore::runs`], so a long series holds no strings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub run: i64,
    pub measured_at: i64,
    pub typical: f64,
    pub low: f64,
    pub high: f64,
    pub samples: i64,
}

/// What a point's run was: its commit and subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInfo {
    pub commit: Option<String>,
    pub subject: Option<String>,
    pub measured_at: i64,
}

/// Outcome of ingesting one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Stored as run `id`.
    New(i64),
    /// The same record was stored before; nothing changed.
    AlreadyStored,
}

/// A history store over any [`Backend`].
#[derive(Debug)]
pub struct HistoryStore<B> {
    backend: B,
    renames: Renames,
    /// Series ids by identity, filled as series are created or read.
    series_ids: HashMap<SeriesKey, i64>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS benchgate_meta (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    id {ID},
    digest TEXT NOT NULL UNIQUE,
    commit_id TEXT,
    parent TEXT,
    subject TEXT,
    branch TEXT,
    dirty BIGINT NOT NULL,
    measured_at BIGINT NOT NULL,
    machine TEXT NOT NULL,
    toolchain TEXT,
    profile TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_commit ON runs (commit_id);
CREATE TABLE IF NOT EXISTS series (
    id {ID},
    key TEXT NOT NULL,
    metric TEXT NOT NULL,
    machine TEXT NOT NULL,
    profile TEXT NOT NULL,
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    direction TEXT NOT NULL,
    UNIQUE (key, metric, machine, profile)
);
CREATE TABLE IF NOT EXISTS summaries (
    series_id BIGINT NOT NULL REFERENCES series (id),
    run_id BIGINT NOT NULL REFERENCES runs (id),
    typical DOUBLE PRECISION NOT NULL,
    low DOUBLE PRECISION NOT NULL,
    high DOUBLE PRECISION NOT NULL,
    samples BIGINT NOT NULL,
    mean DOUBLE PRECISION NOT NULL,
    std_dev DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (series_id, run_id)
);
-- A series' rows lie one run apart in the table (a run writes every
-- series at once), so reading one series visited a page per point: 27 ms
-- for 10 000 points, 27 s for 1 000 such series. This index holds what a
-- trend reads, in series order, so a series is one contiguous range.
CREATE INDEX IF NOT EXISTS summaries_by_series
    ON summaries (series_id, run_id, typical, low, high, samples);
";

impl<B: Backend> HistoryStore<B> {
    /// Open a store on `backend`, creating the tables when they are missing.
    pub fn new(mut backend: B, renames: Renames) -> Result<Self> {
        backend.batch(&SCHEMA.replace("{ID}", backend.generated_id()))?;
        backend.execute(
            "INSERT INTO benchgate_meta (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            &[vec![Value::text("store_version"), Value::Int(Some(STORE_VERSION))]],
        )?;
        let version = backend
            .query(
                "SELECT value FROM benchgate_meta WHERE name = $1",
                &[Value::text("store_version")],
            )?
            .first()
            .and_then(|row| row[0].as_int())
            .unwrap_or(STORE_VERSION);
        if version > STORE_VERSION {
            return Err(HistoryError::Refused(format!(
                "the history store {} has version {version}, newer than this benchgate reads ({STORE_VERSION}); upgrade benchgate or point --history elsewhere",
                backend.location()
            )));
        }
        Ok(Self {
            backend,
            renames,
            series_ids: HashMap::new(),
        })
    }

    /// Where the store is, for messages.
    pub fn location(&self) -> String {
        self.backend.location()
    }

    /// Store `records` in one transaction; each says whether it was new.
    pub fn ingest(&mut self, records: &[RunRecord]) -> Result<Vec<Ingested>> {
        for record in records {
            if let Some(problem) = record.first_invalid() {
                return Err(HistoryError::Refused(format!(
                    "run of commit {} on {}: {problem}; nothing was stored",
                    record.provenance.commit.as_deref().unwrap_or("(none)"),
                    record.provenance.machine
                )));
            }
        }
        self.backend.batch("BEGIN")?;
        let result = self.ingest_in_transaction(records);
        match result {
            Ok(outcomes) => {
                self.backend.batch("COMMIT")?;
                Ok(outcomes)
            }
            Err(error) => {
                // The cached ids may name rows the rollback removes.
                self.series_ids.clear();
                self.backend.batch("ROLLBACK")?;
                Err(error)
            }
        }
    }

    fn ingest_in_transaction(&mut self, records: &[RunRecord]) -> Result<Vec<Ingested>> {
        let mut outcomes = Vec::with_capacity(records.len());
        for record in records {
            let p = &record.provenance;
            let inserted = self.backend.query(
                "INSERT INTO runs (digest, commit_id, parent, subject, branch, dirty, measured_at, machine, toolchain, profile) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (digest) DO NOTHING RETURNING id",
                &provenance_row(&record.digest(), p),
            )?;
            let Some(run_id) = inserted.first().and_then(|row| row[0].as_int()) else {
                outcomes.push(Ingested::AlreadyStored);
                continue;
            };
            let mut rows = Vec::with_capacity(record.summaries.len());
            for summary in &record.summaries {
                let series = self.series_id(summary, p)?;
                rows.push(vec![
                    Value::Int(Some(series)),
                    Value::Int(Some(run_id)),
                    Value::Real(summary.typical),
                    Value::Real(summary.lower),
                    Value::Real(summary.upper),
                    Value::Int(Some(summary.samples as i64)),
                    Value::Real(summary.mean),
                    Value::Real(summary.std_dev),
                ]);
            }
            self.backend.execute(
                "INSERT INTO summaries (series_id, run_id, typical, low, high, samples, mean, std_dev) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &rows,
            )?;
            outcomes.push(Ingested::New(run_id));
        }
        Ok(outcomes)
    }

    fn series_id(&mut self, summary: &Summary, p: &RunProvenance) -> Result<i64> {
        let key = SeriesKey {
            key: summary.key.clone(),
            metric: summary.metric.clone(),
            machine: p.machine.clone(),
            profile: p.profile.clone(),
        };
        if let Some(id) = self.series_ids.get(&key) {
            return Ok(*id);
        }
        let identity = [
            Value::text(&key.key),
            Value::text(&key.metric),
            Value::text(&key.machine),
            Value::text(&key.profile),
        ];
        let mut row = identity.to_vec();
        row.extend([
            Value::text(&summary.kind),
            Value::text(&summary.unit),
            Value::text(&summary.direction),
        ]);
        self.backend.execute(
            "INSERT INTO series (key, metric, machine, profile, kind, unit, direction) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (key, metric, machine, profile) DO NOTHING",
            &[row],
        )?;
        let id = self
            .backend
            .query(
                "SELECT id FROM series WHERE key = $1 AND metric = $2 AND machine = $3 AND profile = $4",
                &identity,
            )?
            .first()
            .and_then(|row| row[0].as_int())
            .ok_or_else(|| {
                HistoryError::Refused(format!(
                    "the history store {} lost series {} while ingesting",
                    self.backend.location(),
                    key.label()
                ))
            })?;
        self.series_ids.insert(key, id);
        Ok(id)
    }

    /// Every series, renamed ids folded into their new names, sorted.
    pub fn series(&mut self) -> Result<Vec<SeriesInfo>> {
        let rows = self.backend.query(
            "SELECT id, key, metric, machine, profile, kind, unit, direction FROM series ORDER BY id",
            &[],
        )?;
        let mut merged: std::collections::BTreeMap<SeriesKey, SeriesInfo> = Default::default();
        for row in rows {
            let mut row = row.into_iter();
            let id = row.next().and_then(|v| v.as_int()).unwrap_or_default();
            let mut text = || row.next().and_then(Value::into_text).unwrap_or_default();
            let stored = SeriesKey {
                key: text(),
                metric: text(),
                machine: text(),
                profile: text(),
            };
            let (kind, unit, direction) = (text(), text(), text());
            let series = SeriesKey {
                key: self.renames.current_name(&stored.key).to_owned(),
                ..stored
            };
            merged
                .entry(series.clone())
                .or_insert_with(|| SeriesInfo {
                    series,
                    kind,
                    unit,
                    direction,
                    ids: Vec::new(),
                })
                .ids
                .push(id);
        }
        Ok(merged.into_values().collect())
    }

    /// The points of one series, in the order they were measured.
    pub fn points(&mut self, info: &SeriesInfo) -> Result<Vec<Point>> {
        let mut points = Vec::new();
        for id in &info.ids {
            let rows = self.backend.query(
                "SELECT r.id, r.measured_at, s.typical, s.low, s.high, s.samples \
                 FROM summaries s JOIN runs r ON r.id = s.run_id WHERE s.series_id = $1 \
                 ORDER BY r.measured_at, r.id",
                &[Value::Int(Some(*id))],
            )?;
            points.extend(rows.into_iter().map(point_of_row));
        }
        if info.ids.len() > 1 {
            points.sort_by_key(|p| (p.measured_at, p.run));
        }
        Ok(points)
    }

    /// Commit, subject and machine of the runs `ids`.
    pub fn runs(&mut self, ids: &[i64]) -> Result<HashMap<i64, RunInfo>> {
        let mut found = HashMap::with_capacity(ids.len());
        for id in ids {
            if found.contains_key(id) {
                continue;
            }
            let rows = self.backend.query(
                "SELECT id, commit_id, subject, measured_at FROM runs WHERE id = $1",
                &[Value::Int(Some(*id))],
            )?;
            for row in rows {
                let mut row = row.into_iter();
                let run = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                let commit = row.next().and_then(Value::into_text);
                let subject = row.next().and_then(Value::into_text);
                let measured_at = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                found.insert(
                    run,
                    RunInfo {
                        commit,
                        subject,
                        measured_at,
                    },
                );
            }
        }
        Ok(found)
    }

    /// Commit, subject and time of every run in the series `info`, in one
    /// query per stored series id (a report reads hundreds of points'
    /// commits; one query per run would be as many round trips).
    pub fn series_runs(&mut self, info: &SeriesInfo) -> Result<HashMap<i64, RunInfo>> {
        let mut found = HashMap::new();
        for id in &info.ids {
            let rows = self.backend.query(
                "SELECT r.id, r.commit_id, r.subject, r.measured_at \
                 FROM summaries s JOIN runs r ON r.id = s.run_id WHERE s.series_id = $1",
                &[Value::Int(Some(*id))],
            )?;
            for row in rows {
                let mut row = row.into_iter();
                let run = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                let commit = row.next().and_then(Value::into_text);
                let subject = row.next().and_then(Value::into_text);
                let measured_at = row.next().and_then(|v| v.as_int()).unwrap_or_default();
                found.insert(
                    run,
                    RunInfo {
                        commit,
                        subject,
                        measured_at,
                    },
                );
            }
        }
        Ok(found)
    }

    /// How many runs the store holds.
    pub fn run_count(&mut self) -> Result<i64> {
        Ok(self
            .backend
            .query("SELECT COUNT(*) FROM runs", &[])?
            .first()
            .and_then(|row| row[0].as_int())
            .unwrap_or(0))
    }
}

fn provenance_row(digest: &str, p: &RunProvenance) -> Vec<Value> {
    vec![
        Value::text(digest),
        Value::Text(p.commit.clone()),
        Value::Text(p.parent.clone()),
        Value::Text(p.subject.clone()),
        Value::Text(p.branch.clone()),
        Value::Int(Some(i64::from(p.dirty))),
        Value::Int(Some(p.measured_at)),
        Value::text(&p.machine),
        Value::Text(p.toolchain.clone()),
        Value::text(&p.profile),
    ]
}

fn point_of_row(row: Vec<Value>) -> Point {
    let mut row = row.into_iter();
    let run = row.next().and_then(|v| v.as_int()).unwrap_or_default();
    let measured_at = row.next().and_then(|v| v.as_int()).unwrap_or_default();
    let mut real = || row.next().map_or(f64::NAN, |v| v.as_real());
    let (typical, low, high) = (real(), real(), real());
    let samples = row.next().and_then(|v| v.as_int()).unwrap_or_default();
    Point {
        run,
        measured_at,
        typical,
        low,
        high,
        samples,
    }
}

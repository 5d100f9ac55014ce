//! Storing: run files and the versioned baselines under `baselines/`.
//!
//! Layout: `baselines/<machine id>/<name>.json`, one run per file, pretty
//! JSON in canonical order. Every write goes to a temporary file in the
//! same directory and is renamed over the target, so a crash or a full disk
//! never leaves a half-written baseline behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::run::{Run, SCHEMA_VERSION};

/// Read a run or baseline file, refusing unknown schema versions.
pub fn read_run(path: &Path) -> Result<Run> {
    let text = crate::input::read_text(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Missing {
                path: path.to_owned(),
                fix: "check the path, or create it with `benchgate collect` / `benchgate baseline save`".into(),
            }
        } else {
            Error::read(path, e)
        }
    })?;
    // One pass straight into the run when the file is what it should be; a
    // run file of 10 000 benchmarks holds millions of samples, and a
    // `Value` tree of them first would double the parse and the memory.
    // Anything else takes the slow path below, which says what is wrong.
    if let Ok(run) = serde_json::from_str::<Run>(&text) {
        if run.schema_version == SCHEMA_VERSION {
            return checked(path, run);
        }
    }
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        Error::malformed(
            path,
            format!("invalid JSON ({e})"),
            "restore it from git (`git checkout -- FILE`) or record it again",
        )
    })?;
    match value.get("schema_version").and_then(|v| v.as_u64()) {
        Some(v) if v == u64::from(SCHEMA_VERSION) => {}
        Some(v) if v > u64::from(SCHEMA_VERSION) => {
            return Err(Error::malformed(
                path,
                format!(
                    "schema version {v} is newer than this benchgate understands ({SCHEMA_VERSION})"
                ),
                "upgrade benchgate",
            ));
        }
        Some(v) => {
            return Err(Error::malformed(
                path,
                format!("schema version {v} is no longer supported (current: {SCHEMA_VERSION})"),
                "record the baseline again with `benchgate gate` or `benchgate baseline save`",
            ));
        }
        None if value.get("schema_version").is_some() => {
            return Err(Error::malformed(
                path,
                format!(
                    "`schema_version` is {}, not a whole number",
                    value["schema_version"]
                ),
                "write it as a number (e.g. `\"schema_version\": 1`), or record it again",
            ));
        }
        None => {
            return Err(Error::malformed(
                path,
                "not a benchgate run file (no `schema_version`)",
                "pass a file written by `benchgate collect` or `benchgate baseline save`",
            ));
        }
    }
    let run: Run = serde_json::from_value(value).map_err(|e| {
        Error::malformed(
            path,
            format!("unexpected run file layout ({e})"),
            "restore it from git or record it again",
        )
    })?;
    checked(path, run)
}

/// `run`, read from `path`, if its contents are valid.
fn checked(path: &Path, run: Run) -> Result<Run> {
    if let Some(problem) = run.first_invalid() {
        return Err(Error::malformed(
            path,
            problem,
            "restore it from git or record it again (`benchgate collect` / `benchgate gate` never write such a run)",
        ));
    }
    Ok(run)
}

/// Write `run` to `path` atomically, in canonical order.
pub fn write_run(path: &Path, run: &Run) -> Result<()> {
    if let Some(problem) = run.first_invalid() {
        return Err(Error::Refused(format!(
            "refusing to write {}: {problem} (re-run the benchmarks; the existing file is untouched)",
            path.display()
        )));
    }
    let mut run = run.clone();
    run.canonicalize();
    let mut json = serde_json::to_string_pretty(&run)
        .map_err(|e| Error::Refused(format!("cannot serialize run for {}: {e}", path.display())))?;
    json.push('\n');
    write_atomic(path, json.as_bytes())
}

/// Write `bytes` to `path` through a temporary sibling file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut temp = tempfile::Builder::new()
        .prefix(".benchgate-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::write(dir, e))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .map_err(|e| Error::write(path, e))?;
    // Temporary files are created private (0600); a baseline or report is
    // meant to be read by others (CI artifacts, teammates), so it keeps the
    // permissions of the file it replaces, or gets the usual 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let permissions = fs::metadata(path)
            .map(|m| m.permissions())
            .unwrap_or_else(|_| fs::Permissions::from_mode(0o644));
        fs::set_permissions(temp.path(), permissions).map_err(|e| Error::write(path, e))?;
    }
    temp.persist(path)
        .map_err(|e| Error::write(path, e.error))?;
    Ok(())
}

/// A baseline file found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBaseline {
    pub machine_id: String,
    pub name: String,
    pub path: PathBuf,
}

/// The `baselines/` directory.
#[derive(Debug, Clone)]
pub struct BaselineStore {
    root: PathBuf,
}

impl BaselineStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the baseline `name` of machine `machine_id` lives.
    pub fn path(&self, machine_id: &str, name: &str) -> Result<PathBuf> {
        validate_name(name)?;
        validate_name(machine_id)?;
        Ok(self.root.join(machine_id).join(format!("{name}.json")))
    }

    /// Store `run` as baseline `name` for the machine it was measured on.
    pub fn save(&self, run: &Run, name: &str) -> Result<PathBuf> {
        let path = self.path(&run.machine.id, name)?;
        write_run(&path, run)?;
        Ok(path)
    }

    /// All baselines, sorted by machine and name.
    pub fn list(&self) -> Result<Vec<StoredBaseline>> {
        let mut found = Vec::new();
        let machines = match fs::read_dir(&self.root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
            Err(e) => return Err(Error::read(&self.root, e)),
        };
        for machine in machines.filter_map(|e| e.ok()) {
            let machine_dir = machine.path();
            if !machine_dir.is_dir() {
                continue;
            }
            let files = fs::read_dir(&machine_dir).map_err(|e| Error::read(&machine_dir, e))?;
            for file in files.filter_map(|e| e.ok()) {
                let path = file.path();
                let is_baseline = path.extension().is_some_and(|ext| ext == "json")
                    && !file.file_name().to_string_lossy().starts_with('.');
                if let (true, Some(stem)) = (is_baseline, path.file_stem()) {
                    found.push(StoredBaseline {
                        machine_id: machine.file_name().to_string_lossy().into_owned(),
                        name: stem.to_string_lossy().into_owned(),
                        path,
                    });
                }
            }
        }
        found.sort_by(|a, b| (&a.machine_id, &a.name).cmp(&(&b.machine_id, &b.name)));
        Ok(found)
    }
}

/// Baseline and machine names become path components: keep them to a safe
/// alphabet so a name can never climb out of `baselines/`.
fn validate_name(name: &str) -> Result<()> {
    let safe = !name.is_empty()
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if safe {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "`{name}` is not a valid baseline name: use letters, digits, `-`, `_` and `.`, not starting with `.`"
        )))
    }
}

//! Storing: run files and the versioned baselines under `baselines/`.
//!
//! Layout: `baselines/<machine id>/<name>.json`, one run per file, pretty
//! JSON in canonical order. Every write goes to a temporary file in the
//! same directory and is renamed over the target, so a crash or a full disk
//! never leaves a half-written baseline behind. Every save to a baseline
//! name holds that name's lock file (`.<name>.json.lock` beside it) from
//! reading to renaming, so concurrent saves are serialised and none is
//! lost.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::run::{Run, SCHEMA_VERSION, merge_suites};

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

    /// Lock baseline `name` of machine `machine_id` for a read-modify-write.
    /// Waits while another process (or thread) holds it, calling
    /// `on_wait` with the lock file's path once before waiting.
    pub fn lock(
        &self,
        machine_id: &str,
        name: &str,
        on_wait: &dyn Fn(&Path),
    ) -> Result<BaselineLock> {
        let baseline = self.path(machine_id, name)?;
        let dir = baseline.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
        let path = dir.join(format!(".{name}.json.lock"));
        let mut told = false;
        loop {
            let file = fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|e| Error::write(&path, e))?;
            // Called through the trait: std's inherent methods of the
            // same names need a newer Rust than the workspace's.
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    if !told {
                        on_wait(&path);
                        told = true;
                    }
                    fs4::FileExt::lock(&file).map_err(|e| Error::write(&path, e))?;
                }
                Err(fs4::TryLockError::Error(e)) => return Err(Error::write(&path, e)),
            }
            // The holder deletes the lock file before releasing it, so
            // that none is left in the (committed) baselines directory; a
            // lock won on a file that is no longer at `path` guards
            // nothing, and the next round locks the file that is.
            if same_file(&file, &path) {
                return Ok(BaselineLock { file, path });
            }
        }
    }

    /// Store `run` as baseline `name` for the machine it was measured on
    /// (replacing it), under the name's lock; waits silently.
    pub fn save(&self, run: &Run, name: &str) -> Result<PathBuf> {
        self.save_with(run, name, SaveMode::Replace, &|_| {})
    }

    /// Store `run` as baseline `name` for the machine it was measured on,
    /// under the name's lock (`on_wait` is told when it has to wait).
    pub fn save_with(
        &self,
        run: &Run,
        name: &str,
        mode: SaveMode,
        on_wait: &dyn Fn(&Path),
    ) -> Result<PathBuf> {
        let path = self.path(&run.machine.id, name)?;
        let _lock = self.lock(&run.machine.id, name, on_wait)?;
        let stored = match mode {
            SaveMode::MergeSuites if fs::symlink_metadata(&path).is_ok() => Some(read_run(&path)?),
            SaveMode::MergeSuites | SaveMode::Replace => None,
        };
        match stored {
            Some(stored) => write_run(&path, &merge_suites(&stored, run, &run.suites()))?,
            None => write_run(&path, run)?,
        }
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

/// What a save does with the suites already in the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaveMode {
    /// The run becomes the baseline.
    Replace,
    /// The run's suites replace theirs in the baseline; its other suites
    /// stay (a baseline absent so far is the run).
    MergeSuites,
}

/// An exclusive hold on one baseline name, released (and its lock file
/// deleted) on drop. The kernel releases it if the process dies.
#[derive(Debug)]
pub struct BaselineLock {
    file: File,
    path: PathBuf,
}

impl BaselineLock {
    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for BaselineLock {
    fn drop(&mut self) {
        // Deleted while still held: a waiter that then wins the old file
        // sees it is gone and locks the new one (see `BaselineStore::lock`).
        // Failing to delete leaves a harmless empty file.
        let _ = fs::remove_file(&self.path);
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Whether `path` still names the file `file` has open.
#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

/// Elsewhere a lock file cannot be told from its replacement, so it is
/// never replaced: `Drop` fails to delete a file that is open, on Windows.
#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Baseline and machine names become path components: keep them to a safe
/// alphabet so a name can never climb out of `baselines/`.
fn validate_name(name: &str) -> Result<()> {
    if crate::machine::is_file_safe(name) {
        Ok(())
    } else {
        Err(Error::Refused(format!(
            "`{name}` is not a valid baseline name: use letters, digits, `-`, `_` and `.`, not starting with `.`"
        )))
    }
}

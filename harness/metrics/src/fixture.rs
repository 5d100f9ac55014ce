//! Expensive bench inputs kept on disk and reused by later bench processes built from the same sources.
//!
//! benchgate runs a suite's bench executable once per round, and the
//! pull-request check runs both sides for many rounds, so a fixture that
//! takes a minute to build (memstore's 100 000-episode HNSW graph) would be
//! rebuilt in every process. When benchgate starts a bench process it sets
//! [`FIXTURE_DIR_ENV`] to a directory of its target dir and
//! [`FIXTURE_KEY_ENV`] to a hash of every source file the suite is built
//! from (its package, its path dependencies, `Cargo.lock`, the toolchain
//! file): a fixture built under one key is only ever reused by a process
//! of the same code. A process started any other way (a plain
//! `cargo bench`) gets no cache and builds its fixtures itself, as before.

use std::fs;
use std::path::{Path, PathBuf};

/// Directory benchgate gives a bench process for its fixtures.
pub const FIXTURE_DIR_ENV: &str = "BENCHGATE_FIXTURE_DIR";
/// Hash of the sources the running bench executable was built from.
pub const FIXTURE_KEY_ENV: &str = "BENCHGATE_FIXTURE_KEY";

/// Where this process may keep fixtures, and under which code key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixtureCache {
    root: PathBuf,
    code_key: String,
}

/// A fixture directory and whether this process just built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fixture {
    pub dir: PathBuf,
    pub built_now: bool,
}

impl FixtureCache {
    /// The cache benchgate set up for this process; `None` when either
    /// variable is unset or empty, so nothing is reused without knowing
    /// which code built it.
    pub fn from_env() -> Option<Self> {
        let root = std::env::var_os(FIXTURE_DIR_ENV).filter(|v| !v.is_empty())?;
        let code_key = std::env::var(FIXTURE_KEY_ENV)
            .ok()
            .filter(|v| !v.is_empty())?;
        Some(Self::new(root, code_key))
    }

    pub fn new(root: impl Into<PathBuf>, code_key: impl Into<String>) -> Self {
        Self {
            root: root.into(),
            code_key: code_key.into(),
        }
    }

    /// The directory of fixture `name` with `parameters` (what, besides
    /// the code, decides its content), built by `build` into an empty
    /// directory on first use. The finished directory is published by a
    /// rename, so a process killed while building leaves no half fixture
    /// behind; the same fixture built by other code is removed then, so
    /// the cache holds one version of each.
    pub fn dir(
        &self,
        name: &str,
        parameters: &str,
        build: impl FnOnce(&Path) -> Result<(), String>,
    ) -> Result<Fixture, String> {
        let version_prefix = format!("{name}--{}--", sanitize(parameters));
        let entry = format!("{version_prefix}{}", sanitize(&self.code_key));
        let dir = self.root.join(&entry);
        if dir.join(COMPLETE_MARKER).is_file() {
            return Ok(Fixture {
                dir,
                built_now: false,
            });
        }
        fs::create_dir_all(&self.root).map_err(|e| {
            format!(
                "cannot create the fixture cache {}: {e}",
                self.root.display()
            )
        })?;
        let staging = self
            .root
            .join(format!(".building-{entry}-{}", std::process::id()));
        remove_dir(&staging)?;
        fs::create_dir_all(&staging)
            .map_err(|e| format!("cannot create {}: {e}", staging.display()))?;
        if let Err(e) = build(&staging) {
            let _ = fs::remove_dir_all(&staging);
            return Err(e);
        }
        fs::write(staging.join(COMPLETE_MARKER), b"")
            .map_err(|e| format!("cannot write to {}: {e}", staging.display()))?;
        remove_dir(&dir)?;
        if let Err(e) = fs::rename(&staging, &dir) {
            // Another process published the same fixture first: use it.
            let _ = fs::remove_dir_all(&staging);
            if !dir.join(COMPLETE_MARKER).is_file() {
                return Err(format!("cannot publish the fixture {}: {e}", dir.display()));
            }
        }
        self.remove_other_versions(&version_prefix, &entry);
        Ok(Fixture {
            dir,
            built_now: true,
        })
    }

    fn remove_other_versions(&self, prefix: &str, keep: &str) {
        let Ok(entries) = fs::read_dir(&self.root) else {
            return;
        };
        for entry in entries.flatten() {
            let file_name = entry.file_name();
            let file_name = file_name.to_string_lossy();
            if file_name.starts_with(prefix) && file_name != keep {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
    }
}

/// Written last into a finished fixture directory.
const COMPLETE_MARKER: &str = ".complete";

/// Copies the regular files of `from` (not its subdirectories or the
/// completion marker) into `to`, e.g. to open a private copy of a cached
/// store that the benchmark then writes to.
pub fn copy_files(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let is_file = entry.file_type().is_ok_and(|t| t.is_file());
        if !is_file || entry.file_name() == COMPLETE_MARKER {
            continue;
        }
        fs::copy(entry.path(), to.join(entry.file_name())).map_err(|e| {
            format!(
                "cannot copy {} to {}: {e}",
                entry.path().display(),
                to.display()
            )
        })?;
    }
    Ok(())
}

fn remove_dir(dir: &Path) -> Result<(), String> {
    match fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
    }
}

fn sanitize(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache(dir: &Path, key: &str) -> FixtureCache {
        FixtureCache::new(dir.join("fixtures"), key)
    }

    fn write_input(dir: &Path) -> Result<(), String> {
        fs::write(dir.join("graph.bin"), b"built").map_err(|e| e.to_string())
    }

    #[test]
    fn a_fixture_is_built_once_and_reused_by_the_same_code() {
        let tmp = tempfile::tempdir().unwrap();
        let first = cache(tmp.path(), "code-a")
            .dir("store", "n100", write_input)
            .unwrap();
        assert!(first.built_now);
        let mut rebuilt = false;
        let second = cache(tmp.path(), "code-a")
            .dir("store", "n100", |d| {
                rebuilt = true;
                write_input(d)
            })
            .unwrap();
        assert!(!rebuilt && !second.built_now);
        assert_eq!(first.dir, second.dir);
        assert_eq!(fs::read(second.dir.join("graph.bin")).unwrap(), b"built");
    }

    #[test]
    fn other_code_or_parameters_build_their_own_and_other_code_replaces_the_old_version() {
        let tmp = tempfile::tempdir().unwrap();
        let a = cache(tmp.path(), "code-a")
            .dir("store", "n100", write_input)
            .unwrap();
        let other_size = cache(tmp.path(), "code-a")
            .dir("store", "n200", write_input)
            .unwrap();
        assert!(other_size.built_now);
        assert!(a.dir.exists(), "another size is another fixture");
        let b = cache(tmp.path(), "code-b")
            .dir("store", "n100", write_input)
            .unwrap();
        assert!(b.built_now);
        assert_ne!(a.dir, b.dir);
        assert!(!a.dir.exists(), "the fixture of the old code is removed");
        assert!(other_size.dir.exists());
        assert!(b.dir.join("graph.bin").is_file());
    }

    #[test]
    fn a_failed_build_leaves_nothing_behind_and_is_retried() {
        let tmp = tempfile::tempdir().unwrap();
        let failed = cache(tmp.path(), "code-a").dir("store", "n100", |d| {
            fs::write(d.join("half"), b"x").unwrap();
            Err("out of memory".to_owned())
        });
        assert_eq!(failed, Err("out of memory".to_owned()));
        let left: Vec<_> = fs::read_dir(tmp.path().join("fixtures")).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
        let retried = cache(tmp.path(), "code-a")
            .dir("store", "n100", write_input)
            .unwrap();
        assert!(retried.built_now);
    }

    #[test]
    fn copy_files_skips_the_marker() {
        let tmp = tempfile::tempdir().unwrap();
        let fixture = cache(tmp.path(), "k")
            .dir("store", "p", write_input)
            .unwrap();
        let copy = tmp.path().join("copy");
        fs::create_dir(&copy).unwrap();
        copy_files(&fixture.dir, &copy).unwrap();
        let names: Vec<_> = fs::read_dir(&copy)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["graph.bin"]);
    }
}

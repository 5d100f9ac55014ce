//! The fixture key of a suite: a hash of every source its bench executables are built from.
//!
//! Bench processes may keep expensive inputs on disk and reuse them in
//! later processes (`benchgate_metrics::fixture`), which turns memstore's
//! minute-long graph build per round into one build per code version. That
//! is only sound if a fixture is never reused by different code, so the key
//! covers everything cargo compiles the suite from: the suite's package, every
//! package it depends on by path, and the workspace's lock file, manifest,
//! toolchain file and cargo configuration. Registry crates are pinned by the
//! lock file. The key is computed from the tree the executables were built
//! from, right after the build.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::workspace::Suite;

/// Files at the root of the tree that change what every package builds.
const ROOT_INPUTS: [&str; 6] = [
    "Cargo.lock",
    "Cargo.toml",
    "rust-toolchain",
    "rust-toolchain.toml",
    ".cargo/config",
    ".cargo/config.toml",
];

/// Hex digits of the key: 128 bits, far beyond any chance collision
/// between the handful of code versions a target directory ever holds.
const KEY_HEX_DIGITS: usize = 32;

/// The key of `suite`'s code as it is in `tree` (a checkout of the
/// workspace: the work tree, or the pull-request check's base tree).
pub fn code_key(tree: &Path, suite: &Suite) -> Result<String> {
    let mut dirs: Vec<&PathBuf> = std::iter::once(&suite.relative_dir)
        .chain(&suite.path_dependencies)
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut hasher = Sha256::new();
    for dir in dirs {
        hash_dir(&mut hasher, tree, dir)?;
    }
    for file in ROOT_INPUTS {
        let path = tree.join(file);
        match fs::read(&path) {
            Ok(bytes) => hash_file(&mut hasher, Path::new(file), &bytes),
            Err(e) if e.kind() == ErrorKind::NotFound => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    let digest = hasher.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    Ok(hex[..KEY_HEX_DIGITS].to_owned())
}

/// Where `suite`'s bench processes keep fixtures built from the code in
/// `target_dir`: one directory per suite and target directory, so the two
/// sides of an A/B run never share one.
pub fn fixture_dir(target_dir: &Path, suite: &Suite) -> PathBuf {
    target_dir
        .join("benchgate")
        .join("fixtures")
        .join(&suite.name)
}

/// The environment a bench process of `suite` needs to reuse fixtures.
pub fn fixture_env(target_dir: &Path, suite: &Suite, key: &str) -> [(&'static str, String); 2] {
    [
        (
            benchgate_metrics::fixture::FIXTURE_DIR_ENV,
            fixture_dir(target_dir, suite).display().to_string(),
        ),
        (benchgate_metrics::fixture::FIXTURE_KEY_ENV, key.to_owned()),
    ]
}

fn hash_dir(hasher: &mut Sha256, tree: &Path, dir: &Path) -> Result<()> {
    let root = tree.join(dir);
    // Build outputs and VCS data are not sources.
    let walker = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0 || {
                let name = e.file_name().to_string_lossy();
                !(name.starts_with('.') || name == "target")
            }
        });
    for entry in walker {
        let entry = entry.map_err(|e| {
            let path = e.path().map_or_else(|| root.clone(), Path::to_path_buf);
            Error::read(path, e.into())
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = fs::read(entry.path()).map_err(|e| Error::read(entry.path(), e))?;
        let relative = entry.path().strip_prefix(tree).unwrap_or(entry.path());
        hash_file(hasher, relative, &bytes);
    }
    Ok(())
}

fn hash_file(hasher: &mut Sha256, relative: &Path, bytes: &[u8]) {
    // Length-prefixed, so no two different file sets hash the same stream.
    let name = relative.to_string_lossy();
    hasher.update((name.len() as u64).to_le_bytes());
    hasher.update(name.as_bytes());
    hasher.update((bytes.len() as u64).to_le_bytes());
    hasher.update(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(dir: &str, deps: &[&str]) -> Suite {
        Suite {
            name: "memstore".to_owned(),
            manifest_dir: PathBuf::from(dir),
            relative_dir: PathBuf::from(dir),
            criterion_targets: Vec::new(),
            iai_targets: Vec::new(),
            path_dependencies: deps.iter().map(PathBuf::from).collect(),
            bench_sources: Default::default(),
        }
    }

    fn tree() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for (file, text) in [
            ("Cargo.lock", "lock"),
            ("benches/memstore/src/lib.rs", "fn graph() {}"),
            ("benches/tokenization/src/lib.rs", "fn encode() {}"),
            ("benches/spiking/src/lib.rs", "fn spike() {}"),
        ] {
            let path = tmp.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        tmp
    }

    #[test]
    fn the_key_follows_the_suite_its_path_dependencies_and_the_lock_file_only() {
        let tree = tree();
        let memstore = suite("benches/memstore", &["benches/tokenization"]);
        let key = code_key(tree.path(), &memstore).unwrap();
        assert_eq!(key.len(), KEY_HEX_DIGITS);
        assert_eq!(
            code_key(tree.path(), &memstore).unwrap(),
            key,
            "deterministic"
        );

        let path = |p: &str| tree.path().join(p);
        fs::write(path("benches/spiking/src/lib.rs"), "fn spike2() {}").unwrap();
        fs::create_dir_all(path("benches/memstore/target")).unwrap();
        fs::write(path("benches/memstore/target/out.bin"), "built").unwrap();
        assert_eq!(
            code_key(tree.path(), &memstore).unwrap(),
            key,
            "unrelated and build files"
        );

        for (file, text) in [
            ("benches/tokenization/src/lib.rs", "fn encode2() {}"),
            ("benches/memstore/src/hnsw.rs", "fn new_file() {}"),
            ("Cargo.lock", "lock2"),
        ] {
            let before = code_key(tree.path(), &memstore).unwrap();
            fs::write(path(file), text).unwrap();
            assert_ne!(code_key(tree.path(), &memstore).unwrap(), before, "{file}");
        }
    }

    #[test]
    fn a_missing_suite_directory_is_an_error_naming_it() {
        let tree = tree();
        let err = code_key(tree.path(), &suite("benches/gone", &[])).unwrap_err();
        assert!(err.to_string().contains("benches/gone"), "{err}");
    }
}

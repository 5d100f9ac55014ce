//! Git state of the measured code (commit, branch, dirty flag), via git2.

use std::path::{Path, PathBuf};

use git2::{DiffOptions, Repository, StatusOptions};

use crate::run::GitState;

/// The state of the repository containing `dir`, or `None` outside one
/// (or in a repository without commits).
pub fn git_state(dir: &Path) -> Option<GitState> {
    let repo = Repository::discover(dir).ok()?;
    let head = repo.head().ok()?;
    let commit = head.peel_to_commit().ok()?.id().to_string();
    let branch = head
        .is_branch()
        .then(|| head.shorthand().ok().map(str::to_owned))
        .flatten();
    let mut options = StatusOptions::new();
    // Untracked files do not change what was built from tracked sources;
    // counting them would mark every run with a stray scratch file dirty.
    options.include_untracked(false).include_ignored(false);
    let dirty = repo
        .statuses(Some(&mut options))
        .map(|statuses| !statuses.is_empty())
        .unwrap_or(false);
    Some(GitState {
        commit,
        branch,
        dirty,
    })
}

/// Files that differ between commit `base` and the work tree of the
/// repository containing `dir` (committed, staged, unstaged and untracked
/// changes alike: what the head side builds), relative to `dir`; files
/// outside `dir` are left out.
pub fn changed_paths(dir: &Path, base: git2::Oid) -> Result<Vec<PathBuf>, git2::Error> {
    let repo = Repository::discover(dir)?;
    let base_tree = repo.find_commit(base)?.tree()?;
    let mut options = DiffOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(true)
        .include_ignored(false);
    let diff = repo.diff_tree_to_workdir_with_index(Some(&base_tree), Some(&mut options))?;
    let workdir = repo.workdir().unwrap_or_else(|| repo.path());
    let prefix = dir
        .canonicalize()
        .ok()
        .and_then(|d| {
            let w = workdir.canonicalize().ok()?;
            d.strip_prefix(&w).ok().map(Path::to_path_buf)
        })
        .unwrap_or_default();
    let mut paths: Vec<PathBuf> = diff
        .deltas()
        .flat_map(|delta| [delta.old_file().path(), delta.new_file().path()])
        .flatten()
        .filter_map(|path| path.strip_prefix(&prefix).ok().map(Path::to_path_buf))
        .collect();
    paths.sort();
    paths.dedup();
    Ok(paths)
}

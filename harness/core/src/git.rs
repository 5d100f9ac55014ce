//! Git state of the measured code (commit, branch, dirty flag), via git2.

use std::path::Path;

use git2::{Repository, StatusOptions};

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

//! Run files to history records: each run read and validated as every
//! command reads runs, and its commit's parent and subject looked up in the
//! repository when it is at hand.

use std::path::Path;

use git2::{Oid, Repository};

use benchgate_core::store::read_run;

use crate::error::Result;
use crate::record::{CommitInfo, RunRecord};

/// The parent and subject of `commit` in the repository around
/// `repository`; empty when there is no repository or it lacks the commit
/// (a run measured elsewhere still records what it knows).
pub fn commit_info(repository: Option<&Path>, commit: Option<&str>) -> CommitInfo {
    let (Some(dir), Some(commit)) = (repository, commit) else {
        return CommitInfo::default();
    };
    let Ok(repo) = Repository::discover(dir) else {
        return CommitInfo::default();
    };
    let Some(found) = Oid::from_str(commit)
        .ok()
        .and_then(|oid| repo.find_commit(oid).ok())
    else {
        return CommitInfo::default();
    };
    CommitInfo {
        parent: found.parent_id(0).ok().map(|oid| oid.to_string()),
        subject: found
            .summary_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned()),
    }
}

/// The record of the run file at `path`.
pub fn record_of_file(path: &Path, repository: Option<&Path>) -> Result<RunRecord> {
    let run = read_run(path)?;
    let commit = commit_info(repository, run.git.as_ref().map(|g| g.commit.as_str()));
    Ok(RunRecord::from_run(&run, commit))
}

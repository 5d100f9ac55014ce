//! The data branch: every recorded run as one JSON file on a git branch
//! (default [`DEFAULT_DATA_BRANCH`]), written with git2, so the history is
//! durable in CI without a server, diffable by a person, and the store can
//! be rebuilt from it at any time (`benchgate history sync`).
//!
//! Appending adds a new file and never edits one, so two CI jobs that
//! race never conflict: the loser of a push re-fetches, re-commits its
//! file on top of the winner's commit and pushes again.

use std::path::Path;
use std::time::Duration;

use git2::build::TreeUpdateBuilder;
use git2::{
    FileMode, ObjectType, Oid, PushOptions, RemoteCallbacks, Repository, Signature, TreeWalkMode,
    TreeWalkResult,
};

use crate::error::{HistoryError, Result};
use crate::record::RunRecord;

/// The branch runs are appended to unless told otherwise.
pub const DEFAULT_DATA_BRANCH: &str = "benchgate-data";

/// Attempts at appending before giving up. Each failed attempt means
/// another job pushed in between; eight cover a burst of merges landing
/// together, and a job that still loses reports it rather than spin.
pub const MAX_APPEND_ATTEMPTS: u32 = 8;

/// Directory of run files on the data branch.
const RUNS_DIR: &str = "runs";

/// Where a data branch lives and how to reach it.
#[derive(Debug, Clone, Copy)]
pub struct DataBranch<'a> {
    /// Any directory inside the repository.
    pub repository: &'a Path,
    pub branch: &'a str,
    /// Remote to fetch from and push to (`origin`, a URL or a path); `None`
    /// keeps the branch local.
    pub remote: Option<&'a str>,
}

/// What an append did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Appended {
    /// Committed as `commit` at `path`, after `attempts` tries.
    Committed {
        path: String,
        commit: String,
        attempts: u32,
    },
    /// The branch already holds this run (same file, same content).
    AlreadyThere { path: String },
}

/// The file a record goes to: by machine, then time, commit and digest, so
/// a listing reads in measured order and two runs never share a name.
pub fn record_path(record: &RunRecord) -> String {
    let p = &record.provenance;
    let when = time::OffsetDateTime::from_unix_timestamp(p.measured_at).map_or_else(
        |_| p.measured_at.to_string(),
        |t| {
            format!(
                "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    );
    let commit: String = p
        .commit
        .as_deref()
        .unwrap_or("nogit")
        .chars()
        .take(12)
        .collect();
    let safe = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    format!(
        "{RUNS_DIR}/{}/{when}-{}-{}.json",
        safe(&p.machine),
        safe(&commit),
        &record.digest()[..12]
    )
}

fn open(branch: &DataBranch<'_>) -> Result<Repository> {
    Repository::discover(branch.repository).map_err(|e| {
        HistoryError::git(
            format!(
                "{} is not inside a git repository (the data branch lives in one; pass --repo)",
                branch.repository.display()
            ),
            &e,
        )
    })
}

fn tracking_ref(data: &DataBranch<'_>) -> String {
    match data.remote {
        Some(remote) => format!(
            "refs/benchgate/remotes/{}/{}",
            remote
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>(),
            data.branch
        ),
        None => format!("refs/heads/{}", data.branch),
    }
}

/// Fetch the branch from the remote into a private tracking ref; `Ok(None)`
/// when the remote has no such branch yet.
fn fetch(repo: &Repository, data: &DataBranch<'_>) -> Result<Option<Oid>> {
    let Some(remote_name) = data.remote else {
        return Ok(repo.refname_to_id(&tracking_ref(data)).ok());
    };
    let mut remote = repo
        .find_remote(remote_name)
        .or_else(|_| repo.remote_anonymous(remote_name))
        .map_err(|e| HistoryError::git(format!("remote `{remote_name}`"), &e))?;
    let context = || format!("fetching `{}` from `{remote_name}`", data.branch);
    let connection = remote
        .connect_auth(git2::Direction::Fetch, None, None)
        .map_err(|e| HistoryError::git(context(), &e))?;
    let exists = connection
        .list()
        .map_err(|e| HistoryError::git(context(), &e))?
        .iter()
        .any(|head| head.name() == format!("refs/heads/{}", data.branch));
    drop(connection);
    let tracking = tracking_ref(data);
    if !exists {
        // Forget a tracking ref of a branch the remote no longer has.
        if let Ok(mut stale) = repo.find_reference(&tracking) {
            stale
                .delete()
                .map_err(|e| HistoryError::git(context(), &e))?;
        }
        return Ok(None);
    }
    remote
        .fetch(
            &[format!("+refs/heads/{}:{tracking}", data.branch)],
            None,
            None,
        )
        .map_err(|e| HistoryError::git(context(), &e))?;
    Ok(Some(
        repo.refname_to_id(&tracking)
            .map_err(|e| HistoryError::git(context(), &e))?,
    ))
}

fn signature(repo: &Repository) -> Result<Signature<'static>> {
    match repo.signature() {
        Ok(signature) => Ok(signature.to_owned()),
        Err(_) => Signature::now("benchgate", "benchgate@localhost")
            .map_err(|e| HistoryError::git("making a commit signature", &e)),
    }
}

/// Append `record` to the data branch, retrying when another writer moved
/// the branch in between (a non-fast-forward push or a moved local ref).
pub fn append(data: &DataBranch<'_>, record: &RunRecord) -> Result<Appended> {
    if let Some(problem) = record.first_invalid() {
        return Err(HistoryError::Refused(format!(
            "not appending the run to `{}`: {problem}",
            data.branch
        )));
    }
    let repo = open(data)?;
    let path = record_path(record);
    let text = serde_json::to_string_pretty(record)
        .map_err(|e| HistoryError::Refused(format!("cannot write the run record: {e}")))?
        + "\n";
    let mut last_failure = String::new();
    for attempt in 1..=MAX_APPEND_ATTEMPTS {
        if attempt > 1 {
            // Back off a little longer each time, so racing jobs spread out.
            std::thread::sleep(Duration::from_millis(50 * u64::from(attempt)));
        }
        let base = fetch(&repo, data)?;
        let context = || format!("appending {path} to `{}`", data.branch);
        let base_commit = base
            .map(|oid| repo.find_commit(oid))
            .transpose()
            .map_err(|e| HistoryError::git(context(), &e))?;
        let base_tree = match &base_commit {
            Some(commit) => commit
                .tree()
                .map_err(|e| HistoryError::git(context(), &e))?,
            None => {
                let empty = repo
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .map_err(|e| HistoryError::git(context(), &e))?;
                repo.find_tree(empty)
                    .map_err(|e| HistoryError::git(context(), &e))?
            }
        };
        let blob = repo
            .blob(text.as_bytes())
            .map_err(|e| HistoryError::git(context(), &e))?;
        if base_tree
            .get_path(Path::new(&path))
            .is_ok_and(|entry| entry.id() == blob)
        {
            return Ok(Appended::AlreadyThere { path });
        }
        let tree_id = TreeUpdateBuilder::new()
            .upsert(&path, blob, FileMode::Blob)
            .create_updated(&repo, &base_tree)
            .map_err(|e| HistoryError::git(context(), &e))?;
        let tree = repo
            .find_tree(tree_id)
            .map_err(|e| HistoryError::git(context(), &e))?;
        let signature = signature(&repo)?;
        let p = &record.provenance;
        let message = format!(
            "benchgate: run of {} on {}\n\n{} benchmarks and metrics, profile {}.\n",
            p.commit
                .as_deref()
                .map_or("(no commit)", |c| &c[..c.len().min(12)]),
            p.machine,
            record.summaries.len(),
            p.profile
        );
        let parents: Vec<&git2::Commit<'_>> = base_commit.iter().collect();
        let commit = repo
            .commit(None, &signature, &signature, &message, &tree, &parents)
            .map_err(|e| HistoryError::git(context(), &e))?;
        let local = format!("refs/heads/{}", data.branch);
        match data.remote {
            None => {
                // Compare-and-swap: fails when another writer moved the branch.
                let moved = match base {
                    Some(old) => {
                        repo.reference_matching(&local, commit, true, old, "benchgate: append run")
                    }
                    None => repo.reference(&local, commit, false, "benchgate: append run"),
                };
                match moved {
                    Ok(_) => {
                        return Ok(Appended::Committed {
                            path,
                            commit: commit.to_string(),
                            attempts: attempt,
                        });
                    }
                    Err(e) => last_failure = e.message().to_owned(),
                }
            }
            Some(remote_name) => match push(&repo, remote_name, base, commit, data.branch) {
                Ok(()) => {
                    // The local branch follows what was pushed.
                    repo.reference(&local, commit, true, "benchgate: append run")
                        .map_err(|e| HistoryError::git(context(), &e))?;
                    return Ok(Appended::Committed {
                        path,
                        commit: commit.to_string(),
                        attempts: attempt,
                    });
                }
                Err(reason) => last_failure = reason,
            },
        }
    }
    Err(HistoryError::Refused(format!(
        "could not append {path} to `{}` after {MAX_APPEND_ATTEMPTS} attempts (other jobs kept pushing; last: {last_failure}); run `benchgate history push-data` again",
        data.branch
    )))
}

/// Push `commit` to the remote's branch; `Err` with the reason when the
/// remote refused (a non-fast-forward) or could not be reached.
fn push(
    repo: &Repository,
    remote_name: &str,
    base: Option<Oid>,
    commit: Oid,
    branch: &str,
) -> std::result::Result<(), String> {
    let mut remote = repo
        .find_remote(remote_name)
        .or_else(|_| repo.remote_anonymous(remote_name))
        .map_err(|e| e.message().to_owned())?;
    // libgit2's transport to a repository on this file system writes the
    // remote's refs itself, without the fast-forward check a git server
    // makes, so two racing pushes could both "succeed" and one run be lost.
    // There, the objects travel under a private ref and the branch moves by
    // compare-and-swap in the remote repository.
    let local_remote = remote
        .url()
        .ok()
        .map(|url| url.strip_prefix("file://").unwrap_or(url).to_owned())
        .and_then(|path| Repository::open(path).ok());
    let staging = match &local_remote {
        Some(_) => format!("refs/benchgate/incoming/{commit}"),
        None => format!("refs/heads/{branch}"),
    };
    let source = format!("refs/benchgate/push/{commit}");
    repo.reference(&source, commit, true, "benchgate: push")
        .map_err(|e| e.message().to_owned())?;
    let rejected = std::cell::RefCell::new(None::<String>);
    let mut callbacks = RemoteCallbacks::new();
    callbacks.push_update_reference(|reference, status| {
        if let Some(status) = status {
            *rejected.borrow_mut() = Some(format!("{reference}: {status}"));
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(callbacks);
    // No `+`: a git server refuses anything but a fast-forward.
    let result = remote.push(&[format!("{source}:{staging}")], Some(&mut options));
    drop(options);
    if let Ok(mut pushed) = repo.find_reference(&source) {
        let _ = pushed.delete();
    }
    match (result, rejected.into_inner()) {
        (Err(e), _) => return Err(e.message().to_owned()),
        (Ok(()), Some(reason)) => return Err(reason),
        (Ok(()), None) => {}
    }
    let Some(target) = local_remote else {
        return Ok(());
    };
    let name = format!("refs/heads/{branch}");
    let moved = match base {
        Some(old) => target.reference_matching(&name, commit, true, old, "benchgate: append run"),
        None => target.reference(&name, commit, false, "benchgate: append run"),
    };
    if let Ok(mut incoming) = target.find_reference(&staging) {
        let _ = incoming.delete();
    }
    moved
        .map(|_| ())
        .map_err(|e| format!("{name} moved meanwhile ({})", e.message()))
}

/// Every run record on the data branch (fetched first when it has a
/// remote), with its path. A branch that does not exist yet holds none; a
/// file that is not a valid record is an error naming it.
pub fn read_all(data: &DataBranch<'_>) -> Result<Vec<(String, RunRecord)>> {
    let repo = open(data)?;
    let Some(tip) = fetch(&repo, data)? else {
        return Ok(Vec::new());
    };
    let context = || format!("reading `{}`", data.branch);
    let tree = repo
        .find_commit(tip)
        .and_then(|c| c.tree())
        .map_err(|e| HistoryError::git(context(), &e))?;
    let mut files = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = entry.name().unwrap_or_default();
        if entry.kind() == Some(ObjectType::Blob)
            && name.ends_with(".json")
            && dir.starts_with(RUNS_DIR)
        {
            files.push((format!("{dir}{name}"), entry.id()));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| HistoryError::git(context(), &e))?;
    let mut records = Vec::with_capacity(files.len());
    for (path, id) in files {
        let blob = repo
            .find_blob(id)
            .map_err(|e| HistoryError::git(context(), &e))?;
        let where_ = format!("{}:{path}", data.branch);
        let record: RunRecord = serde_json::from_slice(blob.content()).map_err(|e| {
            HistoryError::Refused(format!(
                "{where_} is not a benchgate run record ({e}); remove it from the branch or fix it by hand"
            ))
        })?;
        if let Some(problem) = record.first_invalid() {
            return Err(HistoryError::Refused(format!("{where_}: {problem}")));
        }
        records.push((path, record));
    }
    Ok(records)
}

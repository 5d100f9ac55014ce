//! Crash recovery in real child processes: killed mid-stream with background flushes, and aborted inside a flush at two fail points. Every acknowledged episode must come back, exactly once.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use memstore::MemStore;

/// Must match the child's corpus size (`src/bin/crash_child.rs`).
const CHILD_CORPUS: usize = 1000;

/// Acknowledgements the parent waits for before killing the child: past
/// several flushes of the child's 400-episode memtable.
const ACKS_BEFORE_KILL: u64 = 2000;

/// Runs the child in `mode`; returns the acknowledged ids. With `kill`
/// the parent kills it after [`ACKS_BEFORE_KILL`] acknowledgements.
fn run_child(dir: &Path, mode: &str, kill: bool) -> Vec<u64> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_memstore-crash-child"))
        .arg(dir)
        .arg(mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("child starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut acked = Vec::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("child output is text");
        if let Some(id) = line.strip_prefix("ACK ") {
            acked.push(id.parse::<u64>().expect("an id"));
            if kill && acked.len() as u64 == ACKS_BEFORE_KILL {
                child.kill().expect("child killed");
                break;
            }
        }
    }
    // Acknowledgements already in the pipe when the child died count too.
    for line in lines {
        if let Some(id) = line.expect("text").strip_prefix("ACK ") {
            acked.push(id.parse().expect("an id"));
        }
    }
    let status = child.wait().expect("child reaped");
    assert!(
        !status.success(),
        "the child must die, not exit: {status:?}"
    );
    acked
}

fn check_recovered(dir: &Path, acked: &[u64]) -> MemStore {
    let store = MemStore::open(dir, common::sync_options(400)).expect("reopens");
    let ids = store.ids().unwrap();
    let unique: std::collections::BTreeSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "no episode recovered twice");
    // Ids are assigned in log order, so what survives is a prefix.
    assert_eq!(
        ids,
        (0..ids.len() as u64).collect::<Vec<_>>(),
        "recovered ids form a prefix"
    );
    assert!(!acked.is_empty());
    let corpus = common::episodes(CHILD_CORPUS);
    for &id in acked {
        let episode = store.get(id).unwrap().unwrap_or_else(|| {
            panic!(
                "acknowledged episode {id} lost; report {:?}",
                store.recovery()
            )
        });
        let expected = &corpus[id as usize % CHILD_CORPUS];
        assert_eq!(episode.content, expected.content);
        assert_eq!(episode.timestamp_ms, expected.timestamp_ms);
        assert_eq!(episode.embedding.len(), memstore::DIM);
    }
    store
}

#[test]
fn killed_with_background_flushes_in_flight_loses_no_acknowledged_episode() {
    let dir = tempfile::tempdir().unwrap();
    let acked = run_child(dir.path(), "kill", true);
    assert!(acked.len() as u64 >= ACKS_BEFORE_KILL);
    let store = check_recovered(dir.path(), &acked);
    let report = store.recovery();
    assert!(report.segments_loaded >= 1, "{report:?}");
    assert!(
        report.episodes_replayed >= 1,
        "the memtable's episodes come from the log: {report:?}"
    );
    // The recovered store goes on: new ids follow the old ones, and a
    // second reopen sees everything.
    let next = store.store(common::episodes(1).remove(0)).unwrap();
    assert_eq!(next, store.ids().unwrap().len() as u64 - 1);
    let total = store.ids().unwrap().len();
    drop(store);
    let again = MemStore::open(dir.path(), common::sync_options(400)).unwrap();
    assert_eq!(again.ids().unwrap().len(), total);
}

#[test]
fn abort_before_the_segment_rename_leaves_the_log_to_replay() {
    let dir = tempfile::tempdir().unwrap();
    let acked = run_child(dir.path(), "abort-before-rename", false);
    assert_eq!(acked.len(), 399, "the 400th store aborted inside its flush");
    let store = check_recovered(dir.path(), &acked);
    let report = store.recovery();
    assert_eq!(report.temp_files_removed, 1, "{report:?}");
    assert_eq!(report.segments_loaded, 0, "{report:?}");
    // The unacknowledged 400th episode reached the log before the flush.
    assert_eq!(store.ids().unwrap().len(), 400);
}

#[test]
fn abort_after_the_segment_install_recovers_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let acked = run_child(dir.path(), "abort-after-install", false);
    assert_eq!(acked.len(), 399);
    let store = check_recovered(dir.path(), &acked);
    let report = store.recovery();
    assert_eq!(report.segments_loaded, 1, "{report:?}");
    assert_eq!(
        report.wal_files_covered, 1,
        "the segment's log is dropped, not replayed: {report:?}"
    );
    assert_eq!(store.ids().unwrap().len(), 400);
}
